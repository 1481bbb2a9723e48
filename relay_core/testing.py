"""Test support: the fake RELAY server, its scripting and the phone network.

The public face of :mod:`relay_core.fake`, for adapters' test helpers, the
CLI's ``fake-server`` and the pytest plugin.  Pair a
:class:`FakeRelayServer` with a :class:`~relay_core.RelaySession` and
exchange frames until both are quiet; script it with :meth:`arm_dial`-style
methods (:class:`FakeServerScripting`) and a :class:`Directory` of callees.
"""

from .fake import (
    CLIENT_TO_SERVER,
    DEFAULT_JOURNAL_LIMIT,
    SERVER_TO_CLIENT,
    WRITE_TIMEOUT,
    Answers,
    Busy,
    CallerScript,
    CloseRequest,
    ConnectionId,
    Declines,
    Delivered,
    DestinationBehavior,
    Directory,
    Fails,
    FakeRelayServer,
    FakeServerScripting,
    JournalEntry,
    MessageBehavior,
    MessageDirectory,
    MessageFails,
    NeverAnswers,
    NeverConfirmed,
    PhoneNetwork,
    RpcError,
    SentEvent,
    SessionInfo,
    SimulatedCall,
    SimulatedMessage,
    Undelivered,
)

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
