"""Serve a :class:`~relay_core.FakeRelayServer` over loopback WebSockets with trio.

Use it to test a RELAY application offline::

    async with open_fake_relay_server() as fake:
        client = RelayConfig(project="test-project", token="test-token")
        ...connect to fake.url...
        fake.inject_inbound_call(context="office", from_number=..., to_number=...)

Time is ``trio.current_time()``, so trio's ``autojump_clock`` makes the
simulated phone network run in virtual time.  One pump serves every socket:
after each mutation (a frame in, a timer, a scripting call on the handle)
every connection's output is queued to its writer task in order, sockets
listed by ``connections_to_close()`` are closed, and the timer is re-armed.
A client that takes no frame for ``WRITE_TIMEOUT`` seconds (it stopped
reading) is dropped, so a hung client cannot grow the server's memory.
"""

from __future__ import annotations

import math
import os
import ssl
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import final

import trio
from trio_websocket import (
    ConnectionClosed,
    WebSocketConnection,
    WebSocketRequest,
    serve_websocket,
)

from relay_core import (
    MAX_FRAME_BYTES,
    InvalidArgumentError,
    LocalProtocolError,
    check_flag,
    check_port,
    check_text,
)
from relay_core.testing import (
    WRITE_TIMEOUT,
    CloseRequest,
    ConnectionId,
    FakeRelayServer,
    FakeServerScripting,
)

__all__ = ["FakeRelayHandle", "open_fake_relay_server"]

_Item = str | CloseRequest


@final
class FakeRelayHandle(FakeServerScripting):
    """A running fake server: where it listens (see :class:`FakeServerScripting`).

    Call the scripting methods here (or call :attr:`server` directly and
    then :meth:`kick`) so their output is written and the timer re-armed.
    """

    def __init__(self, server: FakeRelayServer, host: str, port: int, ca_path: str | None) -> None:
        super().__init__(server, host, port, ca_path)
        self._outgoing: dict[ConnectionId, trio.MemorySendChannel[_Item]] = {}
        #: Seconds a socket may take to accept one frame before it is dropped.
        self.write_timeout = WRITE_TIMEOUT
        self._timer_scope: trio.CancelScope | None = None
        self._changed = trio.Event()

    # -- the pump -------------------------------------------------------------

    def now(self) -> float:
        """The server's clock: ``trio.current_time()``."""
        return trio.current_time()

    def kick(self) -> None:
        """Flush every connection's output, close what must close, re-arm the timer.

        Call it after changing :attr:`server` directly.
        """
        server = self.server
        for conn in server.connections_with_output():
            frames = server.messages_to_send(conn)
            channel = self._outgoing.get(conn)
            if channel is not None:
                for frame in frames:
                    channel.send_nowait(frame)
        for close in server.connections_to_close():
            channel = self._outgoing.get(close.connection)
            if channel is not None:
                channel.send_nowait(close)
        if self._timer_scope is not None:
            self._timer_scope.deadline = self._deadline()
        self._changed.set()
        self._changed = trio.Event()

    def _deadline(self) -> float:
        deadline = self.server.next_deadline()
        return math.inf if deadline is None else deadline

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every change."""
        while not predicate():
            await self._changed.wait()

    def connections(self) -> list[ConnectionId]:
        """Open sockets, oldest first."""
        return list(self._outgoing)

    # -- tasks -----------------------------------------------------------------

    async def _run_timer(self) -> None:
        while True:
            with trio.CancelScope(deadline=self._deadline()) as scope:
                self._timer_scope = scope
                await trio.sleep_forever()
            self._timer_scope = None
            self.server.handle_timeout(now=self.now())
            self.kick()

    async def _serve_connection(self, request: WebSocketRequest) -> None:
        ws = await request.accept()
        conn = self.server.connection_made(now=self.now())
        send, receive = trio.open_memory_channel[_Item](math.inf)
        self._outgoing[conn] = send
        self.kick()
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._write, ws, conn, receive, nursery.cancel_scope)
                await self._read(ws, conn)
                # Let queued frames and a pending close go out, then stop.
                del self._outgoing[conn]
                send.close()
                nursery.cancel_scope.deadline = trio.current_time() + 5.0
        finally:
            self._outgoing.pop(conn, None)
            self.server.connection_lost(conn, now=self.now())
            self.kick()

    async def _read(self, ws: WebSocketConnection, conn: ConnectionId) -> None:
        while True:
            try:
                message = await ws.get_message()
            except ConnectionClosed:
                return
            if isinstance(message, bytes):
                close = self.server.receive_binary(conn)  # the core's rule: text only
                await ws.aclose(close.code, close.reason)
                return
            try:
                self.server.receive_text(conn, message, now=self.now())
            except LocalProtocolError:
                return  # the server dropped this connection (a scripted drop)
            finally:
                self.kick()

    async def _write(
        self,
        ws: WebSocketConnection,
        conn: ConnectionId,
        receive: trio.MemoryReceiveChannel[_Item],
        scope: trio.CancelScope,
    ) -> None:
        async for item in receive:  # ends once the reader closed the channel
            if isinstance(item, str):
                try:
                    with trio.move_on_after(self.write_timeout) as timeout:
                        await ws.send_message(item)
                except ConnectionClosed:
                    break
                if timeout.cancelled_caught:
                    # The client stopped reading: drop it (and what waits for it).
                    self.server.drop(conn, now=self.now())
                    self.kick()
                    await ws._stream.aclose()
                    break
                continue
            if item.abrupt:
                # No close handshake: the client sees the TCP connection die.
                await ws._stream.aclose()
            else:
                await ws.aclose(item.code, item.reason)
            break
        scope.cancel()


def _server_ssl_context(directory: str) -> tuple[ssl.SSLContext, str]:
    try:
        import trustme
    except ModuleNotFoundError as exc:  # only the TLS option needs it
        raise ModuleNotFoundError(
            "the fake server's tls=True needs trustme: pip install trustme", name=exc.name
        ) from exc

    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    ca_path = os.path.join(directory, "fake-relay-ca.pem")
    ca.cert_pem.write_to_path(ca_path)
    return context, ca_path


@asynccontextmanager
async def open_fake_relay_server(
    server: FakeRelayServer | None = None,
    *,
    tls: bool = False,
    port: int = 0,
    host: str = "127.0.0.1",
) -> AsyncIterator[FakeRelayHandle]:
    """Serve ``server`` (default: a fresh :class:`FakeRelayServer`) on ``host:port``.

    Args:
        server: the sans-IO server to serve; keep a reference to script it.
        tls: serve ``wss://`` with a certificate from a throw-away test CA
            (``trustme``); its PEM file is ``handle.ca_path``.
        port: ``0`` picks a free port.
        host: the interface to bind (``127.0.0.1``).

    Yields:
        A :class:`FakeRelayHandle`.  Leaving the block closes every socket.
    """
    if server is not None and not isinstance(server, FakeRelayServer):
        raise InvalidArgumentError(f"server: {server!r} is not a FakeRelayServer")
    check_flag("tls", tls)
    check_port("port", port)
    check_text("host", host)
    server = FakeRelayServer() if server is None else server
    with tempfile.TemporaryDirectory(prefix="fake-relay-") as directory:
        context, ca_path = _server_ssl_context(directory) if tls else (None, None)
        try:
            async with trio.open_nursery() as nursery:
                handle: FakeRelayHandle | None = None

                async def handler(request: WebSocketRequest) -> None:
                    assert handle is not None
                    await handle._serve_connection(request)

                listener = await nursery.start(
                    partial(
                        serve_websocket,
                        handler,
                        host,
                        port,
                        context,
                        max_message_size=MAX_FRAME_BYTES,
                    )
                )
                handle = FakeRelayHandle(server, host, listener.port, ca_path)
                nursery.start_soon(handle._run_timer)
                try:
                    yield handle
                finally:
                    nursery.cancel_scope.cancel()
        except BaseExceptionGroup as group:
            # The block's own exception (or Ctrl-C) leaves as itself, not
            # wrapped in the nursery's group: ``pytest.raises`` and ``except``
            # keep working around ``async with open_fake_relay_server()``.
            inner = _single(group)
            if inner is None:
                raise
            raise inner from None


def _single(group: BaseExceptionGroup[BaseException]) -> BaseException | None:
    exc: BaseException = group
    while isinstance(exc, BaseExceptionGroup):
        if len(exc.exceptions) != 1:
            return None
        exc = exc.exceptions[0]
    return exc
