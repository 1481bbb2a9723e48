"""Pair the client core (RelaySession) with FakeRelayServer, frame by frame, no loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from relay_core import (
    Command,
    Event,
    RelayConfig,
    RelaySession,
    RequestId,
)
from relay_core.testing import ConnectionId, Directory, FakeRelayServer, JournalEntry

from ..helpers import Ids

E = TypeVar("E", bound=Event)

PROJECT = "test-project"
TOKEN = "test-token"
CONFIG = RelayConfig(project=PROJECT, token=TOKEN, contexts=("office",))


def make_server(directory: Directory | None = None, **kwargs: Any) -> FakeRelayServer:
    kwargs.setdefault("new_id", Ids(prefix="s"))
    return FakeRelayServer(directory=directory, **kwargs)


class Pair:
    """One client session talking to one fake server over an imaginary socket."""

    def __init__(
        self,
        server: FakeRelayServer | None = None,
        config: RelayConfig = CONFIG,
        *,
        now: float = 0.0,
        name: str = "c",
    ) -> None:
        self.server = server if server is not None else make_server()
        self.session = RelaySession(config, new_id=Ids(prefix=name), random=lambda: 0.5)
        self.now = now
        self.conn: ConnectionId | None = None
        self.events: list[Event] = []
        self.closed: list[ConnectionId] = []

    # -- wiring ------------------------------------------------------------

    def connect(self) -> ConnectionId:
        """Open a socket and run the handshake to completion."""
        self.conn = self.server.connection_made(now=self.now)
        self.session.connection_made(now=self.now)
        self.exchange()
        assert self.conn is not None
        return self.conn

    def lose(self) -> None:
        """The socket dies (both sides notice)."""
        if self.conn is not None:
            self.server.connection_lost(self.conn, now=self.now)
            self.session.connection_lost(now=self.now)
            self.conn = None
        self._drain_events()

    def exchange(self) -> None:
        """Move frames both ways until both sides are quiet."""
        for _ in range(10_000):
            moved = False
            conn = self.conn
            if conn is not None:
                for text in self.session.messages_to_send():
                    moved = True
                    self.server.receive_text(conn, text, now=self.now)
                for text in self.server.messages_to_send(conn):
                    moved = True
                    self.session.receive_text(text, now=self.now)
            for close in self.server.connections_to_close():
                moved = True
                self.closed.append(close.connection)
                if close.connection == self.conn:
                    # The server closes: flush what it wrote first, then drop.
                    for text in self.server.messages_to_send(close.connection):
                        self.session.receive_text(text, now=self.now)
                    self.server.connection_lost(close.connection, now=self.now)
                    self.session.connection_lost(now=self.now)
                    self.conn = None
            if not moved:
                break
        else:  # pragma: no cover - a livelock is a bug
            raise AssertionError("the pair never went quiet")
        self._drain_events()

    def _drain_events(self) -> None:
        while (event := self.session.next_event()) is not None:
            self.events.append(event)

    # -- time --------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass, firing both sides' timers in order."""
        target = self.now + seconds
        while True:
            deadlines = [
                d
                for d in (self.server.next_deadline(), self.session.next_deadline())
                if d is not None and d <= target
            ]
            if not deadlines:
                break
            self.now = max(self.now, min(deadlines))
            self.server.handle_timeout(now=self.now)
            self.session.handle_timeout(now=self.now)
            self.exchange()
        self.now = target
        self.exchange()

    def run_until(self, predicate: Callable[[], bool], *, limit: float = 600.0) -> None:
        """Advance timer by timer until ``predicate()`` holds."""
        end = self.now + limit
        while not predicate():
            deadlines = [
                d
                for d in (self.server.next_deadline(), self.session.next_deadline())
                if d is not None
            ]
            if not deadlines or min(deadlines) > end:
                raise AssertionError("condition never held")
            self.now = max(self.now, min(deadlines))
            self.server.handle_timeout(now=self.now)
            self.session.handle_timeout(now=self.now)
            self.exchange()

    # -- commands ----------------------------------------------------------

    def send(self, command: Command) -> RequestId:
        request_id = self.session.send(command, now=self.now)
        self.exchange()
        return request_id

    def take(self) -> list[Event]:
        out, self.events = self.events, []
        return out

    def of_type(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]


def wire_events(server: FakeRelayServer, *types: str) -> list[JournalEntry]:
    """S→C event frames of the given types (all events when none given)."""
    return [
        entry
        for entry in server.journal
        if entry.event_type is not None and (not types or entry.event_type in types)
    ]


def summary(server: FakeRelayServer, *types: str) -> list[tuple[Any, ...]]:
    """Compact (event_type, call_id or tag, state, reason) tuples for assertions."""
    out: list[tuple[Any, ...]] = []
    for entry in wire_events(server, *types):
        params = entry.event_params
        kind = entry.event_type
        if kind == "calling.call.state":
            out.append(("state", params["call_id"], params["call_state"], params.get("end_reason")))
        elif kind == "calling.call.dial":
            call = params.get("call")
            winner = call.get("call_id") if isinstance(call, dict) else None
            out.append(("dial", params["dial_state"], winner or params.get("reason")))
        elif kind == "calling.call.connect":
            peer = params.get("peer")
            out.append(
                (
                    "connect",
                    params["call_id"],
                    params["connect_state"],
                    (peer.get("call_id") if isinstance(peer, dict) else None)
                    or params.get("failed_reason"),
                )
            )
        elif kind == "calling.call.play":
            out.append(("play", params["control_id"], params["state"]))
        elif kind == "calling.call.receive":
            out.append(("receive", params["call_id"], params["context"]))
    return out
