"""RelayClient: the official SDK's client, built on relay_core, asyncio and websockets.

Inside one ``async with client:`` (or ``client.run()``) an ``asyncio.TaskGroup``
owns three tasks, plus the user's handler and listener tasks:

* the reader (``_run_socket``): the socket feeds the core per read (every
  message of one ``data_received`` → ``receive_text``, dispatched every 32
  messages → one flush; ``on_call`` handlers start at most 64 per loop turn);
  when the socket closes it runs the core's reconnect policy
  (``connection_lost`` → ``reconnect_delay`` → ``connection_made``);
* the writer: sends, in order, every other frame the core queued (a read's
  replies are written at once, in the same step).  Both are synchronous
  hand-offs, so a cancelled caller can never cut a batch in half: the
  ``calling.end`` frames of an abandoned dial leave even though the
  ``dial()`` that produced them is gone;
* the timer (``_run_timer``): sleeps until ``next_deadline()``; after the mutations of one
  loop iteration it is re-armed only if the deadline moved earlier.

Leaving abandons every dial and connect in progress (the core queues
``calling.end`` for their legs), lingers at most ``CLOSE_GRACE`` until the
writer is dry and that work has settled, closes the socket and cancels every
task.

The client is built in layers, one module each (``_base``,
``_session_loop``, ``_commands``, ``_dispatch``, then this one: the public
API); relay_asyncio._base says which part does what.

This module knows no RELAY: it moves frames, reads the clock
(``loop.time()``) and wakes waiters keyed by request id, tag, call id and
control id.  Every protocol decision is the core's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import ssl as ssl_module
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

from relay_core import (
    ConnectPolicy,
    Dial,
    DialTimeoutError,
    InvalidArgumentError,
    JSONObject,
    LocalProtocolError,
    RawRequest,
    Receive,
    RelayConfig,
    RelayError,
    RelaySession,
    SessionClosedError,
    SessionStatistics,
    Unreceive,
    check_contexts,
    check_count,
    check_text,
    check_timeout,
    check_tls_option,
    credentials_from,
    endpoint,
    max_calls_from,
    space_host,
    work_error,
)

from ._base import CallHandler
from ._call import Call
from ._message import Messaging

__all__ = ["CallHandler", "RelayClient", "websocket_url"]

log = logging.getLogger("relay_asyncio")


def websocket_url(host: str | None = None) -> str:
    """Turn a Space host (``example.signalwire.com``, ``host:port``) or URL into a URL.

    ``ws://`` and ``wss://`` URLs are kept; a bare host gets ``wss://``;
    ``None`` means ``SIGNALWIRE_SPACE``, then ``relay.signalwire.com``.  The
    rules are the core's :func:`relay_core.endpoint` (relay_trio's
    ``relay_url`` is the same function).

    Raises:
        InvalidArgumentError: ``host`` is neither a bare ``host[:port]`` nor a
            ``ws://`` / ``wss://`` URL without path or query.
    """
    return endpoint(space_host(None, os.environ)[0] if host is None else host).url


class RelayClient(Messaging):
    """A RELAY client with the official SDK's API (``signalwire.relay.RelayClient``).

    Args:
        project, token, jwt_token, host, contexts: as the official SDK, with the
            same environment fallbacks (``SIGNALWIRE_PROJECT_ID``,
            ``SIGNALWIRE_API_TOKEN``, ``SIGNALWIRE_JWT_TOKEN``,
            ``SIGNALWIRE_SPACE``); which wins is :func:`relay_core.credentials_from`'s
            rule, as in relay_trio (an explicit ``project``/``token`` is never
            overridden by ``SIGNALWIRE_JWT_TOKEN``).  ``host`` may also be a ``ws://`` or
            ``wss://`` URL.  Without ``host`` and ``SIGNALWIRE_SPACE`` the
            client dials ``relay.signalwire.com`` (as the official SDK); a
            failure to reach it is then raised at once, saying so.
        max_active_calls: cap on live calls; offers over it are passed.  Without
            it, ``RELAY_MAX_ACTIVE_CALLS`` (as the official SDK), else 1000;
            :func:`relay_core.max_calls_from` decides.
        ssl: TLS context for ``wss://`` (default: system trust store, or the
            CA bundle named by ``SIGNALWIRE_RELAY_CA_FILE``, which ``ws://`` ignores);
            refused with a ``ws://`` host (:func:`relay_core.check_tls_option`).
        request_timeout: seconds each request waits for its answer; a timeout
            fails only that request.
        max_concurrent_handlers: ``on_call`` handlers running at once
            (default ``None``: as many as ``max_active_calls``).  An inbound
            call that finds every handler busy waits while handlers started
            in the same read get to run; if none frees up it is passed to
            another client with ``calling.pass`` (as is a call with no handler).
        open_timeout: seconds ``async with client:`` may take to open the
            first session (``None``: unbounded).  Which failures are retried
            meanwhile is :class:`relay_core.ConnectPolicy`'s decision
            (refused or timed out: yes; DNS, TLS, wrong credentials: no).

    Entering raises :class:`relay_core.ConnectionFailedError` (naming the host
    and the cause) when no session can be opened, and
    :class:`relay_core.AuthenticationError` when the credentials are rejected.
    """

    #: The project (``""`` with a JWT that carries it), as the official SDK's attribute.
    project: str

    def __init__(
        self,
        project: str | None = None,
        token: str | None = None,
        jwt_token: str | None = None,
        host: str | None = None,
        contexts: Iterable[str] | None = None,
        max_active_calls: int | None = None,
        *,
        ssl: ssl_module.SSLContext | None = None,
        request_timeout: float = 10.0,
        max_concurrent_handlers: int | None = None,
        open_timeout: float | None = 30.0,
    ) -> None:
        check_text("host", host or None, allow_none=True)
        credentials = credentials_from(project, token, jwt_token, os.environ)
        request_timeout = check_timeout("request_timeout", request_timeout)
        open_timeout = check_timeout("open_timeout", open_timeout, allow_none=True)
        max_active_calls = max_calls_from(max_active_calls, os.environ)
        check_count("max_concurrent_handlers", max_concurrent_handlers, allow_none=True)
        if ssl is not None and not isinstance(ssl, ssl_module.SSLContext):
            raise InvalidArgumentError(f"ssl: {ssl!r} is not an ssl.SSLContext")
        env = os.environ.get
        self.project = credentials.project or ""
        self.host, self._default_host = space_host(host, os.environ)
        self.contexts = list(check_contexts(contexts or ()))
        self.url = websocket_url(self.host)
        limits: dict[str, Any] = {} if max_active_calls is None else {"max_calls": max_active_calls}
        self._config = RelayConfig(
            project=credentials.project,
            token=credentials.token,
            jwt_token=credentials.jwt_token,
            contexts=tuple(self.contexts),
            request_timeout=request_timeout,
            **limits,
        )
        check_tls_option(self.url, ssl is not None, name="ssl")
        secure = self.url.startswith("wss://")
        ca_file = env("SIGNALWIRE_RELAY_CA_FILE")
        if secure and ssl is None and ca_file:
            ssl = ssl_module.create_default_context(cafile=ca_file)
        self._ssl = ssl if secure else None
        # None: no cap of its own; the live-call cap bounds the handlers (a
        # handler usually lives as long as its call, and a cap below the
        # call cap would pass calls this client has room for).
        self._max_handlers = (
            self._config.max_calls if max_concurrent_handlers is None else max_concurrent_handlers
        )
        self._policy = ConnectPolicy(
            self.url, open_timeout=open_timeout, default_host=self._default_host
        )
        self._on_call: CallHandler | None = None
        self._session: RelaySession | None = None
        self._tg: asyncio.TaskGroup | None = None
        #: The task holding a ``connect()``'s session open, and what ends it.
        self._runner: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None
        self._reset()

    def __repr__(self) -> str:
        state = "unopened" if self._session is None else self._session.state.value
        return f"<RelayClient {self.url} {state}>"

    # -- public API ------------------------------------------------------------

    @property
    def token(self) -> str:
        """The API token in use, or ``""`` (the official SDK's attribute; never logged)."""
        return self._config.token or ""

    @property
    def jwt_token(self) -> str:
        """The JWT in use, or ``""`` (the official SDK's attribute; never logged)."""
        return self._config.jwt_token or ""

    @property
    def relay_protocol(self) -> str:
        """The server's protocol string (kept for resume), or ``""``."""
        return (self._session and self._session.protocol) or ""

    def statistics(self) -> SessionStatistics:
        """The core's counters (malformed frames, live calls, queued requests, ...)."""
        if self._session is None:
            raise SessionClosedError("the client was never opened")
        return self._session.statistics()

    def on_call(self, handler: CallHandler) -> CallHandler:
        """Register the inbound-call handler (usable as a decorator)."""
        if not callable(handler):
            raise InvalidArgumentError(f"handler: {handler!r} is not callable")
        self._on_call = handler
        return handler

    async def execute(
        self, method: str, params: Mapping[str, Any], *, timeout: float | None = None
    ) -> JSONObject:
        """Send any RELAY request and return its (code-checked) result."""
        timeout = check_timeout("timeout", timeout, allow_none=True)
        raw = dict(params) if isinstance(params, Mapping) else params
        return await self._request(RawRequest(method=method, params=raw), timeout)

    async def receive(self, contexts: Sequence[str]) -> None:
        """Start receiving inbound calls on more contexts (kept across resumes)."""
        if contexts:
            await self._request(Receive(contexts=contexts))

    async def unreceive(self, contexts: Sequence[str]) -> None:
        """Stop receiving inbound calls on some contexts."""
        if contexts:
            await self._request(Unreceive(contexts=contexts))

    async def dial(
        self,
        devices: Iterable[Iterable[Any]],
        *,
        tag: str | None = None,
        max_duration: float | None = None,
        dial_timeout: float | None = 120.0,
        region: str | None = None,
        max_price_per_minute: float | None = None,
    ) -> Call:
        """Ring a device plan; return the answered call.

        On ``dial_timeout`` or cancellation every leg the server created is
        ended (``calling.end``, reason ``cancel``), including late ones.

        Raises:
            DialError: nobody answered (``reason``: the server's).
            DialTimeoutError: ``dial_timeout`` passed (every leg was ended); a
                ``DialError`` with ``reason == "timeout"`` and a ``TimeoutError``,
                the same type relay_trio raises.
            RequestError: the server rejected the ``calling.dial`` request.
            InvalidArgumentError: an argument is invalid; nothing was sent.
        """
        dial_timeout = check_timeout("dial_timeout", dial_timeout, allow_none=True)
        command = Dial(
            devices=devices,
            tag=tag,
            max_duration=max_duration,
            region=region,
            max_price_per_minute=max_price_per_minute,
        )
        request = self._start(command)
        try:
            event, call = await self._await_dial(command, dial_timeout)
        except TimeoutError:
            assert dial_timeout is not None
            raise DialTimeoutError(command.tag, dial_timeout) from None
        if call is not None:
            return call
        failure = request.exception() if request.done() and not request.cancelled() else None
        # The server rejected calling.dial: its error, as the official SDK (the core's rule).
        raise work_error(event.error(), failure if isinstance(failure, RelayError) else None)

    # -- lifecycle -----------------------------------------------------------------

    async def connect(self) -> None:
        """Open the session outside ``async with`` (the official SDK's ``connect()``).

        Returns once the server accepted ``signalwire.connect``.  The session
        then runs in a task of its own, with what ``async with`` gives:
        reconnects resume it until :meth:`disconnect`, which is prompt and
        leaves nothing running.  A later ``connect()`` opens a new session.
        If the session dies for good meanwhile (credentials rejected on a
        reconnect, the policy gave up), every waiter gets the error, later
        requests raise it, and ``disconnect()`` just tidies up.

        Raises:
            LocalProtocolError: the client is already open.
            ConnectionFailedError, AuthenticationError: as ``async with``.
        """
        if self._runner is not None and not self._runner.done():
            raise LocalProtocolError("this RelayClient is already connected")
        if self._host_task is not None:
            raise LocalProtocolError("this RelayClient is already open (async with)")
        opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        stop = self._stop = asyncio.Event()
        runner = self._runner = asyncio.create_task(self._hold_open(opened, stop))
        try:
            await asyncio.shield(opened)
        except BaseException:
            # Failed or cancelled while opening: nothing stays behind.
            runner.cancel()
            with contextlib.suppress(BaseException):
                await runner
            self._runner = None
            raise

    async def disconnect(self) -> None:
        """Close what :meth:`connect` opened: prompt (as leaving ``async with``).

        Abandons ringing dials and connects (their legs are ended), fails every
        waiter with :class:`relay_core.SessionClosedError` and returns when no
        task of the client is left.  A no-op when not connected.
        """
        runner, self._runner = self._runner, None
        if runner is None:
            if self._host_task is not None:
                raise LocalProtocolError(
                    "this RelayClient was opened by `async with`: leaving the block closes it"
                )
            return
        if self._stop is not None:
            self._stop.set()
        await runner

    async def _hold_open(self, opened: asyncio.Future[None], stop: asyncio.Event) -> None:
        """The session of a ``connect()``: ``async with self`` in a task of its own.

        A fatal failure cancels this task (not the caller of ``connect()``);
        ``__aexit__`` then raises it, logged here and kept for later requests.
        """
        try:
            async with self:
                opened.set_result(None)
                await stop.wait()
        except BaseException as exc:
            if opened.done():
                if not isinstance(exc, RelayError):
                    raise
                # Logged by the session when it died; requests raise it from now on.
                self._fatal = self._fatal or exc
            elif isinstance(exc, asyncio.CancelledError):
                opened.cancel()
                raise
            else:
                opened.set_exception(exc)

    def run(self) -> None:
        """Connect and serve inbound calls until Ctrl-C (blocking)."""
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(self._serve_forever())

    async def _serve_forever(self) -> None:
        async with self:
            await asyncio.Event().wait()

    async def __aenter__(self) -> RelayClient:
        if self._host_task is not None:
            raise LocalProtocolError("this RelayClient is already open")
        self._loop = asyncio.get_running_loop()
        self._reset()
        self._host_task = asyncio.current_task()
        session = self._session = RelaySession(self._config)
        policy = self._policy
        policy.start(now=self._now())
        deadline = None if math.isinf(policy.deadline) else policy.deadline
        try:
            async with asyncio.timeout_at(deadline):
                ws = self._ws = await self._open_first()
        except BaseException as exc:
            self._host_task = None
            if isinstance(exc, TimeoutError):
                raise self._timed_out() from None
            raise
        self._tg = asyncio.TaskGroup()
        await self._tg.__aenter__()
        self._ready = self._future()
        for job in (self._run_socket(ws), self._writer(), self._run_timer()):
            self._spawn(job)
        session.connection_made(now=self._now())
        self._pump()
        try:
            async with asyncio.timeout_at(deadline):
                await self._ready
        except BaseException as exc:
            await self._shutdown()
            if isinstance(exc, TimeoutError):
                raise self._timed_out() from None
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        host, cancelled = self._host_task, self._cancelled_host
        await self._shutdown()
        # The session died and cancelled the body (uncancel balances that): raise why.
        if (
            cancelled
            and host is not None
            and host.uncancel() == 0
            and (exc_type is None or issubclass(exc_type, asyncio.CancelledError))
        ):
            assert self._fatal is not None
            self._fatal.__suppress_context__ = True  # hide our CancelledError, keep a cause
            raise self._fatal
