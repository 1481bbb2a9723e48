"""Small primitives the reader uses to wake waiters without ever blocking."""

from __future__ import annotations

import logging
from collections import deque
from typing import Generic, TypeVar

import trio

from relay_core import check_count

__all__ = ["Broadcast", "EventStream", "Waiter"]

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
