"""Fast builders of the three events on the hot path (every event the server pushes).

The events are frozen attrs classes: their ``__init__`` sets each field
through ``object.__setattr__``, about half of what building one costs.  These
builders set the slots through their descriptors instead (as
``_Call.snapshot`` does), with the same result: equal, hashable, immutable.
Every field must be set: checked here at import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import attrs

from .._ids import ControlId, JSONObject, Tag
from ._events import NO_PARAMS, CallInfo, CallReceived, CallRef, CallStateChanged, PlayStateChanged
from ._state import CallState, PlayState

__all__ = ["call_received", "call_state_changed", "play_state_changed"]

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


def call_state_changed(
    call: CallInfo,
    state: CallState,
    tag: Tag | None,
    end_reason: str | None,
    params: JSONObject = NO_PARAMS,
) -> CallStateChanged:
    """``CallStateChanged(call=..., state=..., tag=..., end_reason=..., params=...)``."""
    event = _new(CallStateChanged)
    _state_call(event, call)
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
