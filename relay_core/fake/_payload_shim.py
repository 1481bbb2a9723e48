"""TEMPORARY stand-ins for the action payload classes (section B of issue 13).

Same constructor signatures as ``relay_core.wire._action_payloads``; replaced
by those classes as soon as they land on main.
"""

from __future__ import annotations

from typing import ClassVar

from .._ids import JSONDict, JSONObject, JSONValue

_WIRE = {"for_": "for", "queue_id": "id"}


class _Shim:
    event_type: ClassVar[str]
    key: ClassVar[str] = "control_id"

    def __init__(self, key: str, *, extra: JSONObject | None = None, **fields: JSONValue) -> None:
        self.params: JSONDict = {}
        node_id = fields.pop("node_id", None)
        call_id = fields.pop("call_id", None)
        if node_id is not None:
            self.params["node_id"] = node_id
        if call_id is not None:
            self.params["call_id"] = call_id
        self.params[self.key] = key
        for name, value in fields.items():
            if value is not None:
                self.params[_WIRE.get(name, name)] = value
        self.params.update(extra or {})


def _make(name: str, event_type: str, key: str = "control_id") -> type[_Shim]:
    return type(name, (_Shim,), {"event_type": event_type, "key": key})


RecordPayload = _make("RecordPayload", "calling.call.record")
CollectPayload = _make("CollectPayload", "calling.call.collect")
DetectPayload = _make("DetectPayload", "calling.call.detect")
FaxPayload = _make("FaxPayload", "calling.call.fax")
TapPayload = _make("TapPayload", "calling.call.tap")
StreamPayload = _make("StreamPayload", "calling.call.stream")
PayPayload = _make("PayPayload", "calling.call.pay")
TranscribePayload = _make("TranscribePayload", "calling.call.transcribe")
SendDigitsPayload = _make("SendDigitsPayload", "calling.call.send_digits")
AIPayload = _make("AIPayload", "calling.call.ai")
QueuePayload = _make("QueuePayload", "calling.call.queue")
ReferPayload = _make("ReferPayload", "calling.call.refer", "call_id")
HoldPayload = _make("HoldPayload", "calling.call.hold", "call_id")
DenoisePayload = _make("DenoisePayload", "calling.call.denoise", "call_id")
EchoPayload = _make("EchoPayload", "calling.call.echo", "call_id")
ConferencePayload = _make("ConferencePayload", "calling.conference", "conference_id")


def encode(payload: _Shim) -> JSONDict:
    return payload.params
