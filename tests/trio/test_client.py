"""relay_trio against a scripted stand-in server: every frame is the test's."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any

import pytest
import trio
import trio.testing

import relay_trio
from relay_core import (
    AuthenticationError,
    CallGoneError,
    CallState,
    ConnectError,
    ConnectionLostError,
    DialError,
    PlayState,
    SessionClosedError,
)
from tests.trio.standin import OK, Frame, Peer, StandIn, open_standin

A: dict[str, Any] = {
    "type": "phone",
    "params": {"to_number": "+15551110001", "from_number": "+15550000000"},
}
B: dict[str, Any] = {
    "type": "phone",
    "params": {"to_number": "+15551110002", "from_number": "+15550000000"},
}
CALLER = {"type": "phone", "params": {"from_number": "+15553334444", "to_number": "+15551112222"}}
QUIET = {"ping_interval": None, "server_ping_timeout": None}


@pytest.fixture
async def server() -> AsyncIterator[StandIn]:
    async with open_standin() as standin:
        yield standin


def client(server: StandIn, **options: Any) -> Any:
    return relay_trio.open_relay_client(
        project="proj", token="secret-token", host=server.url, **{**QUIET, **options}
    )


Script = Callable[[], Awaitable[object]]


@contextlib.asynccontextmanager
async def scripted(
    server: StandIn, script: Script | None = None, *, timeout: float = 5, **options: Any
) -> AsyncIterator[Any]:  # Any, as from ``client``
    """A client of ``server`` while ``script`` (default: accept one session) plays the server.

    Leaving waits for the script to finish, all within ``timeout``.
    """
    with trio.fail_after(timeout):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(script or server.accept_session)
            async with client(server, **options) as relay:
                yield relay


@contextlib.asynccontextmanager
async def on_a_call(
    server: StandIn, script: Script | None = None, **options: Any
) -> AsyncIterator[relay_trio.Call]:
    """An answered outbound call on ``leg-1``; ``script`` then plays the server."""
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(server.accept_session)
            async with client(server, **options) as relay:
                call = await dialled(server, relay)
                if script is not None:
                    nursery.start_soon(script)
                yield call


async def answered(peer: Peer, tag: str, call_id: str) -> None:
    await peer.state(call_id, "answered", tag=tag)
    winner = {"call_id": call_id, "node_id": "n1", "tag": tag, "dial_winner": True}
    await peer.event("calling.call.dial", node_id="n1", tag=tag, dial_state="answered", call=winner)


async def dial_until_ringing(peer: Peer, *legs: str) -> str:
    """Accept a dial and ring ``legs``; returns the tag."""
    request = await peer.request("calling.dial")
    tag: str = request["params"]["tag"]
    await peer.reply(request)
    for leg in legs:
        await peer.state(leg, "created", tag=tag)
        await peer.state(leg, "ringing", tag=tag)
    return tag


async def settle_abandoned(peer: Peer, tag: str, legs: int) -> None:
    """Answer the client's ``calling.end`` for each leg, then fail the dial."""
    for _ in range(legs):
        request = await peer.request("calling.end")
        await peer.reply(request)
        await peer.state(request["params"]["call_id"], "ended", tag=tag, end_reason="cancel")
    await peer.event("calling.call.dial", node_id="n1", tag=tag, dial_state="failed",
                     reason="cancel")  # fmt: skip


async def dialled(server: StandIn, client: relay_trio.RelayClient, leg: str = "leg-1") -> Any:
    """An answered outbound call (the A leg of later tests)."""
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_answer_dial, server.peers[-1], leg)
        return await client.dial([[A]])


async def _answer_dial(peer: Peer, leg: str) -> None:
    tag = await dial_until_ringing(peer, leg)
    await answered(peer, tag, leg)


# -- open, dial ---------------------------------------------------------------------


@pytest.mark.trio
async def test_a_dial_whose_leg_ends_in_the_same_read_returns_the_ended_call(
    server: StandIn,
) -> None:
    # The load server's shape: answered, the dial's outcome and the callee's
    # hang-up in one write.  The Call returned is the one that saw it end.
    async def script() -> None:
        peer = await server.accept_session()
        request = await peer.request("calling.dial")
        tag = request["params"]["tag"]
        leg = {"node_id": "n1", "call_id": "leg-1", "tag": tag, "direction": "outbound"}
        winner = {"call_id": "leg-1", "node_id": "n1", "tag": tag, "dial_winner": True}

        def event(event_type: str, **params: Any) -> Frame:
            event_id = f"ev-{event_type}-{params.get('call_state')}"
            body = {"event_type": event_type, "params": params}
            return {"jsonrpc": "2.0", "id": event_id, "method": "signalwire.event", "params": body}

        await peer.send_together(
            {"jsonrpc": "2.0", "id": request["id"], "result": OK},
            event("calling.call.state", **leg, call_state="created"),
            event("calling.call.state", **leg, call_state="answered"),
            event("calling.call.dial", node_id="n1", tag=tag, dial_state="answered", call=winner),
            event("calling.call.state", **leg, call_state="ended", end_reason="hangup"),
        )

    async with scripted(server, script) as relay:
        call = await relay.dial([[A]])
        assert call.call_id == "leg-1"
        await call.wait_for_ended()
        assert call.end_reason == "hangup"
        assert "calls=0" in repr(relay)  # nothing left tracked


@pytest.mark.trio
async def test_dial_timeout_ends_every_leg(server: StandIn, autojump_clock: Any) -> None:
    async def script() -> None:
        peer = await server.accept_session()
        await dial_until_ringing(peer, "leg-1", "leg-2")
        request = await peer.request("calling.end")
        await peer.reply(request)

    async with scripted(server, script, timeout=300) as relay:
        start = trio.current_time()
        with pytest.raises(relay_trio.DialTimeoutError) as caught:
            await relay.dial([[A, B]], dial_timeout=60)
        assert trio.current_time() - start == pytest.approx(60)
    assert isinstance(caught.value, trio.TooSlowError)
    assert isinstance(caught.value, DialError) and caught.value.reason == "timeout"
    assert server.ends() == {"leg-1": "cancel", "leg-2": "cancel"}


# -- cancellation and leaving ---------------------------------------------------------


@pytest.mark.trio
async def test_leaving_the_client_mid_dial_ends_every_leg(server: StandIn) -> None:
    class Boom(Exception):
        pass

    ringing = trio.Event()
    outcome: list[BaseException] = []

    async def script() -> None:
        peer = await server.accept_session()
        tag = await dial_until_ringing(peer, "leg-1", "leg-2")
        await peer.fence()
        ringing.set()
        await settle_abandoned(peer, tag, 2)

    async def dial_outliving_the_block(relay: relay_trio.RelayClient) -> None:
        try:
            await relay.dial([[A, B]])
        except SessionClosedError as exc:
            outcome.append(exc)

    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(script)
            with pytest.raises(Boom):
                async with client(server) as relay:
                    nursery.start_soon(dial_outliving_the_block, relay)
                    await ringing.wait()
                    raise Boom
            await server.peers[0].closed.wait()
    assert server.ends() == {"leg-1": "cancel", "leg-2": "cancel"}
    assert len(outcome) == 1  # the dial did not hang


@pytest.mark.trio
async def test_an_error_in_the_block_abandons_a_dial_running_inside(server: StandIn) -> None:
    ringing = trio.Event()

    async def script() -> None:
        peer = await server.accept_session()
        tag = await dial_until_ringing(peer, "leg-1")
        await peer.fence()
        ringing.set()
        await settle_abandoned(peer, tag, 1)

    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(script)
            with pytest.raises(ExceptionGroup) as caught:
                async with client(server) as relay, trio.open_nursery() as inner:
                    inner.start_soon(relay.dial, [[A]])
                    await ringing.wait()
                    raise ValueError("user error")
            await server.peers[0].closed.wait()
    assert caught.value.subgroup(ValueError) is not None
    assert server.ends() == {"leg-1": "cancel"}


# -- reconnect and resume -----------------------------------------------------------------


@pytest.mark.trio
async def test_a_request_on_a_dropped_socket_fails_clearly(server: StandIn) -> None:
    async def script() -> None:
        peer = server.peers[0]
        await peer.request("calling.answer")
        await peer.close()
        peer = await server.accept_session(restored=True)
        await peer.reply(await peer.request("calling.answer"))

    async with on_a_call(server, script, reconnect_base=0.01) as call:
        with pytest.raises(ConnectionLostError):
            await call.answer()
        await call.answer()  # the resumed session takes it


async def refuse_every_login(server: StandIn, *, after_one_session: bool = False) -> None:
    """Play a server that rejects each ``signalwire.connect``, optionally after one good one."""
    if after_one_session:
        peer = await server.accept_session()
        await peer.close()
    while True:
        peer = await server.accept()
        request = await peer.request("signalwire.connect")
        await peer.error(request, -32002, "Authentication failed")


@contextlib.asynccontextmanager
async def while_serving(script: Script) -> AsyncIterator[None]:
    """Run ``script`` (which never ends on its own) for the block, within 5 s."""
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(script)
            yield
            nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_bad_credentials_fail_fast_with_authentication_error(server: StandIn) -> None:
    async with while_serving(partial(refuse_every_login, server)):
        started = time.perf_counter()
        with pytest.raises(AuthenticationError) as caught:
            async with client(server, reconnect_base=0.01, max_auth_failures=3):
                pytest.fail("the block must not run")
    assert time.perf_counter() - started < 1.0
    assert caught.value.code == -32002
    assert "secret-token" not in repr(caught.value) + str(caught.value)
    assert len(server.peers) == 1  # a first login the server rejects is not retried


@pytest.mark.trio
async def test_unanswered_client_ping_reconnects(server: StandIn, autojump_clock: Any) -> None:
    async def script() -> None:
        peer = await server.accept_session()
        await peer.request("signalwire.ping")  # never answered
        await server.accept_session(restored=True)

    async with scripted(
        server, script, timeout=100, ping_interval=5.0, reconnect_base=0.5
    ) as relay:
        while relay.statistics().connections < 2:
            await trio.sleep(1)
        assert len(server.peers) == 2


@pytest.mark.trio
async def test_the_session_giving_up_fails_the_block(server: StandIn) -> None:
    async with while_serving(partial(refuse_every_login, server, after_one_session=True)):
        with pytest.raises(AuthenticationError):
            async with client(server, reconnect_base=0.01):
                await trio.sleep_forever()


@pytest.mark.trio
async def test_a_user_error_wins_over_a_reader_failure(server: StandIn) -> None:
    async with while_serving(partial(refuse_every_login, server, after_one_session=True)):
        with pytest.raises(ValueError, match="cleanup"):
            async with client(server, reconnect_base=0.01):
                try:
                    await trio.sleep_forever()
                finally:
                    raise ValueError("cleanup failed")


@pytest.mark.trio
async def test_open_times_out_without_a_server() -> None:
    async with open_standin() as standin:
        url = standin.url
    with trio.fail_after(5), pytest.raises(trio.TooSlowError, match="no RELAY session"):
        async with relay_trio.open_relay_client(
            project="p", token="t", host=url, open_timeout=0.3, reconnect_base=0.01
        ):
            pass


# -- connect, play, calls ----------------------------------------------------------------


@pytest.mark.trio
async def test_connect_failure_raises_connect_error(server: StandIn) -> None:
    async def script() -> None:
        peer = server.peers[0]
        request = await peer.request("calling.connect")
        await peer.reply(request)
        await peer.event("calling.call.connect", node_id="n1", call_id="leg-1",
                         connect_state="failed", failed_reason="busy")  # fmt: skip

    async with on_a_call(server, script) as call:
        with pytest.raises(ConnectError) as caught:
            await call.connect([[B]], ringback=[{"type": "ringtone", "name": "us"}])
    assert caught.value.reason == "busy"
    connect = next(f for f in server.journal if f.get("method") == "calling.connect")
    assert connect["params"]["ringback"] == [{"type": "ringtone", "params": {"name": "us"}}]


@pytest.mark.trio
async def test_a_connect_cancelled_as_it_connects_leaves_no_peer_hanging(
    server: StandIn,
) -> None:
    async with scripted(server) as relay:
        call = await dialled(server, relay)
        peer = server.peers[0]
        async with trio.open_nursery() as inner:
            inner.start_soon(call.connect, [[B]])
            request = await peer.request("calling.connect")
            await trio.testing.wait_all_tasks_blocked()
            # The race, made deterministic: the connect task is cancelled
            # and, before it runs, the reader hands the core the bridge
            # (what ``_read`` does with a frame).
            inner.cancel_scope.cancel()
            bridged = {"call_id": "peer-4", "node_id": "n1"}
            params = {"node_id": "n1", "call_id": "leg-1", "connect_state": "connected",
                      "tag": request["params"]["tag"], "peer": bridged}  # fmt: skip
            event = {"event_type": "calling.call.connect", "params": params}
            frame = {"jsonrpc": "2.0", "id": "ev-race", "method": "signalwire.event"}
            text = json.dumps({**frame, "params": event})
            relay._session.receive_text(text, now=trio.current_time())
            relay._pump()
            leg = call.peer
        assert leg is not None and leg.call_id == "peer-4"
        end = await peer.request("calling.end")
        assert end["params"]["call_id"] == "peer-4"
        # The core ends that leg but reports it no more: no waiter may hang.
        with trio.fail_after(1), pytest.raises(SessionClosedError):
            await leg.wait_for_ended()


@pytest.mark.trio
async def test_play_controls_and_call_events(server: StandIn) -> None:
    async def script() -> None:
        peer = server.peers[0]
        request = await peer.request("calling.play")
        control_id = request["params"]["control_id"]
        assert request["params"]["volume"] == -3.0
        await peer.reply(request)
        play: dict[str, Any] = {"node_id": "n1", "call_id": "leg-1", "control_id": control_id}
        await peer.event("calling.call.play", **play, state="playing")
        for method in ("calling.play.pause", "calling.play.resume", "calling.play.volume"):
            await peer.reply(await peer.request(method))
        await peer.reply(await peer.request("calling.play.stop"))
        await peer.event("calling.call.play", **play, state="finished")
        await peer.reply(await peer.request("calling.end"))
        await peer.state("leg-1", "ending", tag=None, end_reason="hangup")
        await peer.state("leg-1", "ended", tag=None, end_reason="hangup")

    async with on_a_call(server, script) as call:
        events = call.events()
        playback = await call.play([{"type": "tts", "text": "Hi"}], volume=-3)
        await playback.pause()
        await playback.resume()
        await playback.volume(2.5)
        await playback.stop()
        assert await playback.wait() is PlayState.FINISHED
        await call.hangup()
        assert await call.wait_for(CallState.ENDING, CallState.ENDED) in (
            CallState.ENDING,
            CallState.ENDED,
        )
        await call.wait_for_ended()
        assert call.end_reason == "hangup"
        seen = [type(event).__name__ for event in [e async for e in events]]
    assert seen == ["PlayStateChanged", "PlayStateChanged", "CallStateChanged", "CallStateChanged"]
    volume = next(f for f in server.journal if f.get("method") == "calling.play.volume")
    assert volume["params"]["volume"] == 2.5


async def offer(peer: Peer, call_id: str, context: str = "office") -> None:
    await peer.event("calling.call.receive", node_id="n1", call_id=call_id, call_state="created",
                     direction="inbound", context=context, device=CALLER)  # fmt: skip


@pytest.mark.trio
async def test_inbound_calls_are_served_with_bounded_concurrency(server: StandIn) -> None:
    active: list[str] = []
    done: list[str] = []
    release = trio.Event()

    async def handler(call: relay_trio.Call) -> None:
        assert call.context == "office" and call.direction == "inbound"
        active.append(call.call_id)
        await call.answer()
        await release.wait()
        active.remove(call.call_id)
        done.append(call.call_id)
        if call.call_id == "in-0":
            raise RuntimeError("a handler bug is logged, not fatal")

    async def answer_all(peer: Peer) -> None:
        with contextlib.suppress(trio.EndOfChannel):  # until the client leaves
            while True:
                await peer.reply(await peer.request("calling.answer"))

    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(server.accept_session)
            async with client(server, contexts=["office"]) as relay, trio.open_nursery() as inner:
                await inner.start(partial(relay.serve, handler, max_concurrent=2))
                peer = server.peers[0]
                nursery.start_soon(answer_all, peer)
                for n in range(4):
                    await offer(peer, f"in-{n}")
                await peer.fence()
                await trio.testing.wait_all_tasks_blocked()
                assert active == ["in-0", "in-1"]  # two at a time; the rest wait
                release.set()
                while len(done) < 4:
                    await trio.testing.wait_all_tasks_blocked()
                inner.cancel_scope.cancel()
            nursery.cancel_scope.cancel()
    assert sorted(done) == [f"in-{n}" for n in range(4)]


@pytest.mark.trio
async def test_offers_beyond_the_buffer_are_passed_back(server: StandIn) -> None:
    async with scripted(server, max_pending_calls=1) as relay:
        peer = server.peers[0]
        await offer(peer, "in-1")
        await offer(peer, "in-2")
        passed = await peer.request("calling.pass")
        assert passed["params"]["call_id"] == "in-2"
        await peer.reply(passed)
        async with relay.incoming_calls() as calls:
            assert (await calls.receive()).call_id == "in-1"
            with pytest.raises(trio.WouldBlock):
                calls.receive_nowait()


@pytest.mark.trio
async def test_execute_sends_any_method(server: StandIn) -> None:
    async def script() -> None:
        peer = await server.accept_session()
        request = await peer.request("calling.record")
        await peer.reply(request, {"code": "200", "message": "Recording", "url": "u"})
        request = await peer.request("calling.record")
        await peer.reply(request, {"code": "404", "message": "Call not found"})

    async with scripted(server, script) as relay:
        result = await relay.execute("calling.record", {"call_id": "c", "node_id": "n"})
        assert result["url"] == "u"
        with pytest.raises(CallGoneError):
            await relay.execute("calling.record", {"call_id": "c", "node_id": "n"})


@pytest.mark.trio
async def test_incoming_calls_iterator_receive_and_unreceive(server: StandIn) -> None:
    async def script() -> None:
        peer = await server.accept_session()
        request = await peer.request("signalwire.receive")
        assert request["params"] == {"contexts": ["sales"]}
        await peer.reply(request)
        await offer(peer, "in-1", context="sales")
        await peer.reply(await peer.request("calling.pass"))
        await peer.reply(await peer.request("signalwire.unreceive"))

    async with scripted(server, script) as relay:
        await relay.receive(["sales"])
        assert relay.contexts == ("sales",)
        async with relay.incoming_calls() as calls:
            call = await calls.receive()
        assert call.call_id == "in-1" and call.direction == "inbound"
        await call.pass_()
        await relay.unreceive(["sales"])
        assert relay.contexts == ()


@pytest.mark.trio
async def test_commands_after_close_raise_session_closed(server: StandIn) -> None:
    async with scripted(server) as relay:
        pass
    with pytest.raises(SessionClosedError):
        await relay.dial([[A]])
    events = relay.events()
    assert [event async for event in events] == []


@pytest.mark.trio
async def test_leaving_the_client_ends_playbacks_and_requests_outliving_it(
    server: StandIn,
) -> None:
    hangup_sent = trio.Event()
    outcome: list[BaseException] = []

    async def script() -> None:
        peer = server.peers[0]
        await peer.reply(await peer.request("calling.play"))
        await peer.request("calling.end")  # never answered
        hangup_sent.set()

    async def hangup_outliving_the_block(call: relay_trio.Call) -> None:
        try:
            await call.hangup()
        except SessionClosedError as exc:
            outcome.append(exc)

    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(server.accept_session)
            async with client(server) as relay:
                call = await dialled(server, relay)
                events = call.events()
                nursery.start_soon(script)
                playback = await call.play([{"type": "tts", "text": "Hi"}])
                nursery.start_soon(hangup_outliving_the_block, call)
                await hangup_sent.wait()
            assert await playback.wait() is PlayState.ERROR
            assert playback.reason == "session_closed"
            assert [type(event).__name__ async for event in events] == ["PlayStateChanged"]
            assert call.events().closed
    assert len(outcome) == 1  # the hangup did not hang


# -- the one-exception rule --------------------------------------------------------------


@pytest.mark.trio
@pytest.mark.parametrize(
    "error", [KeyError, KeyboardInterrupt], ids=["a_user_error", "keyboard_interrupt"]
)
async def test_an_error_from_the_block_leaves_unwrapped_and_no_task_runs(
    server: StandIn, error: type[BaseException]
) -> None:
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(server.accept_session)
            with pytest.raises(error):
                async with client(server):
                    raise error("mine")
            await server.peers[0].closed.wait()


@pytest.mark.trio
async def test_a_group_raised_by_the_body_stays_a_group(server: StandIn) -> None:
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(server.accept_session)
            with pytest.raises(ExceptionGroup) as caught:
                async with client(server):
                    raise ExceptionGroup("mine", [ValueError(1), KeyError(2)])
    assert caught.value.message == "mine"


@pytest.mark.trio
async def test_events_tap_sees_every_event(server: StandIn) -> None:
    async with scripted(server) as relay:
        events = relay.events()
        await server.peers[0].event("calling.conference", conference_id="c1")
        event = await events.__anext__()
        assert type(event).__name__ == "CallActivity"  # typed now (RELAY.md H.5.14)


@pytest.mark.trio
async def test_connect_on_a_call_the_server_says_is_gone_raises_call_gone(
    server: StandIn,
) -> None:
    # As relay_asyncio: the call being gone is not a failed bridge attempt.
    async def script() -> None:
        peer = server.peers[0]
        request = await peer.request("calling.connect")
        await peer.reply(request, {"code": "404", "message": "Call not found"})

    async with on_a_call(server, script) as call:
        with pytest.raises(CallGoneError) as caught:
            await call.connect([[B]])
    assert caught.value.code == 404


@pytest.mark.trio
async def test_a_shorter_dial_timeout_started_later_fires_first(
    server: StandIn, autojump_clock: Any
) -> None:
    # The timer task sleeps until the earliest dial deadline: a later, shorter
    # one must wake it sooner than the one it sleeps for, even when nothing
    # else happens (its calling.dial is never answered).
    async def script() -> None:
        peer = await server.accept_session()
        await dial_until_ringing(peer, "leg-1")
        await peer.request("calling.dial")
        request = await peer.request("calling.end")
        await peer.reply(request)

    timed_out: dict[str, float] = {}
    async with scripted(server, script, timeout=300) as relay:
        start = trio.current_time()

        async def dial(name: str, timeout: float) -> None:
            with pytest.raises(relay_trio.DialTimeoutError):
                await relay.dial([[A]], dial_timeout=timeout)
            timed_out[name] = trio.current_time() - start

        async with trio.open_nursery() as nursery:
            nursery.start_soon(dial, "long", 100)
            await trio.sleep(1)
            nursery.start_soon(dial, "short", 5)
    assert timed_out == {"short": pytest.approx(6), "long": pytest.approx(100)}
    assert server.ends() == {"leg-1": "cancel"}
