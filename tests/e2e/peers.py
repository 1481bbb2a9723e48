"""Minimal loop-specific pumps around the client core, to drive the served fake.

Not the real adapters (relay_trio / relay_asyncio): just enough I/O around a
RelaySession to test the fake server's socket side on both loops.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import ssl
from collections.abc import Callable
from typing import Any

import trio
import trio_websocket
import websockets
from websockets.asyncio.client import ClientConnection

from relay_core import Command, Event, RelayConfig, RelaySession, RequestId

from ..fake.helpers import Counter

Predicate = Callable[[list[Event]], bool]


def client_ssl(ca_path: str | None) -> ssl.SSLContext | None:
    return None if ca_path is None else ssl.create_default_context(cafile=ca_path)


class TrioPeer:
    """One RelaySession over trio-websocket."""

    def __init__(self, config: RelayConfig, url: str, ca_path: str | None = None) -> None:
        self.session = RelaySession(config, new_id=Counter("t"), random=lambda: 0.5)
        self.url = url
        self.ca_path = ca_path
        self.events: list[Event] = []
        self.closed = trio.Event()
        self.close_code: int | None = None
        self._changed = trio.Event()
        self._lock = trio.Lock()
        self._ws: trio_websocket.WebSocketConnection | None = None

    async def run(self, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        """Connect, then pump frames and timers until the socket closes."""
        async with trio.open_nursery() as nursery:
            self._ws = await trio_websocket.connect_websocket_url(
                nursery, self.url, ssl_context=client_ssl(self.ca_path)
            )
            self.closed = trio.Event()
            self.session.connection_made(now=trio.current_time())
            await self.flush()
            nursery.start_soon(self._timer)
            task_status.started()
            try:
                while True:
                    text = await self._ws.get_message()
                    self.session.receive_text(text, now=trio.current_time())
                    await self.flush()
            except trio_websocket.ConnectionClosed as exc:
                self.close_code = exc.reason.code if exc.reason else None
            finally:
                self.session.connection_lost(now=trio.current_time())
                self._note()
                self.closed.set()
                nursery.cancel_scope.cancel()

    async def _timer(self) -> None:
        while True:
            deadline = self.session.next_deadline()
            await trio.sleep_until(math.inf if deadline is None else deadline)
            self.session.handle_timeout(now=trio.current_time())
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            for frame in self.session.messages_to_send():
                assert self._ws is not None
                await self._ws.send_message(frame)
        self._note()

    def _note(self) -> None:
        while (event := self.session.next_event()) is not None:
            self.events.append(event)
        self._changed.set()
        self._changed = trio.Event()

    async def send(self, command: Command) -> RequestId:
        request_id = self.session.send(command, now=trio.current_time())
        await self.flush()
        return request_id

    async def wait_for(self, predicate: Predicate) -> None:
        while not predicate(self.events):
            await self._changed.wait()


class AsyncioPeer:
    """One RelaySession over the websockets asyncio client."""

    def __init__(self, config: RelayConfig, url: str, ca_path: str | None = None) -> None:
        self.session = RelaySession(config, new_id=Counter("a"), random=lambda: 0.5)
        self.url = url
        self.ca_path = ca_path
        self.events: list[Event] = []
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self._changed = asyncio.Event()
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._timer: asyncio.TimerHandle | None = None

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    async def run(self, started: asyncio.Event | None = None) -> None:
        """Connect, then pump frames and timers until the socket closes."""
        ssl_context = client_ssl(self.ca_path)
        async with websockets.asyncio.client.connect(
            self.url, ssl=ssl_context, compression=None, ping_interval=None
        ) as ws:
            self.closed.clear()
            writer = asyncio.create_task(self._write(ws))
            self.session.connection_made(now=self._now())
            self.flush()
            if started is not None:
                started.set()
            try:
                async for text in ws:
                    assert isinstance(text, str)
                    self.session.receive_text(text, now=self._now())
                    self.flush()
            except websockets.ConnectionClosed:
                pass
            finally:
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
                self.close_code = ws.close_code
                if self._timer is not None:
                    self._timer.cancel()
                self.session.connection_lost(now=self._now())
                self._note()
                self.closed.set()

    async def _write(self, ws: ClientConnection) -> None:
        while True:
            frame = await self._queue.get()
            try:
                await ws.send(frame)
            except websockets.ConnectionClosed:
                return

    def _on_timer(self) -> None:
        self._timer = None
        self.session.handle_timeout(now=self._now())
        self.flush()

    def flush(self) -> None:
        """Queue the session's frames in order and re-arm the timer."""
        for frame in self.session.messages_to_send():
            self._queue.put_nowait(frame)
        if self._timer is not None:
            self._timer.cancel()
        deadline = self.session.next_deadline()
        self._timer = (
            None
            if deadline is None
            else asyncio.get_running_loop().call_at(deadline, self._on_timer)
        )
        self._note()

    def _note(self) -> None:
        while (event := self.session.next_event()) is not None:
            self.events.append(event)
        self._changed.set()
        self._changed = asyncio.Event()

    async def send(self, command: Command) -> RequestId:
        request_id = self.session.send(command, now=self._now())
        self.flush()
        return request_id

    async def wait_for(self, predicate: Predicate) -> None:
        while not predicate(self.events):
            await self._changed.wait()
