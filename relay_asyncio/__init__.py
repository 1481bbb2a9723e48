"""relay_asyncio: a drop-in for the official SDK's ``RelayClient``, on relay_core.

Same class, method and parameter names as ``signalwire.relay`` (change only
the import), without its failure modes: ``call.connect()`` waits for the
bridge, failed dials say why, abandoned dials and connects hang up their
legs, the session resumes inside ``async with``, and leaving is prompt.
"""

from relay_core import (
    AuthenticationError,
    CallGoneError,
    ConnectError,
    ConnectionFailedError,
    ConnectionLostError,
    DialError,
    DialTimeoutError,
    InvalidArgumentError,
    LocalProtocolError,
    ProtocolError,
    RelayError,
    RemoteProtocolError,
    RequestError,
    RequestTimeoutError,
    SessionClosedError,
)

from ._actions import (
    Action,
    AIAction,
    CollectAction,
    DetectAction,
    FaxAction,
    PayAction,
    PlayAction,
    RecordAction,
    StandaloneCollectAction,
    StreamAction,
    TapAction,
    TranscribeAction,
)
from ._call import Call, ConnectResult, EventHandler
from ._client import CallHandler, RelayClient, websocket_url
from ._message import Message, MessageHandler
from ._serve import serve

__all__ = [
    "AIAction",
    "Action",
    "AuthenticationError",
    "Call",
    "CallGoneError",
    "CallHandler",
    "CollectAction",
    "ConnectError",
    "ConnectResult",
    "ConnectionFailedError",
    "ConnectionLostError",
    "DetectAction",
    "DialError",
    "DialTimeoutError",
    "EventHandler",
    "FaxAction",
    "InvalidArgumentError",
    "LocalProtocolError",
    "PayAction",
    "Message",
    "MessageHandler",
    "PlayAction",
    "ProtocolError",
    "RecordAction",
    "RelayClient",
    "RelayError",
    "RemoteProtocolError",
    "RequestError",
    "RequestTimeoutError",
    "SessionClosedError",
    "StandaloneCollectAction",
    "StreamAction",
    "TapAction",
    "TranscribeAction",
    "serve",
    "websocket_url",
]
