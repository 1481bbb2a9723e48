"""The official SDK's event classes (``signalwire.relay.event``), built from the core's events.

There is no second parser: an event is read once, by the core, into its
typed event (``relay_core.CallStateChanged``...).  A class here is a view of
that event with the official names: ``event_type``, ``params`` (the server's
params, copied), ``call_id``, ``timestamp`` and each class's own fields.  The
rule for a field:

* what the core models (ids, states, reasons, tags) comes from the typed event;
* what the official SDK hands out as raw JSON (``device``, ``peer``, a dial's
  ``call``) and what the core does not model (``timestamp``, ``segment_id``,
  ``project_id``) is the params' own value, as in the SDK.

An event the session made itself (a playback ended by its call's end, a
bridge torn down with its call) has no server params; its ``params`` are the
wire form of its typed fields, written by the core's payload codec.

Each instance keeps its typed event as :attr:`RelayEvent.core`; an attribute
the official class lacks is looked up there (``event.state`` of a
``CallStateEvent`` is the core's :class:`~relay_core.CallState`,
``event.is_final`` works), so listeners written against relay_asyncio's
earlier typed events keep working.

They are built only for a listener or a waiter of that event type
(``Call._deliver``): the reader never pays for an event nobody reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from ._sdk_parse import CoreEvent

__all__ = [
    "CallReceiveEvent",
    "CallStateEvent",
    "CallingErrorEvent",
    "ConnectEvent",
    "DialEvent",
    "MessageReceiveEvent",
    "MessageStateEvent",
    "PlayEvent",
    "RelayEvent",
]


def _text(params: Mapping[str, Any], key: str) -> str:
    value = params.get(key)
    return value if isinstance(value, str) else ""


def _number(params: Mapping[str, Any], key: str) -> float:
    value = params.get(key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _object(params: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = params.get(key)
    return dict(value) if isinstance(value, Mapping) else {}


@dataclass
class RelayEvent:
    """Any event of a call (``signalwire.relay.RelayEvent``): the base of the classes here."""

    event_type: str
    params: dict[str, Any]
    call_id: str = ""
    timestamp: float = 0.0

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        """Build from a ``signalwire.event``'s params (``{"event_type": ..., "params": ...}``).

        Read by the core's codec (:func:`parse_event`).  A payload of another
        event type, or one the codec refuses, gives this class with only
        ``event_type``, ``params``, ``call_id`` and ``timestamp`` set.
        """
        from ._sdk_parse import parse_event  # (the parser needs these classes)

        event = parse_event(payload)
        if isinstance(event, cls):
            return event
        return cls(
            event_type=event.event_type,
            params=event.params,
            call_id=event.call_id,
            timestamp=event.timestamp,
        )

    @property
    def core(self) -> CoreEvent | None:
        """The core's typed event this one was built from (``None`` if built by hand)."""
        core: CoreEvent | None = self.__dict__.get("_core")
        return core

    def __getattr__(self, name: str) -> Any:
        # Only reached when the official class lacks ``name``: try the typed event.
        core = self.__dict__.get("_core")
        if core is None or name.startswith("_"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(core, name)


@dataclass
class CallStateEvent(RelayEvent):
    """``calling.call.state``: a call changed state."""

    call_state: str = ""
    end_reason: str = ""
    direction: str = ""
    device: dict[str, Any] = field(default_factory=dict)


@dataclass
class CallReceiveEvent(RelayEvent):
    """``calling.call.receive``: an inbound call was offered."""

    call_state: str = ""
    direction: str = ""
    device: dict[str, Any] = field(default_factory=dict)
    node_id: str = ""
    project_id: str = ""
    context: str = ""
    segment_id: str = ""
    tag: str = ""


@dataclass
class PlayEvent(RelayEvent):
    """``calling.call.play``: a playback changed state."""

    control_id: str = ""
    state: str = ""


@dataclass
class ConnectEvent(RelayEvent):
    """``calling.call.connect``: a bridge changed state."""

    connect_state: str = ""
    peer: dict[str, Any] = field(default_factory=dict)


@dataclass
class DialEvent(RelayEvent):
    """``calling.call.dial``: a dial progressed (``call`` is the winner, when answered)."""

    tag: str = ""
    dial_state: str = ""
    call: dict[str, Any] = field(default_factory=dict)


@dataclass
class CallingErrorEvent(RelayEvent):
    """``calling.error``: the server reported an error (``code`` as on the wire)."""

    code: str = ""
    message: str = ""


@dataclass
class MessageReceiveEvent(RelayEvent):
    """``messaging.receive``: an inbound SMS/MMS."""

    message_id: str = ""
    context: str = ""
    direction: str = ""
    from_number: str = ""
    to_number: str = ""
    body: str = ""
    media: list[str] = field(default_factory=list)
    segments: int = 0
    message_state: str = ""
    tags: list[str] = field(default_factory=list)


@dataclass
class MessageStateEvent(RelayEvent):
    """``messaging.state``: an outbound message's new state (``reason`` when it failed)."""

    message_id: str = ""
    context: str = ""
    direction: str = ""
    from_number: str = ""
    to_number: str = ""
    body: str = ""
    media: list[str] = field(default_factory=list)
    segments: int = 0
    message_state: str = ""
    reason: str = ""
    tags: list[str] = field(default_factory=list)
