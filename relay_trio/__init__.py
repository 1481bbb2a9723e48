"""relay_trio: a structured-concurrency RELAY client on trio and websockets' sans-I/O layer.

::

    async with relay_trio.open_relay_client(host="example.signalwire.com") as client:
        call = await client.dial([[{"type": "phone", "params": {...}}]])
        playback = await call.play([{"type": "tts", "text": "Hello"}])
        await playback.wait()
        menu = await call.prompt_tts("Press 1", digits=CollectDigits(max=1))
        async with call.record() as recording:  # stopped when the block ends
            ...
        await call.hangup()

Deadlines are the caller's cancel scopes; a cancelled dial or connect ends
its ringing legs, a cancelled action (record, collect, ...) is stopped on
the server.  The protocol itself lives in :mod:`relay_core`, whose
exceptions are re-exported here.
"""

from relay_core import (
    AuthenticationError,
    CallGoneError,
    ConnectError,
    ConnectionFailedError,
    ConnectionLostError,
    DialError,
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
    AISession,
    Collection,
    Detection,
    DigitSending,
    Fax,
    Payment,
    PendingAction,
    Prompt,
    QueueEntry,
    Recording,
    Streaming,
    Tapping,
    Transcription,
)
from ._call import Call, Playback
from ._client import DialTimeoutError, OpenTimeoutError, RelayClient, open_relay_client
from ._message import Message
from ._serve import serve
from ._sync import EventStream
from ._transport import relay_url

__all__ = [
    "AISession",
    "Action",
    "AuthenticationError",
    "Call",
    "CallGoneError",
    "Collection",
    "ConnectError",
    "ConnectionFailedError",
    "ConnectionLostError",
    "Detection",
    "DialError",
    "DialTimeoutError",
    "DigitSending",
    "EventStream",
    "Fax",
    "InvalidArgumentError",
    "LocalProtocolError",
    "Message",
    "OpenTimeoutError",
    "Payment",
    "PendingAction",
    "Playback",
    "Prompt",
    "ProtocolError",
    "QueueEntry",
    "Recording",
    "RelayClient",
    "RelayError",
    "RemoteProtocolError",
    "RequestError",
    "RequestTimeoutError",
    "SessionClosedError",
    "Streaming",
    "Tapping",
    "Transcription",
    "open_relay_client",
    "relay_url",
    "serve",
]
