"""Stand-in action commands (the ``ActionCommand``/``ActionControlCommand``
protocols) until engineer A's typed classes land; the lead swaps them after
the merge.  ``params`` are the verb's own params, sent after the ids."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import attrs

from relay_core import ActionKind, CallRef, ControlId


def _fresh() -> ControlId:
    return ControlId(str(uuid.uuid4()))


@attrs.frozen(kw_only=True)
class _Start:
    method: ClassVar[str]
    action: ClassVar[ActionKind]
    call: CallRef
    control_id: ControlId = attrs.field(factory=_fresh)
    params: dict[str, Any] = attrs.field(factory=dict)
    #: Client-only options (never sent).
    wait_for_beep: bool = False
    continuous: bool = False

    def to_params(self) -> dict[str, Any]:
        ids = {"node_id": self.call.node_id, "call_id": self.call.call_id}
        return {**ids, "control_id": self.control_id, **self.params}


@attrs.frozen(kw_only=True)
class _Control:
    method: ClassVar[str]
    action: ClassVar[ActionKind]
    control: ClassVar[str]
    call: CallRef
    control_id: ControlId
    params: dict[str, Any] = attrs.field(factory=dict)

    def to_params(self) -> dict[str, Any]:
        ids = {"node_id": self.call.node_id, "call_id": self.call.call_id}
        return {**ids, "control_id": self.control_id, **self.params}


def _start(kind: ActionKind, method: str | None = None) -> type[_Start]:
    name = "".join(part.title() for part in kind.value.split("_"))
    return type(name, (_Start,), {"method": method or f"calling.{kind.value}", "action": kind})


def _control(kind: ActionKind, control: str, method: str | None = None) -> type[_Control]:
    name = "".join(p.title() for p in (*kind.value.split("_"), control))
    method = method or f"calling.{kind.value}.{control}"
    return type(name, (_Control,), {"method": method, "action": kind, "control": control})


K = ActionKind
Record, RecordStop = _start(K.RECORD), _control(K.RECORD, "stop")
RecordPause, RecordResume = _control(K.RECORD, "pause"), _control(K.RECORD, "resume")
PlayAndCollect = _start(K.PLAY_AND_COLLECT)
PlayAndCollectVolume = _control(K.PLAY_AND_COLLECT, "volume")
Collect, CollectStop = _start(K.COLLECT), _control(K.COLLECT, "stop")
Detect, DetectStop = _start(K.DETECT), _control(K.DETECT, "stop")
SendFax, ReceiveFax = _start(K.SEND_FAX), _start(K.RECEIVE_FAX)
Tap, TapStop = _start(K.TAP), _control(K.TAP, "stop")
Stream, StreamStop = _start(K.STREAM), _control(K.STREAM, "stop")
Pay, PayStop = _start(K.PAY), _control(K.PAY, "stop")
Transcribe, TranscribeStop = _start(K.TRANSCRIBE), _control(K.TRANSCRIBE, "stop")
AI, AIStop = _start(K.AI), _control(K.AI, "stop")
SendDigits = _start(K.SEND_DIGITS)
QueueEnter = _start(K.QUEUE, "calling.queue.enter")
QueueLeave = _control(K.QUEUE, "leave", "calling.queue.leave")
