"""Messaging's states and events: :class:`MessageState`, :class:`MessageInfo` and the events.

An outbound message moves ``queued`` → ``initiated`` → ``sent`` →
``delivered`` | ``undelivered``, or ends ``failed`` (RELAY.md J.4); states
may be skipped, never go back, and nothing follows a terminal one
(:func:`message_transition`).  An inbound message is ``received`` and has
no further states (J.5).
"""

from __future__ import annotations

import enum
from typing import ClassVar, Final, NewType, final

import attrs

from .._ids import JSONDict, RequestId

__all__ = [
    "TERMINAL_MESSAGE_STATES",
    "InboundMessageRefused",
    "MessageId",
    "MessageInfo",
    "MessageReceived",
    "MessageState",
    "MessageStateChanged",
    "message_transition",
]

#: The server's id of one message (``message_id``), the only key messaging has.
MessageId = NewType("MessageId", str)


class MessageState(enum.StrEnum):
    """The ``message_state`` of a message (RELAY.md J.4, J.5)."""

    QUEUED = "queued"
    INITIATED = "initiated"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    #: An inbound message.
    RECEIVED = "received"


#: Delivered, undelivered and failed: nothing follows them.
TERMINAL_MESSAGE_STATES: Final = frozenset(
    {MessageState.DELIVERED, MessageState.UNDELIVERED, MessageState.FAILED}
)

# Progress order of the outbound states; the terminal ones share the last rank.
_RANK: Final = {
    MessageState.QUEUED: 0,
    MessageState.INITIATED: 1,
    MessageState.SENT: 2,
    MessageState.DELIVERED: 3,
    MessageState.UNDELIVERED: 3,
    MessageState.FAILED: 3,
}


def message_transition(current: MessageState | None, new: MessageState) -> bool:
    """Whether an outbound message in ``current`` (``None``: no state yet) may move to ``new``.

    Forward only (skips allowed), never after a terminal state, never to
    ``received``.  ``failed`` may follow any live state (J.4: ``queued`` →
    ``failed``).
    """
    if new is MessageState.RECEIVED:
        return False
    if current is None:
        return True
    if current in TERMINAL_MESSAGE_STATES or current is MessageState.RECEIVED:
        return False
    return _RANK[new] > _RANK[current]


@final
@attrs.frozen(kw_only=True, slots=True)
class MessageInfo:
    """A snapshot of one message, as the latest event (or the send) described it."""

    message_id: MessageId
    #: ``"outbound"`` or ``"inbound"``.
    direction: str
    context: str
    from_number: str
    to_number: str
    body: str = ""
    #: Media URLs (an MMS).
    media: tuple[str, ...] = ()
    #: SMS segments, once the server says.
    segments: int | None = None
    #: As the server reports them (it may add its own, RELAY.md J.3).
    tags: tuple[str, ...] = ()
    state: MessageState = MessageState.QUEUED
    #: Why it was not delivered (``undelivered`` / ``failed`` only).
    reason: str | None = None
    #: The ``messaging.send`` that created an outbound message (its request id).
    request_id: RequestId | None = None

    @property
    def is_final(self) -> bool:
        """Whether the message reached a terminal state (or is inbound)."""
        return self.state in TERMINAL_MESSAGE_STATES or self.state is MessageState.RECEIVED

    def to_params(self) -> JSONDict:
        """The event ``params`` this snapshot stands for (RELAY.md J.3 keys)."""
        params: JSONDict = {
            "message_id": self.message_id,
            "context": self.context,
            "direction": self.direction,
            "from_number": self.from_number,
            "to_number": self.to_number,
            "body": self.body,
            "media": list(self.media),
            "segments": self.segments,
            "tags": list(self.tags),
            "message_state": self.state.value,
        }
        if self.reason is not None:
            params["reason"] = self.reason
        return params


@final
@attrs.frozen(kw_only=True, slots=True)
class MessageReceived:
    """An inbound SMS/MMS arrived on ``message.context`` (``messaging.receive``, acked)."""

    #: The wire ``event_type`` this event comes from.
    event_type: ClassVar[str] = "messaging.receive"

    message: MessageInfo

    @property
    def params(self) -> JSONDict:
        """The message as event params (the official SDK's ``RelayEvent.params``)."""
        return self.message.to_params()


@final
@attrs.frozen(kw_only=True, slots=True)
class MessageStateChanged:
    """An outbound message moved to ``state`` (``messaging.state``), or expired.

    ``message.request_id`` is the ``messaging.send`` that created it: the key
    an adapter finds its waiter by (states may precede the send's reply; the
    session replays them once the reply names the message, RELAY.md J.4).

    ``expired``: no final state came within ``RelayConfig.message_timeout``
    of the last one (``delivered``/``undelivered`` are not guaranteed); the
    session forgets the message, whose ``state`` is its last known one
    (``sent``: fate unknown).  A final event either way (:attr:`is_final`).
    """

    #: The wire ``event_type`` this event comes from.
    event_type: ClassVar[str] = "messaging.state"

    message: MessageInfo
    state: MessageState
    reason: str | None = None
    expired: bool = False

    @property
    def message_id(self) -> MessageId:
        """The message this event is about."""
        return self.message.message_id

    @property
    def params(self) -> JSONDict:
        """The message as event params (the official SDK's ``RelayEvent.params``)."""
        params = self.message.to_params()
        params["message_state"] = self.state.value
        return params

    @property
    def message_state(self) -> str:
        """The state's wire name (the official SDK's ``MessageStateEvent.message_state``)."""
        return self.state.value

    @property
    def is_final(self) -> bool:
        """Whether the session stopped following the message (terminal or expired)."""
        return self.expired or self.state in TERMINAL_MESSAGE_STATES


@final
@attrs.frozen(kw_only=True, slots=True)
class InboundMessageRefused:
    """An inbound message the application had no room for was dropped (counted).

    Messages cannot be passed back to the server (its ``messaging.receive``
    is already acked), so the policy is to drop the newest and say so.
    """

    message: MessageInfo
    action: str = "dropped"
