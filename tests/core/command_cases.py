"""Every codec command class with its smallest valid arguments, and a value pool.

The round-trip and bad-input tests are generic over this table: per field,
the pool values the field accepts on its own (the rest are its bad values).
"""

from __future__ import annotations

from typing import Any

import attrs

import relay_core
from relay_core import (
    CallId,
    CallRef,
    CollectDigits,
    CollectSpeech,
    Detector,
    NodeId,
    ReferDevice,
    TapDevice,
    TtsMedia,
)

A = CallRef(call_id=CallId("call-A"), node_id=NodeId("n1"))
PHONE = {"type": "phone", "params": {"to_number": "+15551230000", "from_number": "+15550001111"}}
MEDIA = [TtsMedia(text="hi")]

#: Required arguments of each class (``call`` and sub-commands' ``control_id`` added below).
REQUIRED: dict[str, dict[str, Any]] = {
    "Dial": {"devices": [[PHONE]]},
    "Connect": {"devices": [[PHONE]]},
    "Disconnect": {},
    "Answer": {},
    "Hangup": {},
    "Pass": {},
    "Play": {"media": MEDIA},
    "PlayStop": {},
    "PlayPause": {},
    "PlayResume": {},
    "PlayVolume": {"volume": 3},
    "Receive": {"contexts": ["office"]},
    "Unreceive": {"contexts": ["office"]},
    "Ping": {},
    "Record": {},
    "RecordStop": {},
    "RecordPause": {},
    "RecordResume": {},
    "PlayAndCollect": {"media": MEDIA, "digits": CollectDigits(max=1)},
    "PlayAndCollectStop": {},
    "PlayAndCollectVolume": {"volume": -3},
    "Collect": {"digits": CollectDigits(max=1)},
    "CollectStop": {},
    "CollectStartInputTimers": {},
    "Detect": {"detect": Detector(type="machine")},
    "DetectStop": {},
    "SendFax": {"document": "https://example.com/a.pdf"},
    "SendFaxStop": {},
    "ReceiveFax": {},
    "ReceiveFaxStop": {},
    "Tap": {"direction": "both", "device": TapDevice(type="ws", uri="wss://x")},
    "TapStop": {},
    "Stream": {"url": "wss://x"},
    "StreamStop": {},
    "Pay": {"payment_connector_url": "https://pay"},
    "PayStop": {},
    "Transcribe": {},
    "TranscribeStop": {},
    "AI": {},
    "AIStop": {},
    "SendDigits": {"digits": "12#"},
    "QueueEnter": {"queue_name": "support"},
    "QueueLeave": {"queue_name": "support"},
    "Transfer": {"dest": "context:office"},
    "Refer": {"device": ReferDevice(to="sip:a@b")},
    "Hold": {},
    "Unhold": {},
    "Denoise": {},
    "DenoiseStop": {},
    "Echo": {},
    "BindDigit": {"digits": "*1", "bind_method": "calling.play"},
    "ClearDigitBindings": {},
    "LiveTranscribe": {"operation": {"start": {"language": "en-US"}}},
    "LiveTranslate": {"operation": {"inject": {}}},
    "JoinConference": {"name": "standup"},
    "LeaveConference": {"conference_id": "cf-1"},
    "JoinRoom": {"name": "room"},
    "LeaveRoom": {},
    "AIMessage": {},
    "AIHold": {},
    "AIUnhold": {},
    "AmazonBedrock": {},
    "UserEvent": {"event": {"k": [1, "a"]}},
    # nested values
    "CollectDigits": {"max": 2},
    "CollectSpeech": {},
    "Detector": {"type": "fax"},
    "TapDevice": {"type": "rtp", "addr": "203.0.113.1", "port": 4000},
    "ReferDevice": {"to": "sip:a@b"},
}

CLASSES: dict[str, type[Any]] = {name: getattr(relay_core, name) for name in REQUIRED}


def kwargs_for(name: str) -> dict[str, Any]:
    """The smallest valid arguments of ``name``."""
    cls = CLASSES[name]
    out = dict(REQUIRED[name])
    fields = attrs.fields_dict(cls)
    if "call" in fields:
        out["call"] = A
    if "control_id" in fields and fields["control_id"].default is attrs.NOTHING:
        out["control_id"] = "ctl-1"
    return out


#: Candidate values for any field; each field keeps those it accepts alone.
POOL: list[Any] = [
    True,
    False,
    0,
    1,
    3,
    7,
    2.5,
    100,
    250,
    4000,
    -3,
    -50,
    1e9,
    float("nan"),
    "",
    "x",
    "#",
    "1w2#",
    "mp3",
    "wav",
    "ogg",
    "listen",
    "speak",
    "both",
    "skip",
    "silence",
    "rtp",
    "ws",
    "PCMU",
    "OPUS",
    "inbound_track",
    "both_tracks",
    "GET",
    "POST",
    "dtmf",
    "voice",
    "reusable",
    "one-time",
    "true",
    "onEnter",
    "do-not-record",
    "trim-silence",
    "relay",
    "cxml",
    "machine",
    "fax",
    "digit",
    "sip:a@b",
    "calling.play",
    "hangup",
    "busy",
    "wss://example.com/s",
    "203.0.113.7",
    "en-US",
    "25.99",
    {"k": 1},
    {"start": {}},
    {"stop": {}},
    {"inject": {"text": "hi"}},
    {"bad": object()},
    ["a", "b"],
    [{"name": "n", "value": "v"}],
    [1, "a"],
    ["office", "sales"],
    [""],
    CollectDigits(max=3, terminators="#"),
    CollectSpeech(),
    CollectSpeech(hints=["x"]),
    Detector(type="digit", params={"digits": "12"}),
    TapDevice(type="ws", uri="wss://x"),
    ReferDevice(to="sip:b@c", username="u"),
    [TtsMedia(text="yo")],
    [[PHONE]],
    [PHONE],
    {"type": "tts", "text": "flat"},
]


def accepts(name: str, field: str, value: Any) -> bool:
    """Whether ``name`` builds with ``field=value`` and its other arguments minimal."""
    try:
        CLASSES[name](**{**kwargs_for(name), field: value})
    except (relay_core.LocalProtocolError, TypeError):
        return False
    return True
