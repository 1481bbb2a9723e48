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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from relay_core import (
    CallErrorReported,
    CallReceived,
    CallStateChanged,
    ConnectStateChanged,
    DialStateChanged,
    PlayStateChanged,
    RemoteProtocolError,
    UnknownEvent,
    decode_event,
    device_to_wire,
)
from relay_core.wire import CallObject, CallStatePayload, ConnectPayload, PlayPayload

__all__ = [
    "EVENT_CLASS_MAP",
    "CallReceiveEvent",
    "CallStateEvent",
    "CallingErrorEvent",
    "ConnectEvent",
    "DialEvent",
    "PlayEvent",
    "RelayEvent",
    "parse_event",
    "sdk_event",
]

#: A core event a class here is built from.
CoreEvent = (
    CallStateChanged
    | CallReceived
    | PlayStateChanged
    | ConnectStateChanged
    | DialStateChanged
    | CallErrorReported
    | UnknownEvent
)


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


# -- from the core's events ----------------------------------------------------------


def _state_params(event: CallStateChanged) -> dict[str, Any]:
    info = event.call
    device = None if info.device is None else device_to_wire(info.device)
    payload = CallStatePayload(
        info.call_id,
        event.state.value,
        node_id=info.node_id or None,
        tag=event.tag,
        direction=info.direction,
        end_reason=event.end_reason,
        context=info.context,
        device=device,
    )
    return payload.to_wire()


def _from_state(event: CallStateChanged) -> CallStateEvent:
    params = dict(event.params) if event.params else _state_params(event)
    return CallStateEvent(
        event_type=event.event_type,
        params=params,
        call_id=event.call.call_id,
        timestamp=_number(params, "timestamp"),
        call_state=event.state.value,
        end_reason=event.end_reason or "",
        direction=event.call.direction or "",
        device=_object(params, "device"),
    )


def _from_receive(event: CallReceived) -> CallReceiveEvent:
    params = dict(event.params)
    info = event.call
    return CallReceiveEvent(
        event_type=event.event_type,
        params=params,
        call_id=info.call_id,
        timestamp=_number(params, "timestamp"),
        call_state=info.state.value,
        direction=info.direction or "",
        device=_object(params, "device"),
        node_id=info.node_id,
        project_id=_text(params, "project_id"),
        context=event.context or "",
        segment_id=_text(params, "segment_id"),
        tag=info.tag or "",
    )


def _from_play(event: PlayStateChanged) -> PlayEvent:
    if event.params:
        params = dict(event.params)
    else:
        ref = event.call
        params = PlayPayload(
            event.control_id, event.state.value, call_id=ref.call_id, node_id=ref.node_id or None
        ).to_wire()
    return PlayEvent(
        event_type=event.event_type,
        params=params,
        call_id=event.call.call_id,
        timestamp=_number(params, "timestamp"),
        control_id=event.control_id,
        state=event.state.value,
    )


def _from_connect(event: ConnectStateChanged) -> ConnectEvent:
    if event.params:
        params = dict(event.params)
    else:
        ref, peer = event.call, event.peer
        params = ConnectPayload(
            ref.call_id,
            event.state.value,
            node_id=ref.node_id or None,
            tag=event.tag,
            peer=None if peer is None else CallObject(peer.call_id, node_id=peer.node_id or None),
            failed_reason=event.failed_reason,
        ).to_wire()
    return ConnectEvent(
        event_type=event.event_type,
        params=params,
        call_id=event.call.call_id,
        timestamp=_number(params, "timestamp"),
        connect_state=event.state.value,
        peer=_object(params, "peer"),
    )


def _from_dial(event: DialStateChanged) -> DialEvent:
    params = dict(event.params) or {"tag": event.tag, "dial_state": event.state.value}
    return DialEvent(
        event_type=event.event_type,
        params=params,
        call_id=_text(params, "call_id"),
        timestamp=_number(params, "timestamp"),
        tag=event.tag,
        dial_state=event.state.value,
        call=_object(params, "call"),
    )


def _from_error(event: CallErrorReported) -> CallingErrorEvent:
    params = dict(event.params)
    code = params.get("code")
    return CallingErrorEvent(
        event_type=event.event_type,
        params=params,
        call_id="" if event.call is None else event.call.call_id,
        timestamp=_number(params, "timestamp"),
        code=code if isinstance(code, str | int) else "",  # type: ignore[arg-type]  # the wire's
        message=event.message,
    )


def _from_unknown(event: UnknownEvent) -> RelayEvent:
    params = dict(event.params)
    return RelayEvent(
        event_type=event.event_type,
        params=params,
        call_id=_text(params, "call_id"),
        timestamp=_number(params, "timestamp"),
    )


_BUILDERS: dict[type[Any], Callable[[Any], RelayEvent]] = {
    CallStateChanged: _from_state,
    CallReceived: _from_receive,
    PlayStateChanged: _from_play,
    ConnectStateChanged: _from_connect,
    DialStateChanged: _from_dial,
    CallErrorReported: _from_error,
    UnknownEvent: _from_unknown,
}

#: The official class of each event type (what :func:`parse_event` builds).
EVENT_CLASS_MAP: dict[str, type[RelayEvent]] = {
    CallStateChanged.event_type: CallStateEvent,
    CallReceived.event_type: CallReceiveEvent,
    PlayStateChanged.event_type: PlayEvent,
    ConnectStateChanged.event_type: ConnectEvent,
    DialStateChanged.event_type: DialEvent,
    CallErrorReported.event_type: CallingErrorEvent,
}


def _from_other(event: Any) -> RelayEvent:
    """A verb's event (a ``payload`` view: its official class), else the base class."""
    from ._sdk_action_events import ACTION_EVENT_CLASSES, from_payload_view  # (a cycle)

    payload = getattr(event, "payload", None)
    raw = payload.to_wire() if payload is not None else getattr(event, "params", None)
    params = dict(raw) if isinstance(raw, Mapping) else {}
    event_type = str(getattr(event, "event_type", ""))
    cls = ACTION_EVENT_CLASSES.get(event_type)
    if cls is not None and payload is not None:
        return from_payload_view(cls, event_type, payload, params)
    call = getattr(event, "call", None)
    return RelayEvent(
        event_type=event_type,
        params=params,
        call_id=str(getattr(call, "call_id", "") or _text(params, "call_id")),
        timestamp=_number(params, "timestamp"),
    )


def sdk_event(event: CoreEvent) -> RelayEvent:
    """The official class's view of one of the core's events."""
    built = _BUILDERS.get(type(event), _from_other)(event)
    built.__dict__["_core"] = event
    return built


def parse_event(payload: dict[str, Any]) -> RelayEvent:
    """Read a ``signalwire.event``'s params (``{"event_type": ..., "params": ...}``).

    As the official ``parse_event``: the class for the event type
    (:data:`EVENT_CLASS_MAP`), or :class:`RelayEvent` for other types.  The
    params are read by the core's codec (:func:`relay_core.decode_event`);
    when it refuses them (a state event without a ``call_id``, say) the
    class is built with its defaults, as the official one would.
    """
    event_type = payload.get("event_type")
    event_type = event_type if isinstance(event_type, str) else ""
    raw = payload.get("params")
    params: dict[str, Any] = dict(raw) if isinstance(raw, Mapping) else {}
    try:
        return sdk_event(decode_event(event_type, params))
    except RemoteProtocolError:
        cls = EVENT_CLASS_MAP.get(event_type, RelayEvent)
        return cls(
            event_type=event_type,
            params=params,
            call_id=_text(params, "call_id"),
            timestamp=_number(params, "timestamp"),
        )
