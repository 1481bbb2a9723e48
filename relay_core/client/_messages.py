"""Message tracking: ``messaging.send`` replies, ``messaging.state`` routing, inbound messages.

Theory of operation (RELAY.md J.6)
----------------------------------
``message_id`` is the only key messaging has, and the server names it only
in the send's reply, so:

1. a ``messaging.send`` is registered by its request id before it leaves
   (:meth:`MessageControl.register`); a non-2xx reply fails it like any
   request; a 2xx reply without a ``message_id`` cannot be tracked and
   fails it too (J.2, K.40);
2. the reply registers the message by its id and replays the states that
   beat it (J.4: the first ``queued``, even ``failed``, may come first).
   Such early states are kept only while some send awaits its reply (an
   unknown id cannot be ours otherwise), at most :data:`MAX_EARLY_STATES`
   events (the oldest dropped first); when the last pending send is
   answered, those left over are dropped and counted;
3. ``messaging.state`` moves the message forward only
   (:func:`message_transition`); a terminal state is reported and the
   message forgotten;
4. ``delivered``/``undelivered`` are not guaranteed: a message with no new
   state for ``message_timeout`` seconds is reported expired (its last
   state kept) and forgotten.  Deadlines are re-armed by each state, so the
   live table is kept in order of last activity and the earliest deadline
   is its first entry;
5. ``messaging.receive`` becomes :class:`MessageReceived`; nothing is kept.

Bounds: at most ``max_messages`` sends pending plus messages followed (a
send over it raises ``LocalProtocolError``: nothing is dropped silently);
the early-state buffer as above.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from .._errors import LocalProtocolError
from .._ids import JSONObject, RequestId
from ..wire._message_payloads import (
    MESSAGE_RECEIVE,
    MESSAGE_STATE,
    MessagePayload,
    decode_message_payload,
)
from ._message_commands import SendMessage
from ._message_events import (
    TERMINAL_MESSAGE_STATES,
    MessageId,
    MessageInfo,
    MessageReceived,
    MessageState,
    MessageStateChanged,
    message_transition,
)

__all__ = ["MAX_EARLY_STATES", "MessageControl"]

#: States of not-yet-named messages kept while sends await their replies.
MAX_EARLY_STATES: Final = 256
_STATES: Final = {member.value: member for member in MessageState}


class _Message:
    """One outbound message the session follows."""

    __slots__ = ("deadline", "info", "seen")

    def __init__(self, info: MessageInfo, deadline: float) -> None:
        self.info = info
        self.deadline = deadline
        #: Whether a state event came yet (``info.state`` is "queued" until then).
        self.seen = False


class MessageControl:
    """The messages of one session (see the module docstring).

    Args:
        emit: queues an event for the user.
        clock: the session's current ``now``.
        max_messages: cap on sends pending plus messages followed.
        message_timeout: seconds without a new state before a message expires.
    """

    def __init__(
        self,
        emit: Callable[[MessageReceived | MessageStateChanged], None],
        *,
        clock: Callable[[], float],
        max_messages: int,
        message_timeout: float,
    ) -> None:
        self._emit = emit
        self._clock = clock
        self._max = max_messages
        self._timeout = message_timeout
        #: Sends awaiting their reply, by request id.
        self.sending: dict[RequestId, SendMessage] = {}
        #: Followed messages, oldest activity first.
        self.live: OrderedDict[MessageId, _Message] = OrderedDict()
        #: States that came before their send's reply, by message id.
        self._early: dict[MessageId, list[MessagePayload]] = {}
        self._early_count = 0
        #: States of no message we follow, or out of order.
        self.dropped_events = 0
        #: Inbound messages the application had no room for.
        self.refused = 0
        self.handlers: dict[str, Callable[[JSONObject], None]] = {
            MESSAGE_STATE: self._on_state,
            MESSAGE_RECEIVE: self._on_receive,
        }

    # -- sends ------------------------------------------------------------------

    def check(self, command: SendMessage) -> None:
        """Raise :class:`LocalProtocolError` if one more message cannot be followed."""
        del command
        if len(self.sending) + len(self.live) >= self._max:
            raise LocalProtocolError(
                f"cannot send: {len(self.sending) + len(self.live)} messages in flight reach "
                f"the cap of {self._max} (RelayConfig.max_messages)"
            )

    def register(self, command: SendMessage, request_id: RequestId) -> None:
        """Follow ``command`` from before it leaves."""
        self.sending[request_id] = command

    def accepted(self, request_id: RequestId, result: JSONObject) -> str | None:
        """The send's 2xx reply: follow the message; ``None``, or why the reply is unusable.

        Replays the states that came first (their events precede the reply's).
        """
        command = self.sending.pop(request_id, None)
        if command is None:
            return None
        message_id = result.get("message_id")
        if not isinstance(message_id, str) or not message_id:
            self._settle_early()
            return "messaging.send: the reply has no message_id: the message cannot be followed"
        info = MessageInfo(
            message_id=MessageId(message_id),
            direction="outbound",
            context=command.context or "",
            from_number=command.from_number,
            to_number=command.to_number,
            body=command.body or "",
            media=command.media,
            tags=command.tags,
            request_id=request_id,
        )
        message = _Message(info, self._clock() + self._timeout)
        self.live[info.message_id] = message
        early = self._early.pop(info.message_id, None)
        if early:
            self._early_count -= len(early)
            for payload in early:
                if info.message_id in self.live:
                    self._apply(message, payload)
                else:  # a terminal state came first: the rest is late
                    self.dropped_events += 1
        self._settle_early()
        return None

    def request_failed(self, request_id: RequestId) -> None:
        """The send failed (refused, timed out, lost or closed): nothing to follow."""
        if self.sending.pop(request_id, None) is not None:
            self._settle_early()

    def _settle_early(self) -> None:
        # With no send awaiting its reply, no early state can be ours.
        if not self.sending and self._early:
            self.dropped_events += self._early_count
            self._early.clear()
            self._early_count = 0

    # -- events -----------------------------------------------------------------

    def _on_state(self, params: JSONObject) -> None:
        payload = decode_message_payload(MESSAGE_STATE, params)
        message_id = MessageId(payload.message_id)
        message = self.live.get(message_id)
        if message is not None:
            self._apply(message, payload)
        elif self.sending and payload.message_state in _STATES:
            if self._early_count >= MAX_EARLY_STATES:
                oldest = next(iter(self._early))
                self._early_count -= len(self._early.pop(oldest))
                self.dropped_events += 1
            self._early.setdefault(message_id, []).append(payload)
            self._early_count += 1
        else:
            self.dropped_events += 1

    def _apply(self, message: _Message, payload: MessagePayload) -> None:
        state = _STATES.get(payload.message_state)
        info = message.info
        if state is None or not message_transition(info.state if message.seen else None, state):
            self.dropped_events += 1
            return
        message.seen = True
        info = message.info = MessageInfo(
            message_id=info.message_id,
            direction="outbound",
            context=payload.context or info.context,
            from_number=payload.from_number or info.from_number,
            to_number=payload.to_number or info.to_number,
            body=payload.body or info.body,
            media=payload.media or info.media,
            segments=payload.segments if payload.segments is not None else info.segments,
            tags=payload.tags or info.tags,
            state=state,
            reason=payload.reason,
            request_id=info.request_id,
        )
        self._emit(MessageStateChanged(message=info, state=state, reason=payload.reason))
        if state in TERMINAL_MESSAGE_STATES:
            del self.live[info.message_id]
        else:
            message.deadline = self._clock() + self._timeout
            self.live.move_to_end(info.message_id)

    def _on_receive(self, params: JSONObject) -> None:
        payload = decode_message_payload(MESSAGE_RECEIVE, params)
        info = MessageInfo(
            message_id=MessageId(payload.message_id),
            direction=payload.direction or "inbound",
            context=sys.intern(payload.context),
            from_number=payload.from_number,
            to_number=payload.to_number,
            body=payload.body,
            media=payload.media,
            segments=payload.segments,
            tags=payload.tags,
            state=MessageState.RECEIVED,
        )
        self._emit(MessageReceived(message=info))

    # -- time and the end -------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When the least recently active message expires."""
        for message in self.live.values():
            return message.deadline
        return None

    def handle_timeout(self, now: float) -> None:
        """Expire every message with no new state for ``message_timeout`` seconds."""
        live = self.live
        while live:
            message = next(iter(live.values()))
            if message.deadline > now:
                return
            del live[message.info.message_id]
            info = message.info
            self._emit(
                MessageStateChanged(
                    message=info, state=info.state, reason=info.reason, expired=True
                )
            )

    def closed(self) -> None:
        """The session closed: forget everything (adapters fail their own waiters)."""
        self.sending.clear()
        self.live.clear()
        self._early.clear()
        self._early_count = 0
