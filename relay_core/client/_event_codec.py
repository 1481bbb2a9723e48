"""Stateless decoding of one ``signalwire.event``'s params into its typed event.

The session decodes events against what it tracks (which dial a leg belongs
to, which play a control id names); tools that only watch frames (the fake
server's CLI log, a test's journal) need the typed event without a session.
:func:`decode_event` gives it: the same classes and field names, each
event's :attr:`event_type` the wire name it came from.  Node ids are
optional here (a log line does not need one); the key of each event (call
id, tag, control id, state) is required.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from .._errors import RemoteProtocolError
from .._ids import CallId, ControlId, JSONObject, JSONValue, NodeId, Tag
from ..wire._device_cache import server_device
from ..wire._wire import parse_code
from ._events import (
    CallErrorReported,
    CallInfo,
    CallReceived,
    CallRef,
    CallStateChanged,
    ConnectStateChanged,
    DialStateChanged,
    PlayStateChanged,
    ServerEvent,
    UnknownEvent,
)
from ._state import CallState, ConnectState, DialState, PlayState

__all__ = ["decode_event"]


def _required(params: JSONObject, key: str, event_type: str) -> str:
    value = params.get(key)
    if not isinstance(value, str) or not value:
        raise RemoteProtocolError(f"{event_type}: {key} must be a non-empty string")
    return value


def _optional(params: JSONObject, key: str) -> str | None:
    value = params.get(key)
    return value if isinstance(value, str) and value else None


def _ref(params: JSONObject, event_type: str) -> CallRef:
    call_id = _required(params, "call_id", event_type)
    return CallRef(CallId(call_id), NodeId(_optional(params, "node_id") or ""))


def _info(params: JSONObject, event_type: str, *, direction: str | None = None) -> CallInfo:
    """A call snapshot from a call object (``call_id``, ``node_id``, ``call_state``, ...)."""
    ref = _ref(params, event_type)
    tag = _optional(params, "tag")
    raw_state = _optional(params, "call_state")
    peer = _object(params.get("peer"))
    return CallInfo(
        call_id=ref.call_id,
        node_id=ref.node_id,
        tag=None if tag is None else Tag(tag),
        direction=_optional(params, "direction") or direction,
        state=CallState.CREATED if raw_state is None else CallState(raw_state),
        device=server_device(params.get("device")),
        context=_optional(params, "context"),
        peer=_ref(peer, event_type) if peer is not None and _optional(peer, "call_id") else None,
        end_reason=_optional(params, "end_reason"),
    )


def _object(value: JSONValue) -> JSONObject | None:
    return value if isinstance(value, Mapping) else None


def _state(params: JSONObject) -> CallStateChanged:
    info = _info(params, "calling.call.state")
    _required(params, "call_state", "calling.call.state")
    return CallStateChanged(call=info, state=info.state, tag=info.tag, end_reason=info.end_reason)


def _dial(params: JSONObject) -> DialStateChanged:
    tag = Tag(_required(params, "tag", "calling.call.dial"))
    state = DialState(_required(params, "dial_state", "calling.call.dial"))
    winner = _object(params.get("call"))
    call = None if winner is None else _info(winner, "calling.call.dial")
    return DialStateChanged(tag=tag, state=state, call=call, reason=_optional(params, "reason"))


def _connect(params: JSONObject) -> ConnectStateChanged:
    peer = _object(params.get("peer"))
    tag = _optional(params, "tag")
    return ConnectStateChanged(
        call=_ref(params, "calling.call.connect"),
        tag=None if tag is None else Tag(tag),
        state=ConnectState(_required(params, "connect_state", "calling.call.connect")),
        peer=None if peer is None else _info(peer, "calling.call.connect"),
        failed_reason=_optional(params, "failed_reason"),
    )


def _play(params: JSONObject) -> PlayStateChanged:
    return PlayStateChanged(
        call=_ref(params, "calling.call.play"),
        control_id=ControlId(_required(params, "control_id", "calling.call.play")),
        state=PlayState(_required(params, "state", "calling.call.play")),
    )


def _receive(params: JSONObject) -> CallReceived:
    info = _info(params, "calling.call.receive", direction="inbound")
    return CallReceived(call=info, context=info.context)


def _error(params: JSONObject) -> CallErrorReported:
    call_id = _optional(params, "call_id")
    message = params.get("message")
    code = parse_code(params.get("code"))
    return CallErrorReported(
        call=None if call_id is None else _ref(params, "calling.error"),
        code=-1 if code is None else code,
        message=message if isinstance(message, str) else "",
        params=params,
    )


_DECODERS: Final[Mapping[str, Callable[[JSONObject], ServerEvent]]] = {
    CallStateChanged.event_type: _state,
    DialStateChanged.event_type: _dial,
    ConnectStateChanged.event_type: _connect,
    PlayStateChanged.event_type: _play,
    CallReceived.event_type: _receive,
    CallErrorReported.event_type: _error,
}


def decode_event(event_type: str, params: JSONObject) -> ServerEvent:
    """The typed event for one event's ``event_type`` and ``params`` (no session needed).

    A type this library does not model is an :class:`UnknownEvent` (data,
    never an error).

    Raises:
        RemoteProtocolError: a modelled event lacks its key (call id, tag,
            control id or state); the message names the field, never a value.
    """
    decoder = _DECODERS.get(event_type)
    if decoder is None:
        return UnknownEvent(event_type=event_type, params=params)
    return decoder(params)
