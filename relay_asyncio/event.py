"""The official SDK's ``signalwire.relay.event`` module, for programs that import from it.

The classes live in ``relay_asyncio._sdk_events`` and
``relay_asyncio._sdk_action_events``; :func:`parse_event` and
:data:`EVENT_CLASS_MAP` in ``relay_asyncio._sdk_parse``.
"""

from ._sdk_action_events import (
    CollectEvent,
    ConferenceEvent,
    DenoiseEvent,
    DetectEvent,
    EchoEvent,
    FaxEvent,
    HoldEvent,
    PayEvent,
    QueueEvent,
    RecordEvent,
    ReferEvent,
    SendDigitsEvent,
    StreamEvent,
    TapEvent,
    TranscribeEvent,
)
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
)
from ._sdk_parse import EVENT_CLASS_MAP, parse_event

__all__ = [
    "EVENT_CLASS_MAP",
    "CallReceiveEvent",
    "CallStateEvent",
    "CallingErrorEvent",
    "CollectEvent",
    "ConferenceEvent",
    "ConnectEvent",
    "DenoiseEvent",
    "DetectEvent",
    "DialEvent",
    "EchoEvent",
    "FaxEvent",
    "HoldEvent",
    "MessageReceiveEvent",
    "MessageStateEvent",
    "PayEvent",
    "PlayEvent",
    "QueueEvent",
    "RecordEvent",
    "ReferEvent",
    "RelayEvent",
    "SendDigitsEvent",
    "StreamEvent",
    "TapEvent",
    "TranscribeEvent",
    "parse_event",
]
