"""The server role: a fake RELAY server and the phone network behind it.

:class:`FakeRelayServer` is the client session's mirror image (connections,
sessions, the handshake, scripting through :class:`FakeServerScripting`);
:class:`PhoneNetwork` simulates the callees (a :class:`Directory` of
destination behaviours, a scheduler, one leg per call) and every calling
verb of RELAY.md H.5 (record, collect, detect, fax, tap, pay, queue, the
plain verbs...), the party on each call following its
:class:`CallerScript` (digits it presses, words it says, human, machine or
fax).  Sans-IO like the
client: frames and ``now`` in, frames and the next deadline out.  Public
through :mod:`relay_core.testing`.
"""

from ._behaviours import (
    Answers,
    Busy,
    Declines,
    DestinationBehavior,
    Directory,
    Fails,
    NeverAnswers,
)
from ._callers import CallerScript
from ._fake_server import FakeRelayServer
from ._legs import SimulatedCall
from ._messaging import (
    Delivered,
    MessageBehavior,
    MessageDirectory,
    MessageFails,
    NeverConfirmed,
    SimulatedMessage,
    Undelivered,
)
from ._network import PhoneNetwork
from ._records import (
    CLIENT_TO_SERVER,
    DEFAULT_JOURNAL_LIMIT,
    SERVER_TO_CLIENT,
    WRITE_TIMEOUT,
    CloseRequest,
    ConnectionId,
    JournalEntry,
    RpcError,
    SentEvent,
    SessionInfo,
)
from ._scripting import FakeServerScripting

__all__ = [
    "CLIENT_TO_SERVER",
    "DEFAULT_JOURNAL_LIMIT",
    "SERVER_TO_CLIENT",
    "WRITE_TIMEOUT",
    "Answers",
    "Busy",
    "CallerScript",
    "CloseRequest",
    "ConnectionId",
    "Declines",
    "Delivered",
    "DestinationBehavior",
    "MessageBehavior",
    "MessageDirectory",
    "MessageFails",
    "NeverConfirmed",
    "SimulatedMessage",
    "Undelivered",
    "Directory",
    "FakeRelayServer",
    "FakeServerScripting",
    "Fails",
    "JournalEntry",
    "NeverAnswers",
    "PhoneNetwork",
    "RpcError",
    "SentEvent",
    "SessionInfo",
    "SimulatedCall",
]
