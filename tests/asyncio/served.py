"""The fake RELAY server (relay_asyncio.testing), configured for quick scenarios."""

from __future__ import annotations

from typing import Any

from relay_asyncio.testing import FakeRelayHandle
from relay_core.testing import (
    CLIENT_TO_SERVER,
    Answers,
    Busy,
    Directory,
    FakeRelayServer,
    JournalEntry,
    NeverAnswers,
)

FROM = "+15550000000"
SLOW_ANSWER = "+15557770001"  # answers after 0.3 s
RINGS_ON = "+15551111111"  # never answers
BUSY = "+15550000486"
CREDENTIALS = {"test-project": "test-token", "your-project-id": "your-api-token"}


def phone(number: str, **params: Any) -> dict[str, Any]:
    return {"type": "phone", "params": {"to_number": number, "from_number": FROM, **params}}


def fast_directory() -> Directory:
    """The default directory, sped up: answers after 50 ms, rings 200 ms by default."""
    directory = Directory.default()
    directory.fallback = Answers(after=0.05)
    directory.ring_timeout = 0.2
    for number in ("+15552222222", "+15551234567", "+15559876543", "+15559999999"):
        directory.set(number, Answers(after=0.05))
    directory.set(SLOW_ANSWER, Answers(after=0.3))
    directory.set(RINGS_ON, NeverAnswers())
    directory.set(BUSY, Busy())
    return directory


def fake_server() -> FakeRelayServer:
    return FakeRelayServer(directory=fast_directory(), credentials=CREDENTIALS)


def sent(fake: FakeRelayHandle, method: str) -> list[JournalEntry]:
    """Request frames the client sent, by method (from the server's journal)."""
    journal = fake.server.journal
    return [e for e in journal if e.direction == CLIENT_TO_SERVER and e.method == method]
