"""Opening one WebSocket for relay_asyncio, with failures named in the core's terms.

The socket is websockets' asyncio connection with one change
(:class:`RelayConnection`): inbound messages are handed over per read, not
one ``recv()`` at a time (relay_trio's ``WebSocket`` does the same on trio
streams).  :func:`failure_cause` is this adapter's tiny map from its
exceptions to :class:`relay_core.FailureCause`; whether to retry is the
core's :class:`relay_core.ConnectPolicy`.  websockets logs through
:func:`relay_core.wire_logger`: frames are described, never quoted.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
import traceback
from collections.abc import Callable
from typing import Any, Final, cast

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    InvalidHandshake,
    InvalidState,
    InvalidStatus,
    InvalidURI,
    WebSocketException,
)
from websockets.frames import Frame, Opcode
from websockets.protocol import OPEN, Event
from websockets.speedups import apply_mask

from relay_core import ConnectionFailedError, FailureCause, http_status_cause, wire_logger
from relay_core.wire import frame_texts

__all__ = [
    "RelayConnection",
    "Sink",
    "close_detail",
    "failure_cause",
    "open_socket",
    "write_texts",
]

#: websockets logs frames through this: described, never quoted (no credential).
_WIRE_LOG: Final = wire_logger("websockets.client")


_TEXT: Final = Opcode.TEXT
_BINARY: Final = Opcode.BINARY
_CONT: Final = Opcode.CONT
_PONG: Final = Opcode.PONG

#: Takes the messages of one read, in order; True: "pause until ``release()``".
Sink = Callable[[list[bytes]], bool]


class RelayConnection(ClientConnection):
    """websockets' asyncio client connection, its inbound messages handed over per read.

    ``recv()`` passes messages one at a time through a queue (a future, a
    UTF-8 decode, a loop step each).  Here every message completed by one
    ``data_received`` (one socket read: asyncio's TLS transport decrypts all
    the records of a read at once) goes to the *sink* synchronously, as one
    list of ``bytes`` (text and binary alike; the core decodes UTF-8 with the
    JSON).  The handshake, TLS, pings, the closing handshake, logging and
    sending are websockets' own, unchanged.

    Flow control: when the sink returns True it must await something before
    taking more (offers held for a free handler, a full write buffer).
    Reading is then paused, and messages already decoded wait, until the
    reader calls :meth:`release`.  The reader task waits in :meth:`wait`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sink: Sink | None = None
        #: Messages decoded but not yet given to the sink.
        self._backlog: list[bytes] = []
        self._fragments: list[bytes] = []
        self._paused_by_sink = False
        self._waiter: asyncio.Future[None] | None = None
        #: What the sink raised (a bug), for the reader to raise.
        self._error: Exception | None = None

    def attach(self, sink: Sink | None) -> None:
        """Give later messages to ``sink`` (``None``: keep them in the backlog)."""
        self._sink = sink

    async def wait(self) -> bool:
        """Until the sink asks to pause (True) or the connection closed (False).

        Messages that arrived before :meth:`attach` are handed over first.

        Raises:
            Exception: what the sink raised.
        """
        while True:
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if self._paused_by_sink:
                return True
            if self._backlog and self._sink is not None:
                self._deliver()
                continue
            if self.connection_lost_waiter.done():
                return False
            self._waiter = self.loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def release(self) -> None:
        """The sink takes messages again: those that waited first, then read on."""
        self._paused_by_sink = False
        if self._backlog and self._sink is not None:
            self._deliver()
        if not self._paused_by_sink:
            self.transport.resume_reading()

    # -- websockets' hooks ---------------------------------------------------------------

    def process_event(self, event: Event) -> None:
        if self.response is None:  # the handshake's response
            super().process_event(event)
            return
        frame = cast(Frame, event)
        opcode = frame.opcode
        data = cast(bytes, frame.data)  # parsed frames carry bytes
        if opcode is _TEXT or opcode is _BINARY:
            if frame.fin:
                self._backlog.append(data)
            else:
                self._fragments = [data]
        elif opcode is _CONT:
            self._fragments.append(data)
            if frame.fin:
                self._backlog.append(b"".join(self._fragments))
                self._fragments = []
        elif opcode is _PONG:
            self.acknowledge_pings(data)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # frames land in the backlog (process_event)
        if self._backlog and self._sink is not None and not self._paused_by_sink:
            self._deliver()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._wake()

    # -- internals ------------------------------------------------------------------------

    def _deliver(self) -> None:
        assert self._sink is not None
        messages, self._backlog = self._backlog, []
        try:
            pause = self._sink(messages)
        except Exception as exc:  # a bug: the reader raises it, reading stops
            self._error = exc
            pause = True
        if pause:
            self._paused_by_sink = True
            self.transport.pause_reading()
            self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


def write_texts(ws: ClientConnection, texts: list[str]) -> None:
    """Send ``texts`` as text messages with one ``transport.write`` (the connection open).

    ``ws.send()`` per message costs a TLS record and a ``send(2)`` each.  With
    frame logging on (the wire logger at DEBUG) or an extension negotiated,
    websockets frames them itself (its log describes each frame).
    """
    protocol = ws.protocol
    if protocol.debug or protocol.extensions or protocol.expect_continuation_frame:
        for text in texts:
            protocol.send_text(text.encode())
        data = protocol.data_to_send()
    else:
        if protocol.state is not OPEN:  # send_text's own check, kept
            raise InvalidState(f"connection is {protocol.state.name.lower()}")
        data = protocol.data_to_send()  # anything websockets queued goes first
        data += frame_texts(texts, apply_mask)
    transport = ws.transport
    if all(data):  # no end-of-stream marker: one coalesced write
        transport.write(b"".join(data))
    else:  # never while open; keep websockets' own handling of the marker
        for chunk in data:
            if chunk:
                transport.write(chunk)
            elif transport.can_write_eof():
                transport.write_eof()
            else:
                transport.close()


@functools.cache
def _default_context() -> ssl.SSLContext:
    # One for the process: asyncio would build one per connection (and per
    # reconnect), each loading the system trust store (~900 KB of RSS).
    return ssl.create_default_context()


async def open_socket(
    url: str,
    context: ssl.SSLContext | None,
    *,
    open_timeout: float,
    close_timeout: float,
    max_size: int,
) -> RelayConnection:
    """One WebSocket to ``url`` (TCP, TLS, HTTP upgrade within ``open_timeout``).

    Raises:
        ConnectionFailedError: naming ``url`` and the cause; the error is chained.
    """
    if context is None and url.startswith("wss://"):
        context = _default_context()
    options: dict[str, Any] = {} if context is None else {"ssl": context}
    try:
        ws = await connect(
            url,
            create_connection=RelayConnection,
            compression=None,
            max_size=max_size,
            ping_interval=None,  # liveness is the core's JSON-RPC ping
            close_timeout=close_timeout,
            open_timeout=open_timeout,
            logger=_WIRE_LOG,
            **options,
        )
    except (OSError, TimeoutError, EOFError, WebSocketException) as exc:
        raise ConnectionFailedError(url, failure_cause(exc), str(exc) or repr(exc)) from exc
    assert isinstance(ws, RelayConnection)
    return ws


def failure_cause(exc: BaseException) -> FailureCause:
    """Map an exception from opening a socket to the core's :class:`FailureCause`."""
    if isinstance(exc, BaseExceptionGroup):  # every address of the host failed
        causes = {failure_cause(inner) for inner in exc.exceptions}
        return causes.pop() if len(causes) == 1 else FailureCause.UNREACHABLE
    if isinstance(exc, InvalidStatus):
        return http_status_cause(exc.response.status_code)
    if isinstance(exc, InvalidHandshake | InvalidURI):
        cause = exc.__cause__
        return FailureCause.CLOSED if isinstance(cause, EOFError) else FailureCause.PROTOCOL
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return FailureCause.TLS
    if isinstance(exc, socket.gaierror):
        return FailureCause.DNS
    if isinstance(exc, ConnectionRefusedError):
        return FailureCause.REFUSED
    if isinstance(exc, TimeoutError):
        return FailureCause.TIMEOUT
    if isinstance(exc, EOFError | ConnectionResetError):
        # Broken during the TLS handshake (asyncio's sslproto): a TLS failure, as in relay_trio.
        in_tls = any(
            frame.f_code.co_filename.endswith("sslproto.py")
            for frame, _ in traceback.walk_tb(exc.__traceback__)
        )
        return FailureCause.TLS if in_tls else FailureCause.CLOSED
    if isinstance(exc, OSError) and exc.__cause__ is not None:
        return failure_cause(exc.__cause__)
    return FailureCause.UNREACHABLE


def close_detail(ws: ClientConnection) -> str:
    """How a socket closed, in words."""
    if ws.close_code is None:
        return "the connection ended without a close frame"
    return f"code {ws.close_code} {ws.close_reason!r}"
