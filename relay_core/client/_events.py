"""Events: past-tense facts the session reports through ``next_event()``.

Every event carries the key an adapter needs to find its waiter
(``request_id``, ``tag``, ``control_id`` or ``call.call_id``), so adapters
never read raw params.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeAlias, final

import attrs

from .._errors import (
    AuthenticationError,
    CallGoneError,
    ConnectError,
    ConnectionLostError,
    DialError,
    RelayError,
    RequestError,
    RequestTimeoutError,
    SessionClosedError,
)
from .._ids import CallId, ControlId, JSONObject, NodeId, RequestId, Tag
from ._action_events import ActionFinished, ActionUpdated, CallActivity
from ._message_events import InboundMessageRefused, MessageReceived, MessageStateChanged
from ._state import CallState, ConnectState, DialState, PlayState

if TYPE_CHECKING:
    from ..wire._values import Device

__all__ = [
    "AuthenticationFailed",
    "CallErrorReported",
    "CallInfo",
    "CallReceived",
    "CallRef",
    "CallStateChanged",
    "ConnectStateChanged",
    "DialStateChanged",
    "Event",
    "FailureKind",
    "InboundCallRefused",
    "LivenessLost",
    "PlayStateChanged",
    "RequestCompleted",
    "RequestFailed",
    "SessionEnding",
    "SessionStarted",
    "UnknownEvent",
]


@final
@attrs.frozen(slots=True)
class CallRef:
    """The address of a call: ``call_id`` and ``node_id`` always travel together."""

    call_id: CallId
    node_id: NodeId


@final
@attrs.frozen(kw_only=True, slots=True)
class CallInfo:
    """A snapshot of what the session knows about a call."""

    call_id: CallId
    node_id: NodeId
    #: The dial or connect tag this call belongs to, if any.
    tag: Tag | None = None
    #: ``"inbound"`` or ``"outbound"`` as the server reports it.
    direction: str | None = None
    state: CallState = CallState.CREATED
    device: Device | None = None
    #: The context an inbound call arrived on.
    context: str | None = None
    #: The other leg of a bridge (or the A leg, for a connect's peer leg).
    peer: CallRef | None = None
    #: Why the call ended (``hangup``, ``busy``, ``noAnswer``, ...).
    end_reason: str | None = None

    @property
    def ref(self) -> CallRef:
        """This call's address."""
        return CallRef(self.call_id, self.node_id)

    @property
    def is_final(self) -> bool:
        """Whether the call had ended when this snapshot was taken."""
        return self.state is CallState.ENDED


# -- session -----------------------------------------------------------------


@final
@attrs.frozen(kw_only=True, slots=True)
class SessionStarted:
    """The server accepted ``signalwire.connect``; queued requests are on their way.

    When ``restored`` is false after a reconnect, work of the previous session
    (dials, connects, plays) has already been failed with its own events.
    """

    protocol: str
    identity: str | None
    restored: bool


@final
@attrs.frozen(kw_only=True, slots=True)
class AuthenticationFailed:
    """The server rejected ``signalwire.connect`` with a JSON-RPC error.

    The adapter should close the socket.  If ``will_retry`` it then reconnects
    after ``reconnect_delay()``; otherwise the session is closed and the
    adapter raises :meth:`error`.
    """

    code: int
    message: str
    will_retry: bool

    def error(self) -> AuthenticationError:
        """The exception an adapter raises for this event."""
        return AuthenticationError(self.code, self.message)


@final
@attrs.frozen(kw_only=True, slots=True)
class SessionEnding:
    """The server sent ``signalwire.disconnect`` (already acknowledged).

    New requests wait in the outbox until the next socket is authenticated;
    the adapter waits for the server to close, then reconnects.  With
    ``restart`` the next session starts fresh instead of resuming.
    """

    restart: bool


@final
@attrs.frozen(kw_only=True, slots=True)
class LivenessLost:
    """The connection looks dead (a ping or the handshake went unanswered).

    The adapter should close the socket and call ``connection_lost``.
    """

    reason: str


# -- requests ----------------------------------------------------------------


class FailureKind:
    """Why a request failed, beyond its code."""

    #: The server answered with a non-2xx code or a JSON-RPC error.
    REMOTE = "remote"
    #: No answer before the request's deadline.
    TIMEOUT = "timeout"
    #: The socket closed before the answer came.
    CONNECTION_LOST = "connection_lost"
    #: The session closed (user close or authentication given up).
    CLOSED = "closed"


@final
@attrs.frozen(kw_only=True, slots=True)
class RequestCompleted:
    """A request got a success result (any 2xx code, or none at all)."""

    request_id: RequestId
    method: str
    result: JSONObject


@final
@attrs.frozen(kw_only=True, slots=True)
class RequestFailed:
    """A request failed; :meth:`error` is the exception to hand its caller."""

    request_id: RequestId
    method: str
    code: int
    message: str
    kind: str = FailureKind.REMOTE

    @property
    def call_gone(self) -> bool:
        """Whether the server said the call no longer exists (404 or 410)."""
        return self.kind == FailureKind.REMOTE and self.code in (404, 410)

    def error(self) -> RelayError:
        """The exception an adapter raises for this failure."""
        if self.kind == FailureKind.TIMEOUT:
            return RequestTimeoutError(self.code, self.message, method=self.method)
        if self.kind == FailureKind.CONNECTION_LOST:
            return ConnectionLostError(self.code, self.message, method=self.method)
        if self.kind == FailureKind.CLOSED:
            return SessionClosedError(self.message)
        if self.call_gone:
            return CallGoneError(self.code, self.message, method=self.method)
        return RequestError(self.code, self.message, method=self.method)


# -- calls -------------------------------------------------------------------


@final
@attrs.frozen(kw_only=True, slots=True)
class CallReceived:
    """An inbound call was offered on ``context`` (``calling.call.receive``).

    Answer it, pass it or end it.
    """

    #: The wire ``event_type`` this event comes from.
    event_type: ClassVar[str] = "calling.call.receive"

    call: CallInfo
    context: str | None


@final
@attrs.frozen(kw_only=True, slots=True)
class InboundCallRefused:
    """An inbound call arrived while the live-call cap was reached.

    The session already applied its overflow policy (``action``: the method it
    sent, ``calling.pass`` by default).  Informational.
    """

    call: CallInfo
    action: str


@final
@attrs.frozen(kw_only=True, slots=True)
class CallStateChanged:
    """A call moved to a new state.  After ``ENDED`` the call is forgotten."""

    #: The wire ``event_type`` this event comes from.
    event_type: ClassVar[str] = "calling.call.state"

    call: CallInfo
    state: CallState
    tag: Tag | None
    end_reason: str | None

    @property
    def is_final(self) -> bool:
        """Whether the call has ended (the session forgets it now)."""
        return self.state is CallState.ENDED


@final
@attrs.frozen(kw_only=True, slots=True)
class DialStateChanged:
    """A dial progressed or finished.

    ``ANSWERED`` carries the winning leg in ``call``; ``FAILED`` carries the
    server's ``reason`` (``busy``, ``noAnswer``, ...) or a local one
    (``session_lost``, ``request_failed``: see ``message``).
    """

    #: The wire ``event_type`` this event comes from.
    event_type: ClassVar[str] = "calling.call.dial"

    tag: Tag
    state: DialState
    call: CallInfo | None = None
    reason: str | None = None
    message: str | None = None

    @property
    def is_final(self) -> bool:
        """Whether this is the dial's outcome (answered or failed)."""
        return self.state is DialState.ANSWERED or self.state is DialState.FAILED

    def error(self) -> DialError:
        """The exception an adapter raises for a ``FAILED`` outcome."""
        detail = f": {self.message}" if self.message else ""
        return DialError(
            f"dial {self.tag} failed ({self.reason or 'no reason given'}){detail}",
            reason=self.reason,
            tag=self.tag,
        )


@final
@attrs.frozen(kw_only=True, slots=True)
class ConnectStateChanged:
    """A connect (bridge) on ``call`` progressed or finished.

    ``CONNECTED`` carries the peer leg, already registered so its own events
    route to it; ``FAILED`` carries ``failed_reason``.
    """

    #: The wire ``event_type`` this event comes from.
    event_type: ClassVar[str] = "calling.call.connect"

    call: CallRef
    tag: Tag | None
    state: ConnectState
    peer: CallInfo | None = None
    failed_reason: str | None = None

    @property
    def is_final(self) -> bool:
        """Whether this settles a connect attempt (connected, failed or disconnected)."""
        return self.state in (
            ConnectState.CONNECTED,
            ConnectState.FAILED,
            ConnectState.DISCONNECTED,
        )

    def error(self) -> ConnectError:
        """The exception an adapter raises when the attempt did not connect."""
        reason = self.failed_reason or self.state.value
        return ConnectError(
            f"connect on call {self.call.call_id} failed ({reason})", reason=self.failed_reason
        )


@final
@attrs.frozen(kw_only=True, slots=True)
class PlayStateChanged:
    """A playback changed state.

    ``FINISHED`` and ``ERROR`` are terminal.  ``reason`` is set when the core
    ended the playback itself (its call ended, its request failed, or the
    session was lost), so no waiter hangs.
    """

    #: The wire ``event_type`` this event comes from.
    event_type: ClassVar[str] = "calling.call.play"

    call: CallRef
    control_id: ControlId
    state: PlayState
    reason: str | None = None

    @property
    def is_final(self) -> bool:
        """Whether the playback is over (finished or error)."""
        return self.state is PlayState.FINISHED or self.state is PlayState.ERROR


@final
@attrs.frozen(kw_only=True, slots=True)
class CallErrorReported:
    """The server reported a ``calling.error`` event."""

    #: The wire ``event_type`` this event comes from.
    event_type: ClassVar[str] = "calling.error"

    call: CallRef | None
    code: int
    message: str
    params: JSONObject


@final
@attrs.frozen(kw_only=True, slots=True)
class UnknownEvent:
    """An event type this library does not model: data, never an error.

    ``call`` is set when the event named a call the session tracks.
    """

    event_type: str
    params: JSONObject
    call: CallRef | None = None


Event: TypeAlias = (
    SessionStarted
    | AuthenticationFailed
    | SessionEnding
    | LivenessLost
    | RequestCompleted
    | RequestFailed
    | CallReceived
    | InboundCallRefused
    | CallStateChanged
    | DialStateChanged
    | ConnectStateChanged
    | PlayStateChanged
    | CallErrorReported
    | ActionUpdated
    | ActionFinished
    | CallActivity
    | UnknownEvent
    | MessageReceived
    | MessageStateChanged
    | InboundMessageRefused
)

#: The events that come from a server's ``signalwire.event``: each has an ``event_type``.
ServerEvent: TypeAlias = (
    CallReceived
    | CallStateChanged
    | DialStateChanged
    | ConnectStateChanged
    | PlayStateChanged
    | CallErrorReported
    | ActionUpdated
    | CallActivity
    | UnknownEvent
    | MessageReceived
    | MessageStateChanged
)
