"""Where to connect and how: the RELAY URL, TLS, and one WebSocket per attempt.

The WebSocket is websockets' sans-I/O :class:`~websockets.client.ClientProtocol`
(with its C speedups) driven straight on a trio stream, with no task of its
own: the reader gets every message of one read at once, and a flush writes
all its frames with one ``send_all``.  (websockets' own trio client and
trio-websocket hand each message across tasks and write each frame alone;
benchmarks/RESULTS.md measures the difference.)
Whole text frames are framed and unframed by relay_trio._wsframes, every
other frame by the protocol (so its rules all hold).

RELAY.md A: ``wss://<host>`` with no path; the host is a Space host or
``host:port``; a full ``ws://`` / ``wss://`` URL is accepted too (tests and
the fake server use ``ws://127.0.0.1:<port>``).  TLS verification is always
on; ``SIGNALWIRE_RELAY_CA_FILE`` (or ``ssl_context=``) adds a custom CA.
"""

from __future__ import annotations

import functools
import os
import socket
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Final, cast

import trio
from websockets.client import ClientProtocol
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI
from websockets.frames import Frame, Opcode
from websockets.http11 import USER_AGENT
from websockets.protocol import OPEN, State
from websockets.uri import parse_uri

from relay_core import (
    DEFAULT_HOST,
    MAX_FRAME_BYTES,
    FailureCause,
    check_tls_option,
    endpoint,
    http_status_cause,
    space_host,
    wire_logger,
)
from relay_core.wire import frame_texts

from ._wsframes import FrameReader, apply_mask

__all__ = [
    "DEFAULT_HOST",
    "MAX_MESSAGE_SIZE",
    "TransportError",
    "WebSocket",
    "failure_cause",
    "is_default_host",
    "open_socket",
    "relay_url",
    "tls_context",
]

#: RELAY.md A: the largest inbound frame (the core's :data:`relay_core.MAX_FRAME_BYTES`).
MAX_MESSAGE_SIZE: Final = MAX_FRAME_BYTES


def relay_url(host: str | None = None) -> str:
    """Turn a Space host, ``host:port`` or ``ws(s)://`` URL into the URL to open.

    ``None`` means ``SIGNALWIRE_SPACE``, then ``relay.signalwire.com`` (the
    official SDK's default: a newcomer without a Space lands there; see
    :func:`is_default_host` and :class:`relay_core.ConnectPolicy`).  The
    rules are the core's :func:`relay_core.endpoint` (relay_asyncio's
    ``websocket_url`` is the same function).

    Raises:
        InvalidArgumentError: ``host`` is neither a bare ``host[:port]`` nor a
            ``ws://`` / ``wss://`` URL without path or query.
    """
    return endpoint(space_host(None, os.environ)[0] if host is None else host).url


def tls_context(url: str, ssl_context: ssl.SSLContext | None = None) -> ssl.SSLContext | None:
    """The TLS context for ``url``: ``None`` for ``ws://``, verifying for ``wss://``.

    Without ``ssl_context`` a default (verifying) context is built, trusting
    the CA bundle named by ``SIGNALWIRE_RELAY_CA_FILE`` on top of the system's.

    Raises:
        InvalidArgumentError: ``ssl_context`` was given for a ``ws://`` URL
            (:func:`relay_core.check_tls_option`).
    """
    check_tls_option(url, ssl_context is not None, name="ssl_context")
    if url.startswith("ws://"):
        return None
    if ssl_context is not None:
        return ssl_context
    return _default_context(os.environ.get("SIGNALWIRE_RELAY_CA_FILE") or None)


@functools.lru_cache(maxsize=4)
def _default_context(ca_file: str | None) -> ssl.SSLContext:
    # One per CA file, shared by every client of the process: loading the
    # system trust store costs ~900 KB of RSS per context (benchmarks/, 10
    # clients in one process), and a context serves any number of sockets.
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def is_default_host(host: str | None) -> bool:
    """Whether ``relay_url(host)`` falls back to ``relay.signalwire.com``."""
    return space_host(host, os.environ)[1]


class TransportError(Exception):
    """Opening a socket failed (DNS, TCP, TLS or the HTTP upgrade); the cause is chained.

    Attributes:
        cause: what failed, in the core's terms (it decides whether to retry).
        detail: the underlying error, in words.
    """

    def __init__(self, message: str, cause: FailureCause, detail: str) -> None:
        super().__init__(message)
        self.cause = cause
        self.detail = detail


#: websockets logs frames through this: described, never quoted (no credential).
_WIRE_LOG: Final = wire_logger("websockets.client")


def failure_cause(exc: BaseException) -> FailureCause:
    """Map an exception from opening a socket to the core's :class:`FailureCause`."""
    if isinstance(exc, BaseExceptionGroup):  # trio's happy eyeballs: every address failed
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
    if isinstance(exc, TimeoutError | trio.TooSlowError):
        return FailureCause.TIMEOUT
    if isinstance(exc, trio.BrokenResourceError | EOFError | ConnectionResetError):
        return FailureCause.CLOSED
    if isinstance(exc, OSError) and isinstance(exc.__cause__, BaseExceptionGroup):
        return failure_cause(exc.__cause__)
    return FailureCause.UNREACHABLE


_TEXT: Final = Opcode.TEXT
_BINARY: Final = Opcode.BINARY
_CONT: Final = Opcode.CONT
#: Plaintext taken per call when draining decrypted TLS records (one record is at most 16 KiB).
_TLS_READ_SIZE: Final = 64 * 1024


class WebSocket:
    """One open WebSocket: a sans-I/O protocol on a trio stream, no background task.

    One task reads (:meth:`receive`); any task writes (:meth:`send_texts`),
    serialized by one lock.  Pings are answered and the close handshake is
    done by the protocol as frames arrive.
    """

    def __init__(self, stream: trio.abc.Stream, protocol: ClientProtocol) -> None:
        self._stream = stream
        self._protocol = protocol
        self._lock = trio.Lock()
        self._fragments: list[bytes] = []
        self._pending: list[bytes] = []
        self._eof = False
        self._reader = False
        self._done = trio.Event()
        self.close_reason = ""
        self._frames = FrameReader(protocol, self._messages)
        self._fast_send = not protocol.debug  # frames logged at DEBUG: websockets frames them
        # The TLS object of a trio.SSLStream, to take every record already
        # received at once (see ``_drain_tls``); None for plain streams.
        self._tls: ssl.SSLObject | None = None
        if isinstance(stream, trio.SSLStream):
            tls = getattr(stream, "_ssl_object", None)  # private: without it, one record a read
            if isinstance(tls, ssl.SSLObject):
                self._tls = tls

    @property
    def open(self) -> bool:
        """Whether frames can still be sent."""
        return self._protocol.state is OPEN

    async def receive(self) -> list[bytes] | None:
        """The messages of the next read, in order (never empty); ``None`` once closed.

        Text and binary messages both come as ``bytes`` (RELAY speaks JSON, and
        the core decodes UTF-8 with the JSON).
        """
        if self._pending:
            messages, self._pending = self._pending, []
            return messages
        protocol = self._protocol
        tls = self._tls
        self._reader = True
        try:
            while not self._eof:
                try:
                    data = await self._stream.receive_some()
                except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
                    data = b""
                    self.close_reason = repr(exc.__cause__ or exc)
                messages = []
                if data:
                    self._frames.feed(data, messages)
                    if tls is not None:
                        self._drain_tls(tls, messages)
                else:
                    self._eof = True
                    self._frames.feed_eof(messages)
                if replies := protocol.data_to_send():  # pongs, the close reply, end of stream
                    async with self._lock:
                        await self._write(replies)
                if messages:
                    return messages
        except BaseException:
            self._done.set()  # nobody reads any more
            raise
        self._describe_close()
        self._done.set()
        return None

    async def send_texts(self, texts: list[str]) -> bool:
        """Write ``texts`` as text frames with one ``send_all``; ``False`` if closing.

        The caller holds :attr:`lock` (so frames taken from the core go out in
        the order they were taken).
        """
        protocol = self._protocol
        if protocol.state is not OPEN:
            return False
        if self._fast_send:
            out = protocol.data_to_send()  # anything the protocol queued goes first
            out += frame_texts(texts, apply_mask)
        else:
            send_text = protocol.send_text
            for text in texts:
                send_text(text.encode())
            out = protocol.data_to_send()
        await self._write(out)
        return True

    @property
    def lock(self) -> trio.Lock:
        """Held around every write."""
        return self._lock

    async def aclose(self) -> None:
        """Do the closing handshake (unless already closed), then close the stream.

        Unbounded: the caller sets the time limit; cancelled, the stream is
        closed at once.
        """
        try:
            if self._protocol.state is OPEN:
                async with self._lock:
                    self._protocol.send_close()
                    await self._write(self._protocol.data_to_send())
                if self._reader:
                    await self._done.wait()  # the reader sees the server's close
                else:
                    while await self.receive() is not None:
                        pass  # the server's last frames: nobody listens any more
        except BaseException:
            await trio.aclose_forcefully(self._stream)
            raise
        with suppress(trio.BrokenResourceError, trio.ClosedResourceError):
            await self._stream.aclose()

    # -- internals ------------------------------------------------------------------

    def _drain_tls(self, tls: ssl.SSLObject, messages: list[bytes]) -> None:
        """Feed the protocol every TLS record the last read already brought in.

        ``SSLStream.receive_some`` decrypts one record per call, so a server
        that writes each reply as its own record would cost one read (and one
        flush of replies) per record, though the socket read took them all.
        The records left in the TLS buffer are decrypted here without I/O;
        the next ``receive_some`` goes back to the socket.  Any bytes the
        TLS object wants to send (a key update reply) stay in its buffer and
        leave, in order, with the next write.
        """
        frames = self._frames
        while True:
            try:
                data = tls.read(_TLS_READ_SIZE)
            except ssl.SSLWantReadError:  # no whole record left
                return
            except ssl.SSLError as exc:  # close_notify, or a broken stream
                self.close_reason = self.close_reason or repr(exc)
                self._eof = True
                frames.feed_eof(messages)
                return
            if not data:
                return
            frames.feed(data, messages)

    def _messages(self, events: Sequence[object]) -> list[bytes]:
        messages: list[bytes] = []
        for event in events:
            if not isinstance(event, Frame):
                continue
            opcode = event.opcode
            data = cast(bytes, event.data)  # parsed frames carry bytes
            if opcode is _TEXT or opcode is _BINARY:
                if event.fin:
                    messages.append(data)
                else:
                    self._fragments = [data]
            elif opcode is _CONT:
                self._fragments.append(data)
                if event.fin:
                    messages.append(b"".join(self._fragments))
                    self._fragments = []
        return messages

    async def _write(self, chunks: list[bytes]) -> None:
        """Write ``chunks`` (from ``data_to_send()``) in one ``send_all`` (lock held)."""
        end = bool(chunks) and not chunks[-1]
        data = b"".join(chunks)
        try:
            if data:
                await self._stream.send_all(data)
            if end and isinstance(self._stream, trio.abc.HalfCloseableStream):
                await self._stream.send_eof()
        except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            # The reader sees the broken stream and reports the close.
            self.close_reason = self.close_reason or repr(exc.__cause__ or exc)

    def _describe_close(self) -> None:
        protocol = self._protocol
        received = protocol.close_rcvd
        if received is not None:
            self.close_reason = f"code {received.code} {received.reason!r}".strip()
        elif not self.close_reason:
            self.close_reason = "the stream ended without a close frame"


def _upgrade_data(ws: WebSocket, protocol: ClientProtocol, data: bytes, seen: bytes) -> bytes:
    """Feed one read of the upgrade; the last bytes fed (``seen`` for the next read).

    The protocol gets the response head alone; what follows goes through the
    frame reader, whose fast path needs the protocol's parser at a frame
    boundary (see relay_trio._wsframes).
    """
    window = seen + data
    end = window.find(b"\r\n\r\n")
    if end < 0:
        protocol.receive_data(data)
        return window[-3:]
    cut = end + 4 - len(seen)
    protocol.receive_data(data[:cut])
    # Frames sent right after the 101 arrive in the same read: keep them.
    messages = ws._messages(protocol.events_received())
    if rest := data[cut:]:
        if protocol.state is OPEN:
            ws._frames.feed(rest, messages)
        else:  # no upgrade (a body follows), or a failed one
            protocol.receive_data(rest)
            messages += ws._messages(protocol.events_received())
    ws._pending = messages
    return b""


async def _handshake(stream: trio.abc.Stream, url: str) -> WebSocket:
    protocol = ClientProtocol(parse_uri(url), max_size=MAX_MESSAGE_SIZE, logger=_WIRE_LOG)
    request = protocol.connect()
    request.headers["User-Agent"] = USER_AGENT
    protocol.send_request(request)
    await stream.send_all(b"".join(protocol.data_to_send()))
    ws = WebSocket(stream, protocol)
    seen = b""  # the last bytes fed: the end of the response head may straddle reads
    while protocol.state is State.CONNECTING and protocol.handshake_exc is None:
        data = await stream.receive_some()
        if data:
            seen = _upgrade_data(ws, protocol, bytes(data), seen)
        else:
            protocol.receive_eof()
            if protocol.handshake_exc is None:
                raise trio.BrokenResourceError("the server closed during the upgrade")
    if protocol.handshake_exc is not None:
        raise protocol.handshake_exc
    return ws


@asynccontextmanager
async def open_socket(
    url: str, context: ssl.SSLContext | None, *, connect_timeout: float, close_timeout: float
) -> AsyncIterator[WebSocket]:
    """One WebSocket to ``url``.

    The TLS handshake is done before the upgrade, so a certificate that
    fails verification is reported as such.  On exit the socket is closed,
    gracefully unless the caller is being cancelled, within ``close_timeout``.

    Raises:
        TransportError: the socket could not be opened.
    """
    target = endpoint(url, name="url")
    host, port = target.host, target.port
    stream: trio.abc.Stream | None = None
    in_tls = False
    try:
        with trio.fail_after(connect_timeout):
            stream = await trio.open_tcp_stream(host, port)
            if context is not None:
                stream = trio.SSLStream(stream, context, server_hostname=host)
                in_tls = True
                await stream.do_handshake()
                in_tls = False
            ws = await _handshake(stream, url)
    except (
        OSError,
        trio.BrokenResourceError,
        trio.TooSlowError,
        InvalidHandshake,
        InvalidURI,
    ) as exc:
        if stream is not None:
            await trio.aclose_forcefully(stream)
        failure = exc.__cause__ if isinstance(exc, trio.BrokenResourceError) else exc
        failure = failure or exc
        cause = failure_cause(failure)
        if in_tls and cause is not FailureCause.TIMEOUT:
            cause = FailureCause.TLS  # whatever broke the TLS handshake (a reset, a non-TLS peer)
        raise TransportError(
            f"cannot open {url}: {failure!r}", cause, str(failure) or repr(failure)
        ) from failure
    except BaseException:
        if stream is not None:
            await trio.aclose_forcefully(stream)
        raise
    try:
        yield ws
    finally:
        with trio.move_on_after(close_timeout):
            await ws.aclose()
        await trio.aclose_forcefully(stream)
