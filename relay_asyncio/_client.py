"""RelayClient: the official SDK's client, built on relay_core, asyncio and websockets.

Inside one ``async with client:`` (or ``client.run()``) an ``asyncio.TaskGroup``
owns three tasks, plus the user's handler and listener tasks:

* the reader (``_run_socket``): ``recv`` → ``receive_text`` → flush → dispatch; when the socket
  closes it runs the core's reconnect policy (``connection_lost`` →
  ``reconnect_delay`` → ``connection_made``);
* the writer: sends, in order, every frame the core queued.  Flushing is a
  synchronous hand-off to it, so a cancelled caller can never cut a batch in
  half: the ``calling.end`` frames of an abandoned dial leave even though the
  ``dial()`` that produced them is gone;
* the timer (``_run_timer``): sleeps until ``next_deadline()``; after the mutations of one
  loop iteration it is re-armed only if the deadline moved earlier.

Leaving abandons every dial and connect in progress (the core queues
``calling.end`` for their legs), lingers at most ``CLOSE_GRACE`` until the
writer is dry and that work has settled, closes the socket and cancels every
task.

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
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar, assert_never

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from relay_core import (
    MAX_FRAME_BYTES,
    AuthenticationFailed,
    CallErrorReported,
    CallId,
    CallInfo,
    CallReceived,
    CallRef,
    CallStateChanged,
    Command,
    Connect,
    ConnectionFailedError,
    ConnectionLostError,
    ConnectPolicy,
    ConnectStateChanged,
    ControlId,
    Dial,
    DialStateChanged,
    DialTimeoutError,
    FailureCause,
    InboundCallRefused,
    InvalidArgumentError,
    JSONObject,
    LivenessLost,
    LocalProtocolError,
    Play,
    PlayStateChanged,
    RawRequest,
    Receive,
    RelayConfig,
    RelayError,
    RelaySession,
    RemoteProtocolError,
    RequestCompleted,
    RequestFailed,
    RequestId,
    SessionClosedError,
    SessionEnding,
    SessionStarted,
    SessionStatistics,
    Tag,
    UnknownEvent,
    Unreceive,
    check_contexts,
    check_count,
    check_text,
    check_timeout,
    credentials_from,
    endpoint,
    space_host,
    work_error,
)

from ._call import Action, Call, CallEvent, PlayAction
from ._connect import close_detail, open_socket

__all__ = ["CallHandler", "RelayClient", "websocket_url"]

log = logging.getLogger("relay_asyncio")

#: Largest inbound frame (RELAY.md A): the core's limit.
MAX_FRAME = MAX_FRAME_BYTES
#: Bound on the final flush and on the closing handshake when leaving.
CLOSE_GRACE = 0.5

CallHandler = Callable[[Call], Awaitable[object]]
_T = TypeVar("_T")
_K = TypeVar("_K")
_E = TypeVar("_E", DialStateChanged, ConnectStateChanged)


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


async def _send_all(ws: ClientConnection, frames: list[str]) -> None:
    """Send ``frames`` as text messages in one transport write (one TLS record batch).

    ``ws.send()`` per frame costs a TLS write and a ``send(2)`` each; this
    frames them all with the connection's sans-I/O protocol inside its own
    ``send_context()`` (same state checks, closing and flow control as
    ``send()``) and hands the bytes to the transport at once.
    """
    async with ws.send_context():
        protocol = ws.protocol
        for frame in frames:
            protocol.send_text(frame.encode())
        data = protocol.data_to_send()
        if all(data):  # no end-of-stream marker: one coalesced write
            ws.transport.write(b"".join(data))
        else:  # never while open; keep websockets' own handling of the marker
            for chunk in data:
                if chunk:
                    ws.transport.write(chunk)
                elif ws.transport.can_write_eof():
                    ws.transport.write_eof()
                else:
                    ws.transport.close()


def _consume(future: asyncio.Future[Any]) -> None:
    """Mark a settled future's exception as seen: its owner may have moved on."""
    if not future.cancelled():
        future.exception()


class RelayClient:
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
        max_active_calls: cap on live calls; offers over it are passed.
        ssl: TLS context for ``wss://`` (default: system trust store, or the
            CA bundle named by ``SIGNALWIRE_RELAY_CA_FILE``); unused with ``ws://``.
        request_timeout: seconds each request waits for its answer; a timeout
            fails only that request.
        max_concurrent_handlers: ``on_call`` handlers running at once; an
            inbound call arriving over the cap (or with no handler) is passed
            to another client with ``calling.pass``.
        open_timeout: seconds ``async with client:`` may take to open the
            first session (``None``: unbounded).  Which failures are retried
            meanwhile is :class:`relay_core.ConnectPolicy`'s decision
            (refused or timed out: yes; DNS, TLS, wrong credentials: no).

    Entering raises :class:`relay_core.ConnectionFailedError` (naming the host
    and the cause) when no session can be opened, and
    :class:`relay_core.AuthenticationError` when the credentials are rejected.
    """

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
        max_concurrent_handlers: int = 100,
        open_timeout: float | None = 30.0,
    ) -> None:
        check_text("host", host or None, allow_none=True)
        credentials = credentials_from(project, token, jwt_token, os.environ)
        request_timeout = check_timeout("request_timeout", request_timeout)
        open_timeout = check_timeout("open_timeout", open_timeout, allow_none=True)
        check_count("max_active_calls", max_active_calls, allow_none=True)
        check_count("max_concurrent_handlers", max_concurrent_handlers)
        if ssl is not None and not isinstance(ssl, ssl_module.SSLContext):
            raise InvalidArgumentError(f"ssl: {ssl!r} is not an ssl.SSLContext")
        env = os.environ.get
        self.project = credentials.project
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
        # TLS only for wss://: websockets rejects any ssl= with a ws:// URI.
        secure = self.url.startswith("wss://")
        ca_file = env("SIGNALWIRE_RELAY_CA_FILE")
        if secure and ssl is None and ca_file:
            ssl = ssl_module.create_default_context(cafile=ca_file)
        self._ssl = ssl if secure else None
        self._max_handlers = max_concurrent_handlers
        self._policy = ConnectPolicy(
            self.url, open_timeout=open_timeout, default_host=self._default_host
        )
        self._on_call: CallHandler | None = None
        self._session: RelaySession | None = None
        self._tg: asyncio.TaskGroup | None = None
        self._reset()

    def _reset(self) -> None:
        self._ws: ClientConnection | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._host_task: asyncio.Task[Any] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._requests: dict[RequestId, asyncio.Future[JSONObject]] = {}
        self._dials: dict[Tag, asyncio.Future[DialStateChanged]] = {}
        self._connects: dict[CallId, asyncio.Future[ConnectStateChanged]] = {}
        self._actions: dict[ControlId, Action] = {}
        self._calls: dict[CallId, Call] = {}
        self._outq: deque[str] = deque()
        self._out_ready = asyncio.Event()
        self._drained = True
        #: Set after every core mutation and whenever the writer runs dry.
        self._changed = asyncio.Event()
        self._wake = asyncio.Event()
        #: The deadline the timer sleeps until (None: until woken).
        self._armed: float | None = None
        self._deadline_check = False
        self._handlers = 0
        self._started = self._closing = self._cancelled_host = False
        self._fatal: RelayError | None = None
        self._last_error: RelayError | None = None
        #: Why the current socket is being dropped (a liveness timeout), for the policy.
        self._drop_cause: tuple[FailureCause, str] | None = None

    def __repr__(self) -> str:
        state = "unopened" if self._session is None else self._session.state.value
        return f"<RelayClient {self.url} {state}>"

    # -- public API ------------------------------------------------------------

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
            with self._await_outcome(command, self._dials, command.tag) as outcome:
                async with asyncio.timeout(dial_timeout):
                    event = await outcome
        except TimeoutError:
            assert dial_timeout is not None
            raise DialTimeoutError(command.tag, dial_timeout) from None
        if event.call is not None:
            return self._track(event.call)
        failure = request.exception() if request.done() and not request.cancelled() else None
        # The server rejected calling.dial: its error, as the official SDK (the core's rule).
        raise work_error(event.error(), failure if isinstance(failure, RelayError) else None)

    # -- lifecycle -----------------------------------------------------------------

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

    def _timed_out(self) -> ConnectionFailedError:
        """``open_timeout`` ran out: the policy's error, naming the last failure."""
        last = self._last_error
        if isinstance(last, ConnectionFailedError):
            error = self._policy.timed_out(last.cause, last.detail)
            error.__cause__ = last.__cause__
            return error
        return self._policy.timed_out(None, "" if last is None else last.message)

    async def _open_first(self) -> ClientConnection:
        """Open the first socket, retrying what the core's policy deems transient."""
        session = self._live_session()
        while True:
            try:
                return await self._open()
            except ConnectionFailedError as exc:
                self._last_error = exc
                session.connection_lost(now=self._now())  # a failed attempt: backoff grows
                decision = self._policy.failed(
                    exc.cause,
                    exc.detail,
                    now=self._now(),
                    delay=session.reconnect_delay(),
                    established=False,
                )
                if isinstance(decision, ConnectionFailedError):
                    raise decision from exc.__cause__
                # The caller is waiting: say why (visible without logging config).
                log.warning(
                    "cannot connect to %s (%s); retrying in %.2f s", self.url, exc.cause, decision
                )
                await asyncio.sleep(decision)

    def _live_session(self) -> RelaySession:
        assert self._session is not None
        return self._session

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

    async def _shutdown(self) -> None:
        """Abandon ringing work, flush, close the socket, cancel every task."""
        self._closing = True
        session = self._session
        assert session is not None
        try:
            session.abandon_all(now=self._now())
            self._pump()
            # Linger (bounded) until the writer is dry and every abandoned dial or
            # connect has settled, so legs the server reports late get ended too.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_GRACE):
                    while self._ws is not None and (
                        not self._drained or session.statistics().abandoned_work
                    ):
                        self._changed.clear()
                        await self._changed.wait()
            session.close(now=self._now())
            self._pump()
            error = self._fatal or SessionClosedError("the RelayClient was closed")
            waiters: list[asyncio.Future[Any]] = [*self._dials.values(), *self._connects.values()]
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(error)
            for call in self._calls.values():
                call._close(error)
            self._calls.clear()
            ws, self._ws = self._ws, None
            if ws is not None:
                await self._close_ws(ws)
        finally:
            for task in list(self._tasks):
                task.cancel()
            tg, self._tg = self._tg, None
            try:
                if tg is not None:
                    await tg.__aexit__(None, None, None)
            finally:
                self._host_task = None

    # -- transport -------------------------------------------------------------------

    async def _open(self) -> ClientConnection:
        """One socket (TCP, TLS, HTTP upgrade).

        Raises:
            ConnectionFailedError: with the core's name for the cause.
        """
        return await open_socket(
            self.url,
            self._ssl,
            open_timeout=self._config.request_timeout,
            close_timeout=CLOSE_GRACE,
            max_size=MAX_FRAME,
        )

    async def _close_ws(self, ws: ClientConnection) -> None:
        try:
            async with asyncio.timeout(CLOSE_GRACE):
                await ws.close()
        except TimeoutError:
            ws.transport.abort()

    def _drop_socket(self) -> None:
        if self._ws is not None:
            self._spawn(self._close_ws(self._ws))

    async def _run_socket(self, ws: ClientConnection) -> None:
        try:
            current: ClientConnection | None = ws
            while current is not None:
                await self._read(current)
                current = await self._reconnect(current)
        except Exception as exc:  # a bug: end the session with one clear error
            log.exception("RELAY reader failed")
            error = RelayError(-1, f"internal error in the RELAY reader: {exc!r}")
            error.__cause__ = exc
            self._fail(error)

    async def _read(self, ws: ClientConnection) -> None:
        session = self._live()
        with contextlib.suppress(ConnectionClosed):
            while True:
                frame = await ws.recv()
                try:
                    session.receive_text(frame, now=self._now())
                except RemoteProtocolError as exc:
                    log.debug("dropped a malformed frame: %s", exc)
                self._pump()

    async def _reconnect(self, old: ClientConnection) -> ClientConnection | None:
        session = self._live()
        self._ws = None
        self._outq.clear()  # frames for the dead socket; the core fails or requeues them
        session.connection_lost(now=self._now(), code=old.close_code, reason=old.close_reason or "")
        self._pump()
        await self._close_ws(old)
        if self._closing:
            return None
        cause, detail = self._drop_cause or (FailureCause.CLOSED, close_detail(old))
        self._drop_cause = None
        while (delay := session.reconnect_delay()) is not None:
            # The core's policy: what is worth retrying, and for how long.
            decision = self._policy.failed(
                cause, detail, now=self._now(), delay=delay, established=self._started
            )
            if isinstance(decision, ConnectionFailedError):
                self._fail(decision)
                return None
            if self._started:
                log.info("RELAY connection lost; reconnecting in %.2f s", decision)
            else:
                log.warning(
                    "cannot connect to %s (%s); retrying in %.2f s", self.url, cause, decision
                )
            await asyncio.sleep(decision)
            try:
                ws = await self._open()
            except ConnectionFailedError as exc:
                log.info("%s", exc)
                self._last_error = exc
                cause, detail = exc.cause, exc.detail
                session.connection_lost(now=self._now())  # a failed attempt: backoff grows
                self._pump()
                continue
            self._ws = ws
            session.connection_made(now=self._now())
            self._pump()
            return ws
        self._fail(self._last_error or SessionClosedError("the RELAY session gave up"))
        return None

    async def _writer(self) -> None:
        outq = self._outq
        while True:
            if not outq:
                self._drained = True
                self._changed.set()
                self._out_ready.clear()
                await self._out_ready.wait()
                continue
            frames = list(outq)
            outq.clear()
            ws = self._ws
            if ws is not None:
                with contextlib.suppress(ConnectionClosed):
                    await _send_all(ws, frames)

    async def _run_timer(self) -> None:
        session = self._live()
        while True:
            self._wake.clear()
            deadline = self._armed = session.next_deadline()
            if deadline is None:
                await self._wake.wait()
                continue
            if deadline > self._now():
                try:
                    async with asyncio.timeout_at(deadline):
                        await self._wake.wait()
                except TimeoutError:
                    pass
                else:
                    continue
            session.handle_timeout(now=self._now())
            self._pump()

    # -- core plumbing ---------------------------------------------------------------

    def _now(self) -> float:
        return self._loop.time()

    def _live(self) -> RelaySession:
        if self._session is None or self._tg is None:
            raise SessionClosedError("the RelayClient is not open: use `async with client:`")
        return self._session

    def _future(self) -> asyncio.Future[_T]:
        future: asyncio.Future[_T] = self._loop.create_future()
        future.add_done_callback(_consume)
        return future

    def _spawn(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        assert self._tg is not None
        task = self._tg.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _flush(self) -> None:
        assert self._session is not None
        if self._ws is None:
            return  # no socket: frames stay with the core (connection_lost sorts them)
        frames = self._session.messages_to_send()
        if frames:
            self._outq.extend(frames)
            self._drained = False
            self._out_ready.set()

    def _pump(self) -> None:
        """After any mutation: replies out first, then wake waiters, then the timer."""
        self._flush()
        self._dispatch()
        self._flush()
        if not self._deadline_check:  # once per loop iteration, not per frame
            self._deadline_check = True
            self._loop.call_soon(self._check_deadline)
        self._changed.set()

    def _check_deadline(self) -> None:
        """Re-arm the timer only if a deadline now comes before the one it sleeps to.

        A later (or vanished) deadline needs nothing: the timer wakes at the old
        one, finds ``handle_timeout`` has nothing due and sleeps again.
        """
        self._deadline_check = False
        if self._session is None:
            return
        due = self._session.next_deadline()
        if due is not None and (self._armed is None or due < self._armed):
            self._wake.set()

    def _start(self, command: Command, timeout: float | None = None) -> asyncio.Future[JSONObject]:
        request_id = self._live().send(command, now=self._now(), timeout=timeout)
        future: asyncio.Future[JSONObject] = self._future()
        self._requests[request_id] = future
        self._pump()
        return future

    async def _request(self, command: Command, timeout: float | None = None) -> JSONObject:
        return await self._start(command, timeout)

    @contextlib.contextmanager
    def _await_outcome(
        self, command: Dial | Connect, waiters: dict[_K, asyncio.Future[_E]], key: _K
    ) -> Iterator[asyncio.Future[_E]]:
        """Register the future for ``command``'s outcome; abandon the work if left early."""
        outcome: asyncio.Future[_E] = self._future()
        waiters[key] = outcome
        try:
            yield outcome
        except BaseException:
            self._abandon(command)
            raise
        finally:
            if waiters.get(key) is outcome:
                del waiters[key]

    def _abandon(self, command: Dial | Connect) -> None:
        """The caller gave up: the core ends the legs; close the calls it now silences."""
        session = self._session
        if session is None or self._closing:
            return  # leaving: abandon_all did it
        now = self._now()
        match command:
            case Dial(tag=tag):
                silenced = session.abandon_dial(tag, now=now)
            case Connect(call=call):
                silenced = session.abandon_connect(call, now=now)
            case _:
                assert_never(command)
        for ref in silenced:
            if (leg := self._calls.pop(ref.call_id, None)) is not None:
                leg._close(SessionClosedError(f"call {ref.call_id} was abandoned"))
        self._pump()

    def _fail(self, error: RelayError) -> None:
        """The session is over: fail the handshake, or cancel the ``async with`` body."""
        self._fatal = self._fatal or error
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(error)
        elif not self._closing and not self._cancelled_host and self._host_task is not None:
            log.error("RELAY session ended: %s", error)
            self._cancelled_host = True
            self._host_task.cancel()

    # -- calls -------------------------------------------------------------------------

    def _track(self, info: CallInfo) -> Call:
        call = self._calls.get(info.call_id)
        if call is None:
            call = Call(self, info)
            if not info.is_final:
                self._calls[info.call_id] = call
        else:
            call._update(info)
        return call

    def _forget(self, call: Call, error: RelayError | None = None) -> None:
        """Stop following ``call``; with ``error``, its waiters raise it."""
        if self._calls.get(CallId(call.call_id)) is call:
            del self._calls[CallId(call.call_id)]
        if error is not None:
            call._close(error)

    def _deliver(self, ref: CallRef | None, event: CallEvent) -> None:
        call = None if ref is None else self._calls.get(ref.call_id)
        if call is not None:
            call._deliver(event)

    # -- what a Call asks of its client (relay_asyncio._call.CallHost) ------------------

    async def _play(self, call: Call, command: Play) -> PlayAction:
        """Start ``command``; the returned action follows its events."""
        request = self._start(command)
        action = self._actions[command.control_id] = PlayAction(call, command.control_id)
        try:
            await request
        except BaseException:
            self._actions.pop(command.control_id, None)
            raise
        return action

    async def _connect(
        self, command: Connect, *, wait: bool
    ) -> tuple[JSONObject, ConnectStateChanged | None, Call | None]:
        """Send ``command``; its ack, and (``wait``) its outcome with the peer leg.

        Leaving early (cancelled) abandons the connect: the core ends its legs.
        """
        request = self._start(command)
        with self._await_outcome(command, self._connects, command.call.call_id) as outcome:
            try:
                ack: JSONObject = await request
            except ConnectionLostError:
                ack = {}  # the outcome still comes (the core keeps or fails the connect)
            if not wait:
                return ack, None, None
            event = await outcome
        peer = None if event.peer is None else self._track(event.peer)
        return ack, event, peer

    def _offer(self, info: CallInfo) -> None:
        handler = self._on_call
        if handler is None or self._closing or self._handlers >= self._max_handlers:
            log.warning("refusing inbound call %s: no free on_call handler", info.call_id)
            assert self._session is not None
            self._session.refuse_call(info.ref, now=self._now())
            return
        self._handlers += 1
        self._spawn(self._run_handler(handler, self._track(info)))

    async def _run_handler(self, handler: CallHandler, call: Call) -> None:
        try:
            await handler(call)
        except Exception:
            log.exception("on_call handler failed for call %s", call.call_id)
        finally:
            self._handlers -= 1

    def _dispatch(self) -> None:
        session = self._session
        assert session is not None
        while (event := session.next_event()) is not None:
            match event:
                case SessionStarted():
                    self._started = True
                    if self._ready is not None and not self._ready.done():
                        self._ready.set_result(None)
                case AuthenticationFailed():
                    self._last_error = event.error()
                    log.warning("RELAY authentication failed: %s", self._last_error)
                    self._drop_socket()
                case LivenessLost(reason=reason):
                    self._last_error = RelayError(-1, reason)
                    self._drop_cause = (FailureCause.TIMEOUT, reason)
                    log.warning("RELAY connection looks dead: %s", reason)
                    self._drop_socket()
                case SessionEnding(restart=restart):
                    log.info("server asked to disconnect (restart=%s)", restart)
                case RequestCompleted(request_id=request_id):
                    future = self._requests.pop(request_id, None)
                    if future is not None and not future.done():
                        future.set_result(event.result)
                case RequestFailed(request_id=request_id):
                    future = self._requests.pop(request_id, None)
                    if future is not None and not future.done():
                        future.set_exception(event.error())
                case CallReceived(call=info):
                    self._offer(info)
                case InboundCallRefused(call=info):
                    log.warning("inbound call %s refused (%s)", info.call_id, event.action)
                case CallStateChanged(call=info):
                    call = self._calls.get(info.call_id)
                    if call is not None:
                        call._update(info)
                        if event.is_final:
                            self._forget(call)
                        call._deliver(event)
                case DialStateChanged(tag=tag):
                    dial = self._dials.get(tag)
                    if dial is not None and not dial.done() and event.is_final:
                        dial.set_result(event)
                case ConnectStateChanged():
                    self._on_connect(event)
                case PlayStateChanged(call=ref, control_id=control_id):
                    action = self._actions.get(control_id)
                    if action is not None and action._update(event):
                        del self._actions[control_id]
                    self._deliver(ref, event)
                case CallErrorReported(call=ref):
                    log.warning("calling.error %s: %s", event.code, event.message)
                    self._deliver(ref, event)
                case UnknownEvent(call=ref):
                    self._deliver(ref, event)
                case _:
                    assert_never(event)

    def _on_connect(self, event: ConnectStateChanged) -> None:
        a_leg = self._calls.get(event.call.call_id)
        if event.peer is not None:
            peer = self._track(event.peer)
            peer.peer = a_leg
            if a_leg is not None:
                a_leg.peer = peer
        elif event.is_final and a_leg is not None:
            a_leg.peer = None
        waiter = self._connects.get(event.call.call_id)
        if waiter is not None and not waiter.done() and event.is_final:
            waiter.set_result(event)
        if a_leg is not None:
            a_leg._deliver(event)
