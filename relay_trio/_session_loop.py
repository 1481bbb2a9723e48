"""The trio client's session loop: socket, reader, timer, reconnect; flush; open and close.

The *socket task* (``_run_socket``) opens a WebSocket, calls
``connection_made``, then reads (``_read``); when the socket drops it calls
``connection_lost`` and asks the core whether and when to try again.  The
*timer task* (``_run_timer``) sleeps until the core's ``next_deadline()`` or
the first dial's timeout, whichever comes first.  ``_pump``
runs after every core mutation: it dispatches the core's events and moves the
timer only when the deadline moved.  ``_flush`` writes what the core queued.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any, Final

import trio

from relay_core import (
    ConnectionFailedError,
    Event,
    FailureCause,
    RemoteProtocolError,
    SessionClosedError,
)

from ._base import ClientBase
from ._sync import Waiter
from ._transport import TransportError, WebSocket, open_socket

log = logging.getLogger("relay_trio")

#: Bound on one flush of queued frames; past it the socket is dropped.
FLUSH_TIMEOUT: Final = 5.0
#: How long a single WebSocket open (TCP, TLS, HTTP upgrade) may take.
SOCKET_OPEN_TIMEOUT: Final = 10.0


class SessionLoop(ClientBase):
    """The background tasks and the socket they share (see the module docstring)."""

    if TYPE_CHECKING:

        def _dispatch(self, event: Event) -> None: ...  # relay_trio._dispatch

        async def _settle_offers(self) -> None: ...  # relay_trio._dispatch

    # -- after every mutation ----------------------------------------------------------

    async def _flush(self, timeout: float = FLUSH_TIMEOUT) -> None:
        """Write every frame the core queued, in order, in as few writes as possible.

        Shielded: frames taken from the core must be written.  Bounded: a
        socket that cannot take a batch within ``timeout`` is dropped.
        Without a usable socket nothing is taken: ``connection_lost``
        re-queues the requests among the frames for the next session.

        Coalescing: one task at a time writes, and it keeps taking frames
        until the core has none left, so a flush that finds a writer at work
        returns at once (the writer takes its frames before it stops).
        Concurrent dials thus leave as one write, and a flush never waits
        behind another one.
        """
        ws = self._usable_socket()
        if ws is None or self._writer is ws:
            return
        self._writer = ws
        sending = False
        try:
            with trio.CancelScope(shield=True) as bound:
                bound.deadline = trio.current_time() + timeout
                async with ws.lock:
                    take = self._session.messages_to_send
                    while self._usable_socket() is ws and (frames := take()):
                        sending = True
                        await ws.send_texts(frames)  # a closed socket: the reader reports it
                        sending = False
                        bound.deadline = trio.current_time() + timeout
        finally:
            if self._writer is ws:
                self._writer = None
        if bound.cancelled_caught and sending:
            log.warning("a flush took over %g s; dropping the connection", timeout)
            self._drop_socket()

    def _pump(self) -> None:
        session = self._session
        while (event := session.next_event()) is not None:
            self._dispatch(event)
        deadline = self._next_deadline()
        if deadline != self._timer_deadline and (scope := self._timer_scope) is not None:
            self._timer_deadline = deadline
            scope.deadline = math.inf if deadline is None else deadline
        progress = self._progress
        if progress is not None:  # made only when waited for: most pumps wake nobody
            self._progress = None
            progress.set()

    def _next_deadline(self) -> float | None:
        """The earliest of the core's deadline and the dials' timeouts."""
        deadline = self._session.next_deadline()
        due = self._expiries.next_deadline()
        if due is not None and (deadline is None or due < deadline):
            return due
        return deadline

    # -- background tasks -----------------------------------------------------------------

    async def _run_socket(self) -> None:
        """Connect, read, and reconnect until the client closes or the session gives up."""
        try:
            while True:
                failure = await self._one_socket()
                if self._closing:
                    return
                now = trio.current_time()
                self._session.connection_lost(now=now)
                self._pump()
                delay = self._session.reconnect_delay()
                if delay is None:
                    self._fail(SessionClosedError("the RELAY session was closed"))
                    return
                # The core's policy: what is worth retrying, and for how long.
                if failure is not None:
                    cause, detail = failure.cause, failure.detail
                else:
                    cause, detail = self._drop_cause or (FailureCause.CLOSED, self._close_reason)
                self._drop_cause = None
                decision = self._policy.failed(
                    cause, detail, now=now, delay=delay, established=self._established
                )
                if isinstance(decision, ConnectionFailedError):
                    decision.__cause__ = None if failure is None else failure.__cause__
                    self._fail(decision)
                    return
                delay = decision
                if self._established:
                    log.info("reconnecting to %s in %.2f s", self._url, delay)
                else:  # the caller is waiting: say why (visible without logging config)
                    log.warning(
                        "cannot connect to %s (%s); retrying in %.2f s", self._url, cause, delay
                    )
                await trio.sleep(delay)
        except Exception as exc:  # a bug: report it from the context manager
            self._fail(exc)

    async def _one_socket(self) -> TransportError | None:
        """One socket, until it closes; the failure if it could not be opened."""
        with trio.CancelScope() as scope:
            self._socket_scope = scope
            try:
                async with open_socket(
                    self._url,
                    self._tls,
                    connect_timeout=SOCKET_OPEN_TIMEOUT,
                    close_timeout=self._close_timeout,
                ) as ws:
                    self._ws = ws
                    try:
                        self._session.connection_made(now=trio.current_time())
                        self._pump()
                        await self._flush()
                        await self._read(ws)
                    finally:
                        self._ws = None  # closing: frames stay in the core
            except TransportError as exc:
                self._last_error = exc
                log.info("connection to %s failed: %s", self._url, exc)
                return exc
            finally:
                self._socket_scope = None
        return None

    async def _read(self, ws: WebSocket) -> None:
        """Feed the core every message of a read, then flush their replies as one write."""
        receive_text = self._session.receive_text
        while (messages := await ws.receive()) is not None:
            now = trio.current_time()
            for text in messages:
                try:
                    receive_text(text, now=now)
                except RemoteProtocolError as exc:
                    log.debug("dropped a malformed frame: %s", exc)
            self._pump()
            await self._flush()
            if self._held:
                await self._settle_offers()
                self._pump()
                await self._flush()
        self._close_reason = ws.close_reason
        log.info("connection closed: %s", ws.close_reason)

    async def _run_timer(self) -> None:
        try:
            while True:
                deadline = self._next_deadline()
                self._timer_deadline = deadline
                with trio.move_on_at(math.inf if deadline is None else deadline) as scope:
                    self._timer_scope = scope
                    await trio.sleep_forever()
                self._timer_scope = None
                now = trio.current_time()
                self._expiries.fire(now)
                self._session.handle_timeout(now=now)
                self._pump()
                await self._flush()
        except Exception as exc:
            self._fail(exc)

    def _usable_socket(self) -> WebSocket | None:
        """The open socket, unless it is closing or being dropped."""
        scope = self._socket_scope
        return self._ws if scope is not None and not scope.cancel_called else None

    def _drop_socket(self) -> None:
        if self._socket_scope is not None:
            self._socket_scope.cancel()

    def _fail(self, exc: BaseException) -> None:
        """Record the first background failure and cancel the client's scope."""
        if self._failure is None:
            self._failure = exc
        self._opened.set()
        if self._nursery is not None:
            self._nursery.cancel_scope.cancel()

    # -- open and close ---------------------------------------------------------------------

    async def _wait_open(self, timeout: float | None) -> None:
        with trio.move_on_after(math.inf if timeout is None else timeout):
            await self._opened.wait()
            await trio.lowlevel.checkpoint()  # a failure cancelled us: raise here
            return
        last = self._last_error
        if last is None:
            raise self._policy.timed_out(None, self._close_reason)
        raise self._policy.timed_out(last.cause, last.detail) from last.__cause__

    async def _shutdown(self) -> None:
        """Abandon ringing work, flush, close the socket: shielded and bounded."""
        self._closing = True
        deadline = trio.current_time() + self._close_timeout
        with trio.CancelScope(shield=True, deadline=deadline):
            self._session.abandon_all(now=trio.current_time())
            self._pump()
            await self._flush(self._close_timeout)
            # Legs of abandoned dials and connects may still be on their way:
            # keep reading (the reader ends each one as it shows up) until the
            # server settles that work, or the deadline.
            while self._session.statistics().abandoned_work and self._usable_socket():
                if self._progress is None:
                    self._progress = trio.Event()
                await self._progress.wait()
            if (ws := self._usable_socket()) is not None:
                await ws.aclose()  # graceful, unless the socket is being dropped
        self._closed = True
        self._session.close(now=trio.current_time())  # fails requests, ends plays
        self._pump()
        # Dials and connects the core no longer reports on (abandoned above)
        # must not hang a task that outlives the block.
        waiters: list[Waiter[Any]] = [*self._dials.values(), *self._connects.values()]
        for waiter in waiters:
            waiter.fail(SessionClosedError())
        for call in list(self._calls.values()):
            call._close(SessionClosedError())
        self._tap.close()
        self._incoming.close()
        if self._nursery is not None:
            self._nursery.cancel_scope.cancel()
