"""relay_trio against the embedded fake RELAY server, in virtual time.

The simulated network's default directory: ``+15551111111`` and
``+15551110001`` never answer, ``+15552222222`` / ``+15551110002`` answer
after 1 s, ``+15551110003`` is busy.  Failed, cancelled and resumed dials,
failed connects and the state after answer are tests/conformance's
scenarios, run on both adapters.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import pytest
import trio

import relay_trio
from relay_core import (
    AuthenticationError,
    CallState,
    ConnectionId,
    LocalProtocolError,
    PlayState,
)
from relay_trio._demo import main as demo_main
from relay_trio.testing import FakeRelayHandle

from ..helpers import sent

FROM = "+15550000000"
NO_ANSWER = "+15551111111"
ANSWERS = "+15552222222"
BUSY = "+15551110003"


def phone(number: str, timeout: float | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"to_number": number, "from_number": FROM}
    if timeout is not None:
        params["timeout"] = timeout
    return {"type": "phone", "params": params}


def client(fake: FakeRelayHandle, **options: Any) -> Any:
    return relay_trio.open_relay_client(
        project="test-project", token="test-token", host=fake.url, **options
    )


def ringing(fake: FakeRelayHandle, count: int) -> Callable[[], bool]:
    return lambda: sum(c.state is CallState.RINGING for c in fake.server.calls()) >= count


def failover() -> list[list[dict[str, Any]]]:
    """A group that rings 5 s unanswered, then one that answers."""
    return [[phone(NO_ANSWER, 5)], [phone(ANSWERS)]]


async def disturbed(
    fake: FakeRelayHandle,
    start: Callable[[], Awaitable[relay_trio.Call]],
    disturb: Callable[[ConnectionId], object],
) -> relay_trio.Call:
    """Run ``start`` (a dial or connect); once a leg rings, ``disturb`` the client's socket."""
    result: list[relay_trio.Call] = []

    async def run() -> None:
        result.append(await start())

    async with trio.open_nursery() as nursery:
        nursery.start_soon(run)
        await fake.wait_until(ringing(fake, 1))
        disturb(fake.connections()[0])
    return result[0]


@pytest.mark.trio
async def test_serial_failover_then_parallel_connect_then_hangup(
    fake: FakeRelayHandle, autojump_clock: Any
) -> None:
    with trio.fail_after(120):
        async with client(fake) as relay:
            start = trio.current_time()
            call = await relay.dial([[phone(NO_ANSWER, timeout=20)], [phone(ANSWERS)]])
            assert trio.current_time() - start == pytest.approx(21, abs=0.5)
            assert call.state is CallState.ANSWERED
            playback = await call.play([{"type": "tts", "text": "Hello there"}])
            assert await playback.wait() is PlayState.FINISHED
            peer = await call.connect([[phone(NO_ANSWER), phone("+15551110002")]])
            assert call.peer is peer and peer.peer is call
            await call.hangup()
            await call.wait_for_ended()
            assert call.end_reason == "hangup"
    ended = {c.destination: c.end_reason for c in fake.server.calls(live_only=False)}
    assert ended[NO_ANSWER] in ("noAnswer", "cancel")


@pytest.mark.trio
async def test_leaving_the_client_mid_dial_ends_every_leg(
    fake: FakeRelayHandle, autojump_clock: Any
) -> None:
    with trio.fail_after(60):
        with pytest.raises(ExceptionGroup) as caught:
            async with client(fake) as relay, trio.open_nursery() as nursery:
                nursery.start_soon(relay.dial, [[phone(NO_ANSWER)], [phone(ANSWERS)]])
                await fake.wait_until(ringing(fake, 1))
                1 / 0  # noqa: B018
        await fake.wait_until(lambda: not fake.server.calls())
    assert caught.value.subgroup(ZeroDivisionError) is not None
    assert [end["reason"] for end in sent(fake, "calling.end")] == ["cancel"]
    assert len(fake.server.calls(live_only=False)) == 1  # the second group never rang


@pytest.mark.trio
async def test_dropped_socket_mid_connect_resumes(
    fake: FakeRelayHandle, autojump_clock: Any
) -> None:
    with trio.fail_after(60):
        async with client(fake, reconnect_base=0.1) as relay:
            call = await relay.dial([[phone(ANSWERS)]])
            groups = [[phone(NO_ANSWER, 3)], [phone(ANSWERS)]]
            peer = await disturbed(fake, partial(call.connect, groups), fake.drop)
        assert peer.peer is call


@pytest.mark.trio
async def test_dropped_socket_mid_play_resumes(fake: FakeRelayHandle, autojump_clock: Any) -> None:
    with trio.fail_after(60):
        async with client(fake, reconnect_base=0.1) as relay:
            call = await relay.dial([[phone(ANSWERS)]])
            playback = await call.play([{"type": "silence", "duration": 10}])
            await trio.sleep(2)
            fake.drop(fake.connections()[0])
            assert await playback.wait() is PlayState.FINISHED
            assert relay.statistics().connections == 2


@pytest.mark.trio
async def test_malformed_frames_mid_dial(fake: FakeRelayHandle, autojump_clock: Any) -> None:
    with trio.fail_after(60):
        async with client(fake) as relay:

            def inject_junk(conn: ConnectionId) -> None:
                for junk in ("{", "[]", '{"jsonrpc": "2.0", "id": 1}', '"text"', "\x00"):
                    fake.inject_raw(conn, junk)

            call = await disturbed(fake, partial(relay.dial, failover()), inject_junk)
        assert call.state is CallState.ANSWERED
        assert relay.statistics().malformed_frames >= 4


@pytest.mark.trio
async def test_bad_credentials_fail_fast(fake: FakeRelayHandle) -> None:
    started = time.perf_counter()
    with trio.fail_after(5), pytest.raises(AuthenticationError):
        async with relay_trio.open_relay_client(
            project="test-project", token="wrong", host=fake.url, reconnect_base=0.01
        ):
            pass
    assert time.perf_counter() - started < 1.0


@pytest.mark.trio
async def test_fast_exit_while_the_server_streams(fake: FakeRelayHandle) -> None:
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            async with client(fake) as relay:
                conn = fake.connections()[0]

                async def stream() -> None:
                    with contextlib.suppress(LocalProtocolError):  # until the client is gone
                        while True:
                            fake.push_event(conn, "calling.conference", {"conference_id": "c1"})
                            await trio.sleep(0)

                nursery.start_soon(stream)
                while relay.statistics().events_received < 200:
                    await trio.sleep(0.001)
                started = time.perf_counter()
            elapsed = time.perf_counter() - started
            nursery.cancel_scope.cancel()
    assert elapsed < 0.5, elapsed


@pytest.mark.trio
async def test_inbound_calls_are_served(fake: FakeRelayHandle, autojump_clock: Any) -> None:
    answered: list[str] = []

    async def handler(call: relay_trio.Call) -> None:
        await call.answer()
        answered.append(call.call_id)
        await call.hangup()

    with trio.fail_after(60):
        async with client(fake, contexts=["office"]) as relay, trio.open_nursery() as nursery:
            await nursery.start(relay.serve, handler)
            for n in range(3):
                fake.inject_inbound_call(
                    context="office", from_number=f"+1555333000{n}", to_number="+15551112222"
                )
            await fake.wait_until(lambda: len(answered) == 3 and not fake.server.calls())
            nursery.cancel_scope.cancel()
    assert len(set(answered)) == 3


def test_the_demo_runs_against_the_embedded_server(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo_main(["demo", "--speed", "50", "--talk", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "ended (noAnswer)" in out
    assert "play_and_collect digit 1" in out  # the callee pressed 1 at the IVR menu
    assert "pressed 1: sales" in out
    assert "connect connected" in out
    assert "ended (hangup)" in out


def test_the_demo_branches_on_the_digit_pressed(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo_main(["demo", "--speed", "50", "--press", "2"]) == 0
    out = capsys.readouterr().out
    assert "play_and_collect digit 2" in out
    assert "pressed 2: support" in out
    assert "connect connecting" not in out  # support does not connect: a goodbye, then the hangup
    assert "ended (hangup)" in out
