"""The trio client: one nursery, one reader, one timer, one write lock.

Theory of operation
-------------------
``open_relay_client`` owns a nursery with two tasks.  The *socket task*
opens a WebSocket, calls ``connection_made``, then reads: every message of
one read goes to ``receive_text``, the events are dispatched to waiters,
then the replies the core queued are flushed at once (one lock, one
``send_all``: the acks of one read leave as one write).  When the socket
drops it calls ``connection_lost``, sleeps ``reconnect_delay()`` and starts
again; the core decides what survives (RELAY.md C.7).  The *timer task*
sleeps until ``next_deadline()``; after a mutation, only a deadline that
moved moves its sleep (no wake-up per frame).

User commands run in the caller's task: ``session.send(...)`` (sync: it
checks and queues), a flush, then a wait on a :class:`Waiter` keyed by what
the matching event carries (request id, dial tag, A-leg call id,
control id).  Dispatch is synchronous and never awaits user code.  A
cancelled dial or connect calls the core's ``abandon_*`` (sync) and
flushes under a shield with a short bound, so the server still sees a
``calling.end`` for every leg.  Flushes are shielded because frames taken
from the core must reach the socket (an event ack lost to a cancellation
would be a protocol error).

The client is built in layers, one module each (``_base``,
``_session_loop``, ``_commands``, ``_dispatch``, then this one: the public
API); relay_trio._base says which part does what.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any, NoReturn

import trio

from relay_core import (
    CLIENT_EVENT_BUFFER,
    ConnectionFailedError,
    ConnectPolicy,
    Device,
    Dial,
    Event,
    InvalidArgumentError,
    JSONObject,
    RawRequest,
    Receive,
    RelayConfig,
    RelaySession,
    SessionStatistics,
    Unreceive,
    check_count,
    check_secret,
    check_text,
    check_timeout,
    credentials_from,
    work_error,
)
from relay_core import DialTimeoutError as CoreDialTimeoutError

from ._call import Call
from ._message import Messaging
from ._serve import serve
from ._sync import EventStream
from ._transport import is_default_host, relay_url, tls_context

__all__ = ["DialTimeoutError", "OpenTimeoutError", "RelayClient", "open_relay_client"]

log = logging.getLogger("relay_trio")


class DialTimeoutError(CoreDialTimeoutError, trio.TooSlowError):
    """``dial_timeout`` passed before the dial was answered or failed.

    Every leg of the dial was ended.  The core's
    :class:`relay_core.DialTimeoutError` (what relay_asyncio raises: a
    :class:`relay_core.DialError` with ``reason == "timeout"`` and a
    :class:`TimeoutError`) and a :class:`trio.TooSlowError`, so any of
    those ``except`` clauses catches it.
    """


class OpenTimeoutError(ConnectionFailedError, trio.TooSlowError):
    """No RELAY session within ``open_timeout``.

    Both a :class:`relay_core.ConnectionFailedError` (what ``relay_asyncio``
    raises for the same failure) and a :class:`trio.TooSlowError`.
    """


class RelayClient(Messaging):
    """A connected RELAY client; get one from :func:`open_relay_client`."""

    def __repr__(self) -> str:
        return f"<RelayClient {self._url} {self._session.state.value} calls={len(self._calls)}>"

    # -- public API ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The WebSocket URL this client connects to."""
        return self._url

    @property
    def contexts(self) -> tuple[str, ...]:
        """The contexts inbound calls arrive on (re-sent on every resume)."""
        return self._session.contexts

    def statistics(self) -> SessionStatistics:
        """The session's counters (malformed frames, live calls, ...)."""
        return self._session.statistics()

    async def dial(
        self,
        devices: Iterable[Iterable[Device | JSONObject]],
        *,
        tag: str | None = None,
        max_duration: float | None = None,
        dial_timeout: float | None = 120.0,
        region: str | None = None,
        max_price_per_minute: float | None = None,
    ) -> Call:
        """Dial a device plan and return the answered call.

        ``devices`` is a serial list of parallel groups (RELAY.md F.1), as
        typed devices or the official SDK's dicts.  Cancelling this (or an
        enclosing scope) ends every leg of the dial.

        Raises:
            DialError: the dial failed; ``.reason`` is the server's
                (``busy``, ``noAnswer``, ...) or ``session_lost``.
            RequestError: the server rejected ``calling.dial``
                (:class:`RequestTimeoutError`: left it unanswered).
            DialTimeoutError: ``dial_timeout`` passed (every leg was ended).
            InvalidArgumentError: an argument is invalid; nothing was sent.
            LocalProtocolError: the dial cannot start now (duplicate tag,
                call cap); nothing was sent.
        """
        dial_timeout = check_timeout("dial_timeout", dial_timeout, allow_none=True)
        command = Dial(
            devices=devices,
            tag=tag,
            max_duration=max_duration,
            region=region,
            max_price_per_minute=max_price_per_minute,
        )
        tag_ = command.tag
        outcome, cause = await self._await_outcome(command, self._dials, tag_, dial_timeout)
        if outcome is None:
            assert dial_timeout is not None
            raise DialTimeoutError(tag_, dial_timeout)
        event, call = outcome
        if call is not None:
            return call
        raise work_error(event.error(), cause)

    def incoming_calls(self) -> trio.MemoryReceiveChannel[Call]:
        """Inbound calls offered on this client's contexts: ``async for call in ...``.

        Each call goes to one consumer; iteration ends when the client closes.
        While nobody takes them, up to ``max_pending_calls`` offers wait; the
        next ones are passed back to the server (``calling.pass``).
        """
        return self._incoming_out.clone()

    #: ``client.serve(handler)`` is :func:`relay_trio.serve` ``(client, handler)``.
    serve = serve

    async def receive(self, contexts: Iterable[str]) -> None:
        """Start receiving inbound calls on more contexts (kept across resumes)."""
        await self._request(Receive(contexts=contexts))

    async def unreceive(self, contexts: Iterable[str]) -> None:
        """Stop receiving inbound calls on some contexts."""
        await self._request(Unreceive(contexts=contexts))

    async def execute(self, method: str, params: JSONObject | None = None) -> JSONObject:
        """Send any other RELAY method and return its (code-checked) result."""
        raw = {} if params is None else dict(params) if isinstance(params, Mapping) else params
        return await self._request(RawRequest(method=method, params=raw))

    def events(self, *, maxlen: int = CLIENT_EVENT_BUFFER) -> EventStream[Event]:
        """Every core event from now on, as an async iterator (a tap for logs and UIs).

        Never slows the client: past ``maxlen`` unread events the oldest are
        dropped (counted in the stream's ``dropped``).  Ends when the client closes.
        """
        return self._tap.subscribe(check_count("maxlen", maxlen))


def _config(
    project: str | None,
    token: str | None,
    jwt_token: str | None,
    contexts: Iterable[str],
    options: dict[str, Any],
) -> RelayConfig:
    chosen = credentials_from(project, token, jwt_token, os.environ)  # the core's precedence
    return RelayConfig(
        project=chosen.project,
        token=chosen.token,
        jwt_token=chosen.jwt_token,
        contexts=tuple(contexts),
        **options,
    )


def _reraise(exc: BaseException) -> NoReturn:
    """Raise ``exc`` out of an ``except`` block without chaining the group to it."""
    context = exc.__context__
    try:
        raise exc
    finally:
        exc.__context__ = context


@asynccontextmanager
async def open_relay_client(
    *,
    project: str | None = None,
    token: str | None = None,
    jwt_token: str | None = None,
    host: str | None = None,
    contexts: Iterable[str] = (),
    ssl_context: ssl.SSLContext | None = None,
    config: RelayConfig | None = None,
    open_timeout: float | None = 30.0,
    close_timeout: float = 1.0,
    max_pending_calls: int = 100,
    **options: Any,
) -> AsyncIterator[RelayClient]:
    """Connect to RELAY, authenticate, and yield a :class:`RelayClient`.

    Credentials default to ``SIGNALWIRE_PROJECT_ID`` / ``SIGNALWIRE_API_TOKEN``
    (or ``SIGNALWIRE_JWT_TOKEN``; which wins is :func:`relay_core.credentials_from`'s
    rule, as in relay_asyncio), the host to ``SIGNALWIRE_SPACE``, and
    without either to ``relay.signalwire.com`` (as the official SDK; any
    failure to reach it is then raised at once, saying so).  ``host`` may be
    a Space host, ``host:port`` (both ``wss://``) or a full ``ws://`` /
    ``wss://`` URL.  Other keyword arguments (``request_timeout``,
    ``reconnect_base``, ...) go to :class:`relay_core.RelayConfig`; or pass a
    whole ``config``.

    Entering waits for the first session, at most ``open_timeout`` seconds;
    which failures are retried meanwhile is :class:`relay_core.ConnectPolicy`'s
    decision (refused or timed out: yes; DNS, TLS, wrong credentials: no).
    Leaving, normally or not, ends every leg still ringing, closes the socket
    within ``close_timeout`` and leaves no task behind.  A lost socket is
    reconnected and the session resumed.

    Raises:
        ConnectionFailedError: no session could be opened; names the host
            and the cause (:class:`OpenTimeoutError`, also a
            :class:`trio.TooSlowError`, once ``open_timeout`` ran out).
        AuthenticationError: the server rejected the credentials.
        InvalidArgumentError: an argument or option is invalid (nothing was opened).
        LocalProtocolError: the credentials or host are invalid.
    """
    open_timeout = check_timeout("open_timeout", open_timeout, allow_none=True)
    close_timeout = check_timeout("close_timeout", close_timeout)
    max_pending_calls = check_count("max_pending_calls", max_pending_calls, minimum=0)
    check_text("host", host or None, allow_none=True)
    check_text("project", project or None, allow_none=True)  # before a config is refused
    check_secret("token", token or None)
    check_secret("jwt_token", jwt_token or None)
    if ssl_context is not None and not isinstance(ssl_context, ssl.SSLContext):
        raise InvalidArgumentError(f"ssl_context: {ssl_context!r} is not an ssl.SSLContext")
    if config is None:
        config = _config(project, token, jwt_token, contexts, options)
    elif project or token or jwt_token or contexts or options:
        raise TypeError("open_relay_client: give config or credentials and options, not both")
    url = relay_url(host or None)
    policy = ConnectPolicy(
        url,
        open_timeout=open_timeout,
        default_host=is_default_host(host),
        timeout_type=OpenTimeoutError,
    )
    client = RelayClient(
        RelaySession(config),
        url,
        tls_context(url, ssl_context),
        close_timeout=close_timeout,
        max_pending_calls=max_pending_calls,
        policy=policy,
    )
    body_error: BaseException | None = None
    try:
        async with trio.open_nursery() as nursery:
            client._nursery = nursery
            nursery.start_soon(client._run_socket)
            nursery.start_soon(client._run_timer)
            try:
                policy.start(now=trio.current_time())
                await client._wait_open(open_timeout)
                yield client
            except BaseException as exc:
                body_error = exc
                raise
            finally:
                await client._shutdown()
    except BaseExceptionGroup as group:
        # Our tasks never raise: the group holds the body's exception (one
        # level only; a group the body raised itself stays a group).
        errors = [exc for exc in group.exceptions if not isinstance(exc, trio.Cancelled)]
        if len(errors) == 1:
            if client._failure is not None:
                log.error("the RELAY client failed too: %r", client._failure)
            _reraise(errors[0])
        if errors:
            raise
        if client._failure is None:
            _reraise(group.exceptions[0])
    if client._failure is not None:
        if body_error is not None and not isinstance(body_error, trio.Cancelled):
            log.error("the RELAY client failed too: %r", client._failure)
            _reraise(body_error)
        _reraise(client._failure)
