"""The fake server's state: connections, sessions awaiting a resume, output, journal.

:class:`_ServerCore` owns every table of :class:`~relay_core.fake.FakeRelayServer`
(its ``__init__`` is the server's), the drain-and-close outputs, the timer,
the journal, and event and ping delivery to a session's current socket
(RELAY.md C.7: events wait in the session while no socket is attached).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Literal, overload

from .._errors import LocalProtocolError
from .._ids import IdFactory, JSONDict, JSONObject, JSONValue, uuid4_str
from ..wire._wire import (
    ErrorResponse,
    Message,
    Request,
    Response,
    WireId,
    encode_error,
    encode_request,
    encode_result,
)
from ._behaviours import Directory
from ._legs import DEFAULT_INBOUND_RING_TIMEOUT, SessionKey, SimulatedCall
from ._messaging import MessageDirectory, MessagingNetwork
from ._network import PhoneNetwork
from ._records import (
    _CLOSED,
    _READY,
    DEFAULT_JOURNAL_LIMIT,
    DEFAULT_RESUME_WINDOW,
    MAX_UNACKED_EVENTS,
    MAX_UNANSWERED_PINGS,
    SERVER_TO_CLIENT,
    CloseRequest,
    ConnectionId,
    JournalEntry,
    SentEvent,
    SessionInfo,
    _Connection,
    _Plan,
    _Session,
)
from ._scheduler import Scheduler

__all__ = []


class _ServerCore:
    """Tables, outputs, journal and delivery of :class:`FakeRelayServer` (see there)."""

    def __init__(
        self,
        *,
        credentials: Mapping[str, str] | None = None,
        jwt_tokens: Iterable[str] = ("test-jwt",),
        jwt_project: str | None = None,
        directory: Directory | None = None,
        new_id: IdFactory = uuid4_str,
        ping_interval: float | None = None,
        accept_flat_media: bool = False,
        reject_stale_authorization: bool = False,
        journal_limit: int | None = DEFAULT_JOURNAL_LIMIT,
        on_journal: Callable[[JournalEntry], None] | None = None,
        resume_window: float = DEFAULT_RESUME_WINDOW,
        inbound_ring_timeout: float = DEFAULT_INBOUND_RING_TIMEOUT,
        message_directory: MessageDirectory | None = None,
    ) -> None:
        self._credentials = dict(
            {"test-project": "test-token"} if credentials is None else credentials
        )
        self._jwt_tokens = frozenset(jwt_tokens)
        self._jwt_project = jwt_project or next(iter(self._credentials), "jwt-project")
        if ping_interval is not None and not ping_interval > 0:
            raise LocalProtocolError(f"ping_interval: {ping_interval!r} is not a positive number")
        if journal_limit is not None and journal_limit < 1:
            raise LocalProtocolError(f"journal_limit: {journal_limit!r} is not a positive integer")
        if isinstance(resume_window, bool) or not (
            isinstance(resume_window, int | float) and 0 <= resume_window < float("inf")
        ):
            raise LocalProtocolError(
                f"resume_window: {resume_window!r} is not a finite number of seconds >= 0"
            )
        self._resume_window = float(resume_window)
        self._new_id = new_id
        self._ping_interval = ping_interval
        self._reject_stale = reject_stale_authorization
        self._journal_limit = journal_limit
        self._on_journal = on_journal
        self.scheduler = Scheduler()
        node = new_id()
        #: The simulated phone network (live calls, scripting).
        self.network = PhoneNetwork(
            Directory.default() if directory is None else directory,
            scheduler=self.scheduler,
            new_id=new_id,
            node_id=f"{node}@fake-relay",
            deliver=self._deliver,
            choose_receiver=self._choose_receiver,
            accept_flat_media=accept_flat_media,
            inbound_ring_timeout=inbound_ring_timeout,
        )
        #: The simulated SMS/MMS network (RELAY.md J).
        self.messaging = MessagingNetwork(
            MessageDirectory.default() if message_directory is None else message_directory,
            scheduler=self.scheduler,
            new_id=new_id,
            deliver=self._deliver,
            route_state=self._route_message_state,
            choose_receiver=self._choose_receiver,
        )
        #: Frames both ways, oldest first: the last ``journal_limit`` to
        #: ``journal_limit * 1.05`` of them (trimmed in batches), or all.
        self.journal: list[JournalEntry] = []
        self._seq = 0
        self._connections: dict[ConnectionId, _Connection] = {}
        self._next_conn = 0
        self._sessions: dict[SessionKey, _Session] = {}
        self._to_close: list[CloseRequest] = []
        self._plans: dict[str, deque[_Plan]] = {}
        #: Responses from the client that matched nothing we sent.
        self.stray_responses = 0
        #: Events for calls whose session is gone for good.
        self.undeliverable_events = 0
        #: Sessions forgotten because nobody resumed them in time.
        self.expired_sessions = 0
        #: Inbound offers made so far: the round robin's turn.
        self._offers_made = 0

    def __repr__(self) -> str:
        return (
            f"<FakeRelayServer connections={len(self._connections)} sessions={len(self._sessions)}>"
        )

    def table_sizes(self) -> dict[str, int]:
        """The size of every table the server keeps (to check memory stays flat).

        ``connections`` (open sockets), ``sessions``, ``buffered_events``,
        ``unacked_events``, ``pings``, ``calls`` (live legs),
        ``ended_calls`` (remembered), ``pending_offers``, ``dial_tags``,
        ``timers`` (heap entries), ``journal`` and ``plans``.
        """
        connections = self._connections.values()
        sizes = {
            "connections": len(self._connections),
            "sessions": len(self._sessions),
            "buffered_events": sum(len(s.buffer) for s in self._sessions.values()),
            "unacked_events": sum(len(c.unacked) for c in connections),
            "pings": sum(len(c.pings) for c in connections),
            "journal": len(self.journal),
            "plans": sum(len(plans) for plans in self._plans.values()),
            "timers": len(self.scheduler),
        }
        sizes.update(self.network.table_sizes())
        sizes.update(self.messaging.table_sizes())
        return sizes

    # -- properties ----------------------------------------------------------

    @property
    def credentials(self) -> Mapping[str, str]:
        """The accepted ``project`` → ``token`` pairs (a copy)."""
        return dict(self._credentials)

    @property
    def directory(self) -> Directory:
        """The phone directory; script it with ``directory.set(number, behaviour)``."""
        return self.network.directory

    @property
    def node_id(self) -> str:
        """The ``node_id`` of every simulated call."""
        return self.network.node_id

    def calls(self, *, live_only: bool = True) -> list[SimulatedCall]:
        """Snapshots of the simulated calls (see :meth:`PhoneNetwork.calls`)."""
        return self.network.calls(live_only=live_only)

    def call(self, call_id: str) -> SimulatedCall | None:
        """A snapshot of one live or recently ended call."""
        return self.network.call(call_id)

    def sessions(self) -> list[SessionInfo]:
        """Every live or still resumable session, oldest first."""
        return [self._session_info(session) for session in self._sessions.values()]

    def session_of(self, conn: ConnectionId) -> SessionInfo | None:
        """The session ``conn`` is authenticated as, or ``None``."""
        connection = self._connections.get(conn)
        if connection is None or connection.session is None:
            return None
        return self._session_info(connection.session)

    def _session_info(self, session: _Session) -> SessionInfo:
        conn = session.connection
        return SessionInfo(
            protocol=session.key,
            project=session.project,
            contexts=tuple(session.contexts),
            connection=None if conn is None else conn.id,
            buffered_events=len(session.buffer),
        )

    def unacked_events(self, conn: ConnectionId | None = None) -> list[SentEvent]:
        """Events sent and not acknowledged yet (on ``conn``, or on every open socket)."""
        if conn is not None:
            connection = self._connections.get(conn)
            return [] if connection is None else list(connection.unacked.values())
        return [event for c in self._connections.values() for event in c.unacked.values()]

    def unanswered_pings(self, conn: ConnectionId) -> int:
        """Server pings on ``conn`` the client has not answered."""
        connection = self._connections.get(conn)
        return 0 if connection is None else len(connection.pings)

    def journal_after(self, seq: int) -> list[JournalEntry]:
        """Journal entries with ``seq`` greater than ``seq`` (for tailing it)."""
        return [entry for entry in self.journal if entry.seq > seq]

    # -- sockets -------------------------------------------------------------

    def connection_made(self, *, now: float) -> ConnectionId:
        """A client socket is open; it must send ``signalwire.connect`` first.

        Returns:
            The id to pass to every other per-connection method.
        """
        self._next_conn += 1
        conn = ConnectionId(self._next_conn)
        self._connections[conn] = _Connection(conn)
        self.scheduler.run_due(now)
        return conn

    def connection_lost(self, conn: ConnectionId, *, now: float) -> None:
        """The socket closed.  Its session waits for a resume; unacked events are dropped.

        The connection is forgotten at once.  Idempotent for a connection
        already lost or dropped.

        Raises:
            LocalProtocolError: ``conn`` was never made.
        """
        connection = self._connection(conn, allow_closed=True)
        self.scheduler.run_due(now)
        if connection is not None:
            self._lose(connection, now)
        self.scheduler.run_due(now)

    def _lose(self, connection: _Connection, now: float) -> None:
        if connection.state == _CLOSED:
            return
        connection.state = _CLOSED
        del self._connections[connection.id]
        connection.outbox.clear()
        connection.unacked.clear()
        connection.pings.clear()
        if connection.ping_timer is not None:
            connection.ping_timer()
            connection.ping_timer = None
        session = connection.session
        connection.session = None
        if session is not None and session.connection is connection:
            session.connection = None
            self._await_resume(session, now)

    def _await_resume(self, session: _Session, now: float) -> None:
        """Arm the session's expiry: it ends unless a socket resumes it in time."""
        if not session.resumable:
            self._expire(session, now)
            return
        timer = self.scheduler.call_at(
            now + self._resume_window, lambda when: self._expire(session, when)
        )
        session.expiry = timer.cancel

    def _expire(self, session: _Session, now: float) -> None:
        """Nobody resumed ``session``: forget it, then end its calls (events dropped)."""
        if session.connection is not None:
            return
        session.expiry = None
        if self._sessions.get(session.key) is session:
            del self._sessions[session.key]
        self.undeliverable_events += len(session.buffer)
        session.buffer.clear()
        self.expired_sessions += 1
        self.network.end_calls_of(session.key, now=now)

    @overload
    def _connection(self, conn: ConnectionId) -> _Connection: ...
    @overload
    def _connection(
        self, conn: ConnectionId, *, allow_closed: Literal[True]
    ) -> _Connection | None: ...

    def _connection(self, conn: ConnectionId, *, allow_closed: bool = False) -> _Connection | None:
        connection = self._connections.get(conn)
        if connection is not None:
            return connection
        # Ids are never reused: a known id missing from the table is closed.
        if not isinstance(conn, int) or not 0 < conn <= self._next_conn:
            raise LocalProtocolError(f"conn: {conn!r} is not a connection of this server")
        if not allow_closed:
            raise LocalProtocolError(f"conn: connection {conn!r} is closed")
        return None

    # -- outputs and time ----------------------------------------------------

    def messages_to_send(self, conn: ConnectionId) -> list[str]:
        """Drain the frames to write on ``conn``, in order (one text frame each).

        Returns ``[]`` for a closed or unknown connection.
        """
        connection = self._connections.get(conn)
        if connection is None or not connection.outbox:
            return []
        out, connection.outbox = connection.outbox, []
        return out

    def connections_with_output(self) -> list[ConnectionId]:
        """Connections whose ``messages_to_send`` is not empty."""
        return [conn for conn, c in self._connections.items() if c.outbox]

    def connections_to_close(self) -> list[CloseRequest]:
        """Drain the sockets to close, after writing their pending frames."""
        out, self._to_close = self._to_close, []
        return out

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timeout` has work next (phone network, pings, delays)."""
        return self.scheduler.next_deadline()

    def handle_timeout(self, *, now: float) -> None:
        """Run every timer due at or before ``now``."""
        self.scheduler.run_due(now)

    # -- journal and writing -------------------------------------------------

    def _record(
        self, conn: ConnectionId, direction: str, text: str, message: Message | None, when: float
    ) -> None:
        self._seq += 1
        entry = JournalEntry(
            seq=self._seq,
            time=when,
            connection=conn,
            direction=direction,
            text=text,
            message=message,
        )
        self.journal.append(entry)
        limit = self._journal_limit
        if limit is not None and len(self.journal) > limit + limit // 20:
            del self.journal[: len(self.journal) - limit]
        if self._on_journal is not None:
            self._on_journal(entry)

    def _write(
        self, connection: _Connection, text: str, message: Message | None, when: float
    ) -> None:
        if connection.state == _CLOSED:
            return
        connection.outbox.append(text)
        self._record(connection.id, SERVER_TO_CLIENT, text, message, when)

    def _reply(
        self, connection: _Connection, request_id: WireId, result: JSONObject, when: float
    ) -> None:
        self._write(
            connection, encode_result(request_id, result), Response(request_id, result), when
        )

    def _reply_error(
        self,
        connection: _Connection,
        request_id: WireId | None,
        code: int,
        message: str,
        when: float,
        data: JSONValue = None,
    ) -> None:
        self._write(
            connection,
            encode_error(request_id, code, message, data),
            ErrorResponse(request_id, code, message, data),
            when,
        )

    def _request(
        self, connection: _Connection, method: str, params: JSONObject, when: float
    ) -> str:
        request_id = self._new_id()
        self._write(
            connection,
            encode_request(request_id, method, params),
            Request(request_id, method, params),
            when,
        )
        return request_id

    # -- events --------------------------------------------------------------

    def _send_event(
        self,
        connection: _Connection,
        session: _Session,
        event_type: str,
        params: JSONObject,
        when: float,
    ) -> str:
        envelope: JSONDict = {
            "event_type": event_type,
            "event_channel": session.key,
            "project_id": session.project,
            "params": params,
        }
        event_id = self._request(connection, "signalwire.event", envelope, when)
        unacked = connection.unacked
        if len(unacked) >= MAX_UNACKED_EVENTS:
            del unacked[next(iter(unacked))]
        unacked[event_id] = SentEvent(
            event_id=event_id,
            connection=connection.id,
            event_type=event_type,
            params=params,
            sent_at=when,
        )
        return event_id

    def _deliver(self, owner: SessionKey | None, event_type: str, params: JSONDict) -> None:
        """Route a network event to its session's socket, or keep it for the resume."""
        session = None if owner is None else self._sessions.get(owner)
        if session is None:
            self.undeliverable_events += 1
            return
        connection = session.connection
        if connection is not None and connection.state == _READY:
            self._send_event(connection, session, event_type, params, self._now_hint())
        else:
            session.buffer.append((event_type, params))

    def _now_hint(self) -> float:
        # Network events are emitted from scheduler callbacks or request
        # handlers; both run at the scheduler's current time.
        return self.scheduler.current_time

    def _choose_receiver(self, context: str, passed_by: frozenset[SessionKey]) -> SessionKey | None:
        # RELAY.md I: one subscriber of the context is offered the call
        # (selection policy [INFERRED]: round robin over the live sessions
        # receiving it, so a fleet of workers on one context shares its calls).
        receivers = [
            session.key
            for session in self._sessions.values()
            if context in session.contexts
            and session.key not in passed_by
            and session.connection is not None
            and session.connection.state == _READY
        ]
        if not receivers:
            return None
        chosen = receivers[self._offers_made % len(receivers)]
        self._offers_made += 1
        return chosen

    def _route_message_state(self, sender: SessionKey, context: str) -> SessionKey | None:
        # RELAY.md J.4: states go where the context is received; the sender
        # first (its protocol counts, the official SDK's default context).
        session = self._sessions.get(sender)
        if session is not None and (context == sender or context in session.contexts):
            return sender
        return self._choose_receiver(context, frozenset())

    # -- pings ---------------------------------------------------------------

    def _arm_ping(self, connection: _Connection, when: float) -> None:
        timer = self.scheduler.call_at(when, lambda at: self._periodic_ping(connection, at))
        connection.ping_timer = timer.cancel

    def _periodic_ping(self, connection: _Connection, now: float) -> None:
        if connection.state != _READY or self._ping_interval is None:
            return
        self._ping(connection, now)
        self._arm_ping(connection, now + self._ping_interval)

    def _ping(self, connection: _Connection, now: float) -> str:
        ping_id = self._request(connection, "signalwire.ping", {"timestamp": now}, now)
        pings = connection.pings
        if len(pings) >= MAX_UNANSWERED_PINGS:
            del pings[next(iter(pings))]
        pings[ping_id] = now
        return ping_id
