"""The asyncio client's session loop: open, read, write, time, reconnect, close.

The socket feeds the core every message of a read at once, synchronously
(``_receive``, the sink of :class:`~relay_asyncio._transport.RelayConnection`),
dispatching the events every few messages and pumping once per read.  The
reader task (``_run_socket``, ``_read``) only waits: for held offers to settle
or the write buffer to drain (reading paused meanwhile), and for the socket to
close, when it runs the core's reconnect policy (``_reconnect``).  The replies
to a read are written at once, in one write; other frames go to the writer
task (``_writer``), which coalesces a loop turn's frames and waits out
back-pressure.  The timer (``_run_timer``) sleeps until ``next_deadline()``.
``_pump`` runs after every core mutation: replies out, waiters woken, the
timer re-armed if its deadline moved earlier.
``_shutdown`` is the bounded, orderly end of all of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import OPEN

from relay_core import (
    MAX_FRAME_BYTES,
    ConnectionFailedError,
    FailureCause,
    RelayError,
    RelaySession,
    RemoteProtocolError,
    SessionClosedError,
)

from ._base import ClientBase
from ._transport import RelayConnection, close_detail, open_socket, write_texts

log = logging.getLogger("relay_asyncio")

#: Largest inbound frame (RELAY.md A): the core's limit.
MAX_FRAME = MAX_FRAME_BYTES
#: Bound on the final flush and on the closing handshake when leaving.
CLOSE_GRACE = 0.5
#: Messages of a read fed to the core between two dispatches (``_receive``).
DISPATCH_EVERY = 32


async def _send_all(ws: ClientConnection, frames: list[str]) -> None:
    """Send ``frames`` in one write inside the connection's ``send_context()``.

    The same state checks, closing and flow control as ``send()``: it waits
    while the transport's write buffer is above its high-water mark.
    """
    async with ws.send_context():
        write_texts(ws, frames)


class SessionLoop(ClientBase):
    """The tasks and the socket they share (see the module docstring)."""

    #: True while ``_receive`` pumps: its flushes write at once (see ``_flush``).
    _reading = False

    if TYPE_CHECKING:

        def _dispatch(self) -> None: ...  # relay_asyncio._dispatch

        async def _settle_offers(self) -> None: ...  # relay_asyncio._dispatch

    # -- open and close ----------------------------------------------------------------

    def _timed_out(self) -> ConnectionFailedError:
        """``open_timeout`` ran out: the policy's error, naming the last failure."""
        last = self._last_error
        if isinstance(last, ConnectionFailedError):
            error = self._policy.timed_out(last.cause, last.detail)
            error.__cause__ = last.__cause__
            return error
        return self._policy.timed_out(None, "" if last is None else last.message)

    async def _open_first(self) -> RelayConnection:
        """Open the first socket, retrying what the core's policy deems transient."""
        session = self._live_session()
        while True:
            try:
                return await self._open()
            except ConnectionFailedError as exc:
                self._last_error = exc
                session.connection_lost(now=self._now())  # a failed attempt: backoff grows
                decision = self._policy.failed(
                    exc.cause,
                    exc.detail,
                    now=self._now(),
                    delay=session.reconnect_delay(),
                    established=False,
                )
                if isinstance(decision, ConnectionFailedError):
                    raise decision from exc.__cause__
                # The caller is waiting: say why (visible without logging config).
                log.warning(
                    "cannot connect to %s (%s); retrying in %.2f s", self.url, exc.cause, decision
                )
                await asyncio.sleep(decision)

    def _live_session(self) -> RelaySession:
        assert self._session is not None
        return self._session

    async def _shutdown(self) -> None:
        """Abandon ringing work, flush, close the socket, cancel every task."""
        self._closing = True
        session = self._session
        assert session is not None
        try:
            session.abandon_all(now=self._now())
            self._pump()
            # Linger (bounded) until the writer is dry and every abandoned dial or
            # connect has settled, so legs the server reports late get ended too.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_GRACE):
                    while self._ws is not None and (
                        not self._drained or session.statistics().abandoned_work
                    ):
                        self._changed.clear()
                        await self._changed.wait()
            session.close(now=self._now())
            self._pump()
            error = self._fatal or SessionClosedError("the RelayClient was closed")
            waiters: list[asyncio.Future[Any]] = [*self._dials.values(), *self._connects.values()]
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(error)
            for call in self._calls.values():
                call._close(error)
            self._calls.clear()
            ws, self._ws = self._ws, None
            if ws is not None:
                await self._close_ws(ws)
        finally:
            for task in [*self._tasks, *self._handler_tasks]:
                task.cancel()
            tg, self._tg = self._tg, None
            try:
                if tg is not None:
                    await tg.__aexit__(None, None, None)
            finally:
                self._host_task = None

    # -- transport -------------------------------------------------------------------

    async def _open(self) -> RelayConnection:
        """One socket (TCP, TLS, HTTP upgrade).

        Raises:
            ConnectionFailedError: with the core's name for the cause.
        """
        return await open_socket(
            self.url,
            self._ssl,
            open_timeout=self._config.request_timeout,
            close_timeout=CLOSE_GRACE,
            max_size=MAX_FRAME,
        )

    async def _close_ws(self, ws: ClientConnection) -> None:
        try:
            async with asyncio.timeout(CLOSE_GRACE):
                await ws.close()
        except TimeoutError:
            ws.transport.abort()

    def _drop_socket(self) -> None:
        if self._ws is not None:
            self._spawn(self._close_ws(self._ws))

    async def _run_socket(self, ws: RelayConnection) -> None:
        try:
            current: RelayConnection | None = ws
            while current is not None:
                await self._read(current)
                current = await self._reconnect(current)
        except Exception as exc:  # a bug: end the session with one clear error
            log.exception("RELAY reader failed")
            error = RelayError(-1, f"internal error in the RELAY reader: {exc!r}")
            error.__cause__ = exc
            self._fail(error)

    async def _read(self, ws: RelayConnection) -> None:
        """Until ``ws`` closes: the socket feeds the core (``_receive``); this waits.

        Reading is paused while offers of a read wait for a free handler, or
        for their turn (``_settle_offers``: at most ``SLICE`` handlers start per
        turn of the loop; all are settled before the overflow policy refuses
        any) and while the write buffer is full (the replies to what
        is read must leave before more is read).
        """
        self._live()
        ws.attach(self._receive)
        try:
            while await ws.wait():
                if self._held:
                    await self._settle_offers()
                    self._pump()
                if ws.paused:  # resumed, or the connection lost (drain raises its error)
                    with contextlib.suppress(Exception):
                        await ws.drain()
                ws.release()
        finally:
            ws.attach(None)

    def _receive(self, messages: list[bytes]) -> bool:
        """Feed the core the messages of one read (dispatching as it goes), then pump once.

        True asks the socket to pause reading until ``_read`` releases it.
        """
        session = self._live_session()
        now = self._now()
        receive_text = session.receive_text
        self._fresh_handlers = 0
        # Events are dispatched every DISPATCH_EVERY messages, not once per read:
        # a read of offers would otherwise keep every offer's decoded params
        # alive at once (~1 KB each; ~350 KB for a read of 320 offers).
        for count, text in enumerate(messages, 1):
            try:
                receive_text(text, now=now)
            except RemoteProtocolError as exc:
                log.debug("dropped a malformed frame: %s", exc)
            if not count % DISPATCH_EVERY:
                self._dispatch()
        self._reading = True
        try:
            self._pump()
        finally:
            self._reading = False
        ws = self._ws
        return bool(self._held) or (ws is not None and ws.paused)

    async def _reconnect(self, old: RelayConnection) -> RelayConnection | None:
        session = self._live()
        self._ws = None
        self._outq.clear()  # frames for the dead socket; the core fails or requeues them
        session.connection_lost(now=self._now(), code=old.close_code, reason=old.close_reason or "")
        self._pump()
        await self._close_ws(old)
        if self._closing:
            return None
        cause, detail = self._drop_cause or (FailureCause.CLOSED, close_detail(old))
        self._drop_cause = None
        while (delay := session.reconnect_delay()) is not None:
            # The core's policy: what is worth retrying, and for how long.
            decision = self._policy.failed(
                cause, detail, now=self._now(), delay=delay, established=self._started
            )
            if isinstance(decision, ConnectionFailedError):
                self._fail(decision)
                return None
            if self._started:
                log.info("RELAY connection lost; reconnecting in %.2f s", decision)
            else:
                log.warning(
                    "cannot connect to %s (%s); retrying in %.2f s", self.url, cause, decision
                )
            await asyncio.sleep(decision)
            try:
                ws = await self._open()
            except ConnectionFailedError as exc:
                log.info("%s", exc)
                self._last_error = exc
                cause, detail = exc.cause, exc.detail
                session.connection_lost(now=self._now())  # a failed attempt: backoff grows
                self._pump()
                continue
            self._ws = ws
            session.connection_made(now=self._now())
            self._pump()
            return ws
        self._fail(self._last_error or SessionClosedError("the RELAY session gave up"))
        return None

    async def _writer(self) -> None:
        outq = self._outq
        while True:
            if not outq:
                self._drained = True
                self._changed.set()
                self._out_ready.clear()
                await self._out_ready.wait()
                continue
            frames = list(outq)
            outq.clear()
            ws = self._ws
            if ws is not None:
                with contextlib.suppress(ConnectionClosed):
                    await _send_all(ws, frames)

    async def _run_timer(self) -> None:
        session = self._live()
        while True:
            self._wake.clear()
            deadline = self._armed = session.next_deadline()
            if deadline is None:
                await self._wake.wait()
                continue
            if deadline > self._now():
                try:
                    async with asyncio.timeout_at(deadline):
                        await self._wake.wait()
                except TimeoutError:
                    pass
                else:
                    continue
            session.handle_timeout(now=self._now())
            self._pump()

    # -- after every mutation ----------------------------------------------------------

    def _flush(self) -> None:
        assert self._session is not None
        ws = self._ws
        if ws is None:
            return  # no socket: frames stay with the core (connection_lost sorts them)
        frames = self._session.messages_to_send()
        if not frames:
            return
        if self._reading and self._drained and not ws.paused and ws.protocol.state is OPEN:
            # The replies to a read (already one batch), the writer idle (nothing
            # queued before them) and the transport taking more: write now, with
            # no task switch.  Other flushes (concurrent dials, say) go through the
            # writer, which takes all of one loop turn's frames in one write.
            write_texts(ws, frames)
            return
        self._outq.extend(frames)
        self._drained = False
        self._out_ready.set()

    def _pump(self) -> None:
        """After any mutation: replies out first, then wake waiters, then the timer."""
        self._flush()
        self._dispatch()
        self._flush()
        if not self._deadline_check:  # once per loop iteration, not per frame
            self._deadline_check = True
            self._loop.call_soon(self._check_deadline)
        self._changed.set()

    def _check_deadline(self) -> None:
        """Re-arm the timer only if a deadline now comes before the one it sleeps to.

        A later (or vanished) deadline needs nothing: the timer wakes at the old
        one, finds ``handle_timeout`` has nothing due and sleeps again.
        """
        self._deadline_check = False
        if self._session is None:
            return
        due = self._session.next_deadline()
        if due is not None and (self._armed is None or due < self._armed):
            self._wake.set()

    def _fail(self, error: RelayError) -> None:
        """The session is over: fail the handshake, or cancel the ``async with`` body."""
        self._fatal = self._fatal or error
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(error)
        elif not self._closing and not self._cancelled_host and self._host_task is not None:
            log.error("RELAY session ended: %s", error)
            self._cancelled_host = True
            self._host_task.cancel()
