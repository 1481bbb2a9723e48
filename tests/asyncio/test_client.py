"""relay_asyncio against a hand-scripted server: each official-SDK weak spot, end to end."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

import relay_asyncio
from relay_asyncio import (
    AuthenticationError,
    Call,
    ConnectError,
    ConnectionLostError,
    DialError,
    RelayClient,
    RelayError,
    RequestError,
    SessionClosedError,
    websocket_url,
)
from relay_core import ConnectionFailedError, FailureCause, RelayConfig, RelaySession

from .scripted import (
    PHONE,
    PLAN,
    Frame,
    Peer,
    ScriptedServer,
    accept_connect,
    answer_dial,
    client_tasks,
    reject_connect,
    scenario,
    scripted_server,
)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    async with scripted_server() as server:
        yield server


def client_for(server: ScriptedServer, **options: Any) -> RelayClient:
    return RelayClient(
        project="proj-1", token="PT-secret", host=server.url, contexts=["office"], **options
    )


async def dialed(client: RelayClient, peer: Peer, call_id: str = "leg-1") -> Call:
    script = asyncio.create_task(answer_dial(peer, call_id))
    call = await client.dial(PLAN)
    await script
    return call


# -- construction and transport ---------------------------------------------------------


def test_host_forms() -> None:
    assert websocket_url("example.signalwire.com") == "wss://example.signalwire.com"
    assert websocket_url("127.0.0.1:8773") == "wss://127.0.0.1:8773"
    assert websocket_url("ws://127.0.0.1:8773") == "ws://127.0.0.1:8773"
    assert websocket_url("wss://relay.example.com") == "wss://relay.example.com"
    for bad in ("user@host", "host/path", "host?q", "a b", ""):
        with pytest.raises(relay_asyncio.LocalProtocolError):
            websocket_url(bad)


def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNALWIRE_PROJECT_ID", "env-project")
    monkeypatch.setenv("SIGNALWIRE_API_TOKEN", "env-token")
    monkeypatch.setenv("SIGNALWIRE_SPACE", "example.signalwire.com")
    client = RelayClient()
    assert client.project == "env-project"
    assert client.url == "wss://example.signalwire.com"
    assert "env-token" not in repr(client)
    monkeypatch.delenv("SIGNALWIRE_API_TOKEN")
    with pytest.raises(RelayError, match="SIGNALWIRE_API_TOKEN"):
        RelayClient()
    monkeypatch.setenv("SIGNALWIRE_JWT_TOKEN", "eyJ.jwt")
    assert RelayClient().project == "env-project"


@scenario()
async def test_handshake_sends_contexts_and_queues_nothing_early(server: ScriptedServer) -> None:
    async with client_for(server) as client:
        peer = await server.accept()
        assert client.relay_protocol.startswith("signalwire_")
        (connect,) = peer.sent("signalwire.connect")
        assert connect["params"]["contexts"] == ["office"]
        assert connect["params"]["authentication"] == {"project": "proj-1", "token": "PT-secret"}
        # K.1: the first frame on the socket is signalwire.connect, nothing before it.
        assert peer.journal[0][1]["method"] == "signalwire.connect"


@scenario()
async def test_execute_receive_unreceive(server: ScriptedServer) -> None:
    async with client_for(server) as client:
        peer = await server.accept()

        async def serve() -> None:
            request = await peer.request("calling.record")
            assert request["params"] == {"call_id": "c", "node_id": "n", "record": {}}
            await peer.reply(request, {"code": "200", "message": "Recording", "url": "u"})
            for method in ("signalwire.receive", "signalwire.unreceive"):
                request = await peer.request(method)
                assert request["params"] == {"contexts": ["sales"]}
                await peer.reply(request)
            await peer.reply(await peer.request("calling.thing"), {"code": "402", "message": "no"})

        script = asyncio.create_task(serve())
        params = {"call_id": "c", "node_id": "n", "record": {}}
        result = await client.execute("calling.record", params)
        assert result["url"] == "u"
        await client.receive(["sales"])
        await client.unreceive(["sales"])
        await client.receive([])  # nothing sent, like the official SDK
        with pytest.raises(RequestError) as caught:
            await client.execute("calling.thing", {})
        assert caught.value.code == 402
        await script


# -- dial --------------------------------------------------------------------------------


async def ringing_leg(peer: Peer, call_id: str = "leg-1") -> str:
    """Serve a dial that rings and never resolves; returns its tag."""
    request = await peer.request("calling.dial")
    tag: str = request["params"]["tag"]
    await peer.reply(request, {"code": "200", "message": "Dialing"})
    await peer.state(call_id, "created", tag=tag, direction="outbound", device=PHONE)
    await peer.state(call_id, "ringing", tag=tag, direction="outbound", device=PHONE)
    return tag


@scenario()
async def test_a_dialled_leg_that_ends_with_its_answer_is_not_kept_live(
    server: ScriptedServer,
) -> None:
    """dial(answered) and the leg's end in one read: the Call returned has ended."""
    async with client_for(server) as client:
        peer = await server.accept()

        async def answer_then_hang_up() -> None:
            request = await peer.request("calling.dial")
            await peer.reply(request, {"code": "200", "message": "Dialing"})
            leg = {"tag": request["params"]["tag"], "direction": "outbound", "device": PHONE}
            await peer.state("leg-9", "created", **leg)
            await peer.state("leg-9", "answered", **leg)
            winner = {"call_id": "leg-9", "node_id": "n1", "dial_winner": True, **leg}
            dial = {"node_id": "n1", "tag": leg["tag"], "dial_state": "answered", "call": winner}
            ended = {"node_id": "n1", "call_id": "leg-9", "call_state": "ended", **leg}
            # Back to back, no await between them: one read of the client.
            answered = await peer.event("calling.call.dial", dial, wait_ack=False)
            hung_up = await peer.event(
                "calling.call.state", {**ended, "end_reason": "hangup"}, wait_ack=False
            )
            await peer.ack(answered)
            await peer.ack(hung_up)

        script = asyncio.create_task(answer_then_hang_up())
        call = await client.dial(PLAN)
        await script
        assert call.call_id == "leg-9"
        assert call.state == "ended" and call.end_reason == "hangup"
        assert "leg-9" not in client._calls  # nothing left to follow


@scenario()
async def test_legs_of_an_abandoned_dial_are_ended_even_late(server: ScriptedServer) -> None:
    async with client_for(server) as client:
        peer = await server.accept()
        script = asyncio.create_task(ringing_leg(peer))
        with pytest.raises(DialError) as caught:
            await client.dial(PLAN, dial_timeout=0.3)
        assert caught.value.reason == "timeout"
        tag = await script
        end = await peer.request("calling.end")
        assert end["params"] == {"node_id": "n1", "call_id": "leg-1", "reason": "cancel"}
        await peer.reply(end)
        # A leg that shows up after the caller gave up is ended too (K.12).
        await peer.state("leg-2", "created", tag=tag, direction="outbound", device=PHONE)
        late = await peer.request("calling.end")
        assert late["params"]["call_id"] == "leg-2"


# -- connect -----------------------------------------------------------------------------


def connect_event(call_id: str, tag: str, state: str, **extra: Any) -> Frame:
    return {"node_id": "n1", "call_id": call_id, "tag": tag, "connect_state": state, **extra}


@scenario()
async def test_connect_without_waiting_returns_the_ack(server: ScriptedServer) -> None:
    async with client_for(server) as client:
        peer = await server.accept()
        call = await dialed(client, peer, "call-A")

        async def serve() -> None:
            request = await peer.request("calling.connect")
            await peer.reply(request, {"code": "200", "message": "Connecting"})

        script = asyncio.create_task(serve())
        result = await call.connect(PLAN, tag="ct-3", wait=False)
        await script
        assert result == {"code": "200", "message": "Connecting"} and result.call is None
        bridged = {"call_id": "peer-9", "node_id": "n1", "tag": "ct-3"}
        await peer.event(
            "calling.call.connect", connect_event("call-A", "ct-3", "connected", peer=bridged)
        )
        assert call.peer is not None and call.peer.call_id == "peer-9"


@scenario()
async def test_a_connect_cancelled_as_it_connects_leaves_no_peer_hanging(
    server: ScriptedServer,
) -> None:
    async with client_for(server) as client:
        peer = await server.accept()
        call = await dialed(client, peer, "call-A")
        connect = asyncio.create_task(call.connect(PLAN, tag="ct-4"))
        request = await peer.request("calling.connect")
        # The bridge is reported before the ack: the connect task still waits
        # for the reply when it is cancelled, so it abandons a connected peer.
        bridged = {"call_id": "peer-4", "node_id": "n1", "tag": "ct-4"}
        await peer.event(
            "calling.call.connect", connect_event("call-A", "ct-4", "connected", peer=bridged)
        )
        leg = call.peer
        assert leg is not None and leg.call_id == "peer-4"
        connect.cancel()
        with pytest.raises(asyncio.CancelledError):
            await connect
        end = await peer.request("calling.end")
        assert end["params"]["call_id"] == "peer-4"
        # The core ends that leg but reports it no more: its waiters must not hang.
        with pytest.raises(SessionClosedError):
            await leg.wait_for_ended(timeout=1)
        await peer.reply(end)
        await peer.reply(request)


# -- play, listeners, inbound ----------------------------------------------------------------


@scenario()
async def test_play_normalises_media_and_controls_the_action(server: ScriptedServer) -> None:
    async with client_for(server) as client:
        peer = await server.accept()
        call = await dialed(client, peer)
        seen: list[str] = []
        call.on("calling.call.play", lambda event: seen.append(event.state))

        async def serve() -> None:
            request = await peer.request("calling.play")
            assert request["params"]["play"] == [{"type": "tts", "params": {"text": "Hello!"}}]
            control = request["params"]["control_id"]
            await peer.reply(request, {"code": "200", "message": "Playing"})
            base = {"node_id": "n1", "call_id": "leg-1", "control_id": control}
            await peer.event("calling.call.play", {**base, "state": "playing"})
            for method in ("pause", "resume", "volume", "stop"):
                command = await peer.request(f"calling.play.{method}")
                assert command["params"]["control_id"] == control
                await peer.reply(command)
            assert peer.sent("calling.play.volume")[0]["params"]["volume"] == -5.5
            await peer.event("calling.call.play", {**base, "state": "finished"})

        script = asyncio.create_task(serve())
        action = await call.play([{"type": "tts", "text": "Hello!"}])
        await action.pause()
        await action.resume()
        await action.volume(-5.5)
        await action.stop()
        finished = await action.wait(timeout=2)
        assert finished.state == "finished" and action.completed
        await script
        await asyncio.sleep(0.01)
        assert seen == ["playing", "finished"]


@scenario()
async def test_play_on_a_gone_call_raises(server: ScriptedServer) -> None:
    async with client_for(server) as client:
        peer = await server.accept()
        call = await dialed(client, peer)
        script = asyncio.create_task(peer.request("calling.play"))
        play = asyncio.create_task(call.play([{"type": "audio", "url": "https://x/a.mp3"}]))
        await peer.reply(await script, {"code": "410", "message": "Call is gone"})
        with pytest.raises(relay_asyncio.CallGoneError) as caught:
            await play
        assert caught.value.code == 410
        assert client.statistics().live_actions == 0


@scenario()
async def test_actions_settle_when_their_call_ends(server: ScriptedServer) -> None:
    async with client_for(server) as client:
        peer = await server.accept()
        call = await dialed(client, peer)
        script = asyncio.create_task(peer.request("calling.play"))
        play = asyncio.create_task(call.play([{"type": "silence", "duration": 5}]))
        await peer.reply(await script)
        action = await play
        await peer.state("leg-1", "ended", end_reason="hangup")
        event = await action.wait(timeout=1)  # K.19: no hang
        assert event.state == "error" and event.reason == "call_ended"
        assert (await call.wait_for_ended()) is not None and call.end_reason == "hangup"


@scenario()
async def test_listeners_keep_order_and_never_delay_acks(server: ScriptedServer) -> None:
    async with client_for(server) as client:
        peer = await server.accept()
        call = await dialed(client, peer)
        order: list[str] = []
        gate = asyncio.Event()

        async def slow(event: Any) -> None:
            await gate.wait()
            order.append(f"slow:{event.state}")

        call.on("calling.call.state", slow)
        call.on("calling.call.state", lambda event: order.append(f"sync:{event.state}"))
        # Both events are acked although the first listener is still blocked.
        await peer.state("leg-1", "ending", end_reason="hangup")
        await peer.state("leg-1", "ended", end_reason="hangup")
        assert order == []
        gate.set()
        await call.wait_for_ended()
        for _ in range(5):
            await asyncio.sleep(0)
        assert order == ["slow:ending", "sync:ending", "slow:ended", "sync:ended"]


@scenario()
async def test_wait_for_helpers(server: ScriptedServer) -> None:
    async with client_for(server) as client:
        peer = await server.accept()
        call = await dialed(client, peer)
        await call.wait_for_answered()  # already past: immediate
        ending = asyncio.create_task(call.wait_for_ending())
        hangup = asyncio.create_task(call.hangup())
        end = await peer.request("calling.end")
        assert end["params"]["reason"] == "hangup"
        await peer.reply(end)
        assert await hangup == {"code": "200", "message": "OK"}
        await peer.state("leg-1", "ending", end_reason="hangup")
        await ending
        with pytest.raises(TimeoutError):
            await call.wait_for("calling.call.play", timeout=0.05)


# -- robustness ------------------------------------------------------------------------------


@scenario()
async def test_bad_frames_do_not_stop_the_reader(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="relay_asyncio")
    async with client_for(server) as client:
        peer = await server.accept()
        await peer.send("{not json")
        await peer.send(b'{"jsonrpc": "2.0", "id": "b1", "method": "signalwire.ping"}')
        await peer.send(
            {"jsonrpc": "2.0", "id": "n1", "method": "signalwire.event", "params": None}
        )
        await peer.send({"jsonrpc": "2.0", "id": "u1", "method": "signalwire.nonsense"})
        await peer.event("calling.call.brand_new", {"call_id": "nobody"})
        await peer.event("calling.call.state", {"call_state": "ended"})  # no call_id
        await peer.send({"jsonrpc": "2.0", "id": "no-such-request", "result": {}})
        unknown = await peer.ack("u1")
        assert unknown["error"]["code"] == -32601
        # Still reading, still answering: a full request round trip works.
        script = asyncio.create_task(peer.request("calling.ping_me"))
        execute = asyncio.create_task(client.execute("calling.ping_me", {}))
        await peer.reply(await script, {"code": "200", "message": "pong"})
        assert (await execute)["message"] == "pong"
        assert client.statistics().malformed_frames >= 3
        assert "malformed" in caplog.text


@scenario()
async def test_unreachable_server_raises_a_relay_error() -> None:
    client = RelayClient(project="p", token="t", host="ws://127.0.0.1:9", open_timeout=0.3)
    with pytest.raises(RelayError, match=r"cannot connect to RELAY at ws://127\.0\.0\.1:9"):
        async with client:
            pass


@scenario()
async def test_user_error_leaves_unwrapped(server: ScriptedServer) -> None:
    with pytest.raises(ZeroDivisionError):
        async with client_for(server):
            await server.accept()
            1 / 0  # noqa: B018
    assert client_tasks() == []


@scenario()
async def test_outer_cancellation_leaves_cleanly(server: ScriptedServer) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2), client_for(server):
            await asyncio.sleep(10)
    peer = await server.accept()
    await asyncio.wait_for(peer.closed.wait(), 1)
    assert client_tasks() == []


@scenario()
async def test_unanswered_handshake_times_out(server: ScriptedServer) -> None:
    async def ignore(peer: Peer, request: Frame) -> None:
        pass

    server.on_connect = ignore
    with pytest.raises(ConnectionFailedError, match=r"signalwire\.connect") as caught:
        async with client_for(server, request_timeout=0.2, open_timeout=0.5):
            pytest.fail("the body must not run")
    assert caught.value.cause is FailureCause.TIMEOUT
    assert client_tasks() == []


@scenario()
async def test_a_client_is_entered_once_at_a_time(server: ScriptedServer) -> None:
    client = client_for(server)
    async with client:
        with pytest.raises(relay_asyncio.LocalProtocolError):
            async with client:
                pass
    with pytest.raises(SessionClosedError):
        await client.execute("calling.late", {})


# -- reconnect and resume ----------------------------------------------------------------------


@scenario()
async def test_a_drop_fails_in_flight_requests_and_keeps_the_dial(
    server: ScriptedServer, fast_reconnect: None
) -> None:
    async with client_for(server) as client:
        first = await server.accept()
        dial = asyncio.create_task(client.dial(PLAN))
        tag = await ringing_leg(first)
        pending = asyncio.create_task(client.execute("calling.lost", {}))
        await first.request("calling.lost")
        await first.close()
        # In-flight requests fail clearly; the dial survives the resume (K.10).
        with pytest.raises(ConnectionLostError):
            await pending
        second = await server.accept()
        await second.answered_connect.wait()
        (resume,) = second.sent("signalwire.connect")
        assert resume["params"]["protocol"].startswith("signalwire_")
        await second.state("leg-1", "answered", tag=tag, direction="outbound")
        winner = {"call_id": "leg-1", "node_id": "n1", "tag": tag}
        answered = {"node_id": "n1", "tag": tag, "dial_state": "answered", "call": winner}
        await second.event("calling.call.dial", answered)
        call = await dial
        assert call.call_id == "leg-1" and call.state == "answered"
        # Requests keep working on the new socket.
        hangup = asyncio.create_task(call.hangup())
        await second.reply(await second.request("calling.end"))
        await hangup


@scenario()
async def test_requests_wait_for_the_resumed_socket(
    server: ScriptedServer, fast_reconnect: None
) -> None:
    gate = asyncio.Event()

    async def slow_accept(peer: Peer, request: Frame) -> None:
        await gate.wait()
        await accept_connect(peer, request)

    async with client_for(server) as client:
        first = await server.accept()
        server.on_connect = slow_accept
        await first.close()
        second = await server.accept()  # reconnected, not authenticated yet
        queued = asyncio.create_task(client.execute("calling.later", {}))
        await asyncio.sleep(0.02)
        gate.set()
        request = await second.request("calling.later")
        await second.reply(request)
        assert (await queued)["code"] == "200"
        # K.1: the request waited for the handshake instead of racing it.
        methods = [f.get("method") for d, f in second.journal if d == "in"]
        assert methods == ["signalwire.connect", "calling.later"]


@scenario()
async def test_reconnects_once_the_server_is_back(
    fast_reconnect: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="relay_asyncio")
    stack = contextlib.AsyncExitStack()
    server = await stack.enter_async_context(scripted_server())
    port = int(server.host.rsplit(":", 1)[1])
    client = client_for(server)
    async with client:
        await server.accept()
        await stack.aclose()  # the server goes away: reconnects are refused for a while
        await asyncio.sleep(0.1)
        async with scripted_server(port=port) as again:
            revived = await again.accept()
            await revived.answered_connect.wait()
            script = asyncio.create_task(revived.request("calling.back"))
            execute = asyncio.create_task(client.execute("calling.back", {}))
            await revived.reply(await script)
            assert (await execute)["code"] == "200"
    assert client.statistics().connections == 2
    assert "connection refused" in caplog.text  # refused attempts in between, then back


@scenario()
async def test_a_session_that_gives_up_ends_the_body(
    server: ScriptedServer, fast_reconnect: None
) -> None:
    client = client_for(server)
    with pytest.raises(AuthenticationError):
        async with client:
            first = await server.accept()
            server.on_connect = reject_connect
            await first.close()
            await asyncio.sleep(3)  # cancelled by the client once the core gives up
            pytest.fail("the body should have been cancelled")
    assert server.connections == 4  # the first, then three rejected attempts


def test_sdk_compatible_names() -> None:
    assert set(relay_asyncio.__all__) >= {"RelayClient", "RelayError", "Call", "PlayAction"}
    assert issubclass(DialError, RelayError) and issubclass(ConnectError, RelayError)
    result = relay_asyncio.ConnectResult({"code": "200"}, state=None, peer=None)
    assert json.loads(json.dumps(result)) == {"code": "200"}


@scenario()
async def test_pass_disconnect_and_unhandled_offers(server: ScriptedServer) -> None:
    client = client_for(server)
    async with client:
        peer = await server.accept()
        # No on_call handler: the offer goes back to the server for someone else.
        await peer.event("calling.call.receive", {"node_id": "n1", "call_id": "in-0"})
        assert (await peer.request("calling.pass"))["params"]["call_id"] == "in-0"
        call = await dialed(client, peer, "call-A")
        disconnect = asyncio.create_task(call.disconnect())
        request = await peer.request("calling.disconnect")
        assert request["params"] == {"node_id": "n1", "call_id": "call-A"}
        await peer.reply(request, {"code": "200", "message": "Disconnecting"})
        assert (await disconnect)["message"] == "Disconnecting"
        passing = asyncio.create_task(call.pass_())
        await peer.reply(await peer.request("calling.pass"), {"code": "404", "message": "gone"})
        with pytest.raises(relay_asyncio.CallGoneError):
            await passing


@scenario()
async def test_server_disconnect_drains_then_resumes(
    server: ScriptedServer, fast_reconnect: None
) -> None:
    async with client_for(server) as client:
        first = await server.accept()
        disconnect = {"jsonrpc": "2.0", "id": "d1", "method": "signalwire.disconnect"}
        await first.send({**disconnect, "params": {"restart": False}})
        assert (await first.ack("d1"))["result"] == {}
        # K.7: nothing new goes to the draining socket; it waits for the next one.
        queued = asyncio.create_task(client.execute("calling.after", {}))
        await asyncio.sleep(0.05)
        assert first.sent("calling.after") == []
        await first.close()
        second = await server.accept()
        await second.reply(await second.request("calling.after"))
        assert (await queued)["code"] == "200"
        (resume,) = second.sent("signalwire.connect")
        assert resume["params"]["protocol"] == first.journal[1][1]["result"]["protocol"]


def test_backoff_grows_while_the_server_stays_down() -> None:
    """Core behaviour the reconnect loop relies on (fixed in relay_core.client._session)."""
    session = RelaySession(RelayConfig(project="p", token="t"), random=lambda: 0.999)
    session.connection_made(now=0)
    (connect,) = (json.loads(frame) for frame in session.messages_to_send())
    reply = {"jsonrpc": "2.0", "id": connect["id"], "result": {"protocol": "x"}}
    session.receive_text(json.dumps(reply), now=0)
    session.connection_lost(now=1)
    delays = [session.reconnect_delay() or 0.0]
    for attempt in range(3):
        session.connection_lost(now=2 + attempt)  # the socket did not even open
        delays.append(session.reconnect_delay() or 0.0)
    assert delays == sorted(delays) and delays[-1] == pytest.approx(8 * delays[0])


@scenario()
async def test_a_reader_failure_ends_the_body_with_one_error(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = RelaySession.receive_text

    def explode(self: RelaySession, text: str | bytes, *, now: float) -> None:
        if "boom" in str(text):
            raise ValueError("core bug")
        original(self, text, now=now)

    monkeypatch.setattr(RelaySession, "receive_text", explode)
    with pytest.raises(RelayError, match="internal error") as caught:
        async with client_for(server):
            peer = await server.accept()
            await peer.send("boom")
            await asyncio.sleep(3)
    assert isinstance(caught.value.__cause__, ValueError)
    assert client_tasks() == []
    # Reader failure and user failure at once: the user's own error wins.
    with pytest.raises(KeyError):
        async with client_for(server):
            peer = await server.accept()
            await peer.send("boom")
            try:
                await asyncio.sleep(3)
            except asyncio.CancelledError:
                raise KeyError("user code failed while cancelled") from None
    assert client_tasks() == []
