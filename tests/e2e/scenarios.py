"""Loop-agnostic scenarios against the served fake server (run by test_trio/test_asyncio)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from relay_core import (
    Answer,
    CallReceived,
    CallState,
    CallStateChanged,
    Connect,
    ConnectState,
    ConnectStateChanged,
    Dial,
    DialState,
    DialStateChanged,
    Event,
    Hangup,
    Play,
    PlayState,
    PlayStateChanged,
    RelayConfig,
    SessionStarted,
)
from relay_core.testing import Answers, Busy, Directory, FakeRelayServer, NeverAnswers

from ..fake.helpers import Counter

CONFIG = RelayConfig(project="test-project", token="test-token", contexts=("office",))
FROM = "+15550000000"


def phone(number: str) -> dict[str, Any]:
    return {"type": "phone", "params": {"to_number": number, "from_number": FROM}}


def fast_server() -> FakeRelayServer:
    """The default directory, sped up so real-time tests stay well under a second."""
    directory = Directory.default()
    directory.fallback = Answers(after=0.05)
    directory.ring_timeout = 0.2
    for number in ("+15552222222", "+15551234567", "+15559876543"):
        directory.set(number, Answers(after=0.05))
    directory.set("+15551111111", NeverAnswers())
    directory.set("+15550000486", Busy())
    return FakeRelayServer(directory=directory, new_id=Counter("s"))


class Peer(Protocol):
    events: list[Event]

    async def send(self, command: Any) -> Any: ...

    async def wait_for(self, predicate: Callable[[list[Event]], bool]) -> None: ...


class Handle(Protocol):
    server: FakeRelayServer

    def inject_inbound_call(self, *, context: str, from_number: str, to_number: str) -> Any: ...

    def request_disconnect(self, conn: Any, *, restart: bool = False) -> str: ...

    def drop(self, conn: Any) -> None: ...

    def connections(self) -> list[Any]: ...

    async def wait_until(self, predicate: Callable[[], bool]) -> None: ...


class Harness(Protocol):
    handle: Handle
    peer: Peer

    async def reconnect(self) -> None: ...

    async def wait_closed(self) -> int | None: ...


Scenario = Callable[[Harness], Awaitable[None]]


def has(kind: type[Any], **fields: Any) -> Callable[[list[Event]], bool]:
    def check(events: list[Event]) -> bool:
        return any(
            isinstance(e, kind) and all(getattr(e, k) == v for k, v in fields.items())
            for e in events
        )

    return check


def last(events: list[Event], kind: type[Any]) -> Any:
    return [e for e in events if isinstance(e, kind)][-1]


async def started(h: Harness) -> SessionStarted:
    await h.peer.wait_for(has(SessionStarted))
    return last(h.peer.events, SessionStarted)  # type: ignore[no-any-return]


async def serial_failover_play_hangup(h: Harness) -> None:
    await started(h)
    dial = Dial(devices=[[phone("+15551111111")], [phone("+15552222222")]])
    await h.peer.send(dial)
    await h.peer.wait_for(has(DialStateChanged, tag=dial.tag, state=DialState.ANSWERED))
    call = last(h.peer.events, DialStateChanged).call
    assert call.device.to_number == "+15552222222"
    first_leg = [
        e
        for e in h.peer.events
        if isinstance(e, CallStateChanged) and e.call.call_id != call.call_id
    ]
    assert [e.end_reason for e in first_leg][-1] == "noAnswer"
    play = Play(call=call.ref, media=[{"type": "tts", "params": {"text": "Hello!"}}])
    await h.peer.send(play)
    await h.peer.wait_for(
        has(PlayStateChanged, control_id=play.control_id, state=PlayState.FINISHED)
    )
    await h.peer.send(Hangup(call=call.ref))
    await h.peer.wait_for(has(CallStateChanged, state=CallState.ENDED, end_reason="hangup"))
    # The last ack may still be in flight: wait for the server to see it.
    await h.handle.wait_until(lambda: h.handle.server.unacked_events() == [])


async def parallel_ring(h: Harness) -> None:
    await started(h)
    dial = Dial(devices=[[phone("+15551111111"), phone("+15552222222")]])
    await h.peer.send(dial)
    await h.peer.wait_for(has(CallStateChanged, state=CallState.ENDED, end_reason="cancel"))
    answered = last(h.peer.events, DialStateChanged)
    assert answered.state is DialState.ANSWERED
    assert answered.call.device.to_number == "+15552222222"


async def failed_dial(h: Harness) -> None:
    await started(h)
    dial = Dial(devices=[[phone("+15550000486")], [phone("+15551111111")]])
    await h.peer.send(dial)
    await h.peer.wait_for(has(DialStateChanged, tag=dial.tag, state=DialState.FAILED))
    assert last(h.peer.events, DialStateChanged).reason == "noAnswer"
    assert h.handle.server.calls() == []


async def inbound_connect_success_then_failure(h: Harness) -> None:
    await started(h)
    ref = h.handle.inject_inbound_call(
        context="office", from_number="+15553334444", to_number="+15551112222"
    )
    await h.peer.wait_for(has(CallReceived))
    await h.peer.send(Answer(call=ref))
    await h.peer.wait_for(has(CallStateChanged, state=CallState.ANSWERED))
    await h.peer.send(Connect(call=ref, devices=[[phone("+15551111111")], [phone("+15551234567")]]))
    await h.peer.wait_for(has(ConnectStateChanged, state=ConnectState.CONNECTED))
    peer = last(h.peer.events, ConnectStateChanged).peer
    assert peer.device.to_number == "+15551234567"
    h.handle.server.directory.set("+15551234567", Busy())
    # Tear the bridge down by hanging the peer up, then connect again: busy.
    await h.peer.send(Hangup(call=peer.ref))
    await h.peer.wait_for(has(ConnectStateChanged, state=ConnectState.DISCONNECTED))
    await h.peer.send(Connect(call=ref, devices=[[phone("+15551234567")]]))
    await h.peer.wait_for(has(ConnectStateChanged, state=ConnectState.FAILED))
    assert last(h.peer.events, ConnectStateChanged).failed_reason == "busy"
    assert h.handle.server.call(ref.call_id).state is CallState.ANSWERED  # type: ignore[union-attr]


async def disconnect_then_resume(h: Harness) -> None:
    first = await started(h)
    [conn] = h.handle.connections()
    h.handle.request_disconnect(conn)
    assert await h.wait_closed() == 1000
    h.peer.events.clear()
    await h.reconnect()
    again = await started(h)
    assert again.restored and again.protocol == first.protocol


async def abrupt_drop_then_resume(h: Harness) -> None:
    first = await started(h)
    [conn] = h.handle.connections()
    h.handle.drop(conn)
    assert await h.wait_closed() in (1006, None)
    h.peer.events.clear()
    await h.reconnect()
    again = await started(h)
    assert again.restored and again.protocol == first.protocol


SCENARIOS: dict[str, tuple[Scenario, bool]] = {
    # name: (scenario, tls)
    "serial_failover_play_hangup": (serial_failover_play_hangup, True),
    "parallel_ring": (parallel_ring, False),
    "failed_dial": (failed_dial, False),
    "inbound_connect_success_then_failure": (inbound_connect_success_then_failure, False),
    "disconnect_then_resume": (disconnect_then_resume, False),
    "abrupt_drop_then_resume": (abrupt_drop_then_resume, False),
}
