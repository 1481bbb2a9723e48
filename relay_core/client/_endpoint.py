"""Where a client connects: the RELAY URL rules and the frame limit, decided once.

RELAY.md A: ``wss://<host>`` with no path and no query; the host is a Space
host (``example.signalwire.com``) or ``host:port``; a full ``ws://`` /
``wss://`` URL is accepted too (tests and the fake server use
``ws://127.0.0.1:<port>``).  Both adapters' ``relay_url`` /
``websocket_url`` are this module's :func:`endpoint`, so the same host is
accepted or refused alike, with the same error.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Final, final

import attrs

from .._errors import InvalidArgumentError
from ._connect_policy import DEFAULT_HOST

__all__ = ["MAX_FRAME_BYTES", "Endpoint", "check_tls_option", "endpoint", "space_host"]

#: RELAY.md A: the largest inbound frame (10 MiB); the socket closes (1009) above it.
MAX_FRAME_BYTES: Final = 10 * 1024 * 1024

#: Never in a host: ``@`` (credentials in a URL would reach log lines), a path,
#: a query, a fragment, whitespace or line breaks.
_BAD_CHARS: Final = frozenset("@/?#\\\r\n\t ")
_SCHEMES: Final = ("ws://", "wss://")


@final
@attrs.frozen(slots=True)
class Endpoint:
    """A validated RELAY endpoint.

    Attributes:
        url: what to open (``wss://host[:port]`` or the ``ws(s)://`` URL given).
        secure: whether it is ``wss://`` (TLS, verified).
        host: the host name or address (IPv6 without brackets).
        port: the TCP port (443 / 80 when the URL names none).
    """

    url: str
    secure: bool
    host: str
    port: int


def _shown(host: str) -> str:
    """``host`` for an error message: anything before an ``@`` may be a credential."""
    if "@" in host:
        scheme, sep, rest = host.rpartition("://")
        rest = rest.rpartition("@")[2]
        host = f"{scheme}{sep}***@{rest}"
    return repr(host)


def _refuse(name: str, host: str, why: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"{name}: {_shown(host)} {why}")


def endpoint(host: object, *, name: str = "host") -> Endpoint:
    """Validate a Space host, ``host:port`` or ``ws(s)://`` URL; return where to connect.

    A bare ``host[:port]`` gets ``wss://``.  A URL keeps its scheme and may
    end in ``/``, nothing more.

    Raises:
        InvalidArgumentError: naming ``name`` and the value (with anything
            before an ``@`` hidden): not a string, empty, credentials
            (``user@``), a path, query or fragment, whitespace or line
            breaks or other unprintable characters, an unknown scheme, no
            host, or a port not in 1-65535.
    """
    if not isinstance(host, str) or not host:
        raise InvalidArgumentError(
            f"{name}: {host!r} is not a host[:port] (e.g. example.signalwire.com) "
            "nor a ws:// or wss:// URL"
        )
    secure = not host.startswith("ws://")
    url = host
    rest = host
    if host.startswith(_SCHEMES):
        rest = host.split("://", 1)[1]
        if rest.endswith("/"):
            rest = rest[:-1]
    elif "://" in host:
        raise _refuse(name, host, "has a scheme other than ws:// or wss://")
    else:
        url = f"wss://{host}"
    if "@" in rest:
        raise _refuse(name, host, "has credentials (user@): never put them in the URL")
    if _BAD_CHARS.intersection(rest) or not rest.isprintable():
        raise _refuse(
            name,
            host,
            "is not a bare host[:port] (e.g. example.signalwire.com) nor a ws:// or wss:// "
            "URL without path or query",
        )
    try:
        parts = urllib.parse.urlsplit(f"//{rest}")
    except ValueError:  # an unbalanced [ or ], or a netloc NFKC would change
        raise _refuse(name, host, "is not a valid host[:port]") from None
    try:
        port = parts.port
    except ValueError:
        raise _refuse(name, host, "has an invalid port (1-65535)") from None
    if port == 0 or (port is None and rest.endswith(":")):
        raise _refuse(name, host, "has an invalid port (1-65535)")
    if not parts.hostname:
        raise _refuse(name, host, "names no host")
    return Endpoint(
        url=url,
        secure=secure,
        host=parts.hostname,
        port=port if port is not None else (443 if secure else 80),
    )


def space_host(host: str | None, env: Mapping[str, str]) -> tuple[str, bool]:
    """The host to use and whether it is the fallback ``relay.signalwire.com``.

    ``host`` if given (non-empty), else ``SIGNALWIRE_SPACE``, else
    :data:`DEFAULT_HOST` (the official SDK's default; ``True`` then, so
    :class:`ConnectPolicy` says a failure there is a missing Space).
    """
    chosen = host or env.get("SIGNALWIRE_SPACE") or None
    return (DEFAULT_HOST, True) if chosen is None else (chosen, False)


def check_tls_option(url: str, given: bool, *, name: str) -> None:
    """Refuse a TLS context for a ``ws://`` URL, before anything is opened.

    A context says "verify this way"; on a plain socket it would be silently
    unused, so a program that meant ``wss://`` would talk in clear without a
    word.  Both adapters refuse it alike (``ssl_context=`` in relay_trio,
    ``ssl=`` in relay_asyncio).  ``SIGNALWIRE_RELAY_CA_FILE`` is different: a
    machine-wide setting, it applies to ``wss://`` URLs only and is ignored for
    ``ws://`` ones (the fake server on loopback).

    Raises:
        InvalidArgumentError: ``given`` and ``url`` is ``ws://``, naming ``name``.
    """
    if given and url.startswith("ws://"):
        raise InvalidArgumentError(
            f"{name}: a TLS context was given, but {url!r} is a ws:// URL (no TLS): "
            f"use a wss:// URL or drop {name}"
        )
