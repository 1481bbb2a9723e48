"""Where to connect and how: the RELAY URL, TLS, and one WebSocket per attempt.

RELAY.md A: ``wss://<host>`` with no path; the host is a Space host or
``host:port``; a full ``ws://`` / ``wss://`` URL is accepted too (tests and
the fake server use ``ws://127.0.0.1:<port>``).  TLS verification is always
on; ``SIGNALWIRE_RELAY_CA_FILE`` (or ``ssl_context=``) adds a custom CA.
"""

from __future__ import annotations

import os
import ssl
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import trio
from trio_websocket import HandshakeError, WebSocketConnection, wrap_client_stream

from relay_core import LocalProtocolError

__all__ = [
    "DEFAULT_HOST",
    "MAX_MESSAGE_SIZE",
    "TransportError",
    "open_socket",
    "relay_url",
    "tls_context",
]

#: What the official SDK dials when nothing is configured.
DEFAULT_HOST: Final = "relay.signalwire.com"
#: RELAY.md A: the largest inbound frame (the socket closes with 1009 above it).
MAX_MESSAGE_SIZE: Final = 10 * 1024 * 1024
#: Frames buffered between trio-websocket's reader and ours.
MESSAGE_QUEUE_SIZE: Final = 64
_BAD_HOST_CHARS: Final = frozenset("@/?#\r\n\t ")


def relay_url(host: str | None = None) -> str:
    """Turn a Space host, ``host:port`` or ``ws(s)://`` URL into the URL to open.

    ``None`` means ``SIGNALWIRE_SPACE``, then ``relay.signalwire.com``.

    Raises:
        LocalProtocolError: ``host`` is neither a bare ``host[:port]`` nor a
            ``ws://`` / ``wss://`` URL.
    """
    host = host or os.environ.get("SIGNALWIRE_SPACE") or DEFAULT_HOST
    url = host
    if not host.startswith(("ws://", "wss://")):
        if "://" in host or _BAD_HOST_CHARS.intersection(host):
            raise LocalProtocolError(
                f"host: {host!r} is not a host[:port] (e.g. example.signalwire.com) "
                "nor a ws:// or wss:// URL"
            )
        url = f"wss://{host}"
    parts = urllib.parse.urlsplit(url)
    try:
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError:
        raise LocalProtocolError(f"host: {host!r} has an invalid port") from None
    if not parts.hostname:
        raise LocalProtocolError(f"host: {host!r} names no host")
    return url


def tls_context(url: str, ssl_context: ssl.SSLContext | None = None) -> ssl.SSLContext | None:
    """The TLS context for ``url``: ``None`` for ``ws://``, verifying for ``wss://``.

    Without ``ssl_context`` a default (verifying) context is built, trusting
    the CA bundle named by ``SIGNALWIRE_RELAY_CA_FILE`` on top of the system's.

    Raises:
        LocalProtocolError: ``ssl_context`` was given for a ``ws://`` URL.
    """
    if url.startswith("ws://"):
        if ssl_context is not None:
            raise LocalProtocolError(f"ssl_context: given, but {url!r} is not a wss:// URL")
        return None
    if ssl_context is not None:
        return ssl_context
    context = ssl.create_default_context()
    ca_file = os.environ.get("SIGNALWIRE_RELAY_CA_FILE")
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


class TransportError(Exception):
    """Opening a socket failed (DNS, TCP, TLS or the HTTP upgrade); the cause is chained."""


@asynccontextmanager
async def open_socket(
    url: str, context: ssl.SSLContext | None, *, connect_timeout: float, close_timeout: float
) -> AsyncIterator[WebSocketConnection]:
    """One WebSocket to ``url``, owning the nursery of trio-websocket's reader.

    The TLS handshake is done here, before the upgrade, so a certificate
    that fails verification is reported as such (trio-websocket alone would
    only report a timeout).  On exit the socket is closed, gracefully unless
    the caller is being cancelled, within ``close_timeout``.

    Raises:
        TransportError: the socket could not be opened.
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if context is not None else 80)
    resource = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    failure: BaseException | None = None
    async with trio.open_nursery() as nursery:
        try:
            with trio.fail_after(connect_timeout):
                stream: trio.SocketStream | trio.SSLStream[trio.SocketStream]
                stream = await trio.open_tcp_stream(host, port)
                if context is not None:
                    stream = trio.SSLStream(stream, context, server_hostname=host)
                    await stream.do_handshake()
                ws = await wrap_client_stream(
                    nursery,
                    stream,
                    parts.netloc.rpartition("@")[2],
                    resource,
                    message_queue_size=MESSAGE_QUEUE_SIZE,
                    max_message_size=MAX_MESSAGE_SIZE,
                )
        except (OSError, trio.BrokenResourceError, trio.TooSlowError, HandshakeError) as exc:
            failure = exc.__cause__ if isinstance(exc, trio.BrokenResourceError) else exc
            failure = failure or exc
        else:
            try:
                yield ws
            finally:
                with trio.move_on_after(close_timeout):
                    await ws.aclose()
        # Let trio-websocket's reader finish the close handshake, briefly.
        nursery.cancel_scope.deadline = trio.current_time() + close_timeout
    if failure is not None:
        raise TransportError(f"cannot open {url}: {failure!r}") from failure
