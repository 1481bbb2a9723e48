"""Fast builders of what the event path builds per event (every event the server pushes).

The events and their ``CallInfo``/``CallRef`` parts are frozen attrs classes:
their ``__init__`` sets each field through ``object.__setattr__``, about half
of what building one costs.  These builders set the slots through their
descriptors instead, with the same result: equal, hashable, immutable.  Every
field must be set: checked here at import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import attrs

from .._ids import CallId, ControlId, JSONObject, NodeId, RequestId, Tag
from ._events import (
    NO_PARAMS,
    CallInfo,
    CallReceived,
    CallRef,
    CallStateChanged,
    DialStateChanged,
    PlayStateChanged,
    RequestCompleted,
)
from ._state import DialState, PlayState

if TYPE_CHECKING:
    from ._trackers import _Call

__all__ = [
    "call_info",
    "call_received",
    "call_ref",
    "call_state_changed",
    "dial_state_changed",
    "play_state_changed",
    "request_completed",
]

_new: Final = object.__new__


def _setters(cls: type, names: tuple[str, ...]) -> tuple[Callable[[object, object], None], ...]:
    if tuple(field.name for field in attrs.fields(cls)) != names:  # pragma: no cover
        raise RuntimeError(f"{cls.__name__}: the fast builder does not set exactly its fields")
    return tuple(vars(cls)[name].__set__ for name in names)


_play_call, _play_control_id, _play_state, _play_reason, _play_params = _setters(
    PlayStateChanged, ("call", "control_id", "state", "reason", "params")
)
_state_call, _state_state, _state_tag, _state_end_reason, _state_params = _setters(
    CallStateChanged, ("call", "state", "tag", "end_reason", "params")
)
_received_call, _received_context, _received_params = _setters(
    CallReceived, ("call", "context", "params")
)
_ref_call_id, _ref_node_id = _setters(CallRef, ("call_id", "node_id"))
_dial_tag, _dial_state, _dial_call, _dial_reason, _dial_message, _dial_params = _setters(
    DialStateChanged, ("tag", "state", "call", "reason", "message", "params")
)
_done_request_id, _done_method, _done_result = _setters(
    RequestCompleted, ("request_id", "method", "result")
)
(
    _info_call_id, _info_node_id, _info_tag, _info_direction, _info_state, _info_device,
    _info_context, _info_peer, _info_end_reason,
) = _setters(
    CallInfo,
    ("call_id", "node_id", "tag", "direction", "state", "device", "context", "peer", "end_reason"),
)  # fmt: skip


def call_ref(call_id: CallId, node_id: NodeId) -> CallRef:
    """``CallRef(call_id, node_id)``."""
    ref = _new(CallRef)
    _ref_call_id(ref, call_id)
    _ref_node_id(ref, node_id)
    return ref


def call_info(call: _Call) -> CallInfo:
    """The snapshot of a tracked call (``_Call.snapshot``)."""
    info = _new(CallInfo)
    ref = call.ref
    _info_call_id(info, ref.call_id)
    _info_node_id(info, ref.node_id)
    _info_tag(info, call.tag)
    _info_direction(info, call.direction)
    _info_state(info, call.state)
    _info_device(info, call.device)
    _info_context(info, call.context)
    _info_peer(info, call.peer)
    _info_end_reason(info, call.end_reason)
    return info


def play_state_changed(
    call: CallRef, control_id: ControlId, state: PlayState, params: JSONObject = NO_PARAMS
) -> PlayStateChanged:
    """``PlayStateChanged(call=call, control_id=control_id, state=state, params=params)``."""
    event = _new(PlayStateChanged)
    _play_call(event, call)
    _play_control_id(event, control_id)
    _play_state(event, state)
    _play_reason(event, None)
    _play_params(event, params)
    return event


def call_state_changed(call: _Call, params: JSONObject = NO_PARAMS) -> CallStateChanged:
    """``CallStateChanged`` of a tracked call, with its snapshot: its state, tag and end reason.

    The snapshot is built here too (one Python call less per state event).
    """
    info = _new(CallInfo)
    ref = call.ref
    state = call.state
    tag = call.tag
    end_reason = call.end_reason
    _info_call_id(info, ref.call_id)
    _info_node_id(info, ref.node_id)
    _info_tag(info, tag)
    _info_direction(info, call.direction)
    _info_state(info, state)
    _info_device(info, call.device)
    _info_context(info, call.context)
    _info_peer(info, call.peer)
    _info_end_reason(info, end_reason)
    event = _new(CallStateChanged)
    _state_call(event, info)
    _state_state(event, state)
    _state_tag(event, tag)
    _state_end_reason(event, end_reason)
    _state_params(event, params)
    return event


def call_received(
    call: CallInfo, context: str | None, params: JSONObject = NO_PARAMS
) -> CallReceived:
    """``CallReceived(call=call, context=context, params=params)``."""
    event = _new(CallReceived)
    _received_call(event, call)
    _received_context(event, context)
    _received_params(event, params)
    return event


def dial_state_changed(
    tag: Tag,
    state: DialState,
    call: CallInfo | None = None,
    reason: str | None = None,
    params: JSONObject = NO_PARAMS,
) -> DialStateChanged:
    """``DialStateChanged(tag=, state=, call=, reason=, params=)`` (no ``message``)."""
    event = _new(DialStateChanged)
    _dial_tag(event, tag)
    _dial_state(event, state)
    _dial_call(event, call)
    _dial_reason(event, reason)
    _dial_message(event, None)
    _dial_params(event, params)
    return event


def request_completed(request_id: RequestId, method: str, result: JSONObject) -> RequestCompleted:
    """``RequestCompleted(request_id=request_id, method=method, result=result)``."""
    event = _new(RequestCompleted)
    _done_request_id(event, request_id)
    _done_method(event, method)
    _done_result(event, result)
    return event
