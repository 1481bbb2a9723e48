"""Timers for the fake server, driven by the ``now`` values it is given (no clock).

Bounded: a cancelled timer stays in the heap only until the heap is next
compacted, which happens whenever cancelled entries outnumber live ones (and
the heap holds more than :data:`COMPACT_MIN` entries), so the heap never
holds more than about twice the live timers.  A long ``hangup_after`` or
a ping timer cancelled thousands of times by churn costs nothing after that.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Final, final

__all__ = ["COMPACT_MIN", "Scheduler", "Timer"]

#: Never compact a heap smaller than this (compaction is O(n)).
COMPACT_MIN: Final = 64


@final
class Timer:
    """One scheduled callback; :meth:`cancel` it to keep it from running."""

    __slots__ = ("_scheduler", "callback", "cancelled", "when")

    def __init__(
        self, scheduler: Scheduler, when: float, callback: Callable[[float], None]
    ) -> None:
        self._scheduler: Scheduler | None = scheduler
        self.when = when
        self.callback: Callable[[float], None] | None = callback
        self.cancelled = False

    def cancel(self) -> None:
        """Never run it (idempotent); drops the callback and what it holds at once."""
        if self.cancelled:
            return
        self.cancelled = True
        self.callback = None
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler._cancelled_one()


@final
class Scheduler:
    """Timers driven by the ``now`` values the server is given.

    Callbacks get their *scheduled* time, so a late ``handle_timeout``
    still produces the same simulated timeline.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = 0
        self._cancelled = 0
        #: The scheduled time of the running callback, else the last ``now``.
        self.current_time = 0.0

    def __len__(self) -> int:
        """Entries in the heap, cancelled ones not compacted away yet included."""
        return len(self._heap)

    def call_at(self, when: float, callback: Callable[[float], None]) -> Timer:
        """Run ``callback(when)`` once ``run_due`` reaches ``when``."""
        timer = Timer(self, when, callback)
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, timer))
        return timer

    def _cancelled_one(self) -> None:
        self._cancelled += 1
        heap = self._heap
        if len(heap) > COMPACT_MIN and self._cancelled * 2 > len(heap):
            self._heap = [entry for entry in heap if not entry[2].cancelled]
            heapq.heapify(self._heap)
            self._cancelled = 0

    def next_deadline(self) -> float | None:
        """The earliest live timer, or ``None``."""
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
            self._cancelled = max(0, self._cancelled - 1)
        return heap[0][0] if heap else None

    def run_due(self, now: float) -> None:
        """Fire every timer due at or before ``now``, in order (new ones too)."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            _when, _seq, timer = heapq.heappop(heap)
            callback = timer.callback
            if timer.cancelled or callback is None:
                self._cancelled = max(0, self._cancelled - 1)
                continue
            timer.cancelled = True
            timer.callback = None
            timer._scheduler = None
            self.current_time = timer.when
            callback(timer.when)
            heap = self._heap  # a callback may have compacted it
        self.current_time = now
