"""The client role: one logical RELAY session, driven by an adapter.

:class:`RelaySession` (requests and their deadlines, the handshake, liveness
and the reconnect policy), call routing and the per-call trackers, the
commands a caller sends, the events it receives, and the lifecycle tables
every state change is checked against.  Built on :mod:`relay_core.wire`.
"""

from ._action_events import ActionFinished, ActionUpdated, CallActivity
from ._action_kinds import ActionKind
from ._commands import (
    Answer,
    Command,
    Connect,
    Dial,
    Disconnect,
    Hangup,
    Pass,
    Ping,
    Play,
    PlayPause,
    PlayResume,
    PlayStop,
    PlayVolume,
    RawRequest,
    Receive,
    Unreceive,
)
from ._config import RelayConfig, SessionStatistics
from ._connect_policy import (
    DEFAULT_HOST,
    ConnectionFailedError,
    ConnectPolicy,
    FailureCause,
    http_status_cause,
)
from ._events import (
    AuthenticationFailed,
    CallErrorReported,
    CallInfo,
    CallReceived,
    CallRef,
    CallStateChanged,
    ConnectStateChanged,
    DialStateChanged,
    Event,
    FailureKind,
    InboundCallRefused,
    LivenessLost,
    PlayStateChanged,
    RequestCompleted,
    RequestFailed,
    ServerEvent,
    SessionEnding,
    SessionStarted,
    UnknownEvent,
)
from ._session import RelaySession
from ._state import CallState, ConnectState, DialState, PlayState, SessionState

__all__ = [
    "DEFAULT_HOST",
    "Answer",
    "AuthenticationFailed",
    "CallErrorReported",
    "CallInfo",
    "CallReceived",
    "CallRef",
    "CallState",
    "CallStateChanged",
    "Command",
    "Connect",
    "ConnectPolicy",
    "ConnectState",
    "ConnectStateChanged",
    "ConnectionFailedError",
    "Dial",
    "DialState",
    "DialStateChanged",
    "Disconnect",
    "Event",
    "ServerEvent",
    "FailureCause",
    "FailureKind",
    "Hangup",
    "InboundCallRefused",
    "LivenessLost",
    "Pass",
    "Ping",
    "Play",
    "PlayPause",
    "PlayResume",
    "PlayState",
    "PlayStateChanged",
    "PlayStop",
    "PlayVolume",
    "RawRequest",
    "Receive",
    "RelayConfig",
    "RelaySession",
    "RequestCompleted",
    "RequestFailed",
    "SessionEnding",
    "SessionStarted",
    "SessionState",
    "SessionStatistics",
    "UnknownEvent",
    "ActionFinished",
    "ActionKind",
    "ActionUpdated",
    "CallActivity",
    "Unreceive",
    "http_status_cause",
]
