"""What the core tracks per call, dial, connect and play (mutable records).

``CallControl`` (``_calls.py``) owns the rules; these are its records.  Events
carry immutable snapshots (``_Call.snapshot``), never these objects.
"""

from __future__ import annotations

from typing import Final

from .._ids import CallId, ControlId, NodeId, RequestId, Tag
from ..wire._values import Device
from ._event_makers import call_info, call_ref
from ._events import CallRef
from ._state import CallState, ConnectPhase, DialPhase, PlayState

__all__ = ["_Call", "_Connect", "_Dial", "_Play"]

_CREATED: Final = CallState.CREATED  # a global: ~5 ns, the enum's class attribute ~50


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
        self.ref = call_ref(call_id, node_id)
        self.tag = tag
        self.direction: str | None = None
        self.state = _CREATED
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

    #: An immutable ``CallInfo`` of what the call is now (built by its slots).
    snapshot = call_info


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
