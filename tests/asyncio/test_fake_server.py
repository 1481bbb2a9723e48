"""The official SDK's failure modes, fixed: relay_asyncio against the served fake RELAY server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from relay_asyncio import (
    AuthenticationError,
    Call,
    RelayClient,
    RequestTimeoutError,
    SessionClosedError,
)
from relay_asyncio.testing import FakeRelayHandle
from relay_core import CallState

from .scripted import client_tasks, scenario
from .served import FROM, RINGS_ON, phone, sent

# Dial, failed/cancelled/timed-out dials and connects, resume, play and the
# state after answer are tests/conformance's scenarios, run on both adapters.


def client_for(fake: FakeRelayHandle, **options: Any) -> RelayClient:
    options.setdefault("contexts", ["office"])
    return RelayClient(project="test-project", token="test-token", host=fake.url, **options)


async def no_live_calls(fake: FakeRelayHandle) -> None:
    await fake.wait_until(lambda: not fake.server.calls())


# -- connect -----------------------------------------------------------------------------------


@scenario()
async def test_connect_waits_for_the_bridge_and_returns_the_peer(fake: FakeRelayHandle) -> None:
    async with client_for(fake) as client:
        call = await client.dial([[phone("+15552222222")]])
        plan = [[phone(RINGS_ON)], [phone("+15559999999")]]
        result = await call.connect(plan, ringback=[{"type": "ringtone", "name": "us"}])
        assert result["code"] == "200" and result["state"] == "connected"
        (request,) = sent(fake, "calling.connect")
        assert request.params["ringback"] == [{"type": "ringtone", "params": {"name": "us"}}]
        peer = result.call
        assert isinstance(peer, Call) and peer is result.peer and call.peer is peer
        assert (peer.state, peer.direction) == ("answered", "outbound")
        assert peer.device == phone("+15559999999")
        simulated = fake.server.call(peer.call_id)
        assert simulated is not None and simulated.bridged_to == call.ref
        # The peer is a live Call: its own events reach it.
        ended = asyncio.create_task(peer.wait_for_ended())
        fake.hangup_call(peer.call_id)
        assert (await ended) is not None and peer.state == "ended"
        await fake.wait_until(lambda: call.peer is None)


# -- session -----------------------------------------------------------------------------------


@scenario()
async def test_leaving_is_fast_while_events_stream(fake: FakeRelayHandle) -> None:
    client = client_for(fake)
    async with client:
        call = await client.dial([[phone("+15552222222")]])
        (conn,) = fake.connections()

        async def stream() -> None:
            while True:
                fake.push_event(conn, "calling.call.mystery", {"call_id": call.call_id})
                await asyncio.sleep(0)

        streaming = asyncio.create_task(stream())
        await asyncio.sleep(0.1)
        start = asyncio.get_running_loop().time()
    elapsed = asyncio.get_running_loop().time() - start
    streaming.cancel()
    assert elapsed < 0.5, elapsed
    assert client_tasks() == []
    await fake.wait_until(lambda: fake.connections() == [])
    with pytest.raises(SessionClosedError):
        await call.hangup()


@scenario()
async def test_leaving_hangs_up_a_ringing_dial(fake: FakeRelayHandle) -> None:
    async with client_for(fake) as client:
        dial = asyncio.create_task(client.dial([[phone(RINGS_ON, timeout=30)]]))
        await fake.wait_until(lambda: bool(sent(fake, "calling.dial")))
        # Leave before the client has even heard of the leg: it lingers (bounded)
        # until the abandoned dial settles, ending the leg when it shows up.
    await no_live_calls(fake)  # no leg is left ringing with nobody to control it
    (end,) = sent(fake, "calling.end")
    assert end.params["reason"] == "cancel"
    with pytest.raises(SessionClosedError):
        await dial


@scenario()
async def test_bad_frames_do_not_stop_the_reader(fake: FakeRelayHandle) -> None:
    async with client_for(fake) as client:
        (conn,) = fake.connections()
        for frame in (
            "{not json",
            '{"jsonrpc": "2.0", "id": "e1", "method": "signalwire.event", "params": null}',
            '{"jsonrpc": "2.0", "id": "u1", "method": "signalwire.nonsense", "params": {}}',
            '{"jsonrpc": "2.0", "id": "nobody-asked", "result": {}}',
        ):
            fake.inject_raw(conn, frame)
        fake.push_event(conn, "calling.call.brand_new", {"call_id": "nobody"})
        fake.push_event(conn, "calling.call.state", {"call_state": "ended"})
        call = await client.dial([[phone("+15552222222")]])  # still reading and answering
        assert call.state == "answered"
        unknown = [e for e in fake.server.journal if e.request_id == "u1" and e.error_code]
        assert [e.error_code for e in unknown] == [-32601]
        assert client.statistics().malformed_frames >= 3
        await fake.wait_until(lambda: fake.server.unacked_events() == [])


@scenario()
async def test_auth_failure_leaves_nothing_behind(fake: FakeRelayHandle) -> None:
    wrong = RelayClient(project="test-project", token="wrong", host=fake.url)
    with pytest.raises(AuthenticationError) as caught:
        async with wrong:
            pytest.fail("the body must not run")
    assert caught.value.code == -32002
    assert client_tasks() == []
    await fake.wait_until(lambda: fake.connections() == [])
    async with client_for(fake) as client:  # a new client in the same process works
        assert (await client.dial([[phone("+15552222222")]])).state == "answered"
    with pytest.raises(AuthenticationError):  # and the failed one can simply try again
        async with wrong:
            pass


@scenario()
async def test_several_clients_share_a_process(fake: FakeRelayHandle) -> None:
    async with client_for(fake) as first, client_for(fake) as second:
        calls = await asyncio.gather(
            first.dial([[phone("+15552222222")]]), second.dial([[phone("+15559999999")]])
        )
        assert len({c.call_id for c in calls}) == 2
        assert len(fake.server.sessions()) == 2


@scenario()
async def test_inbound_concurrency_is_bounded(fake: FakeRelayHandle) -> None:
    client = client_for(fake, max_concurrent_handlers=1)
    release = asyncio.Event()
    handled: list[Call] = []

    @client.on_call
    async def handle(call: Call) -> None:
        handled.append(call)
        await call.answer()
        await release.wait()
        await call.hangup()

    async with client:
        first = fake.inject_inbound_call(context="office", from_number=FROM, to_number="+1555")
        await fake.wait_until(lambda: bool(sent(fake, "calling.answer")))
        second = fake.inject_inbound_call(context="office", from_number=FROM, to_number="+1555")
        await fake.wait_until(lambda: bool(sent(fake, "calling.pass")))
        (passed,) = sent(fake, "calling.pass")
        assert passed.params["call_id"] == second.call_id
        assert [c.call_id for c in handled] == [first.call_id]
        assert handled[0].context == "office" and handled[0].state == "answered"
        release.set()
        await fake.wait_until(
            lambda: (
                fake.server.call(first.call_id) is None
                or (
                    fake.server.call(first.call_id).state is CallState.ENDED  # type: ignore[union-attr]
                )
            )
        )


@scenario()
async def test_per_request_timeout_fails_only_that_request(fake: FakeRelayHandle) -> None:
    async with client_for(fake, request_timeout=0.2) as client:
        call = await client.dial([[phone("+15552222222")]])
        fake.server.arm_response("calling.end", withhold=True)
        with pytest.raises(RequestTimeoutError):
            await call.hangup()
        await call.hangup()  # the same socket still works (K.2)
        assert len(fake.connections()) == 1
        await no_live_calls(fake)
