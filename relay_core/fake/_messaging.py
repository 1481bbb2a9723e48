"""The fake server's messaging: ``messaging.send`` by destination behaviour, inbound messages.

Every destination number has a *message behaviour* in a
:class:`MessageDirectory`: :class:`Delivered`, :class:`Undelivered` (with a
reason), :class:`MessageFails` (with a reason) or :class:`NeverConfirmed`
(stops at ``sent``: RELAY.md J.4 does not guarantee a final state).  A send
is answered ``200`` with a new ``message_id``; then ``queued``,
``initiated``, ``sent`` follow at once and the final state ``after``
seconds later.  With ``before_reply`` the ``queued`` event is written
before the reply (the race of J.4, so clients can be tested against it).

State events go to the sending session when it receives the message's
context (or the context is its protocol, as the official SDK's default),
else to a session receiving the context, else nowhere (counted): a client
must subscribe to its messages' context (J.4).  Inbound messages
(:meth:`MessagingNetwork.inject_inbound_message`) go to one session
receiving their context (the oldest), as inbound calls do.

Bounds: a record of the last :data:`MESSAGES_REMEMBERED` messages, both
directions, for tests and the CLI (``messages``); nothing else is kept.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Final, TypeAlias, final

import attrs

from .._errors import LocalProtocolError
from .._ids import IdFactory, JSONDict, JSONObject
from ..wire._message_payloads import (
    MESSAGE_RECEIVE,
    MESSAGE_STATE,
    MessagePayload,
    encode_message_payload,
)
from ._legs import ChooseReceiver, Deliver, SessionKey
from ._scheduler import Scheduler

__all__ = [
    "MESSAGES_REMEMBERED",
    "Delivered",
    "MessageBehavior",
    "MessageDirectory",
    "MessageFails",
    "MessagingNetwork",
    "NeverConfirmed",
    "SimulatedMessage",
    "Undelivered",
]

#: Messages (both directions) the fake remembers, oldest forgotten first.
MESSAGES_REMEMBERED: Final = 1000
_E164: Final = re.compile(r"\+[1-9][0-9]{1,14}")


def _after(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise LocalProtocolError(f"{attribute.name}: {value!r} is not a number of seconds >= 0")
    if not math.isfinite(value):
        raise LocalProtocolError(f"{attribute.name}: {value!r} is not finite")


def _reason(_instance: object, _attribute: object, value: str) -> None:
    if not isinstance(value, str) or not value:
        raise LocalProtocolError(f"reason: {value!r} is not a non-empty string")


@final
@attrs.frozen(kw_only=True)
class Delivered:
    """The carrier confirms delivery ``after`` seconds after ``sent``."""

    after: float = attrs.field(default=1.0, validator=_after)
    before_reply: bool = False


@final
@attrs.frozen(kw_only=True)
class Undelivered:
    """The carrier reports non-delivery (``undelivered`` with ``reason``)."""

    reason: str = attrs.field(default="carrier_blocked", validator=_reason)
    after: float = attrs.field(default=1.0, validator=_after)
    before_reply: bool = False


@final
@attrs.frozen(kw_only=True)
class MessageFails:
    """The message cannot be sent: ``queued`` → ``failed`` with ``reason``."""

    reason: str = attrs.field(default="invalid_destination", validator=_reason)
    after: float = attrs.field(default=0.0, validator=_after)
    before_reply: bool = False


@final
@attrs.frozen(kw_only=True)
class NeverConfirmed:
    """The message stops at ``sent``: no delivery receipt ever comes."""

    before_reply: bool = False


MessageBehavior: TypeAlias = Delivered | Undelivered | MessageFails | NeverConfirmed

#: The documented default message directory (see :meth:`MessageDirectory.default`).
DEFAULT_MESSAGE_ENTRIES: Final[Mapping[str, MessageBehavior]] = {
    "+15553330000": Undelivered(reason="carrier_blocked"),  # RELAY.md J.4 failure transcript
    "+15553330001": MessageFails(reason="invalid_destination"),
    "+15553330002": NeverConfirmed(),
    "+15553330003": Delivered(before_reply=True),  # the queued state beats the reply
}


@final
class MessageDirectory:
    """A message behaviour per destination number, and one for the rest.

    Args:
        entries: behaviour per ``to_number``.
        default: behaviour of any other number (default: delivered after 1 s).
    """

    def __init__(
        self,
        entries: Mapping[str, MessageBehavior] | None = None,
        *,
        default: MessageBehavior | None = None,
    ) -> None:
        self.fallback: MessageBehavior = Delivered() if default is None else default
        self._entries: dict[str, MessageBehavior] = {}
        for number, behavior in (entries or {}).items():
            self.set(number, behavior)

    @classmethod
    def default(cls) -> MessageDirectory:
        """The documented defaults (a fresh copy).

        ==================  ==============================================
        ``+15553330000``    undelivered (``carrier_blocked``)
        ``+15553330001``    failed (``invalid_destination``)
        ``+15553330002``    never confirmed (stops at ``sent``)
        ``+15553330003``    delivered; ``queued`` comes before the reply
        anything else       delivered 1 s after ``sent``
        ==================  ==============================================
        """
        return cls(DEFAULT_MESSAGE_ENTRIES)

    def set(self, number: str, behavior: MessageBehavior) -> None:
        """Script one destination number."""
        if not isinstance(number, str) or not number:
            raise LocalProtocolError(f"number: {number!r} is not a non-empty string")
        if not isinstance(behavior, Delivered | Undelivered | MessageFails | NeverConfirmed):
            raise LocalProtocolError(f"behavior: {behavior!r} is not a message behaviour")
        self._entries[number] = behavior

    def lookup(self, number: str) -> MessageBehavior:
        """The behaviour of ``number``."""
        return self._entries.get(number, self.fallback)

    @property
    def entries(self) -> Mapping[str, MessageBehavior]:
        """A copy of the scripted numbers."""
        return dict(self._entries)


@final
@attrs.frozen(kw_only=True)
class SimulatedMessage:
    """What the fake knows of one message (a snapshot)."""

    message_id: str
    direction: str
    context: str
    from_number: str
    to_number: str
    body: str
    media: tuple[str, ...]
    state: str
    reason: str | None = None
    #: The session that sent it (outbound) or was given it (inbound), if any.
    session: str | None = None


#: Picks the session that gets a sender's state events (sender, context).
RouteState: TypeAlias = Callable[[SessionKey, str], SessionKey | None]


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _strings(params: JSONObject, key: str) -> tuple[str, ...]:
    value = params.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _Invalid(f"{key}: expected a list of non-empty strings")
    return tuple(value)


class MessagingNetwork:
    """The simulated SMS/MMS network (see the module docstring).

    Args:
        directory: message behaviour per destination.
        scheduler: the timers the server drives.
        new_id: makes message ids.
        deliver: sends one event to a session.
        route_state: picks the session for an outbound message's states.
        choose_receiver: picks the session for an inbound message.
    """

    methods: Final = frozenset({"messaging.send"})

    def __init__(
        self,
        directory: MessageDirectory,
        *,
        scheduler: Scheduler,
        new_id: IdFactory,
        deliver: Deliver,
        route_state: RouteState,
        choose_receiver: ChooseReceiver,
    ) -> None:
        self.directory = directory
        self.scheduler = scheduler
        self._new_id = new_id
        self._deliver = deliver
        self._route_state = route_state
        self._choose_receiver = choose_receiver
        self._messages: OrderedDict[str, SimulatedMessage] = OrderedDict()
        #: Inbound messages no session received, and states no session was subscribed to.
        self.undeliverable = 0

    def messages(self) -> list[SimulatedMessage]:
        """The remembered messages, both directions, oldest first."""
        return list(self._messages.values())

    def message(self, message_id: str) -> SimulatedMessage | None:
        """One remembered message, or ``None``."""
        return self._messages.get(message_id)

    def table_sizes(self) -> dict[str, int]:
        """``messages`` (remembered)."""
        return {"messages": len(self._messages)}

    def _remember(self, message: SimulatedMessage) -> None:
        self._messages[message.message_id] = message
        self._messages.move_to_end(message.message_id)
        if len(self._messages) > MESSAGES_REMEMBERED:
            self._messages.popitem(last=False)

    # -- outbound ---------------------------------------------------------------

    def handle(self, owner: SessionKey, method: str, params: JSONObject, now: float) -> JSONDict:
        """Run ``messaging.send``; its result (``400`` with a reason for bad params)."""
        del method
        try:
            message = self._parse(owner, params)
        except _Invalid as exc:
            return {"code": "400", "message": exc.message}
        self._remember(message)
        behavior = self.directory.lookup(message.to_number)
        first: tuple[str, ...] = ("queued", "initiated", "sent")
        if behavior.before_reply:
            self._state(message.message_id, "queued", None, now)
            first = first[1:]
        steps: list[tuple[str, str | None, float]]
        match behavior:
            case MessageFails(reason=why, after=after):
                steps = [] if behavior.before_reply else [("queued", None, now)]
                steps.append(("failed", why, now + after))
            case Delivered(after=after):
                steps = [(state, None, now) for state in first]
                steps.append(("delivered", None, now + after))
            case Undelivered(reason=why, after=after):
                steps = [(state, None, now) for state in first]
                steps.append(("undelivered", why, now + after))
            case NeverConfirmed():
                steps = [(state, None, now) for state in first]
        for state, reason, when in steps:
            self.scheduler.call_at(when, self._step(message.message_id, state, reason))
        return {"code": "200", "message": "Message accepted", "message_id": message.message_id}

    def _parse(self, owner: SessionKey, params: JSONObject) -> SimulatedMessage:
        context = params.get("context")
        to_number = params.get("to_number")
        from_number = params.get("from_number")
        body = params.get("body", "")
        if not isinstance(context, str) or not context:
            raise _Invalid("context: required, a non-empty string")
        if not isinstance(to_number, str) or not _E164.fullmatch(to_number):
            raise _Invalid("Invalid to_number")
        if not isinstance(from_number, str) or not from_number:
            raise _Invalid("Invalid from_number")
        if not isinstance(body, str):
            raise _Invalid("body: expected a string")
        media = _strings(params, "media")
        _strings(params, "tags")
        if not body and not media:
            raise _Invalid("body or media: one is required")
        return SimulatedMessage(
            message_id=self._new_id(),
            direction="outbound",
            context=context,
            from_number=from_number,
            to_number=to_number,
            body=body,
            media=media,
            state="accepted",
            session=owner,
        )

    def _step(self, message_id: str, state: str, reason: str | None) -> Callable[[float], None]:
        return lambda now: self._state(message_id, state, reason, now)

    def _state(self, message_id: str, state: str, reason: str | None, now: float) -> None:
        del now
        message = self._messages.get(message_id)
        if message is None:
            return  # forgotten (MESSAGES_REMEMBERED): nobody to tell
        message = attrs.evolve(message, state=state, reason=reason)
        self._messages[message_id] = message
        assert message.session is not None
        target = self._route_state(SessionKey(message.session), message.context)
        if target is None:
            self.undeliverable += 1
            return
        self._deliver(target, MESSAGE_STATE, self._payload(message))

    @staticmethod
    def _payload(message: SimulatedMessage) -> JSONDict:
        return encode_message_payload(
            MessagePayload(
                message_id=message.message_id,
                message_state=message.state,
                context=message.context,
                direction=message.direction,
                from_number=message.from_number,
                to_number=message.to_number,
                body=message.body,
                media=message.media,
                segments=max(1, math.ceil(len(message.body) / 160)),
                reason=message.reason,
            )
        )

    # -- inbound ----------------------------------------------------------------

    def inject_inbound_message(
        self,
        *,
        context: str,
        from_number: str,
        to_number: str,
        body: str = "",
        media: tuple[str, ...] = (),
    ) -> SimulatedMessage:
        """An SMS/MMS arrives on ``context``: ``messaging.receive`` to one session receiving it.

        Returns the message; its ``session`` is ``None`` when no session
        receives ``context`` (it is then dropped and counted in
        :attr:`undeliverable`: a message is not retried).

        Raises:
            LocalProtocolError: an empty context or number, or neither body nor media.
        """
        for name, value in (
            ("context", context),
            ("from_number", from_number),
            ("to_number", to_number),
        ):
            if not isinstance(value, str) or not value:
                raise LocalProtocolError(f"{name}: {value!r} is not a non-empty string")
        media = tuple(media)
        if not isinstance(body, str) or (not body and not media):
            raise LocalProtocolError("body: give a body, media URLs or both")
        target = self._choose_receiver(context, frozenset())
        message = SimulatedMessage(
            message_id=self._new_id(),
            direction="inbound",
            context=context,
            from_number=from_number,
            to_number=to_number,
            body=body,
            media=media,
            state="received",
            session=target,
        )
        self._remember(message)
        if target is None:
            self.undeliverable += 1
        else:
            self._deliver(target, MESSAGE_RECEIVE, self._payload(message))
        return message
