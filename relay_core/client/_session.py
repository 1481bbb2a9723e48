"""The client session: handshake, requests, acks, timers and reconnect policy.

Theory of operation
-------------------
A :class:`RelaySession` is one *logical* RELAY session.  It outlives sockets:
calls, dials, contexts and the resume credentials (``protocol``,
``authorization_state``) survive a reconnect.  The adapter drives it:

1. ``connection_made(now=...)`` on every new socket queues
   ``signalwire.connect`` (RELAY.md C.1); requests sent before the server
   accepts it wait in a bounded outbox (fixing RELAY.md K.1).
2. ``receive_text(frame, now=...)`` for every inbound text frame.  Server
   requests are answered at once, before the event is surfaced (B.3): the
   reply is in ``messages_to_send()`` even if the call raises.
3. ``messages_to_send()`` after every mutation; write each item as one text
   frame, in order.
4. ``next_event()`` until ``None``.
5. ``next_deadline()`` / ``handle_timeout(now=...)``: one timer covers
   request deadlines, the client ping cadence and the server-ping watchdog.
6. ``connection_lost(now=...)`` when the socket closes, then sleep
   ``reconnect_delay()`` and start again at 1 (``None``: give up).

No method reads a clock, does I/O or blocks; every rule is testable by
passing frames and ``now`` values.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable, Iterable
from typing import Final, final

import attrs

from .._checks import (
    check_choice,
    check_contexts,
    check_count,
    check_secret,
    check_text,
    check_timeout,
)
from .._errors import (
    LOCAL_FAILURE_CODE,
    LocalProtocolError,
    RemoteProtocolError,
    SessionClosedError,
)
from .._ids import IdFactory, JSONDict, JSONObject, RequestId, Tag, uuid4_str
from ..wire._wire import (
    ErrorResponse,
    MalformedRequestError,
    Request,
    Response,
    WireId,
    decode,
    encode_error,
    encode_request,
    encode_result,
    is_success_code,
    parse_code,
)
from ._call_commands import OVERFLOW_POLICIES
from ._calls import CallControl
from ._commands import Command, Ping, Receive, Unreceive
from ._connect_policy import retry_rejected_login
from ._events import (
    AuthenticationFailed,
    CallRef,
    Event,
    FailureKind,
    LivenessLost,
    RequestCompleted,
    RequestFailed,
    SessionEnding,
    SessionStarted,
)
from ._state import SENDING_STATES, SessionInput, SessionState, session_transition

__all__ = ["RelayConfig", "RelaySession", "SessionStatistics"]

PROTOCOL_VERSION: Final = {"major": 2, "minor": 0, "revision": 0}
DEFAULT_AGENT: Final = "sansio-relay/0.1"
#: JSON-RPC code for a stale or corrupt ``authorization_state`` (RELAY.md C.2).
STALE_AUTHORIZATION_CODE: Final = -32003


def _redacted(value: str | None) -> str:
    return "None" if value is None else "'***'"


def _positive_number(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    check_timeout(attribute.name, value)


# Converters: a positive number of seconds, or ``None`` (``math.inf`` too) for never.
def _ping_interval(value: object) -> float | None:
    return check_timeout("ping_interval", value, allow_none=True)


def _server_ping_timeout(value: object) -> float | None:
    return check_timeout("server_ping_timeout", value, allow_none=True)


def _positive_int(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    check_count(attribute.name, value)


def _contexts(value: Iterable[str]) -> tuple[str, ...]:
    return check_contexts(value)


def _project(_instance: object, _attribute: object, value: str | None) -> None:
    check_text("project", value, allow_none=True)


def _agent(_instance: object, _attribute: object, value: str) -> None:
    check_text("agent", value)


def _secret(_instance: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    check_secret(attribute.name, value)


def _overflow(_instance: object, _attribute: object, value: str) -> None:
    check_choice("inbound_overflow", value, OVERFLOW_POLICIES)


@final
@attrs.frozen(kw_only=True)
class RelayConfig:
    """Credentials, contexts and the knobs of one session.

    Give ``project`` and ``token``, or ``jwt_token``.  Secrets never appear in
    ``repr`` or in any message.  Times are in seconds.
    """

    project: str | None = attrs.field(default=None, validator=_project)
    token: str | None = attrs.field(default=None, repr=_redacted, validator=_secret)
    jwt_token: str | None = attrs.field(default=None, repr=_redacted, validator=_secret)
    #: Contexts to receive inbound calls on from the start.
    contexts: tuple[str, ...] = attrs.field(default=(), converter=_contexts)
    agent: str = attrs.field(default=DEFAULT_AGENT, validator=_agent)
    #: How long a request on the wire waits for its answer.
    request_timeout: float = attrs.field(default=10.0, validator=_positive_number)
    #: How long a request may wait in the outbox for an authenticated socket.
    queue_timeout: float = attrs.field(default=60.0, validator=_positive_number)
    #: Bound of the outbox; one more request raises ``LocalProtocolError``.
    max_queued_requests: int = attrs.field(default=500, validator=_positive_int)
    #: Client ``signalwire.ping`` cadence (``None``: never ping).
    ping_interval: float | None = attrs.field(default=30.0, converter=_ping_interval)
    #: Declare the link dead when server pings, once seen, stop for this long.
    server_ping_timeout: float | None = attrs.field(default=45.0, converter=_server_ping_timeout)
    #: First reconnect delay; doubles per failed attempt, up to the cap.
    reconnect_base: float = attrs.field(default=1.0, validator=_positive_number)
    reconnect_cap: float = attrs.field(default=30.0, validator=_positive_number)
    #: Consecutive authentication rejections before the session gives up.
    max_auth_failures: int = attrs.field(default=3, validator=_positive_int)
    #: Cap on live calls; inbound offers over it get ``inbound_overflow``.
    max_calls: int = attrs.field(default=1000, validator=_positive_int)
    inbound_overflow: str = attrs.field(default="pass", validator=_overflow)
    #: How long abandoned work (a dial or connect given up on, by the caller
    #: or by the core after a timeout, a lost request or a malformed outcome)
    #: is remembered after the last event naming it, so that its late legs
    #: are still ended; then it is forgotten, as are legs whose end the
    #: server never confirmed.
    abandon_grace: float = attrs.field(default=60.0, validator=_positive_number)

    def __attrs_post_init__(self) -> None:
        if self.jwt_token:
            return
        if not self.project or not self.token:
            raise LocalProtocolError(
                "credentials: give project and token, or jwt_token "
                "(or set SIGNALWIRE_PROJECT_ID and SIGNALWIRE_API_TOKEN)"
            )

    def authentication(self) -> JSONDict:
        """The ``authentication`` object of ``signalwire.connect`` (RELAY.md C.1)."""
        if self.jwt_token:
            return {"jwt_token": self.jwt_token}
        assert self.project is not None and self.token is not None
        return {"project": self.project, "token": self.token}


@final
@attrs.frozen(kw_only=True)
class SessionStatistics:
    """Counters for monitoring; cheap to take."""

    state: SessionState
    queued_requests: int
    pending_requests: int
    live_calls: int
    live_dials: int
    live_connects: int
    live_actions: int
    #: Abandoned dials and connects whose late legs the core still watches.
    abandoned_work: int
    events_received: int
    malformed_frames: int
    dropped_events: int
    connections: int


class _Pending:
    """One request this session is waiting on."""

    __slots__ = ("command", "deadline", "frame", "internal", "method", "on_wire", "timeout")

    def __init__(
        self, command: Command | None, method: str, frame: str, timeout: float, internal: bool
    ) -> None:
        self.command = command
        self.method = method
        self.frame = frame
        self.timeout = timeout
        self.internal = internal
        self.on_wire = False
        self.deadline = math.inf


_HANDSHAKE: Final = "signalwire.connect"


@final
class RelaySession:
    """The client role of RELAY, with no I/O (see the module docstring).

    Args:
        config: credentials and settings.
        new_id: makes request ids (tests pass a counter for fixed transcripts).
        random: returns a float in [0, 1) for reconnect jitter.
    """

    def __init__(
        self,
        config: RelayConfig,
        *,
        new_id: IdFactory = uuid4_str,
        random: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self._new_id = new_id
        self._random = random
        self._state = SessionState.IDLE
        self._events: deque[Event] = deque()
        self._to_send: list[str] = []
        #: Requests whose frames sit in ``_to_send``, not yet handed out.
        self._unsent: list[RequestId] = []
        self._pending: dict[RequestId, _Pending] = {}
        self._outbox: dict[RequestId, _Pending] = {}
        self._timers: list[tuple[float, RequestId]] = []
        self._handshake_id: RequestId | None = None
        self._protocol: str | None = None
        self._authorization_state: str | None = None
        self._contexts: dict[str, None] = dict.fromkeys(config.contexts)
        self._ever_started = False
        self._socket_authenticated = False
        self._failed_attempts = 0
        self._auth_failures = 0
        self._ping_due: float | None = None
        self._ping_id: RequestId | None = None
        self._watchdog_due: float | None = None
        self._connections = 0
        self._events_received = 0
        self._malformed = 0
        self._calls = CallControl(
            self._events.append,
            self._send_internal,
            max_calls=config.max_calls,
            overflow_policy=config.inbound_overflow,
            clock=self._clock,
            abandon_grace=config.abandon_grace,
        )
        self._now = 0.0

    def _clock(self) -> float:
        return self._now

    def __repr__(self) -> str:
        return f"<RelaySession state={self._state.value} calls={len(self._calls.calls)}>"

    # -- properties ---------------------------------------------------------

    @property
    def state(self) -> SessionState:
        """The session machine's state."""
        return self._state

    @property
    def protocol(self) -> str | None:
        """The server's protocol string, kept for resume (not a secret)."""
        return self._protocol

    @property
    def contexts(self) -> tuple[str, ...]:
        """Every context this session receives on, re-sent on each resume."""
        return tuple(self._contexts)

    def statistics(self) -> SessionStatistics:
        """Current counters."""
        return SessionStatistics(
            state=self._state,
            queued_requests=len(self._outbox),
            pending_requests=len(self._pending) - len(self._outbox),
            live_calls=len(self._calls.calls),
            live_dials=len(self._calls.dials),
            live_connects=len(self._calls.connects),
            live_actions=len(self._calls.plays),
            abandoned_work=self._calls.abandoned,
            events_received=self._events_received,
            malformed_frames=self._malformed + self._calls.malformed_events,
            dropped_events=self._calls.dropped_events,
            connections=self._connections,
        )

    # -- socket lifecycle -----------------------------------------------------

    def _transition(self, input_: SessionInput) -> None:
        self._state = session_transition(self._state, input_)

    def connection_made(self, *, now: float) -> None:
        """A new socket is open: queue ``signalwire.connect`` first.

        Accepted in ``IDLE``.  Call ``messages_to_send()`` next.

        Raises:
            LocalProtocolError: a socket is already attached.
            SessionClosedError: the session is closed.
        """
        if self._state is SessionState.CLOSED:
            raise SessionClosedError()
        self._transition(SessionInput.CONNECTION_MADE)
        self._now = now
        self._connections += 1
        self._socket_authenticated = False
        params: JSONDict = {
            "version": dict(PROTOCOL_VERSION),
            "agent": self.config.agent,
            "event_acks": True,
            "authentication": self.config.authentication(),
        }
        if self._contexts:
            params["contexts"] = list(self._contexts)
        if self._protocol is not None:
            params["protocol"] = self._protocol
            if self._authorization_state is not None:
                params["authorization_state"] = self._authorization_state
        request_id = RequestId(self._new_id())
        frame = encode_request(request_id, _HANDSHAKE, params)
        pending = _Pending(None, _HANDSHAKE, frame, self.config.request_timeout, True)
        self._handshake_id = request_id
        self._pending[request_id] = pending
        self._write(request_id, pending, now)

    def connection_lost(self, *, now: float, code: int | None = None, reason: str = "") -> None:
        """The socket closed (cleanly or not).

        Requests on the wire fail with ``ConnectionLost`` events, except the
        ones that started a dial or connect: those wait for the resume
        (RELAY.md C.7, fixing K.10).  Queued requests keep waiting.  Then
        sleep ``reconnect_delay()`` and call ``connection_made`` again.
        """
        del code, reason  # informational; the policy does not depend on them
        self._now = now
        if self._state is SessionState.CLOSED:
            return
        if self._socket_authenticated:
            self._failed_attempts = 0
        else:
            self._failed_attempts += 1
        # A failed open (connection_lost in IDLE) must grow the backoff too.
        self._socket_authenticated = False
        self._transition(SessionInput.CONNECTION_LOST)
        # Frames not yet handed out belong to the dead socket: replies and acks
        # are dropped; requests among them never left, so they wait in the
        # outbox for the next authenticated socket instead of failing.
        unsent, self._unsent = self._unsent, []
        self._to_send = []
        requeued: dict[RequestId, _Pending] = {}
        for request_id in unsent:
            pending = self._pending.get(request_id)
            if pending is None or request_id == self._handshake_id:
                continue
            pending.on_wire = False
            pending.deadline = now + self.config.queue_timeout
            heapq.heappush(self._timers, (pending.deadline, request_id))
            requeued[request_id] = pending
        if requeued:  # they were written before anything already queued
            self._outbox = {**requeued, **self._outbox}
        self._handshake_id = None
        self._ping_due = self._ping_id = self._watchdog_due = None
        for request_id, pending in list(self._pending.items()):
            if pending.on_wire:
                del self._pending[request_id]
                self._fail(
                    request_id,
                    pending,
                    LOCAL_FAILURE_CODE,
                    f"connection lost before {pending.method} was answered",
                    FailureKind.CONNECTION_LOST,
                )

    def reconnect_delay(self) -> float | None:
        """Seconds to wait before the next ``connection_made``; ``None``: give up.

        Exponential backoff with jitter, reset only once a socket has been
        authenticated (fixing RELAY.md K.3).
        """
        if self._state is SessionState.CLOSED:
            return None
        config = self.config
        delay = min(
            config.reconnect_cap, config.reconnect_base * 2.0 ** min(self._failed_attempts, 30)
        )
        return delay * (0.5 + 0.5 * self._random())

    def close(self, *, now: float) -> None:
        """Close the session for good: every waiter gets its failure event.

        Call ``abandon_all`` and flush first if ringing legs should be ended.
        """
        self._now = now
        if self._state is SessionState.CLOSED:
            return
        self._transition(SessionInput.CLOSE)
        self._close_everything("the session was closed")

    def _close_everything(self, message: str) -> None:
        self._ping_due = self._ping_id = self._watchdog_due = None
        for request_id, pending in list(self._pending.items()):
            del self._pending[request_id]
            self._outbox.pop(request_id, None)
            if request_id != self._handshake_id:
                self._fail(request_id, pending, LOCAL_FAILURE_CODE, message, FailureKind.CLOSED)
        self._handshake_id = None
        self._timers.clear()
        self._calls.closed()

    # -- sending ---------------------------------------------------------------

    def send(self, command: Command, *, now: float, timeout: float | None = None) -> RequestId:
        """Check ``command`` and queue it; returns its request id.

        Sent at once when the session is ``READY``; otherwise it waits in the
        outbox (up to ``queue_timeout``).  Its answer arrives as a
        ``RequestCompleted`` or ``RequestFailed`` event with this id; dials,
        connects and plays then report progress with their own events.

        Args:
            command: what to send.
            now: the current time.
            timeout: this request's deadline once on the wire (default
                ``config.request_timeout``).

        Raises:
            InvalidArgumentError: ``timeout`` is invalid; nothing was queued.
            LocalProtocolError: the command cannot start now (duplicate tag,
                call cap, full outbox); nothing was queued.
            CallGoneError: the command addresses a call this session saw
                end; nothing was queued.
            SessionClosedError: the session is closed.
        """
        self._now = now
        if self._state is SessionState.CLOSED:
            raise SessionClosedError()
        timeout = check_timeout("timeout", timeout, allow_none=True)
        ready = self._state in SENDING_STATES
        if not ready and len(self._outbox) >= self.config.max_queued_requests:
            raise LocalProtocolError(
                f"outbox full: {len(self._outbox)} requests already wait for an authenticated "
                "connection (RelayConfig.max_queued_requests)"
            )
        self._calls.check(command)
        return self._queue(command, now, timeout or self.config.request_timeout, internal=False)

    def _send_internal(self, command: Command) -> RequestId | None:
        """Queue a request the core makes itself; its outcome is not surfaced."""
        if self._state is SessionState.CLOSED:
            return None
        return self._queue(command, self._now, self.config.request_timeout, internal=True)

    def _queue(self, command: Command, now: float, timeout: float, *, internal: bool) -> RequestId:
        request_id = RequestId(self._new_id())
        frame = encode_request(request_id, command.method, command.to_params())
        pending = _Pending(command, command.method, frame, timeout, internal)
        self._calls.register(command, request_id)
        self._pending[request_id] = pending
        if self._state in SENDING_STATES:
            self._write(request_id, pending, now)
        else:
            self._outbox[request_id] = pending
            pending.deadline = now + self.config.queue_timeout
            heapq.heappush(self._timers, (pending.deadline, request_id))
        return request_id

    def _write(self, request_id: RequestId, pending: _Pending, now: float) -> None:
        pending.on_wire = True
        pending.deadline = now + pending.timeout
        heapq.heappush(self._timers, (pending.deadline, request_id))
        self._to_send.append(pending.frame)
        self._unsent.append(request_id)

    def abandon_dial(self, tag: Tag, *, now: float) -> tuple[CallRef, ...]:
        """The caller gave up on a dial: end its legs now and when they show up.

        Safe in any state and for any tag (unknown or settled tags end any
        live leg still carrying that tag).  Nothing of the dial is surfaced
        afterwards.  Flush ``messages_to_send()`` next.

        Returns:
            The legs already reported (by ``CallStateChanged`` or a dial
            outcome) that the session now silences: drop what you hold for them.
        """
        self._now = now
        return self._calls.abandon_dial(tag)

    def abandon_connect(self, call: CallRef, *, now: float) -> tuple[CallRef, ...]:
        """The caller gave up on ``call``'s connect: end its peer legs.

        Returns:
            The peer legs already reported that the session now silences.
        """
        self._now = now
        return self._calls.abandon_connect(call)

    def refuse_call(self, call: CallRef, *, now: float) -> None:
        """Refuse an offered inbound call the application cannot take now.

        Applies ``config.inbound_overflow`` (``calling.pass`` by default),
        forgets the call and reports ``InboundCallRefused``.  Flush next.
        """
        self._now = now
        self._calls.refuse(call)

    def abandon_all(self, *, now: float) -> None:
        """Abandon every dial and connect in progress (the client is leaving)."""
        self._now = now
        self._calls.abandon_all()

    # -- receiving --------------------------------------------------------------

    def receive_text(self, text: str | bytes, *, now: float) -> None:
        """Handle exactly one inbound frame.

        Server requests are answered before anything else happens, so always
        flush ``messages_to_send()`` afterwards, even if this raised.

        Raises:
            RemoteProtocolError: the frame is malformed (not JSON-RPC, nested
                deeper than ``MAX_DEPTH``, an event without the fields its
                type needs).  It was dropped (and, if it had an id, answered
                with a JSON-RPC error); the session is unchanged and usable.
                Nothing else escapes, whatever the frame holds.  An outcome
                event that names live work but cannot be read (a dial
                answered without a winner) does not raise: that dial or
                connect fails at once with reason ``malformed_event`` and its
                legs are ended.
        """
        self._now = now
        try:
            message = decode(text)
        except MalformedRequestError as exc:
            self._malformed += 1
            self._to_send.append(encode_error(exc.request_id, exc.error_code, str(exc.message)))
            raise
        except Exception:
            self._malformed += 1
            raise
        if type(message) is Request:
            self._on_server_request(message, now)
        elif type(message) is Response:
            self._on_response(message.id, message.result, now)
        else:
            assert type(message) is ErrorResponse
            self._on_error_response(message, now)

    def _on_server_request(self, request: Request, now: float) -> None:
        method = request.method
        request_id = request.id
        if method == "signalwire.event":
            if request_id is not None:
                self._to_send.append(encode_result(request_id))
            self._events_received += 1
            try:
                self._on_event(request.params)
            except Exception:
                self._malformed += 1
                raise
        elif method == "signalwire.ping":
            if request_id is not None:
                stamp = request.params.get("timestamp")
                result: JSONObject = {"timestamp": stamp} if isinstance(stamp, int | float) else {}
                self._to_send.append(encode_result(request_id, result))
            if self.config.server_ping_timeout is not None:
                self._watchdog_due = now + self.config.server_ping_timeout
        elif method == "signalwire.disconnect":
            if request_id is not None:
                self._to_send.append(encode_result(request_id))
            restart = request.params.get("restart") is True
            if restart:
                self._protocol = self._authorization_state = None
            if self._state is SessionState.READY:
                self._transition(SessionInput.DISCONNECT_REQUESTED)
            self._ping_due = None
            self._events.append(SessionEnding(restart=restart))
        elif request_id is not None:
            self._to_send.append(encode_error(request_id, -32601, f"Method not found: {method}"))

    def _on_event(self, envelope: JSONObject) -> None:
        event_type = envelope.get("event_type")
        params = envelope.get("params")
        if not isinstance(event_type, str) or not event_type:
            raise RemoteProtocolError("signalwire.event without an event_type")
        if not isinstance(params, dict):
            raise RemoteProtocolError(f"{event_type}: event params must be an object")
        handler = self._calls.handlers.get(event_type)
        if handler is not None:
            handler(params)
        elif event_type == "signalwire.authorization.state":
            blob = params.get("authorization_state")
            if isinstance(blob, str) and blob:
                self._authorization_state = blob
        else:
            self._calls.route_other(event_type, params)

    def _on_response(self, request_id: WireId, result: JSONObject, now: float) -> None:
        pending = self._pending.pop(RequestId(str(request_id)), None)
        if pending is None:
            return  # late or unknown: RELAY.md B.2 says drop
        if request_id == self._handshake_id:
            self._on_session_started(result, now)
            return
        if request_id == self._ping_id:
            self._ping_answered(now)
        rid = RequestId(str(request_id))
        code = result.get("code")
        if is_success_code(code):
            self._completed(rid, pending, result)
        else:
            number = parse_code(code)
            message = result.get("message")
            self._fail(
                rid,
                pending,
                LOCAL_FAILURE_CODE if number is None else number,
                message if isinstance(message, str) else f"{pending.method} failed",
                FailureKind.REMOTE,
            )

    def _completed(self, request_id: RequestId, pending: _Pending, result: JSONObject) -> None:
        command = pending.command
        if type(command) is Receive:
            self._contexts.update(dict.fromkeys(command.contexts))
        elif type(command) is Unreceive:
            for context in command.contexts:
                self._contexts.pop(context, None)
        call_id = None
        if command is not None:
            call = getattr(command, "call", None)
            call_id = None if call is None else call.call_id
        self._calls.request_completed(request_id, pending.method, call_id)
        if not pending.internal:
            self._events.append(
                RequestCompleted(request_id=request_id, method=pending.method, result=result)
            )

    def _fail(
        self, request_id: RequestId, pending: _Pending, code: int, message: str, kind: str
    ) -> None:
        self._outbox.pop(request_id, None)
        failure = RequestFailed(
            request_id=request_id, method=pending.method, code=code, message=message, kind=kind
        )
        if not pending.internal:
            self._events.append(failure)
        self._calls.request_failed(failure)

    def _on_error_response(self, message: ErrorResponse, now: float) -> None:
        if message.id is None:
            return
        rid = RequestId(str(message.id))
        pending = self._pending.pop(rid, None)
        if pending is None:
            return
        if rid == self._handshake_id:
            self._on_handshake_rejected(message)
            return
        if rid == self._ping_id:
            self._ping_answered(now)
        self._fail(rid, pending, message.code, message.message, FailureKind.REMOTE)

    def _ping_answered(self, now: float) -> None:
        # The next ping is due one interval later, on a ready session only:
        # a draining one is about to be closed by the server.
        self._ping_id = None
        if self.config.ping_interval is not None and self._state is SessionState.READY:
            self._ping_due = now + self.config.ping_interval

    def _on_session_started(self, result: JSONObject, now: float) -> None:
        self._handshake_id = None
        protocol = result.get("protocol")
        identity = result.get("identity")
        restored = result.get("session_restored") is True
        was_started = self._ever_started
        self._protocol = protocol if isinstance(protocol, str) and protocol else None
        self._transition(SessionInput.AUTHENTICATED)
        self._ever_started = self._socket_authenticated = True
        self._auth_failures = 0
        if self.config.ping_interval is not None:
            self._ping_due = now + self.config.ping_interval
        self._events.append(
            SessionStarted(
                protocol=self._protocol or "",
                identity=identity if isinstance(identity, str) else None,
                restored=restored,
            )
        )
        if was_started and not restored:
            withdrawn = self._calls.session_lost("session_lost", self._outbox.keys())
            for request_id in withdrawn:
                pending = self._pending.pop(request_id, None)
                if pending is not None:
                    message = f"{pending.method} was not sent: the call's session is gone"
                    kind = FailureKind.CONNECTION_LOST
                    self._fail(request_id, pending, LOCAL_FAILURE_CODE, message, kind)
        elif restored:
            self._calls.session_resumed(now, self.config.request_timeout)
        outbox, self._outbox = self._outbox, {}
        for request_id, pending in outbox.items():
            self._write(request_id, pending, now)

    def _on_handshake_rejected(self, error: ErrorResponse) -> None:
        self._handshake_id = None
        self._auth_failures += 1
        if error.code == STALE_AUTHORIZATION_CODE:
            self._protocol = self._authorization_state = None
        will_retry = retry_rejected_login(
            established=self._ever_started,
            failures=self._auth_failures,
            limit=self.config.max_auth_failures,
        )
        self._transition(SessionInput.REJECTED)
        self._events.append(
            AuthenticationFailed(code=error.code, message=error.message, will_retry=will_retry)
        )
        if not will_retry:
            self._transition(SessionInput.GAVE_UP)
            self._close_everything(f"authentication failed: {error.message}")

    # -- outputs and time ---------------------------------------------------------

    def next_event(self) -> Event | None:
        """Pop the oldest event, or ``None`` when there is nothing to report."""
        events = self._events
        return events.popleft() if events else None

    def messages_to_send(self) -> list[str]:
        """Drain the frames to write, in order; each item is one text frame."""
        out = self._to_send
        if out:
            self._to_send = []
            self._unsent.clear()
        return out

    def next_deadline(self) -> float | None:
        """The earliest time ``handle_timeout`` has work to do, or ``None``."""
        timers = self._timers
        while timers and self._timer_stale(timers[0]):
            heapq.heappop(timers)
        due = timers[0][0] if timers else None
        for other in (self._ping_due, self._watchdog_due, self._calls.next_deadline()):
            if other is not None and (due is None or other < due):
                due = other
        return due

    def _timer_stale(self, entry: tuple[float, RequestId]) -> bool:
        pending = self._pending.get(entry[1])
        return pending is None or pending.deadline != entry[0]

    def handle_timeout(self, *, now: float) -> None:
        """Fire every deadline at or before ``now``.

        A request past its deadline fails alone (``RequestFailed`` with kind
        ``timeout``; fixing RELAY.md K.2).  An unanswered ping, handshake or
        server-ping silence raises ``LivenessLost``: close the socket.
        """
        self._now = now
        timers = self._timers
        while timers and timers[0][0] <= now:
            deadline, request_id = heapq.heappop(timers)
            pending = self._pending.get(request_id)
            if pending is None or pending.deadline != deadline:
                continue
            del self._pending[request_id]
            if request_id == self._handshake_id:
                self._handshake_id = None
                self._events.append(LivenessLost(reason="signalwire.connect went unanswered"))
                continue
            if request_id == self._ping_id:
                self._ping_id = None
                self._events.append(LivenessLost(reason="signalwire.ping went unanswered"))
            if pending.on_wire:
                message = f"no answer to {pending.method} within {pending.timeout:g} s"
            else:
                message = (
                    f"{pending.method} was not sent: no authenticated connection "
                    f"within {self.config.queue_timeout:g} s"
                )
            self._fail(request_id, pending, LOCAL_FAILURE_CODE, message, FailureKind.TIMEOUT)
        self._calls.handle_timeout(now)
        if self._ping_due is not None and now >= self._ping_due:
            self._ping_due = None  # never left armed in the past
            if self._state is SessionState.READY:
                self._ping_id = self._queue(Ping(), now, self.config.request_timeout, internal=True)
        if self._watchdog_due is not None and now >= self._watchdog_due:
            self._watchdog_due = None
            self._events.append(LivenessLost(reason="server pings stopped"))
