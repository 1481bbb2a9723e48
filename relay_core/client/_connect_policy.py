"""Which connection failures are worth retrying, and for how long: decided once, for both adapters.

Theory of operation
-------------------
An adapter that fails to open a socket (or whose socket closes before the
server accepts ``signalwire.connect``) maps its own exception to a
:class:`FailureCause` (a tiny function per adapter) and asks its
:class:`ConnectPolicy` what to do: sleep the returned delay and try again,
or raise the returned :class:`ConnectionFailedError`.

The rules:

* **An established session** (one ``signalwire.connect`` was accepted) is
  always reconnected, with the session's backoff: the network may come back.
  Only the session itself gives up (``reconnect_delay() is None``, e.g. after
  ``max_auth_failures`` rejected logins).
* **The first connection** retries only what looks transient: refused,
  unreachable, timed out, closed during the opening handshake, HTTP 5xx or
  429.  Those are retried with the session's backoff while the next attempt
  still starts within ``open_timeout`` of the first; then the last failure is
  raised.  A DNS failure, a TLS failure (an untrusted certificate, ``wss://``
  to a ``ws://`` server), another HTTP status or a server that does not
  speak WebSocket is a configuration error: raised at once.
* **The default host** (no ``host``, no ``SIGNALWIRE_SPACE``):
  ``relay.signalwire.com`` is dialled, and any failure of the first
  connection is raised at once, naming that host and saying why it was used.
* **A rejected login** (``signalwire.connect`` answered with an error) on the
  first connection is not retried: the credentials are wrong
  (:func:`retry_rejected_login`).
"""

from __future__ import annotations

import enum
import math
from typing import Final, final

from .._errors import LOCAL_FAILURE_CODE, RelayError

__all__ = [
    "DEFAULT_HOST",
    "ConnectPolicy",
    "ConnectionFailedError",
    "FailureCause",
    "http_status_cause",
    "retry_rejected_login",
]

#: What the official SDK dials when neither ``host`` nor ``SIGNALWIRE_SPACE`` is set.
DEFAULT_HOST: Final = "relay.signalwire.com"


class FailureCause(enum.StrEnum):
    """Why a connection attempt failed, as both adapters name it."""

    REFUSED = "connection refused"
    UNREACHABLE = "network or host unreachable"
    DNS = "host name not found"
    TLS = "TLS handshake failed"
    TIMEOUT = "timed out"
    CLOSED = "closed before the session started"
    HTTP_UNAVAILABLE = "server unavailable (HTTP 5xx or 429)"
    HTTP_REJECTED = "WebSocket upgrade refused"
    PROTOCOL = "not a WebSocket server"


#: Worth another attempt on the first connection (within ``open_timeout``).
TRANSIENT: Final = frozenset(
    {
        FailureCause.REFUSED,
        FailureCause.UNREACHABLE,
        FailureCause.TIMEOUT,
        FailureCause.CLOSED,
        FailureCause.HTTP_UNAVAILABLE,
    }
)


def http_status_cause(status: int) -> FailureCause:
    """The cause for an HTTP upgrade answered with ``status`` instead of 101."""
    if status >= 500 or status == 429:
        return FailureCause.HTTP_UNAVAILABLE
    return FailureCause.HTTP_REJECTED


def retry_rejected_login(*, established: bool, failures: int, limit: int) -> bool:
    """Whether a login the server rejected is tried again.

    Never on the first connection (wrong credentials do not get better);
    after a session was established, up to ``limit`` consecutive rejections
    (a server restarting may reject a resume for a moment).
    """
    return established and failures < limit


class ConnectionFailedError(RelayError):
    """No RELAY session could be opened with ``host``; nothing was sent.

    Attributes:
        host: the URL dialled (``wss://relay.signalwire.com`` by default).
        cause: the :class:`FailureCause` of the last attempt.
        detail: the underlying error, in words (never a credential).
    """

    def __init__(self, host: str, cause: FailureCause, detail: str, *, note: str = "") -> None:
        message = f"cannot connect to RELAY at {host}: {cause.value}"
        if detail:
            message += f" ({detail})"
        if note:
            message += f"; {note}"
        super().__init__(LOCAL_FAILURE_CODE, message)
        self.host = host
        self.cause = cause
        self.detail = detail


_DEFAULT_NOTE: Final = (
    f"no host was given and SIGNALWIRE_SPACE is not set, so the default {DEFAULT_HOST} "
    "was used: pass host= or set SIGNALWIRE_SPACE to your Space"
)


@final
class ConnectPolicy:
    """The retry decision for one client's connection attempts (sans-IO: time comes in).

    Args:
        url: the URL dialled, named in every error.
        open_timeout: budget for the first session, from :meth:`start`
            (``None``: unbounded).
        default_host: the URL is the default host's, chosen for lack of one.
        timeout_type: the class raised when the budget runs out (an adapter
            may add its loop's timeout exception, e.g. ``trio.TooSlowError``).
    """

    def __init__(
        self,
        url: str,
        *,
        open_timeout: float | None,
        default_host: bool,
        timeout_type: type[ConnectionFailedError] = ConnectionFailedError,
    ) -> None:
        self.url = url
        self.open_timeout = open_timeout
        self.default_host = default_host
        self._timeout_type = timeout_type
        self._deadline = math.inf

    def start(self, *, now: float) -> None:
        """The first attempt begins: the ``open_timeout`` budget starts."""
        self._deadline = math.inf if self.open_timeout is None else now + self.open_timeout

    @property
    def deadline(self) -> float:
        """When the first session must have started (``inf``: no bound)."""
        return self._deadline

    def remaining(self, *, now: float) -> float:
        """Seconds left of the first-connection budget (never negative)."""
        return max(0.0, self._deadline - now)

    def failed(
        self,
        cause: FailureCause,
        detail: str,
        *,
        now: float,
        delay: float | None,
        established: bool,
    ) -> float | ConnectionFailedError:
        """An attempt failed: the delay before the next one, or the error to raise.

        ``delay`` is the session's ``reconnect_delay()`` (``None``: the
        session gave up; the adapter raises the session's own error then).
        """
        if delay is None:
            return self.error(cause, detail)
        if established:
            return delay
        if self.default_host or cause not in TRANSIENT:
            return self.error(cause, detail)
        if now + delay >= self._deadline:
            return self.error(cause, detail, gave_up=True)
        return delay

    def timed_out(
        self, last: FailureCause | None = None, detail: str = ""
    ) -> ConnectionFailedError:
        """The ``open_timeout`` budget ran out before a session started.

        ``last`` is the cause of the last failed attempt, if any.
        """
        return self.error(last or FailureCause.TIMEOUT, detail, gave_up=True)

    def error(
        self, cause: FailureCause, detail: str, *, gave_up: bool = False
    ) -> ConnectionFailedError:
        """The error naming the host, ``cause`` and ``detail``."""
        note = _DEFAULT_NOTE if self.default_host else ""
        if gave_up and self.open_timeout is not None:
            extra = f"no RELAY session within open_timeout={self.open_timeout:g} s"
            note = f"{extra}; {note}" if note else extra
            return self._timeout_type(self.url, cause, detail, note=note)
        return ConnectionFailedError(self.url, cause, detail, note=note)
