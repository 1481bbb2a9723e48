"""Small primitives the reader uses to wake waiters without ever blocking."""

from __future__ import annotations

import heapq
import logging
from collections import deque
from typing import Any, Generic, TypeVar

import trio

from relay_core import check_count

__all__ = ["Broadcast", "EventStream", "Expired", "Expiries", "Waiter"]

T = TypeVar("T")

log = logging.getLogger("relay_trio")


class Waiter(Generic[T]):
    """A one-shot slot: the reader sets it once, one task waits for it.

    Parks the waiting task itself (``wait_task_rescheduled``) rather than on a
    ``trio.Event``: every request and dial makes one, and an Event (with its
    ParkingLot) cost more than the rest of the slot.  The same semantics: a
    ``wait`` is a checkpoint either way and cancellable while parked.
    """

    __slots__ = ("_error", "_is_set", "_parked", "_value")

    def __init__(self) -> None:
        self._is_set = False
        self._value: T | None = None
        self._error: BaseException | None = None
        self._parked: list[trio.lowlevel.Task] | None = None

    def set(self, value: T) -> None:
        """Store ``value`` and wake the waiter (later calls are ignored)."""
        if not self._is_set:
            self._value = value
            self._wake()

    def fail(self, error: BaseException) -> None:
        """Make the waiter raise ``error`` (ignored once set)."""
        if not self._is_set:
            self._error = error
            self._wake()

    def _wake(self) -> None:
        self._is_set = True
        parked, self._parked = self._parked, None
        if parked:
            for task in parked:
                trio.lowlevel.reschedule(task)

    @property
    def value(self) -> T | None:
        """The value, once set."""
        return self._value

    async def wait(self) -> T:
        """Wait until the value is set and return it (or raise the failure)."""
        if self._is_set:
            await trio.lowlevel.checkpoint()
        else:
            task = trio.lowlevel.current_task()
            if self._parked is None:
                self._parked = []
            self._parked.append(task)

            def abort(_: object) -> trio.lowlevel.Abort:
                if self._parked is not None:
                    self._parked.remove(task)
                return trio.lowlevel.Abort.SUCCEEDED

            await trio.lowlevel.wait_task_rescheduled(abort)
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


class EventStream(Generic[T]):
    """A bounded, never-blocking feed of items, read with ``async for``.

    The reader ``put``s without waiting; when a slow consumer lets the buffer
    fill, the oldest item is dropped and counted in :attr:`dropped` (and a
    warning is logged once per stream): the policy of every event buffer in
    both adapters (``relay_core``'s ``CALL_EVENT_BUFFER``).  The
    stream ends (``StopAsyncIteration``) once it is closed and drained.
    """

    def __init__(self, maxlen: int) -> None:
        check_count("maxlen", maxlen)
        self._items: deque[T] = deque(maxlen=maxlen)
        self._wake = trio.Event()
        self._closed = False
        #: Items dropped because the buffer was full.
        self.dropped = 0

    def put(self, item: T) -> None:
        """Append ``item`` (never blocks; drops the oldest when full)."""
        if self._closed:
            return
        if len(self._items) == self._items.maxlen:
            self.dropped += 1
            if self.dropped == 1:
                log.warning(
                    "an events() stream fell behind: over %d items wait; dropping the "
                    "oldest (counted in its .dropped)",
                    self._items.maxlen,
                )
        self._items.append(item)
        self._wake.set()

    def close(self) -> None:
        """End the stream after the items already in it."""
        self._closed = True
        self._wake.set()

    def __len__(self) -> int:
        """How many items wait to be read."""
        return len(self._items)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def __aiter__(self) -> EventStream[T]:
        return self

    async def __anext__(self) -> T:
        if self._items:
            await trio.lowlevel.checkpoint()
        while not self._items:
            if self._closed:
                raise StopAsyncIteration
            self._wake = trio.Event()
            await self._wake.wait()
        return self._items.popleft()


class Broadcast(Generic[T]):
    """Copies each item to every open :class:`EventStream`; closing ends them all."""

    __slots__ = ("_closed", "_streams")

    def __init__(self) -> None:
        self._streams: list[EventStream[T]] = []
        self._closed = False

    def subscribe(self, maxlen: int, *, closed: bool = False) -> EventStream[T]:
        """A new stream of the items put from now on (already ended if ``closed``)."""
        stream = EventStream[T](maxlen)
        if closed or self._closed:
            stream.close()
        else:
            self._streams = [*(s for s in self._streams if not s.closed), stream]
        return stream

    def put(self, item: T) -> None:
        """Give ``item`` to every stream (never blocks)."""
        for stream in self._streams:
            stream.put(item)

    def close(self) -> None:
        """End every stream, now and later."""
        self._closed = True
        for stream in self._streams:
            stream.close()
        self._streams.clear()


class Expired(Exception):
    """What a :class:`Waiter` raises once its :class:`Expiries` deadline passed."""


class Expiries:
    """Deadlines that fail a :class:`Waiter` with :class:`Expired`, fired by the timer task.

    A dial's ``dial_timeout`` without a cancel scope per dial: entering and
    leaving a trio ``CancelScope`` with a deadline costs ~5 µs (its cancel
    status, the run's deadline heap, the task's cancel status twice); an
    entry here costs a heap push.  The client's timer sleeps until the
    earliest of these and the core's deadline (``next_deadline``), then calls
    :meth:`fire`.  A cancelled entry is dropped lazily: as it reaches the
    top, or with every other one once they are over half the heap (one
    long dial must not let finished ones pile up behind it).
    """

    __slots__ = ("_heap", "_seq", "_stale")

    def __init__(self) -> None:
        # [deadline, sequence, waiter or None once cancelled or fired]
        self._heap: list[list[Any]] = []
        self._seq = 0
        self._stale = 0

    def add(self, deadline: float, waiter: Waiter[Any]) -> list[Any]:
        """Fail ``waiter`` with :class:`Expired` at ``deadline``; the entry, to :meth:`cancel`."""
        self._seq += 1
        entry = [deadline, self._seq, waiter]
        heapq.heappush(self._heap, entry)
        return entry

    def cancel(self, entry: list[Any]) -> None:
        """Forget ``entry`` (a no-op once fired or cancelled)."""
        if entry[2] is None:
            return
        entry[2] = None
        self._stale += 1
        if self._stale > 64 and 2 * self._stale > len(self._heap):
            self._heap = [e for e in self._heap if e[2] is not None]
            heapq.heapify(self._heap)
            self._stale = 0

    def next_deadline(self) -> float | None:
        """The earliest live deadline, or ``None``."""
        heap = self._heap
        while heap and heap[0][2] is None:
            heapq.heappop(heap)
            self._stale -= 1
        return heap[0][0] if heap else None

    def fire(self, now: float) -> None:
        """Fail the waiter of every live entry due at ``now``."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            entry = heapq.heappop(heap)
            waiter: Waiter[Any] | None = entry[2]
            if waiter is None:
                self._stale -= 1
                continue
            entry[2] = None
            waiter.fail(Expired())
