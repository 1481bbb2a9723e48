"""Opening one WebSocket for relay_asyncio, with failures named in the core's terms.

:func:`failure_cause` is this adapter's tiny map from its exceptions to
:class:`relay_core.FailureCause`; whether to retry is the core's
:class:`relay_core.ConnectPolicy`.  websockets logs through
:func:`relay_core.wire_logger`: frames are described, never quoted.
"""

from __future__ import annotations

import functools
import socket
import ssl
import traceback
from typing import Any, Final

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
    WebSocketException,
)

from relay_core import ConnectionFailedError, FailureCause, http_status_cause, wire_logger

__all__ = ["close_detail", "failure_cause", "open_socket"]

#: websockets logs frames through this: described, never quoted (no credential).
_WIRE_LOG: Final = wire_logger("websockets.client")


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
) -> ClientConnection:
    """One WebSocket to ``url`` (TCP, TLS, HTTP upgrade within ``open_timeout``).

    Raises:
        ConnectionFailedError: naming ``url`` and the cause; the error is chained.
    """
    if context is None and url.startswith("wss://"):
        context = _default_context()
    options: dict[str, Any] = {} if context is None else {"ssl": context}
    try:
        return await connect(
            url,
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
