"""The union of issue 13's command classes (RELAY.md H.5), for ``Command``."""

from __future__ import annotations

from typing import TypeAlias

from ._action_commands import (
    ReceiveFax,
    ReceiveFaxStop,
    Record,
    RecordPause,
    RecordResume,
    RecordStop,
    SendFax,
    SendFaxStop,
    Stream,
    StreamStop,
    Tap,
    TapStop,
)
from ._collect_commands import (
    Collect,
    CollectStartInputTimers,
    CollectStop,
    Detect,
    DetectStop,
    PlayAndCollect,
    PlayAndCollectStop,
    PlayAndCollectVolume,
)
from ._service_commands import (
    AI,
    AIStop,
    Pay,
    PayStop,
    QueueEnter,
    QueueLeave,
    SendDigits,
    Transcribe,
    TranscribeStop,
)
from ._verb_commands import (
    AIHold,
    AIMessage,
    AIUnhold,
    AmazonBedrock,
    BindDigit,
    ClearDigitBindings,
    Denoise,
    DenoiseStop,
    Echo,
    Hold,
    JoinConference,
    JoinRoom,
    LeaveConference,
    LeaveRoom,
    LiveTranscribe,
    LiveTranslate,
    Refer,
    Transfer,
    Unhold,
    UserEvent,
)

__all__ = ["VerbCommand"]

VerbCommand: TypeAlias = (
    Collect
    | CollectStartInputTimers
    | CollectStop
    | Detect
    | DetectStop
    | PlayAndCollect
    | PlayAndCollectStop
    | PlayAndCollectVolume
    | ReceiveFax
    | ReceiveFaxStop
    | Record
    | RecordPause
    | RecordResume
    | RecordStop
    | SendFax
    | SendFaxStop
    | Stream
    | StreamStop
    | Tap
    | TapStop
    | AI
    | AIStop
    | Pay
    | PayStop
    | QueueEnter
    | QueueLeave
    | SendDigits
    | Transcribe
    | TranscribeStop
    | AIHold
    | AIMessage
    | AIUnhold
    | AmazonBedrock
    | BindDigit
    | ClearDigitBindings
    | Denoise
    | DenoiseStop
    | Echo
    | Hold
    | JoinConference
    | JoinRoom
    | LeaveConference
    | LeaveRoom
    | LiveTranscribe
    | LiveTranslate
    | Refer
    | Transfer
    | Unhold
    | UserEvent
)
"""Every action starter, action sub-command and plain verb of RELAY.md H.5."""
