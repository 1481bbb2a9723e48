"""The end-to-end scenarios, written once, for both real clients.

Each is ``async def scenario(d, fake)``: ``d`` is the adapter's
:class:`~tests.conformance.driver.Driver`, ``fake`` the served fake server's
handle.  Each asserts the outcome (the same values and the same
``relay_core`` exception type on both adapters) and the requests the server
saw, in order.  ``test_conformance`` then checks that nothing was left on
the server: no live leg, no unacknowledged or buffered event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from relay_core import (
    CallGoneError,
    ConnectError,
    DialError,
    DialTimeoutError,
    RelayError,
    RequestError,
)

from .driver import (
    ANSWERS,
    BUSY,
    FAILS,
    NEVER,
    PEER,
    SLOW,
    Driver,
    core_type,
    methods,
    phone,
    requests,
)
from .verbs import VERB_SCENARIOS

Scenario = Callable[[Driver, Any], Awaitable[None]]
CONNECT = "signalwire.connect"


def ended(fake: Any) -> dict[str, str | None]:
    """Every leg the server made: destination -> end reason."""
    return {c.destination: c.end_reason for c in fake.server.calls(live_only=False)}


async def serial_failover_dial(d: Driver, fake: Any) -> None:
    async with d.client(fake) as client:
        call = await client.dial([[phone(NEVER, timeout=0.1)], [phone(ANSWERS)]], tag="dt-1")
        assert (client.state(call), call.direction) == ("answered", "outbound")
        assert (call.tag, call.node_id) == ("dt-1", fake.server.node_id)
        assert client.to_number(call) == ANSWERS
        assert client.raw.statistics().live_calls == 1
        await client.hangup(call)
        await client.wait_for_state(call, "ended")
        assert call.end_reason == "hangup"
    assert ended(fake) == {NEVER: "noAnswer", ANSWERS: "hangup"}
    connect, dial, _ = requests(fake)
    assert connect.params["contexts"] == ["office"] and len(dial.params["devices"]) == 2  # type: ignore[arg-type]
    assert methods(fake) == [CONNECT, "calling.dial", "calling.end"]


async def parallel_ring(d: Driver, fake: Any) -> None:
    async with d.client(fake) as client:
        call = await client.dial([[phone(NEVER), phone(ANSWERS)]])
        assert client.to_number(call) == ANSWERS
        await client.hangup(call)
    assert ended(fake) == {NEVER: "cancel", ANSWERS: "hangup"}
    assert methods(fake) == [CONNECT, "calling.dial", "calling.end"]


async def failed_dial(d: Driver, fake: Any, number: str, reason: str) -> None:
    async with d.client(fake) as client:
        try:
            await client.dial([[phone(number)]], tag="my-dial")
        except RelayError as exc:
            assert core_type(exc) is DialError
            assert (exc.reason, exc.tag) == (reason, "my-dial")  # type: ignore[attr-defined]
        else:
            raise AssertionError("the dial did not fail")
    assert ended(fake) == {number: reason}
    assert methods(fake) == [CONNECT, "calling.dial"]


async def rejected_dial_raises_the_servers_code(d: Driver, fake: Any) -> None:
    fake.server.arm_response("calling.dial", result={"code": "400", "message": "Invalid devices"})
    async with d.client(fake) as client:
        try:
            await client.dial([[phone(ANSWERS)]])
        except RelayError as exc:  # the server's code, not a DialError (as the official SDK)
            assert core_type(exc) is RequestError
            assert (exc.code, exc.message) == (400, "Invalid devices")
            assert exc.method == "calling.dial"  # type: ignore[attr-defined]
        else:
            raise AssertionError("the dial did not fail")
    assert ended(fake) == {}
    assert methods(fake) == [CONNECT, "calling.dial"]


async def restart_mid_dial_fails_it_and_ends_the_leg(d: Driver, fake: Any) -> None:
    async with d.client(fake) as client:
        errors: list[RelayError] = []

        async def dial() -> None:
            try:
                await client.dial([[phone(SLOW, timeout=5)]])
            except RelayError as exc:
                errors.append(exc)

        async with d.spawn(dial):
            assert await d.wait_until(lambda: bool(fake.server.calls()))
            fake.request_disconnect(fake.connections()[0], restart=True)
        [error] = errors
        assert core_type(error) is DialError and error.reason == "session_lost"  # type: ignore[attr-defined]
    assert ended(fake) == {SLOW: "cancel"}
    # The client ends the lost dial's leg on the new session (the leg we started).
    assert methods(fake) == [CONNECT, "calling.dial", CONNECT, "calling.end"]


def ringing(fake: Any) -> bool:
    return any(c.state.value == "ringing" for c in fake.server.calls())


async def malformed_dial_outcome_fails_and_ends_the_leg(d: Driver, fake: Any) -> None:
    async with d.client(fake) as client:
        errors: list[RelayError] = []

        async def dial() -> None:
            try:
                await client.dial([[phone(NEVER, timeout=30)]], tag="dt-1")
            except RelayError as exc:
                errors.append(exc)

        async with d.spawn(dial):
            assert await d.wait_until(lambda: ringing(fake))
            # "answered" without the winning call: the outcome cannot be read.
            outcome = {"node_id": fake.server.node_id, "tag": "dt-1", "dial_state": "answered"}
            fake.push_event(fake.connections()[0], "calling.call.dial", outcome)
        [error] = errors
        assert core_type(error) is DialError and error.reason == "malformed_event"  # type: ignore[attr-defined]
        assert await d.wait_until(lambda: not fake.server.calls())
    assert ended(fake) == {NEVER: "cancel"}
    assert methods(fake) == [CONNECT, "calling.dial", "calling.end"]


async def malformed_connect_outcome_fails_and_ends_the_leg(d: Driver, fake: Any) -> None:
    async with d.client(fake) as client:
        call = await client.dial([[phone(ANSWERS)]])
        errors: list[RelayError] = []

        async def connect() -> None:
            try:
                await client.connect(call, [[phone(NEVER, timeout=30)]], tag="ct-1")
            except RelayError as exc:
                errors.append(exc)

        async with d.spawn(connect):
            assert await d.wait_until(lambda: ringing(fake))
            # "connected" without the peer: the outcome cannot be read.
            outcome = {
                "node_id": call.node_id, "call_id": call.call_id, "tag": "ct-1",
                "connect_state": "connected",
            }  # fmt: skip
            fake.push_event(fake.connections()[0], "calling.call.connect", outcome)
        [error] = errors
        assert core_type(error) is ConnectError and error.reason == "malformed_event"  # type: ignore[attr-defined]
        assert await d.wait_until(lambda: len(fake.server.calls()) == 1)
        assert client.state(call) == "answered"
        await client.hangup(call)
    assert ended(fake) == {ANSWERS: "hangup", NEVER: "cancel"}
    assert methods(fake) == [
        CONNECT,
        "calling.dial",
        "calling.connect",
        "calling.end",
        "calling.end",
    ]


async def dial_timeout_ends_legs(d: Driver, fake: Any) -> None:
    async with d.client(fake) as client:
        try:
            plan = [[phone(NEVER, timeout=30), phone(SLOW, timeout=30)]]
            await client.dial(plan, dial_timeout=0.1)
        except RelayError as exc:
            # The same core type in both adapters: a DialError and a TimeoutError.
            assert core_type(exc) is DialTimeoutError
            assert isinstance(exc, DialError) and isinstance(exc, TimeoutError)
            assert exc.reason == "timeout"
        else:
            raise AssertionError("the dial did not time out")
        assert await d.wait_until(lambda: not fake.server.calls())
    assert ended(fake) == {NEVER: "cancel", SLOW: "cancel"}
    ends = [e.params for e in requests(fake) if e.method == "calling.end"]
    assert sorted(e["reason"] for e in ends) == ["cancel", "cancel"]  # type: ignore[type-var]
    assert methods(fake) == [CONNECT, "calling.dial", "calling.end", "calling.end"]


async def connect_success_then_failure(d: Driver, fake: Any) -> None:
    async with d.client(fake) as client:
        call = await client.dial([[phone(ANSWERS)]])
        peer = await client.connect(call, [[phone(NEVER, timeout=0.1)], [phone(PEER)]])
        assert client.to_number(peer) == PEER and client.state(peer) == "answered"
        assert client.peer(call) is peer
        bridged = fake.server.call(peer.call_id)
        assert bridged is not None and bridged.bridged_to == call.ref
        await client.hangup(peer)  # tears the bridge down; the call stays up
        assert await d.wait_until(lambda: client.peer(call) is None)
        try:
            await client.connect(call, [[phone(BUSY)]])
        except RelayError as exc:
            assert core_type(exc) is ConnectError and exc.reason == "busy"  # type: ignore[attr-defined]
        else:
            raise AssertionError("the connect did not fail")
        assert client.state(call) == "answered"
        await client.hangup(call)
    assert ended(fake) == {ANSWERS: "hangup", NEVER: "noAnswer", PEER: "hangup", BUSY: "busy"}
    assert methods(fake) == [
        *(CONNECT, "calling.dial", "calling.connect", "calling.end"),
        *("calling.connect", "calling.end"),
    ]


async def cancelled_connect_ends_peer_legs(d: Driver, fake: Any) -> None:
    async with d.client(fake) as client:
        call = await client.dial([[phone(ANSWERS)]])
        async with d.give_up_after(0.1):
            await client.connect(call, [[phone(SLOW, timeout=5), phone(NEVER, timeout=5)]])
        assert await d.wait_until(lambda: len(fake.server.calls()) == 1)
        assert client.state(call) == "answered" and client.peer(call) is None
        await client.hangup(call)
    assert ended(fake) == {ANSWERS: "hangup", SLOW: "cancel", NEVER: "cancel"}
    assert methods(fake) == [
        *(CONNECT, "calling.dial", "calling.connect", "calling.end", "calling.end"),
        "calling.end",
    ]


async def play_controls(d: Driver, fake: Any) -> None:
    async with d.client(fake) as client:
        call = await client.dial([[phone(ANSWERS)]])
        finished = await client.play(call, [{"type": "silence", "duration": 0.1}])  # flat form
        assert await finished.wait() == "finished"
        play = await client.play(call, [{"type": "silence", "params": {"duration": 60}}])
        await play.pause()
        await play.resume()
        await play.volume(-6.0)
        await play.stop()
        assert await play.wait() == "finished"
        await client.hangup(call)
    plays = [e.params["play"] for e in requests(fake) if e.method == "calling.play"]
    assert plays[0] == [{"type": "silence", "params": {"duration": 0.1}}]
    assert methods(fake) == [
        *(CONNECT, "calling.dial", "calling.play", "calling.play"),
        *("calling.play.pause", "calling.play.resume", "calling.play.volume"),
        *("calling.play.stop", "calling.end"),
    ]


async def inbound_answered_and_hung_up(d: Driver, fake: Any) -> None:
    async with d.client(fake) as client:
        fake.inject_inbound_call(context="office", from_number=ANSWERS, to_number=PEER)
        call = await client.inbound_call()
        assert (call.direction, client.state(call)) == ("inbound", "created")
        await client.answer(call)
        assert client.state(call) == "answered"  # at once, not after the server's event
        await client.hangup(call)
        await client.wait_for_state(call, "ended")
        try:  # the call is gone: refused before anything is sent
            await client.connect(call, [[phone(PEER)]])
        except RelayError as exc:
            assert core_type(exc) is CallGoneError
        else:
            raise AssertionError("connect on an ended call did not fail")
    assert methods(fake) == [CONNECT, "calling.answer", "calling.end"]


async def overflow_policy(d: Driver, fake: Any) -> None:
    async with d.client(fake, max_calls=1) as client:
        call = await client.dial([[phone(ANSWERS)]])
        offer = fake.inject_inbound_call(context="office", from_number=PEER, to_number=ANSWERS)
        assert await d.wait_until(lambda: "calling.pass" in methods(fake))
        (passed,) = [e.params for e in requests(fake) if e.method == "calling.pass"]
        assert passed["call_id"] == offer.call_id
        # Passed on to nobody: the offer rings on at the server until its caller gives up.
        offered = fake.server.call(offer.call_id)
        assert offered is not None and offered.state.value == "created"
        fake.hangup_call(offer.call_id)
        await client.hangup(call)
    assert methods(fake) == [CONNECT, "calling.dial", "calling.pass", "calling.end"]


async def resume_mid_dial(d: Driver, fake: Any, lose: str) -> None:
    async with d.client(fake) as client:
        calls: list[Any] = []

        async def dial() -> None:
            calls.append(await client.dial([[phone(SLOW, timeout=5)]]))

        async with d.spawn(dial):
            assert await d.wait_until(lambda: bool(fake.server.calls()))
            conn = fake.connections()[0]
            fake.drop(conn) if lose == "drop" else fake.request_disconnect(conn)
        (call,) = calls
        assert client.state(call) == "answered"
        assert client.raw.statistics().connections == 2
        await client.hangup(call)
    connects = [e.params for e in requests(fake) if e.method == CONNECT]
    assert "protocol" not in connects[0] and "protocol" in connects[1]
    assert methods(fake) == [CONNECT, "calling.dial", CONNECT, "calling.end"]


async def server_disconnect_restart(d: Driver, fake: Any) -> None:
    async with d.client(fake) as client:
        first = fake.server.sessions()[0]
        fake.request_disconnect(fake.connections()[0], restart=True)
        assert await d.wait_until(lambda: methods(fake).count(CONNECT) == 2)
        call = await client.dial([[phone(ANSWERS)]])  # the new session works
        await client.hangup(call)
        assert [s.protocol for s in fake.server.sessions()] != [first.protocol]
    connects = [e.params for e in requests(fake) if e.method == CONNECT]
    assert all("protocol" not in c for c in connects)  # a restart starts afresh
    assert methods(fake) == [CONNECT, CONNECT, "calling.dial", "calling.end"]


async def cancelled_dial_ends_legs(d: Driver, fake: Any) -> None:
    async with d.client(fake) as client:
        async with d.give_up_after(0.1):
            await client.dial([[phone(NEVER, timeout=30), phone(SLOW, timeout=30)]])
        assert await d.wait_until(lambda: not fake.server.calls())
    assert ended(fake) == {NEVER: "cancel", SLOW: "cancel"}
    assert methods(fake) == [CONNECT, "calling.dial", "calling.end", "calling.end"]


SCENARIOS: dict[str, Scenario] = {
    "serial_failover_dial": serial_failover_dial,
    "parallel_ring": parallel_ring,
    "failed_dial_busy": partial(failed_dial, number=BUSY, reason="busy"),
    "failed_dial_error": partial(failed_dial, number=FAILS, reason="error"),
    "rejected_dial_raises_the_servers_code": rejected_dial_raises_the_servers_code,
    "restart_mid_dial_fails_it_and_ends_the_leg": restart_mid_dial_fails_it_and_ends_the_leg,
    "dial_timeout_ends_legs": dial_timeout_ends_legs,
    "malformed_dial_outcome_fails_and_ends_the_leg": malformed_dial_outcome_fails_and_ends_the_leg,
    "malformed_connect_outcome": malformed_connect_outcome_fails_and_ends_the_leg,
    "cancelled_dial_ends_legs": cancelled_dial_ends_legs,
    "connect_success_then_failure": connect_success_then_failure,
    "cancelled_connect_ends_peer_legs": cancelled_connect_ends_peer_legs,
    "play_controls": play_controls,
    "inbound_answered_and_hung_up": inbound_answered_and_hung_up,
    "overflow_policy": overflow_policy,
    "resume_after_drop_mid_dial": partial(resume_mid_dial, lose="drop"),
    "resume_after_disconnect_mid_dial": partial(resume_mid_dial, lose="disconnect"),
    "server_disconnect_restart": server_disconnect_restart,
}

# The calling verbs (issue 13): each adapter's verb set in tests/conformance/verbs.py.
SCENARIOS.update(VERB_SCENARIOS)
