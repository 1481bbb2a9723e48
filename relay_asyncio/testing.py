"""Serve a :class:`~relay_core.FakeRelayServer` over loopback WebSockets with asyncio.

Use it to test a RELAY application offline, e.g. with the official SDK::

    async with open_fake_relay_server(tls=True) as fake:
        os.environ["SIGNALWIRE_RELAY_CA_FILE"] = fake.ca_path
        client = RelayClient(project="test-project", token="test-token", host=fake.host)

Time is the event loop's clock (``loop.time()``).  One pump serves every
socket: after each mutation (a frame in, a timer, a scripting call on the
handle) every connection's output is queued to its writer task in order,
sockets listed by ``connections_to_close()`` are closed, and the timer
(``loop.call_at``) is re-armed.  A client that takes no frame for
``WRITE_TIMEOUT`` seconds (it stopped reading) is dropped, so a hung client
cannot grow the server's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import final

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from relay_core import (
    MAX_FRAME_BYTES,
    InvalidArgumentError,
    LocalProtocolError,
    check_flag,
    check_port,
    check_text,
    wire_logger,
)
from relay_core.testing import (
    WRITE_TIMEOUT,
    CloseRequest,
    ConnectionId,
    FakeRelayServer,
    FakeServerScripting,
)

__all__ = ["FakeRelayHandle", "open_fake_relay_server"]

#: A frame, a close, or ``None``: the reader is done, stop after the queue.
_Item = str | CloseRequest | None


@final
class FakeRelayHandle(FakeServerScripting):
    """A running fake server: where it listens (see :class:`FakeServerScripting`).

    Call the scripting methods here (or call :attr:`server` directly and
    then :meth:`kick`) so their output is written and the timer re-armed.
    """

    def __init__(self, server: FakeRelayServer, host: str, port: int, ca_path: str | None) -> None:
        super().__init__(server, host, port, ca_path)
        self._loop = asyncio.get_running_loop()
        self._outgoing: dict[ConnectionId, asyncio.Queue[_Item]] = {}
        #: Seconds a socket may take to accept one frame before it is dropped.
        self.write_timeout = WRITE_TIMEOUT
        self._timer: asyncio.TimerHandle | None = None
        self._changed = asyncio.Event()
        self._stopped = False

    # -- the pump -------------------------------------------------------------

    def now(self) -> float:
        """The server's clock: ``loop.time()``."""
        return self._loop.time()

    def kick(self) -> None:
        """Flush every connection's output, close what must close, re-arm the timer.

        Call it after changing :attr:`server` directly.
        """
        server = self.server
        for conn in server.connections_with_output():
            frames = server.messages_to_send(conn)
            queue = self._outgoing.get(conn)
            if queue is not None:
                for frame in frames:
                    queue.put_nowait(frame)
        for close in server.connections_to_close():
            queue = self._outgoing.get(close.connection)
            if queue is not None:
                queue.put_nowait(close)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = server.next_deadline()
        if deadline is not None and not self._stopped:
            self._timer = self._loop.call_at(deadline, self._on_timer)
        self._changed.set()
        self._changed = asyncio.Event()

    def _on_timer(self) -> None:
        self._timer = None
        self.server.handle_timeout(now=self.now())
        self.kick()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every change."""
        while not predicate():
            await self._changed.wait()

    def connections(self) -> list[ConnectionId]:
        """Open sockets, oldest first."""
        return list(self._outgoing)

    # -- sockets ---------------------------------------------------------------

    async def _serve_connection(self, ws: ServerConnection) -> None:
        conn = self.server.connection_made(now=self.now())
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._outgoing[conn] = queue
        writer = asyncio.create_task(self._write(ws, conn, queue))
        self.kick()
        try:
            async for message in ws:
                if isinstance(message, bytes):
                    close = self.server.receive_binary(conn)  # the core's rule: text only
                    await ws.close(close.code, close.reason)
                    break
                try:
                    self.server.receive_text(conn, message, now=self.now())
                except LocalProtocolError:
                    break  # the server dropped this connection (a scripted drop)
                finally:
                    self.kick()
        except ConnectionClosed:
            pass
        finally:
            # Let queued frames and a pending close go out, then stop writing.
            queue.put_nowait(None)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(writer), timeout=5.0)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            del self._outgoing[conn]
            self.server.connection_lost(conn, now=self.now())
            self.kick()

    async def _write(
        self, ws: ServerConnection, conn: ConnectionId, queue: asyncio.Queue[_Item]
    ) -> None:
        while True:
            item = await queue.get()
            if item is None:
                return
            if isinstance(item, str):
                try:
                    async with asyncio.timeout(self.write_timeout):
                        await ws.send(item)
                except ConnectionClosed:
                    return
                except TimeoutError:
                    # The client stopped reading: drop it (and what waits for it).
                    ws.transport.abort()
                    self.server.drop(conn, now=self.now())
                    self.kick()
                    return
                continue
            if item.abrupt:
                # No close handshake: the client sees the TCP connection die.
                ws.transport.abort()
            else:
                await ws.close(item.code, item.reason)
            return

    def _stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


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
        handle: FakeRelayHandle | None = None

        async def handler(ws: ServerConnection) -> None:
            assert handle is not None
            await handle._serve_connection(ws)

        async with serve(
            handler,
            host,
            port,
            ssl=context,
            compression=None,
            ping_interval=None,
            max_size=MAX_FRAME_BYTES,
            logger=wire_logger("websockets.server"),  # frames described, never quoted
        ) as listener:
            bound = next(iter(listener.sockets)).getsockname()[1]
            handle = FakeRelayHandle(server, host, bound, ca_path)
            try:
                yield handle
            finally:
                handle._stop()
