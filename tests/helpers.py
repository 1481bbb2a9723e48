"""Helpers shared by every test package."""

from __future__ import annotations

from collections import deque
from typing import Any, Protocol

from relay_core.testing import FakeRelayServer


class Served(Protocol):
    """Either adapter's fake handle (``open_fake_relay_server``): its sans-IO server."""

    @property
    def server(self) -> FakeRelayServer: ...


def sent(fake: Served, method: str) -> list[Any]:
    """Params of every ``method`` request the fake server received, in order."""
    journal = fake.server.journal
    return [e.params for e in journal if e.method == method and e.direction == "C→S"]


def requests(fake: Served, method: str) -> list[str]:
    """The call id of every ``method`` request the fake server received (with params)."""
    return [str(params["call_id"]) for params in sent(fake, method) if params]


class Ids:
    """The tests' one deterministic id factory (a ``new_id`` for sessions and servers).

    Scripted ids first, then ``<prefix>-1``, ``<prefix>-2``, ...
    """

    def __init__(self, *scripted: str, prefix: str = "id") -> None:
        self.queue: deque[str] = deque(scripted)
        self.prefix = prefix
        self.counter = 0

    def push(self, *ids: str) -> None:
        """Script the next ids."""
        self.queue.extend(ids)

    def __call__(self) -> str:
        if self.queue:
            return self.queue.popleft()
        self.counter += 1
        return f"{self.prefix}-{self.counter}"
