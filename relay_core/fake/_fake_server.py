"""The server role of RELAY, with no I/O: a fake SignalWire for offline tests.

Theory of operation
-------------------
:class:`FakeRelayServer` is the client core's mirror image.  It speaks the
same wire codec (``_wire``) and is driven the same way:

1. ``connection_made(now=...)`` for every accepted socket → a
   :class:`ConnectionId`;
2. ``receive_text(conn, frame, now=...)`` for every inbound text frame;
3. after *every* call (frames, timers, scripting), drain
   ``messages_to_send(conn)`` for each of ``connections_with_output()`` and
   close each socket listed by ``connections_to_close()``;
4. ``next_deadline()`` / ``handle_timeout(now=...)`` drive one timer;
5. ``connection_lost(conn, now=...)`` when a socket closes.

A connection must authenticate with ``signalwire.connect`` first (RELAY.md
C.1).  That creates a *session*, keyed by its ``protocol`` string, or
resumes one when the client presents a known ``protocol`` (C.7: same
protocol, ``session_restored: true``, calls kept, later events go to the new
socket).  Events for a session whose socket is gone or draining wait in the
session and are delivered after the resume; events already sent on a socket
that drops are not re-sent.

``calling.*`` requests go to the :class:`~relay_core._telephony.PhoneNetwork`,
which simulates the phone network from a :class:`Directory`.

Scripting (for tests): :meth:`~FakeRelayServer.arm_response` (delay, swallow
or replace the next response to a method), :meth:`~FakeRelayServer.send_ping`,
:meth:`~FakeRelayServer.request_disconnect`, :meth:`~FakeRelayServer.drop`,
:meth:`~FakeRelayServer.push_event`, :meth:`~FakeRelayServer.inject_raw`,
:meth:`~FakeRelayServer.inject_inbound_call` and
:meth:`~FakeRelayServer.hangup_call`.  Every frame, both ways, lands in
:attr:`~FakeRelayServer.journal` (the newest ``journal_limit`` of them).

Long life: it forgets what the real service would.  A closed connection is
removed at once; a session whose socket is gone waits ``resume_window``
seconds (default 60) for a resume, then its calls end and it is forgotten.
See :class:`FakeRelayServer` for every table's bound and
:meth:`~FakeRelayServer.table_sizes` to watch them.
"""

from __future__ import annotations

import base64
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final, Literal, NewType, final, overload

import attrs

from .._errors import LocalProtocolError, RemoteProtocolError
from .._ids import IdFactory, JSONDict, JSONObject, JSONValue, uuid4_str
from ..client._events import CallRef
from ..wire._wire import (
    ErrorResponse,
    MalformedRequestError,
    Message,
    Request,
    Response,
    WireId,
    decode,
    encode_error,
    encode_request,
    encode_result,
)
from ._telephony import (
    DEFAULT_INBOUND_RING_TIMEOUT,
    Directory,
    PhoneNetwork,
    Scheduler,
    SessionKey,
    SimulatedCall,
)

__all__ = [
    "FakeServerScripting",
    "CLIENT_TO_SERVER",
    "SERVER_TO_CLIENT",
    "CloseRequest",
    "ConnectionId",
    "FakeRelayServer",
    "JournalEntry",
    "RpcError",
    "SentEvent",
    "SessionInfo",
]

#: Identifies one socket for the server's lifetime (never reused).
ConnectionId = NewType("ConnectionId", int)

#: Journal directions.
CLIENT_TO_SERVER: Final = "C→S"
SERVER_TO_CLIENT: Final = "S→C"

#: RELAY.md C.2: the recommended authentication-failure error.
AUTH_FAILED_CODE: Final = -32002
#: RELAY.md C.2 ([JS4]): a stale or corrupt ``authorization_state``.
STALE_AUTHORIZATION_CODE: Final = -32003
SUPPORTED_MAJOR_VERSIONS: Final = frozenset({2, 3, 4})
#: Events kept for a session without a live socket (oldest dropped first).
MAX_BUFFERED_EVENTS: Final = 10_000
#: Events sent on one socket and not acknowledged yet that are tracked; past
#: it the oldest is forgotten (a client that never acks costs nothing more).
MAX_UNACKED_EVENTS: Final = 10_000
#: Server pings on one socket awaiting an answer that are tracked (oldest
#: forgotten first).
MAX_UNANSWERED_PINGS: Final = 100
#: Contexts one session may receive; a connect or ``signalwire.receive`` that
#: would go past it is refused (invalid params / code ``400``).
MAX_CONTEXTS: Final = 1_000
#: Seconds the adapters wait for one socket to take one frame: a client that
#: stopped reading for that long is hung, and its socket is dropped (its
#: session then waits for a resume like any dropped socket).  So the frames
#: queued for a socket are what the server produces for it within this time.
WRITE_TIMEOUT: Final = 30.0
#: Default :attr:`FakeRelayServer.journal` size (``journal_limit``).
DEFAULT_JOURNAL_LIMIT: Final = 5_000
#: Default seconds a session without a socket waits for its resume
#: (``resume_window``).
DEFAULT_RESUME_WINDOW: Final = 60.0

_EMPTY: Final[JSONObject] = {}


# --- public records ---------------------------------------------------------------


@final
@attrs.frozen(kw_only=True)
class JournalEntry:
    """One frame that crossed a connection, in either direction."""

    #: Position in the journal (stable even when old entries are trimmed).
    seq: int
    #: The ``now`` at which it was received or queued.
    time: float
    connection: ConnectionId
    #: :data:`CLIENT_TO_SERVER` (``"C→S"``) or :data:`SERVER_TO_CLIENT` (``"S→C"``).
    direction: str
    #: The frame exactly as it went over the wire.
    text: str
    #: The decoded JSON-RPC message, or ``None`` when the frame is malformed.
    message: Message | None

    @property
    def method(self) -> str | None:
        """The method of a request frame."""
        message = self.message
        return message.method if isinstance(message, Request) else None

    @property
    def request_id(self) -> WireId | None:
        """The frame's JSON-RPC ``id``."""
        return None if self.message is None else self.message.id

    @property
    def params(self) -> JSONObject:
        """A request's ``params`` (empty for other frames)."""
        message = self.message
        return message.params if isinstance(message, Request) else _EMPTY

    @property
    def result(self) -> JSONObject | None:
        """A success response's ``result``."""
        message = self.message
        return message.result if isinstance(message, Response) else None

    @property
    def error_code(self) -> int | None:
        """An error response's ``error.code``."""
        message = self.message
        return message.code if isinstance(message, ErrorResponse) else None

    @property
    def event_type(self) -> str | None:
        """The ``event_type`` of a ``signalwire.event`` frame."""
        if self.method != "signalwire.event":
            return None
        event_type = self.params.get("event_type")
        return event_type if isinstance(event_type, str) else None

    @property
    def event_params(self) -> JSONObject:
        """The inner ``params`` of a ``signalwire.event`` frame (empty otherwise)."""
        if self.method != "signalwire.event":
            return _EMPTY
        inner = self.params.get("params")
        return inner if isinstance(inner, Mapping) else _EMPTY


@final
@attrs.frozen(kw_only=True)
class SentEvent:
    """A ``signalwire.event`` sent to a client and not acknowledged yet."""

    event_id: str
    connection: ConnectionId
    event_type: str
    params: JSONObject
    sent_at: float


@final
@attrs.frozen(kw_only=True)
class CloseRequest:
    """A socket the adapter must close (scripted drop, or after ``signalwire.disconnect``)."""

    connection: ConnectionId
    #: WebSocket close code for a clean close.
    code: int
    reason: str
    #: Close the TCP connection without a WebSocket close handshake.
    abrupt: bool


@final
@attrs.frozen(kw_only=True)
class RpcError:
    """A JSON-RPC error object for :meth:`FakeRelayServer.arm_response`."""

    code: int
    message: str
    data: JSONValue = None


@final
@attrs.frozen(kw_only=True)
class SessionInfo:
    """What the server knows about one session."""

    protocol: str
    project: str
    contexts: tuple[str, ...]
    #: The socket it is attached to, or ``None`` between sockets.
    connection: ConnectionId | None
    #: Events waiting for the next socket.
    buffered_events: int


@final
@attrs.frozen(kw_only=True)
class _Plan:
    delay: float | None
    withhold: bool
    result: JSONObject | None
    error: RpcError | None


# --- internal state ---------------------------------------------------------------


class _Session:
    __slots__ = (
        "authorization_state",
        "buffer",
        "connection",
        "contexts",
        "expiry",
        "identity",
        "key",
        "project",
        "resumable",
        "sessionid",
        "signature",
    )

    def __init__(
        self, key: SessionKey, project: str, signature: str, identity: str, sessionid: str
    ) -> None:
        self.key = key
        self.project = project
        self.signature = signature
        self.identity = identity
        self.sessionid = sessionid
        self.authorization_state: str | None = None
        self.contexts: dict[str, None] = {}
        self.connection: _Connection | None = None
        self.buffer: deque[tuple[str, JSONDict]] = deque(maxlen=MAX_BUFFERED_EVENTS)
        self.resumable = True
        #: Cancels the pending expiry while no socket is attached.
        self.expiry: Callable[[], None] | None = None


# Connection states: waiting for signalwire.connect, authenticated, told to
# go away (events are buffered), gone.
_OPEN: Final = "open"
_READY: Final = "ready"
_DRAINING: Final = "draining"
_CLOSED: Final = "closed"


class _Connection:
    __slots__ = (
        "disconnect_id",
        "id",
        "outbox",
        "ping_timer",
        "pings",
        "session",
        "state",
        "unacked",
    )

    def __init__(self, conn_id: ConnectionId) -> None:
        self.id = conn_id
        self.state = _OPEN
        self.session: _Session | None = None
        self.outbox: list[str] = []
        self.unacked: dict[str, SentEvent] = {}
        self.pings: dict[str, float] = {}
        self.disconnect_id: str | None = None
        self.ping_timer: Callable[[], None] | None = None


def _valid_contexts(value: JSONValue) -> tuple[str, ...] | None:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return None
    contexts = tuple(value)
    if not all(isinstance(context, str) and context for context in contexts):
        return None
    return tuple(context for context in contexts if isinstance(context, str))


@final
class FakeRelayServer:
    """A fake RELAY server: sessions, acks, pings and a simulated phone network.

    See the module docstring for how to drive it.  Every method that takes
    ``now`` may produce output: drain it afterwards.

    Args:
        credentials: accepted ``project`` → ``token`` pairs.
        jwt_tokens: accepted ``jwt_token`` values.
        jwt_project: the project a JWT session belongs to (default: the
            first project of ``credentials``).
        directory: who answers what (default: :meth:`Directory.default`).
        new_id: makes every id the server invents (calls, events, sessions);
            tests pass a counter for fixed transcripts.
        ping_interval: send ``signalwire.ping`` to every authenticated
            socket this often (``None``: only scripted pings).
        accept_flat_media: accept the flat media shorthand (``{"type":
            "tts", "text": ...}``) that the official SDK forwards verbatim;
            by default it is rejected with code ``400`` (RELAY.md H.4).
        reject_stale_authorization: answer ``-32003`` to a connect whose
            ``authorization_state`` is not the session's current blob
            (default: fall back to ``authentication``, RELAY.md C.3).
        journal_limit: keep only about this many journal entries, the newest
            (default :data:`DEFAULT_JOURNAL_LIMIT`; ``None``: keep all of them).
        on_journal: called with every new journal entry (e.g. a logger).
        resume_window: seconds a session whose socket went away waits for
            the client to resume it (default 60, simulated time).  After
            that its calls end (answered ones with ``hangup``, the others
            with ``cancel``), their events are dropped and the session is
            forgotten: a connect with its ``protocol`` starts a fresh one.
            A session told ``restart=True`` is forgotten when its socket goes.
        inbound_ring_timeout: seconds an injected inbound call waits to be
            answered before its caller gives up (``noAnswer``; default 60).

    Memory stays flat however long it runs.  Closed connections are removed
    at once.  A session lives while a socket is attached, plus
    ``resume_window``.  Every call ends (an inbound call nobody answers
    after ``inbound_ring_timeout``); ended calls are remembered for
    :data:`~relay_core._telephony.ENDED_CALL_SECONDS` (300 s), at most
    :data:`~relay_core._telephony.ENDED_CALL_MEMORY` (1000) of them.  The
    journal keeps about ``journal_limit`` entries.  Per socket at most
    :data:`MAX_UNACKED_EVENTS` unacked events and :data:`MAX_UNANSWERED_PINGS`
    pings are tracked; per session at most :data:`MAX_BUFFERED_EVENTS` events
    wait for a resume (oldest dropped first) and :data:`MAX_CONTEXTS`
    contexts are received.  Cancelled timers are compacted away.  Only what
    tests script themselves (``arm_response`` plans, directory entries) is
    unbounded.
    :meth:`table_sizes` reports every table.
    """

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

    # -- receiving -----------------------------------------------------------

    def receive_text(self, conn: ConnectionId, text: str | bytes, *, now: float) -> None:
        """Handle one inbound frame.

        A malformed frame is answered with a JSON-RPC error (``-32700``
        unparseable, ``-32600`` invalid request, ``-32602`` invalid params);
        it never raises for the frame's content.

        Raises:
            LocalProtocolError: ``conn`` is unknown or closed.
        """
        connection = self._connection(conn)
        self.scheduler.run_due(now)
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        try:
            message = decode(text)
        except MalformedRequestError as exc:
            self._record(conn, CLIENT_TO_SERVER, text, None, now)
            self._reply_error(connection, exc.request_id, exc.error_code, exc.message, now)
            return
        except RemoteProtocolError as exc:
            self._record(conn, CLIENT_TO_SERVER, text, None, now)
            code = -32700 if isinstance(exc.__cause__, ValueError) else -32600
            self._reply_error(connection, None, code, exc.message, now)
            return
        self._record(conn, CLIENT_TO_SERVER, text, message, now)
        match message:
            case Request():
                self._on_request(connection, message, now)
            case Response():
                self._on_response(connection, message.id)
            case ErrorResponse():
                if message.id is not None:
                    self._on_response(connection, message.id)
        self.scheduler.run_due(now)

    def _on_response(self, connection: _Connection, response_id: WireId) -> None:
        key = str(response_id)
        if connection.unacked.pop(key, None) is not None:
            return
        if connection.pings.pop(key, None) is not None:
            return
        if connection.disconnect_id == key:
            # RELAY.md C.6: the client acked signalwire.disconnect; now close.
            connection.disconnect_id = None
            self._to_close.append(
                CloseRequest(connection=connection.id, code=1000, reason="disconnect", abrupt=False)
            )
            return
        self.stray_responses += 1

    def _on_request(self, connection: _Connection, request: Request, now: float) -> None:
        request_id = request.id
        if request_id is None:
            return  # RELAY.md B.1: clients never send notifications; ignore one
        plans = self._plans.get(request.method)
        plan = plans.popleft() if plans else None
        if plans is not None and not plans:
            del self._plans[request.method]
        if plan is None:
            self._handle_request(connection, request_id, request, now)
            return
        if plan.withhold:
            return
        if plan.delay:
            self.scheduler.call_at(
                now + plan.delay,
                lambda when: self._run_plan(connection, request_id, request, plan, when),
            )
            return
        self._run_plan(connection, request_id, request, plan, now)

    def _run_plan(
        self, connection: _Connection, request_id: WireId, request: Request, plan: _Plan, now: float
    ) -> None:
        if connection.state == _CLOSED:
            return
        if plan.error is not None:
            error = plan.error
            self._reply_error(connection, request_id, error.code, error.message, now, error.data)
        elif plan.result is not None:
            self._reply(connection, request_id, plan.result, now)
        else:
            self._handle_request(connection, request_id, request, now)

    def _handle_request(
        self, connection: _Connection, request_id: WireId, request: Request, now: float
    ) -> None:
        method = request.method
        params = request.params
        if method == "signalwire.connect":
            self._handshake(connection, request_id, params, now)
            return
        session = connection.session
        if connection.state not in (_READY, _DRAINING) or session is None:
            self._reply_error(
                connection,
                request_id,
                AUTH_FAILED_CODE,
                "Authentication required: send signalwire.connect first",
                now,
                {"signalwire_error_code": "AUTH_REQUIRED"},
            )
            return
        if method == "signalwire.ping":
            stamp = params.get("timestamp")
            result: JSONObject = {"timestamp": stamp} if isinstance(stamp, int | float) else {}
            self._reply(connection, request_id, result, now)
        elif method in ("signalwire.receive", "signalwire.unreceive"):
            self._receive(connection, session, request_id, method, params, now)
        elif method in self.network.methods:
            self._reply(
                connection, request_id, self.network.handle(session.key, method, params, now), now
            )
        else:
            self._reply_error(connection, request_id, -32601, f"Method not found: {method}", now)

    def _receive(
        self,
        connection: _Connection,
        session: _Session,
        request_id: WireId,
        method: str,
        params: JSONObject,
        now: float,
    ) -> None:
        # RELAY.md C.4: add or remove contexts; code-checked results.
        contexts = _valid_contexts(params.get("contexts"))
        if contexts is None:
            result: JSONDict = {
                "code": "400",
                "message": "contexts: expected a list of non-empty strings",
            }
            self._reply(connection, request_id, result, now)
            return
        if (
            method == "signalwire.receive"
            and len({**session.contexts, **dict.fromkeys(contexts)}) > MAX_CONTEXTS
        ):
            result = {"code": "400", "message": f"contexts: at most {MAX_CONTEXTS} per session"}
            self._reply(connection, request_id, result, now)
        elif method == "signalwire.receive":
            session.contexts.update(dict.fromkeys(contexts))
            self._reply(connection, request_id, {"code": "200", "message": "Receiving events"}, now)
            self.network.offer_pending(now)
        else:
            for context in contexts:
                session.contexts.pop(context, None)
            self._reply(
                connection, request_id, {"code": "200", "message": "Unreceiving events"}, now
            )

    # -- the handshake -------------------------------------------------------

    def _handshake(
        self, connection: _Connection, request_id: WireId, params: JSONObject, now: float
    ) -> None:
        """RELAY.md C.1-C.3: authenticate, create or resume a session, push the blob."""
        if connection.state != _OPEN:
            self._reply_error(
                connection, request_id, -32600, "signalwire.connect: already authenticated", now
            )
            return
        version = params.get("version")
        major = version.get("major") if isinstance(version, Mapping) else None
        if (
            not isinstance(major, int)
            or isinstance(major, bool)
            or major not in SUPPORTED_MAJOR_VERSIONS
        ):
            self._reply_error(
                connection,
                request_id,
                -32602,
                "Invalid params: unsupported or missing version",
                now,
            )
            return
        authentication = params.get("authentication")
        if not isinstance(authentication, Mapping):
            self._reply_error(
                connection, request_id, -32602, "Invalid params: authentication is required", now
            )
            return
        project = self._authenticate(authentication)
        if project is None:
            # Never a result with a code: [PY] does not code-check this result (C.2).
            self._reply_error(
                connection,
                request_id,
                AUTH_FAILED_CODE,
                "Authentication failed",
                now,
                {"signalwire_error_code": "AUTH_REQUIRED"},
            )
            return
        raw_contexts = params.get("contexts", [])
        contexts = _valid_contexts(raw_contexts)
        if contexts is None or len(set(contexts)) > MAX_CONTEXTS:
            self._reply_error(
                connection,
                request_id,
                -32602,
                f"Invalid params: contexts must be a list of at most {MAX_CONTEXTS} strings",
                now,
            )
            return
        session = None
        protocol = params.get("protocol")
        if isinstance(protocol, str):
            known = self._sessions.get(SessionKey(protocol))
            if known is not None and known.project == project and known.resumable:
                session = known
        blob = params.get("authorization_state")
        if (
            self._reject_stale
            and blob is not None
            and (session is None or blob != session.authorization_state)
        ):
            self._reply_error(
                connection, request_id, STALE_AUTHORIZATION_CODE, "Requester validation failed", now
            )
            return
        restored = session is not None
        if session is None:
            session = self._new_session(project)
        previous = session.connection
        if previous is not None and previous is not connection:
            # The client came back before we noticed its old socket die.
            self._lose(previous, now)
            self._to_close.append(
                CloseRequest(
                    connection=previous.id, code=1000, reason="session resumed", abrupt=False
                )
            )
        connection.session = session
        connection.state = _READY
        session.connection = connection
        if session.expiry is not None:
            session.expiry()  # resumed in time
            session.expiry = None
        # RELAY.md C.4/C.7: the contexts of *this* connect are the subscription.
        session.contexts = dict.fromkeys(contexts)
        self._reply(
            connection,
            request_id,
            {
                "identity": session.identity,
                "nodeid": session.identity,
                "master_nodeid": self.node_id,
                "protocol": session.key,
                "session_restored": restored,
                "sessionid": session.sessionid,
                "authorization": {
                    "project": project,
                    "scopes": ["calling", "messaging"],
                    "signature": session.signature,
                    "expires_at": None,
                },
            },
            now,
        )
        session.authorization_state = self._new_blob()
        self._send_event(
            connection,
            session,
            "signalwire.authorization.state",
            {"authorization_state": session.authorization_state},
            now,
        )
        while session.buffer and session.connection is connection:
            event_type, event_params = session.buffer.popleft()
            self._send_event(connection, session, event_type, event_params, now)
        if self._ping_interval is not None:
            self._arm_ping(connection, now + self._ping_interval)
        self.network.offer_pending(now)

    def _authenticate(self, authentication: JSONObject) -> str | None:
        jwt = authentication.get("jwt_token")
        if isinstance(jwt, str) and jwt:
            return self._jwt_project if jwt in self._jwt_tokens else None
        project = authentication.get("project")
        token = authentication.get("token")
        if isinstance(project, str) and isinstance(token, str):
            expected = self._credentials.get(project)
            if expected is not None and token == expected:
                return project
        return None

    def _new_session(self, project: str) -> _Session:
        signature = self._new_id().replace("-", "")
        key = SessionKey(f"signalwire_{signature}_{self._new_id()}_{self._new_id()}")
        session = _Session(key, project, signature, f"{self._new_id()}@fake-relay", self._new_id())
        self._sessions[key] = session
        return session

    def _new_blob(self) -> str:
        left = base64.b64encode(self._new_id().encode()).decode()
        right = base64.b64encode(self._new_id().encode()).decode()
        return f"{left}:{right}"

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
        # (selection policy [INFERRED]: the oldest live session).
        for session in self._sessions.values():
            connection = session.connection
            if (
                context in session.contexts
                and session.key not in passed_by
                and connection is not None
                and connection.state == _READY
            ):
                return session.key
        return None

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

    # -- scripting -----------------------------------------------------------

    def arm_response(
        self,
        method: str,
        *,
        delay: float | None = None,
        withhold: bool = False,
        result: JSONObject | None = None,
        error: RpcError | None = None,
    ) -> None:
        """Script how the server treats the *next* request of ``method``.

        Plans queue up per method (FIFO); each is used once.

        Args:
            method: e.g. ``"calling.dial"`` or ``"signalwire.connect"``.
            delay: handle the request this many seconds late (its effects
                and its response), e.g. to exceed a client's request timeout.
            withhold: swallow the request: no effect, no response ever.
            result: answer with this ``result`` instead of doing anything
                (e.g. ``{"code": "410", "message": "Gone"}``).
            error: answer with this JSON-RPC error instead of doing anything.

        Raises:
            LocalProtocolError: contradictory or invalid options.
        """
        if not isinstance(method, str) or not method:
            raise LocalProtocolError(f"method: {method!r} is not a non-empty string")
        if delay is not None and (isinstance(delay, bool) or not delay >= 0):
            raise LocalProtocolError(f"delay: {delay!r} is not a number of seconds >= 0")
        if sum((withhold, result is not None, error is not None)) > 1:
            raise LocalProtocolError("give at most one of withhold, result and error")
        if withhold and delay is not None:
            raise LocalProtocolError("a withheld response cannot also be delayed")
        plan = _Plan(delay=delay, withhold=withhold, result=result, error=error)
        self._plans.setdefault(method, deque()).append(plan)

    def send_ping(self, conn: ConnectionId, *, now: float) -> str:
        """Send ``signalwire.ping`` (RELAY.md C.5) now; returns its id.

        Raises:
            LocalProtocolError: ``conn`` is unknown or closed.
        """
        connection = self._connection(conn)
        self.scheduler.run_due(now)
        ping_id = self._ping(connection, now)
        self.scheduler.run_due(now)
        return ping_id

    def request_disconnect(self, conn: ConnectionId, *, restart: bool = False, now: float) -> str:
        """Send ``signalwire.disconnect`` (RELAY.md C.6); close the socket after the ack.

        From now on the session's events wait for the next socket.  With
        ``restart=True`` the session cannot be resumed: the client's next
        connect starts a fresh one.

        Raises:
            LocalProtocolError: ``conn`` is not authenticated.
        """
        connection = self._connection(conn)
        session = connection.session
        if connection.state != _READY or session is None:
            raise LocalProtocolError(f"conn: connection {conn!r} is not authenticated")
        self.scheduler.run_due(now)
        connection.state = _DRAINING
        if restart:
            session.resumable = False
            del self._sessions[session.key]
        request_id = self._request(connection, "signalwire.disconnect", {"restart": restart}, now)
        connection.disconnect_id = request_id
        self.scheduler.run_due(now)
        return request_id

    def drop(self, conn: ConnectionId, *, now: float) -> None:
        """Drop the socket abruptly (no close handshake, no disconnect request).

        The session waits for a resume.  Idempotent.

        Raises:
            LocalProtocolError: ``conn`` was never made.
        """
        connection = self._connection(conn, allow_closed=True)
        if connection is None:
            return
        self._lose(connection, now)
        self._to_close.append(
            CloseRequest(connection=conn, code=1006, reason="dropped", abrupt=True)
        )
        self.scheduler.run_due(now)

    def push_event(
        self, conn: ConnectionId, event_type: str, params: JSONObject, *, now: float
    ) -> str:
        """Send an arbitrary ``signalwire.event`` on ``conn`` (tracked for its ack).

        For out-of-order or unknown events the network would not produce.
        Returns the event's id.

        Raises:
            LocalProtocolError: ``conn`` is unknown, closed or not authenticated.
        """
        connection = self._connection(conn)
        session = connection.session
        if session is None:
            raise LocalProtocolError(f"conn: connection {conn!r} is not authenticated")
        self.scheduler.run_due(now)
        return self._send_event(connection, session, event_type, params, now)

    def inject_raw(self, conn: ConnectionId, text: str, *, now: float) -> None:
        """Send ``text`` as one frame, as is (e.g. a malformed frame).

        Raises:
            LocalProtocolError: ``conn`` is unknown or closed.
        """
        connection = self._connection(conn)
        self.scheduler.run_due(now)
        try:
            message: Message | None = decode(text)
        except RemoteProtocolError:
            message = None
        self._write(connection, text, message, now)

    def inject_inbound_call(
        self,
        *,
        context: str,
        from_number: str,
        to_number: str,
        now: float,
        device: JSONObject | None = None,
    ) -> CallRef:
        """Place an inbound call into ``context`` (RELAY.md I).

        It is offered (``calling.call.receive``) to one session receiving
        that context; until one does, the offer waits.  ``calling.pass``
        moves it to another such session.

        Returns:
            The new call's ``CallRef``.

        Raises:
            LocalProtocolError: an empty context or number.
        """
        self.scheduler.run_due(now)
        ref = self.network.inject_inbound_call(
            context=context, from_number=from_number, to_number=to_number, now=now, device=device
        )
        self.scheduler.run_due(now)
        return ref

    def hangup_call(self, call_id: str, *, reason: str = "hangup", now: float) -> None:
        """The far end of a live call hangs up (``ending`` → ``ended`` with ``reason``).

        Raises:
            LocalProtocolError: no live call has that id.
        """
        self.scheduler.run_due(now)
        self.network.hangup(call_id, reason=reason, now=now)
        self.scheduler.run_due(now)


class FakeServerScripting:
    """Where a served fake server listens, and the scripting verbs that flush.

    Shared by the adapters' handles (``relay_trio.testing``,
    ``relay_asyncio.testing``), which provide ``now()`` (the server's clock)
    and ``kick()`` (flush every connection's output and re-arm the timer after
    a change); each verb here changes the server, then kicks.

    Attributes:
        server: the sans-IO server (journal, directory, calls).
        url: ``ws://127.0.0.1:PORT`` (``wss://`` with TLS).
        host: ``127.0.0.1:PORT``, the official SDK's ``host`` argument.
        port: the listening port.
        ca_path: PEM file of the test CA that signed the server certificate
            (``None`` without TLS); point ``SIGNALWIRE_RELAY_CA_FILE`` at it.
    """

    def __init__(self, server: FakeRelayServer, host: str, port: int, ca_path: str | None) -> None:
        self.server = server
        self.port = port
        self.host = f"{host}:{port}"
        self.url = f"{'wss' if ca_path else 'ws'}://{self.host}"
        self.ca_path = ca_path

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"

    def now(self) -> float:
        """The server's current time (the adapter's clock)."""
        raise NotImplementedError

    def kick(self) -> None:
        """Flush outputs and re-arm the timer after a change."""
        raise NotImplementedError

    def inject_inbound_call(
        self,
        *,
        context: str,
        from_number: str,
        to_number: str,
        device: JSONObject | None = None,
    ) -> CallRef:
        """Place an inbound call (see :meth:`FakeRelayServer.inject_inbound_call`)."""
        ref = self.server.inject_inbound_call(
            context=context,
            from_number=from_number,
            to_number=to_number,
            device=device,
            now=self.now(),
        )
        self.kick()
        return ref

    def hangup_call(self, call_id: str, *, reason: str = "hangup") -> None:
        """The far end hangs up a live call."""
        self.server.hangup_call(call_id, reason=reason, now=self.now())
        self.kick()

    def request_disconnect(self, conn: ConnectionId, *, restart: bool = False) -> str:
        """Send ``signalwire.disconnect``; the socket closes after the ack."""
        request_id = self.server.request_disconnect(conn, restart=restart, now=self.now())
        self.kick()
        return request_id

    def drop(self, conn: ConnectionId) -> None:
        """Close the socket abruptly (no WebSocket close handshake)."""
        self.server.drop(conn, now=self.now())
        self.kick()

    def send_ping(self, conn: ConnectionId) -> str:
        """Send ``signalwire.ping`` now."""
        ping_id = self.server.send_ping(conn, now=self.now())
        self.kick()
        return ping_id

    def push_event(self, conn: ConnectionId, event_type: str, params: JSONObject) -> str:
        """Send an arbitrary ``signalwire.event``."""
        event_id = self.server.push_event(conn, event_type, params, now=self.now())
        self.kick()
        return event_id

    def inject_raw(self, conn: ConnectionId, text: str) -> None:
        """Send ``text`` as one frame, as is."""
        self.server.inject_raw(conn, text, now=self.now())
        self.kick()
