"""The official SDK's classes for the verbs' events (record, collect, detect, ... conference).

Built from the core's typed events of the verbs (``ActionUpdated`` and
``CallActivity``, issue 13), whose ``payload`` is the core's view of the
server's params (``RecordPayload``...).  Same rule as
:mod:`relay_asyncio._sdk_events`: a field is the payload's typed value; where
the core reads none (the key is absent, or its value has a type the core
does not accept), the server's own value as the official SDK hands it out;
else the class's default.  Nested objects (``record``, ``result``,
``detect``, ``fax``, ``tap``, ``device``) are the server's JSON.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._sdk_events import RelayEvent, _number

__all__ = [
    "ACTION_EVENT_CLASSES",
    "CollectEvent",
    "ConferenceEvent",
    "DenoiseEvent",
    "DetectEvent",
    "EchoEvent",
    "FaxEvent",
    "HoldEvent",
    "PayEvent",
    "QueueEvent",
    "RecordEvent",
    "ReferEvent",
    "SendDigitsEvent",
    "StreamEvent",
    "TapEvent",
    "TranscribeEvent",
    "from_payload_view",
]


@dataclass
class RecordEvent(RelayEvent):
    """``calling.call.record``: a recording's state; ``url``/``duration``/``size`` when done."""

    control_id: str = ""
    state: str = ""
    url: str = ""
    duration: float = 0.0
    size: int = 0
    record: dict[str, Any] = field(default_factory=dict)


@dataclass
class CollectEvent(RelayEvent):
    """``calling.call.collect``: a collect's ``result`` (``{"type": ..., "params": ...}``)."""

    control_id: str = ""
    state: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    final: bool | None = None


@dataclass
class DetectEvent(RelayEvent):
    """``calling.call.detect``: what a detector found (``detect``: ``{type, params}``)."""

    control_id: str = ""
    detect: dict[str, Any] = field(default_factory=dict)


@dataclass
class FaxEvent(RelayEvent):
    """``calling.call.fax``: a fax's progress and result (``fax``)."""

    control_id: str = ""
    fax: dict[str, Any] = field(default_factory=dict)


@dataclass
class TapEvent(RelayEvent):
    """``calling.call.tap``: a tap's state."""

    control_id: str = ""
    state: str = ""
    tap: dict[str, Any] = field(default_factory=dict)
    device: dict[str, Any] = field(default_factory=dict)


@dataclass
class StreamEvent(RelayEvent):
    """``calling.call.stream``: a media stream's state."""

    control_id: str = ""
    state: str = ""
    url: str = ""
    name: str = ""


@dataclass
class SendDigitsEvent(RelayEvent):
    """``calling.call.send_digits``: DTMF sending finished."""

    control_id: str = ""
    state: str = ""


@dataclass
class ReferEvent(RelayEvent):
    """``calling.call.refer``: a SIP REFER's progress."""

    state: str = ""
    sip_refer_to: str = ""
    sip_refer_response_code: str = ""
    sip_notify_response_code: str = ""


@dataclass
class DenoiseEvent(RelayEvent):
    """``calling.call.denoise``: noise reduction switched on or off."""

    denoised: bool = False


@dataclass
class PayEvent(RelayEvent):
    """``calling.call.pay``: a payment's state."""

    control_id: str = ""
    state: str = ""


@dataclass
class QueueEvent(RelayEvent):
    """``calling.call.queue``: a queued call's status and position."""

    control_id: str = ""
    status: str = ""
    queue_id: str = ""
    queue_name: str = ""
    position: int = 0
    size: int = 0


@dataclass
class EchoEvent(RelayEvent):
    """``calling.call.echo``: an echo test's state."""

    state: str = ""


@dataclass
class TranscribeEvent(RelayEvent):
    """``calling.call.transcribe``: a transcription's state and its recording."""

    control_id: str = ""
    state: str = ""
    url: str = ""
    recording_id: str = ""
    duration: float = 0.0
    size: int = 0


@dataclass
class HoldEvent(RelayEvent):
    """``calling.call.hold``: the call was held or unheld."""

    state: str = ""


@dataclass
class ConferenceEvent(RelayEvent):
    """``calling.conference``: a conference's status."""

    conference_id: str = ""
    name: str = ""
    status: str = ""


#: The official class of each verb event type.
ACTION_EVENT_CLASSES: dict[str, type[RelayEvent]] = {
    "calling.call.record": RecordEvent,
    "calling.call.collect": CollectEvent,
    "calling.call.detect": DetectEvent,
    "calling.call.fax": FaxEvent,
    "calling.call.tap": TapEvent,
    "calling.call.stream": StreamEvent,
    "calling.call.send_digits": SendDigitsEvent,
    "calling.call.refer": ReferEvent,
    "calling.call.denoise": DenoiseEvent,
    "calling.call.pay": PayEvent,
    "calling.call.queue": QueueEvent,
    "calling.call.echo": EchoEvent,
    "calling.call.transcribe": TranscribeEvent,
    "calling.call.hold": HoldEvent,
    "calling.conference": ConferenceEvent,
}

#: Official field -> (payload attribute, wire key), where either is not the field's name.
_RENAMED: dict[str, tuple[str, str]] = {
    "queue_id": ("queue_id", "id"),
    "queue_name": ("name", "name"),
}
_BASE_FIELDS = frozenset(f.name for f in dataclasses.fields(RelayEvent))


def from_payload_view(
    cls: type[RelayEvent], event_type: str, payload: object, params: Mapping[str, Any]
) -> RelayEvent:
    """``cls`` from a core payload view (typed fields) and the params it wraps."""
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(cls):
        name = spec.name
        if name in _BASE_FIELDS:
            continue
        attribute, key = _RENAMED.get(name, (name, name))
        value = getattr(payload, attribute, None)
        if value is None:
            value = params.get(key)
        if value is not None:
            values[name] = dict(value) if isinstance(value, Mapping) else value
    call_id = getattr(payload, "call_id", None) or params.get("call_id")
    return cls(
        event_type=event_type,
        params=dict(params),
        call_id=call_id if isinstance(call_id, str) else "",
        timestamp=_number(params, "timestamp"),
        **values,
    )
