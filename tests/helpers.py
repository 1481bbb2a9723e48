"""Helpers shared by every test package."""

from __future__ import annotations

from collections import deque


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
