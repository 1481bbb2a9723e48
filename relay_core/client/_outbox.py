"""The session's state and its sending side: sockets, the outbox, request deadlines.

:class:`_SessionBase` owns the tables of :class:`~relay_core.RelaySession`
(its ``__init__`` is the session's): the socket lifecycle and the
reconnect delay, and requests: checked, queued in a bounded outbox until the
session is authenticated (RELAY.md C.1), then written with a deadline.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable
from typing import Final

import attrs

from .._checks import (
    check_timeout,
)
from .._errors import (
    LOCAL_FAILURE_CODE,
    LocalProtocolError,
    SessionClosedError,
)
from .._ids import ControlId, IdFactory, JSONDict, RequestId, Tag, uuid4_str
from ..wire._wire import (
    encode_request,
)
from ._calls import CallControl
from ._commands import Command
from ._config import PROTOCOL_VERSION, RelayConfig, SessionStatistics
from ._events import (
    CallRef,
    Event,
    FailureKind,
    RequestFailed,
)
from ._message_commands import SendMessage, message_context
from ._message_events import InboundMessageRefused, MessageInfo
from ._messages import MessageControl
from ._state import SENDING_STATES, SessionInput, SessionState, session_transition

__all__ = []


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
_CLOSED: Final = SessionState.CLOSED  # a global: ~5 ns, the enum's class attribute ~50


class _SessionBase:
    """State, socket lifecycle and sending of :class:`RelaySession` (see there)."""

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
        self._messages = MessageControl(
            self._events.append,
            clock=self._clock,
            max_messages=config.max_messages,
            message_timeout=config.message_timeout,
        )
        self._calls.handlers.update(self._messages.handlers)

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
            live_actions=len(self._calls.plays) + len(self._calls.actions),
            abandoned_work=self._calls.abandoned,
            events_received=self._events_received,
            malformed_frames=self._malformed + self._calls.malformed_events,
            dropped_events=self._calls.dropped_events + self._messages.dropped_events,
            connections=self._connections,
            live_messages=len(self._messages.sending) + len(self._messages.live),
            refused_messages=self._messages.refused,
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
        self._messages.closed()

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
        if self._state is _CLOSED:
            raise SessionClosedError()
        if timeout is not None:
            timeout = check_timeout("timeout", timeout, allow_none=True)
        ready = self._state in SENDING_STATES
        if not ready and len(self._outbox) >= self.config.max_queued_requests:
            raise LocalProtocolError(
                f"outbox full: {len(self._outbox)} requests already wait for an authenticated "
                "connection (RelayConfig.max_queued_requests)"
            )
        if type(command) is SendMessage:
            if command.context is None:
                command = attrs.evolve(command, context=message_context(None, self._protocol))
            self._messages.check(command)
        self._calls.check(command)
        return self._queue(command, now, timeout or self.config.request_timeout, internal=False)

    def _send_internal(self, command: Command) -> RequestId | None:
        """Queue a request the core makes itself; its outcome is not surfaced."""
        if self._state is SessionState.CLOSED:
            return None
        return self._queue(command, self._now, self.config.request_timeout, internal=True)

    def _queue(self, command: Command, now: float, timeout: float, *, internal: bool) -> RequestId:
        request_id: RequestId = self._new_id()  # type: ignore[assignment]  # a str: no NewType call
        frame = encode_request(request_id, command.method, command.to_params())
        pending = _Pending(command, command.method, frame, timeout, internal)
        self._calls.register(command, request_id)
        if type(command) is SendMessage:
            self._messages.register(command, request_id)
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

    def abandon_action(self, control_id: ControlId, *, now: float) -> bool:
        """The caller gave up on an action (RELAY.md H.5): stop it, hide the rest.

        Sends the verb's stop sub-command (``calling.record.stop``...;
        ``calling.queue.leave`` for a queue; none for send_digits), reports
        ``ActionFinished(reason="abandoned")`` unless its result was already
        reported, and drops its later events.  Flush ``messages_to_send()`` next.

        Returns:
            Whether ``control_id`` named a live action (else nothing happened).
        """
        self._now = now
        return self._calls.abandon_action(control_id)

    def refuse_call(self, call: CallRef, *, now: float) -> None:
        """Refuse an offered inbound call the application cannot take now.

        Applies ``config.inbound_overflow`` (``calling.pass`` by default),
        forgets the call and reports ``InboundCallRefused``.  Flush next.
        """
        self._now = now
        self._calls.refuse(call)

    def refuse_message(self, message: MessageInfo, *, now: float) -> None:
        """Drop an inbound message the application has no room for (counted, reported).

        It cannot go back to the server (already acked): reports
        ``InboundMessageRefused`` so the loss is never silent.
        """
        self._now = now
        self._messages.refused += 1
        self._events.append(InboundMessageRefused(message=message))

    def abandon_all(self, *, now: float) -> None:
        """Abandon every dial and connect in progress (the client is leaving)."""
        self._now = now
        self._calls.abandon_all()

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
        if type(pending.command) is SendMessage:
            self._messages.request_failed(request_id)
