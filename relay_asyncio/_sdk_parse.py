"""The core's typed events as the official SDK's classes: :func:`sdk_event`, :func:`parse_event`.

The classes are in :mod:`._sdk_events` (calls, plays, dials, connects,
errors) and :mod:`._sdk_action_events` (the verbs); their modules' docstrings
say where each field comes from.  Nothing here reads a wire object the core
has not read first: :func:`parse_event` hands the params to
:func:`relay_core.decode_event` and builds from what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from relay_core import (
    ActionFinished,
    ActionUpdated,
    CallActivity,
    CallErrorReported,
    CallReceived,
    CallStateChanged,
    ConnectStateChanged,
    DialStateChanged,
    MessageInfo,
    MessageReceived,
    MessageStateChanged,
    PlayStateChanged,
    RemoteProtocolError,
    UnknownEvent,
    decode_event,
    device_to_wire,
)
from relay_core.wire import CallObject, CallStatePayload, ConnectPayload, PlayPayload

from ._sdk_action_events import ACTION_EVENT_CLASSES, from_payload_view
from ._sdk_events import (
    CallingErrorEvent,
    CallReceiveEvent,
    CallStateEvent,
    ConnectEvent,
    DialEvent,
    MessageReceiveEvent,
    MessageStateEvent,
    PlayEvent,
    RelayEvent,
    _number,
    _object,
    _text,
)

__all__ = ["EVENT_CLASS_MAP", "CoreEvent", "action_result", "parse_event", "sdk_event"]

#: A core event a class of the official SDK is built from.
CoreEvent: TypeAlias = (
    CallStateChanged
    | CallReceived
    | PlayStateChanged
    | ConnectStateChanged
    | DialStateChanged
    | CallErrorReported
    | UnknownEvent
    | ActionUpdated
    | ActionFinished
    | CallActivity
    | MessageReceived
    | MessageStateChanged
)

#: The official class of each event type (what :func:`parse_event` builds).
EVENT_CLASS_MAP: dict[str, type[RelayEvent]] = {
    CallStateChanged.event_type: CallStateEvent,
    CallReceived.event_type: CallReceiveEvent,
    PlayStateChanged.event_type: PlayEvent,
    ConnectStateChanged.event_type: ConnectEvent,
    DialStateChanged.event_type: DialEvent,
    CallErrorReported.event_type: CallingErrorEvent,
    MessageReceived.event_type: MessageReceiveEvent,
    MessageStateChanged.event_type: MessageStateEvent,
    **ACTION_EVENT_CLASSES,
}


# -- the core's events of calls, plays, dials and connects ---------------------------------


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


# -- the verbs' events (issue 13): a payload view each -------------------------------------


def _from_view(event: ActionUpdated | CallActivity) -> RelayEvent:
    """An action's or a plain verb's event: its official class, from the core's payload view.

    (A play_and_collect's prompt reports ``calling.call.play`` with a play
    payload: a :class:`PlayEvent` too.)
    """
    payload = event.payload
    event_type = payload.event_type
    params = payload.to_wire()
    cls = EVENT_CLASS_MAP.get(event_type, RelayEvent)
    return from_payload_view(cls, event_type, payload, params)


def _from_finished(event: ActionFinished) -> RelayEvent:
    """The core's verdict on an action (not a wire event): the base class, its result's params."""
    params = {} if event.result is None else event.result.to_wire()
    return RelayEvent(
        event_type=event.event_type,
        params=params,
        call_id=event.call.call_id,
        timestamp=_number(params, "timestamp"),
    )


# -- messaging (issue 15): the core's snapshot of the message -------------------------------


def _message_fields(info: MessageInfo) -> dict[str, Any]:
    return {
        "message_id": info.message_id,
        "context": info.context,
        "direction": info.direction,
        "from_number": info.from_number,
        "to_number": info.to_number,
        "body": info.body,
        "media": list(info.media),
        "segments": info.segments or 0,
        "message_state": info.state.value,
        "tags": list(info.tags),
    }


def _from_message_received(event: MessageReceived) -> MessageReceiveEvent:
    params = event.params
    return MessageReceiveEvent(
        event_type=event.event_type, params=params, **_message_fields(event.message)
    )


def _from_message_state(event: MessageStateChanged) -> MessageStateEvent:
    info = event.message
    fields = _message_fields(info) | {"message_state": event.state.value}
    params = info.to_params() | {"message_state": event.state.value}
    return MessageStateEvent(
        event_type=event.event_type,
        params=params,
        reason=event.reason or info.reason or "",
        **fields,
    )


_BUILDERS: dict[type[Any], Callable[[Any], RelayEvent]] = {
    CallStateChanged: _from_state,
    CallReceived: _from_receive,
    PlayStateChanged: _from_play,
    ConnectStateChanged: _from_connect,
    DialStateChanged: _from_dial,
    CallErrorReported: _from_error,
    UnknownEvent: _from_unknown,
    ActionUpdated: _from_view,
    CallActivity: _from_view,
    ActionFinished: _from_finished,
    MessageReceived: _from_message_received,
    MessageStateChanged: _from_message_state,
}


def _from_other(event: Any) -> RelayEvent:
    """A core event newer than this module: the base class, from its wire form."""
    payload = getattr(event, "payload", None)
    raw = payload.to_wire() if payload is not None else getattr(event, "params", None)
    params = dict(raw) if isinstance(raw, Mapping) else {}
    call = getattr(event, "call", None)
    return RelayEvent(
        event_type=str(getattr(event, "event_type", "")),
        params=params,
        call_id=str(getattr(call, "call_id", "") or _text(params, "call_id")),
        timestamp=_number(params, "timestamp"),
    )


def action_result(finished: ActionFinished) -> RelayEvent:
    """What an action's ``wait()`` returns: the official class of its deciding event.

    (A ``RecordEvent`` for a record, a ``CollectEvent`` for a collect...)  An
    action the core ended without one (its call ended, the session was lost:
    the official SDK's wait would hang) gets the base class with no params.
    Its ``.core`` is the :class:`~relay_core.ActionFinished` either way
    (``succeeded``, ``reason``, and ``result``: the core's typed payload).
    """
    payload = finished.result
    if payload is None:
        built = _from_finished(finished)
    else:
        cls = EVENT_CLASS_MAP.get(payload.event_type, RelayEvent)
        built = from_payload_view(cls, payload.event_type, payload, payload.to_wire())
    built.__dict__["_core"] = finished
    return built


def sdk_event(event: CoreEvent) -> RelayEvent:
    """The official class's view of one of the core's events (``.core`` keeps it)."""
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
