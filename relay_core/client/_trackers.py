"""What the core tracks per call, dial, connect and play (mutable records).

``CallControl`` (``_calls.py``) owns the rules; these are its records.  Events
carry immutable snapshots (``_Call.snapshot``), never these objects.
"""

from __future__ import annotations

from typing import Final

import attrs

from .._ids import CallId, ControlId, NodeId, RequestId, Tag
from ..wire._values import Device
from ._events import CallInfo, CallRef
from ._state import CallState, ConnectPhase, DialPhase, PlayState

__all__ = ["_Call", "_Connect", "_Dial", "_Play"]

# CallInfo is a frozen attrs class: its __init__ sets each field through
# object.__setattr__ (~1.5 µs for nine fields, a tenth of an event's whole
# receive path).  ``_Call.snapshot`` sets its slots through their descriptors
# instead (~0.8 µs).  Every field must be set: checked here at import.
_new = object.__new__
_SLOTS: Final = (
    "call_id", "node_id", "tag", "direction", "state", "device", "context", "peer", "end_reason"
)  # fmt: skip
if tuple(field.name for field in attrs.fields(CallInfo)) != _SLOTS:  # pragma: no cover
    raise RuntimeError("_Call.snapshot does not set exactly CallInfo's fields")
(
    _set_call_id, _set_node_id, _set_tag, _set_direction, _set_state, _set_device,
    _set_context, _set_peer, _set_end_reason,
) = (vars(CallInfo)[name].__set__ for name in _SLOTS)  # fmt: skip


class _Call:
    """What the core knows of one live call (mutable; snapshots go out)."""

    # No call_id or node_id slots: ``ref`` holds both (16 B per live call).
    __slots__ = (
        "context",
        "device",
        "direction",
        "end_reason",
        "end_sent",
        "hidden",
        "peer",
        "plays",
        "ref",
        "state",
        "tag",
    )

    def __init__(self, call_id: CallId, node_id: NodeId, tag: Tag | None) -> None:
        #: This call's address, built once (events carry it).
        self.ref = CallRef(call_id, node_id)
        self.tag = tag
        self.direction: str | None = None
        self.state = CallState.CREATED
        self.device: Device | None = None
        self.context: str | None = None
        self.peer: CallRef | None = None
        self.end_reason: str | None = None
        #: Live plays on this call; created on first use (a set costs 216 B).
        self.plays: set[ControlId] | None = None
        #: Leg of abandoned work: nothing about it reaches the user.
        self.hidden = False
        #: ``calling.end`` already queued by the core.
        self.end_sent = False

    @property
    def call_id(self) -> CallId:
        return self.ref.call_id

    @property
    def node_id(self) -> NodeId:
        return self.ref.node_id

    def snapshot(self) -> CallInfo:
        # Taken for most call events: the slots are set directly (see _SLOTS).
        info = _new(CallInfo)
        ref = self.ref
        _set_call_id(info, ref.call_id)
        _set_node_id(info, ref.node_id)
        _set_tag(info, self.tag)
        _set_direction(info, self.direction)
        _set_state(info, self.state)
        _set_device(info, self.device)
        _set_context(info, self.context)
        _set_peer(info, self.peer)
        _set_end_reason(info, self.end_reason)
        return info


class _Dial:
    __slots__ = ("outcome_seen", "phase", "request_id", "tag")

    def __init__(self, tag: Tag, request_id: RequestId) -> None:
        self.tag = tag
        self.request_id = request_id
        self.phase = DialPhase.PENDING
        #: The server reported the final dial event (for abandoned dials).
        self.outcome_seen = False


class _Connect:
    __slots__ = ("call", "outcome_seen", "phase", "request_id", "tag")

    def __init__(self, call: CallRef, tag: Tag, request_id: RequestId) -> None:
        self.call = call
        self.tag = tag
        self.request_id = request_id
        self.phase = ConnectPhase.PENDING
        self.outcome_seen = False


class _Play:
    __slots__ = ("call", "control_id", "request_id", "state")

    def __init__(self, call: CallRef, control_id: ControlId, request_id: RequestId) -> None:
        self.call = call
        self.control_id = control_id
        self.request_id = request_id
        self.state: PlayState | None = None
