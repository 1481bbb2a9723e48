"""What the fake server records and tracks: journal entries, sessions, connections.

The public records (:class:`JournalEntry`, :class:`SentEvent`,
:class:`CloseRequest`, :class:`RpcError`, :class:`SessionInfo`), the
server's bounds, and its private per-session and per-socket state.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Final, NewType, final

import attrs

from .._ids import JSONDict, JSONObject, JSONValue
from ..wire._wire import (
    ErrorResponse,
    Message,
    Request,
    Response,
    WireId,
)
from ._legs import SessionKey

__all__ = [
    "CLIENT_TO_SERVER",
    "DEFAULT_JOURNAL_LIMIT",
    "SERVER_TO_CLIENT",
    "WRITE_TIMEOUT",
    "CloseRequest",
    "ConnectionId",
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
