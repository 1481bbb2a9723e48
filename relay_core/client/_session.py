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
from typing import final

from .._errors import (
    LOCAL_FAILURE_CODE,
    RemoteProtocolError,
)
from .._ids import JSONObject, RequestId
from ..wire._wire import (
    ErrorResponse,
    MalformedRequestError,
    Request,
    Response,
    WireId,
    decode_event,
    encode_error,
    encode_result,
    is_success_code,
    parse_code,
)
from ._commands import Ping, Receive, Unreceive
from ._config import STALE_AUTHORIZATION_CODE
from ._connect_policy import retry_rejected_login
from ._event_makers import request_completed
from ._events import (
    AuthenticationFailed,
    Event,
    FailureKind,
    LivenessLost,
    SessionEnding,
    SessionStarted,
)
from ._message_commands import SendMessage
from ._outbox import _Pending, _SessionBase
from ._state import SessionInput, SessionState

__all__ = ["RelaySession"]


@final
class RelaySession(_SessionBase):
    """The client role of RELAY, with no I/O (see the module docstring).

    Args:
        config: credentials and settings.
        new_id: makes request ids (tests pass a counter for fixed transcripts).
        random: returns a float in [0, 1) for reconnect jitter.
    """

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
            ack, envelope, message = decode_event(text)
        except MalformedRequestError as exc:
            self._malformed += 1
            self._to_send.append(encode_error(exc.request_id, exc.error_code, str(exc.message)))
            raise
        except Exception:
            self._malformed += 1
            raise
        if envelope is not None:
            # The event path (nearly every frame), in one Python frame: the
            # ack goes out first (B.3), then the event goes to its handler.
            if ack is not None:
                self._to_send.append(ack)
            self._events_received += 1
            event_type = envelope.get("event_type")
            params = envelope.get("params")
            try:
                if (
                    type(event_type) is str
                    and type(params) is dict
                    and (handler := self._calls.handlers.get(event_type)) is not None
                ):
                    handler(params)
                else:
                    self._on_event(envelope)  # the checks, the rare types
            except Exception:
                self._malformed += 1
                raise
        elif type(message) is Response:
            self._on_response(message.id, message.result, now)
        elif type(message) is Request:
            self._on_server_request(message, now)
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
        if (type(event_type) is not str and not isinstance(event_type, str)) or not event_type:
            raise RemoteProtocolError("signalwire.event without an event_type")
        if type(params) is not dict and not isinstance(params, dict):
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
        # Our ids are str: no str() and no NewType call for them.
        rid: RequestId = request_id if type(request_id) is str else str(request_id)  # type: ignore[assignment]
        pending = self._pending.pop(rid, None)
        if pending is None:
            return  # late or unknown: RELAY.md B.2 says drop
        if request_id == self._handshake_id:
            self._on_session_started(result, now)
            return
        if request_id == self._ping_id:
            self._ping_answered(now)
        code = result.get("code")
        if code == "200" or is_success_code(code):
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
        if type(command) is SendMessage:
            unusable = self._messages.accepted(request_id, result)
            if unusable is not None:  # RELAY.md J.2: a reply without message_id
                self._fail(request_id, pending, LOCAL_FAILURE_CODE, unusable, FailureKind.REMOTE)
                return
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
            self._events.append(request_completed(request_id, pending.method, result))

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
            if self._unsent:  # requests written; acks of events leave it empty
                self._unsent.clear()
        return out

    def next_deadline(self) -> float | None:
        """The earliest time ``handle_timeout`` has work to do, or ``None``."""
        # Asked after every read by both adapters: stale timers are judged
        # inline (no method call per entry).
        timers = self._timers
        pending = self._pending
        due = None
        while timers:
            deadline, request_id = timers[0]
            entry = pending.get(request_id)
            if entry is not None and entry.deadline == deadline:
                due = deadline
                break
            heapq.heappop(timers)  # stale: answered, failed or re-armed
        for other in (
            self._ping_due,
            self._watchdog_due,
            self._calls.next_deadline(),  # each returns at once when it holds no work
            self._messages.next_deadline(),
        ):
            if other is not None and (due is None or other < due):
                due = other
        return due

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
        self._messages.handle_timeout(now)
        if self._ping_due is not None and now >= self._ping_due:
            self._ping_due = None  # never left armed in the past
            if self._state is SessionState.READY:
                self._ping_id = self._queue(Ping(), now, self.config.request_timeout, internal=True)
        if self._watchdog_due is not None and now >= self._watchdog_due:
            self._watchdog_due = None
            self._events.append(LivenessLost(reason="server pings stopped"))
