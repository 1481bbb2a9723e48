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
"""

from __future__ import annotations

import logging
import math
import os
import ssl
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Final, NoReturn, TypeVar, assert_never

import trio

from relay_core import (
    CLIENT_EVENT_BUFFER,
    AuthenticationFailed,
    CallErrorReported,
    CallInfo,
    CallReceived,
    CallRef,
    CallStateChanged,
    Command,
    Connect,
    ConnectionFailedError,
    ConnectPolicy,
    ConnectStateChanged,
    Device,
    Dial,
    DialStateChanged,
    Event,
    FailureCause,
    InboundCallRefused,
    InvalidArgumentError,
    JSONObject,
    LivenessLost,
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
    check_count,
    check_secret,
    check_text,
    check_timeout,
    credentials_from,
    work_error,
)
from relay_core import DialTimeoutError as CoreDialTimeoutError

from ._call import Call, Playback
from ._serve import serve
from ._sync import Broadcast, EventStream, Waiter
from ._transport import (
    TransportError,
    WebSocket,
    is_default_host,
    open_socket,
    relay_url,
    tls_context,
)

__all__ = ["DialTimeoutError", "OpenTimeoutError", "RelayClient", "open_relay_client"]

log = logging.getLogger("relay_trio")

K = TypeVar("K")
E = TypeVar("E", DialStateChanged, ConnectStateChanged)
_Outcome = RequestCompleted | RequestFailed

#: Bound on one flush of queued frames; past it the socket is dropped.
FLUSH_TIMEOUT: Final = 5.0
#: How long a single WebSocket open (TCP, TLS, HTTP upgrade) may take.
SOCKET_OPEN_TIMEOUT: Final = 10.0


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


class RelayClient:
    """A connected RELAY client; get one from :func:`open_relay_client`."""

    def __init__(
        self,
        session: RelaySession,
        url: str,
        tls: ssl.SSLContext | None,
        *,
        close_timeout: float,
        max_pending_calls: int,
        policy: ConnectPolicy,
    ) -> None:
        self._session = session
        self._policy = policy
        self._established = False
        self._url = url
        self._tls = tls
        self._close_timeout = close_timeout
        self._nursery: trio.Nursery | None = None
        self._ws: WebSocket | None = None
        # The socket a task is writing to (see ``_flush``).
        self._writer: WebSocket | None = None
        self._socket_scope: trio.CancelScope | None = None
        # The timer task's sleep, and the deadline it sleeps until (None: no
        # deadline); ``_pump`` moves the sleep when the core's deadline moves.
        self._timer_scope: trio.CancelScope | None = None
        self._timer_deadline: float | None = None
        self._progress = trio.Event()
        self._close_reason = ""
        #: Why the current socket is being dropped (a liveness timeout), for the policy.
        self._drop_cause: tuple[FailureCause, str] | None = None
        self._opened = trio.Event()
        self._closing = False
        self._closed = False
        self._failure: BaseException | None = None
        self._last_error: TransportError | None = None
        self._requests: dict[RequestId, Waiter[_Outcome]] = {}
        # A dial's or connect's final event, with the Call the reader made for
        # its winner or peer as it dispatched it (the leg may end in the same
        # read: a later ``_track`` would make a stale copy that never ends).
        self._dials: dict[Tag, Waiter[tuple[DialStateChanged, Call | None]]] = {}
        self._connects: dict[str, Waiter[tuple[ConnectStateChanged, Call | None]]] = {}
        self._calls: dict[str, Call] = {}
        self._playbacks: dict[str, Playback] = {}
        self._tap = Broadcast[Event]()
        self._incoming, self._incoming_out = trio.open_memory_channel[Call](max_pending_calls)

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

    # -- commands (used by Call and Playback too) ----------------------------------------

    def _start(self, command: Command) -> Waiter[_Outcome]:
        """Queue ``command`` in the core (sync: raises before anything is sent)."""
        request_id = self._session.send(command, now=trio.current_time())
        waiter = Waiter[_Outcome]()
        self._requests[request_id] = waiter
        self._pump()
        return waiter

    async def _finish(self, waiter: Waiter[_Outcome]) -> JSONObject:
        await self._flush()
        outcome = await waiter.wait()
        if isinstance(outcome, RequestFailed):
            raise outcome.error()
        return outcome.result

    async def _request(self, command: Command) -> JSONObject:
        return await self._finish(self._start(command))

    async def _await_outcome(
        self,
        command: Dial | Connect,
        waiters: dict[K, Waiter[tuple[E, Call | None]]],
        key: K,
        timeout: float | None = None,
    ) -> tuple[tuple[E, Call | None] | None, RelayError | None]:
        """Send a dial or connect and wait for its outcome event, keyed by ``key``.

        If anything interrupts the wait, abandon the work and flush (so its
        legs are ended).  Returns the outcome (``None``: ``timeout``
        passed) and the failure of the request itself, to chain from.
        """
        request = self._start(command)
        waiter = waiters[key] = Waiter[tuple[E, Call | None]]()
        outcome: tuple[E, Call | None] | None = None
        # From here on the request is queued: whatever ends the wait early
        # (the timeout, a cancellation, any exception) abandons the work.
        try:
            with trio.move_on_after(math.inf if timeout is None else timeout):
                await self._flush()
                outcome = await waiter.wait()
        finally:
            if waiters.get(key) is waiter:
                del waiters[key]
            if outcome is None:
                self._abandon(command)
                self._pump()
                await self._flush(self._close_timeout)
        failure = request.value
        return outcome, failure.error() if isinstance(failure, RequestFailed) else None

    # -- what a Call asks of its client (relay_trio._call.CallHost) ---------------------

    async def _play(self, call: Call, command: Play) -> Playback:
        """Start ``command``; the returned playback follows its events."""
        request = self._start(command)
        playback = self._playbacks[command.control_id] = Playback(call, command.control_id)
        await self._finish(request)
        return playback

    async def _connect(
        self, command: Connect
    ) -> tuple[ConnectStateChanged, Call | None, RelayError | None]:
        """Send ``command``; its outcome, the peer leg, the request's own failure."""
        outcome, cause = await self._await_outcome(command, self._connects, command.call.call_id)
        assert outcome is not None  # no timeout: only an exception ends the wait early
        event, peer = outcome
        return event, peer, cause

    def _abandon(self, command: Dial | Connect) -> None:
        """The caller gave up: the core ends the legs; close the calls it now silences."""
        now = trio.current_time()
        match command:
            case Dial(tag=tag):
                silenced = self._session.abandon_dial(tag, now=now)
            case Connect(call=call):
                silenced = self._session.abandon_connect(call, now=now)
            case _:
                assert_never(command)
        for ref in silenced:
            if (leg := self._calls.get(ref.call_id)) is not None:
                self._forget(leg, SessionClosedError(f"call {ref.call_id} was abandoned"))

    async def _flush(self, timeout: float = FLUSH_TIMEOUT) -> None:
        """Write every frame the core queued, in order, in as few writes as possible.

        Shielded: frames taken from the core must be written.  Bounded: a
        socket that cannot take a batch within ``timeout`` is dropped.
        Without a usable socket nothing is taken: ``connection_lost``
        re-queues the requests among the frames for the next session.

        Coalescing: one task at a time writes, and it keeps taking frames
        until the core has none left, so a flush that finds a writer at work
        returns at once (the writer takes its frames before it stops).
        Concurrent dials thus leave as one write, and a flush never waits
        behind another one.
        """
        ws = self._usable_socket()
        if ws is None or self._writer is ws:
            return
        self._writer = ws
        sending = False
        try:
            with trio.CancelScope(shield=True) as bound:
                bound.deadline = trio.current_time() + timeout
                async with ws.lock:
                    take = self._session.messages_to_send
                    while self._usable_socket() is ws and (frames := take()):
                        sending = True
                        await ws.send_texts(frames)  # a closed socket: the reader reports it
                        sending = False
                        bound.deadline = trio.current_time() + timeout
        finally:
            if self._writer is ws:
                self._writer = None
        if bound.cancelled_caught and sending:
            log.warning("a flush took over %g s; dropping the connection", timeout)
            self._drop_socket()

    # -- dispatch (sync; never awaits user code) ----------------------------------------

    def _pump(self) -> None:
        session = self._session
        while (event := session.next_event()) is not None:
            self._dispatch(event)
        deadline = session.next_deadline()
        if deadline != self._timer_deadline and (scope := self._timer_scope) is not None:
            self._timer_deadline = deadline
            scope.deadline = math.inf if deadline is None else deadline
        self._progress.set()
        self._progress = trio.Event()

    def _dispatch(self, event: Event) -> None:
        self._tap.put(event)
        match event:
            case SessionStarted(restored=restored):
                log.info("RELAY session %s on %s", "resumed" if restored else "started", self._url)
                self._established = True
                self._opened.set()
            case AuthenticationFailed(will_retry=will_retry):
                log.warning("authentication failed: %s (code %s)", event.message, event.code)
                if not will_retry:
                    self._fail(event.error())
                self._drop_socket()
            case SessionEnding(restart=restart):
                log.info("the server asked this client to reconnect (restart=%s)", restart)
            case LivenessLost(reason=reason):
                log.warning("connection looks dead (%s); reconnecting", reason)
                self._drop_cause = (FailureCause.TIMEOUT, reason)
                self._drop_socket()
            case RequestCompleted(request_id=request_id) | RequestFailed(request_id=request_id):
                waiter = self._requests.pop(request_id, None)
                if waiter is not None:
                    waiter.set(event)
            case DialStateChanged(tag=tag, call=info):
                winner = None if info is None else self._track(info)
                dial = self._dials.get(tag)
                if dial is not None and event.is_final:
                    dial.set((event, winner))
            case CallStateChanged(call=info):
                call = self._calls.get(info.call_id)
                if call is not None:
                    if event.is_final:
                        del self._calls[info.call_id]
                    call._on_state(event)
            case ConnectStateChanged(call=ref, peer=peer_info):
                peer = None if peer_info is None else self._track(peer_info)
                a_leg = self._calls.get(ref.call_id)
                if a_leg is not None:
                    a_leg._on_connect(event, peer)
                connect = self._connects.get(ref.call_id)
                if connect is not None and event.is_final:
                    connect.set((event, peer))
            case PlayStateChanged(call=ref, control_id=control_id):
                playback = self._playbacks.get(control_id)
                if playback is not None:
                    playback._on_state(event)
                    if playback.done:
                        del self._playbacks[control_id]
                self._deliver(ref, event)
            case CallReceived(call=info):
                self._offer(self._track(info))
            case InboundCallRefused(call=info, action=action):
                log.warning("refused inbound call %s (%s)", info.call_id, action)
            case CallErrorReported(call=ref) | UnknownEvent(call=ref):
                self._deliver(ref, event)
            case _:
                assert_never(event)

    def _deliver(self, ref: CallRef | None, event: Event) -> None:
        call = None if ref is None else self._calls.get(ref.call_id)
        if call is not None:
            call._tap.put(event)

    def _track(self, info: CallInfo) -> Call:
        call = self._calls.get(info.call_id)
        if call is None:
            call = Call(self, info)
            if not info.is_final:
                self._calls[info.call_id] = call
        else:
            call._update(info)
        return call

    def _forget(self, call: Call, error: RelayError) -> None:
        """Stop following ``call``; its waiters raise ``error``."""
        if self._calls.get(call.call_id) is call:
            del self._calls[call.call_id]
        call._close(error)

    def _offer(self, call: Call) -> None:
        try:
            self._incoming.send_nowait(call)
        except (trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError):
            log.warning("no room for inbound call %s; refusing it", call.call_id)
            self._forget(call, SessionClosedError(f"call {call.call_id} was refused"))
            self._session.refuse_call(call.ref, now=trio.current_time())

    # -- background tasks -----------------------------------------------------------------

    async def _run_socket(self) -> None:
        """Connect, read, and reconnect until the client closes or the session gives up."""
        try:
            while True:
                failure = await self._one_socket()
                if self._closing:
                    return
                now = trio.current_time()
                self._session.connection_lost(now=now)
                self._pump()
                delay = self._session.reconnect_delay()
                if delay is None:
                    self._fail(SessionClosedError("the RELAY session was closed"))
                    return
                # The core's policy: what is worth retrying, and for how long.
                if failure is not None:
                    cause, detail = failure.cause, failure.detail
                else:
                    cause, detail = self._drop_cause or (FailureCause.CLOSED, self._close_reason)
                self._drop_cause = None
                decision = self._policy.failed(
                    cause, detail, now=now, delay=delay, established=self._established
                )
                if isinstance(decision, ConnectionFailedError):
                    decision.__cause__ = None if failure is None else failure.__cause__
                    self._fail(decision)
                    return
                delay = decision
                if self._established:
                    log.info("reconnecting to %s in %.2f s", self._url, delay)
                else:  # the caller is waiting: say why (visible without logging config)
                    log.warning(
                        "cannot connect to %s (%s); retrying in %.2f s", self._url, cause, delay
                    )
                await trio.sleep(delay)
        except Exception as exc:  # a bug: report it from the context manager
            self._fail(exc)

    async def _one_socket(self) -> TransportError | None:
        """One socket, until it closes; the failure if it could not be opened."""
        with trio.CancelScope() as scope:
            self._socket_scope = scope
            try:
                async with open_socket(
                    self._url,
                    self._tls,
                    connect_timeout=SOCKET_OPEN_TIMEOUT,
                    close_timeout=self._close_timeout,
                ) as ws:
                    self._ws = ws
                    try:
                        self._session.connection_made(now=trio.current_time())
                        self._pump()
                        await self._flush()
                        await self._read(ws)
                    finally:
                        self._ws = None  # closing: frames stay in the core
            except TransportError as exc:
                self._last_error = exc
                log.info("connection to %s failed: %s", self._url, exc)
                return exc
            finally:
                self._socket_scope = None
        return None

    async def _read(self, ws: WebSocket) -> None:
        """Feed the core every message of a read, then flush their replies as one write."""
        receive_text = self._session.receive_text
        while (messages := await ws.receive()) is not None:
            now = trio.current_time()
            for text in messages:
                try:
                    receive_text(text, now=now)
                except RemoteProtocolError as exc:
                    log.debug("dropped a malformed frame: %s", exc)
            self._pump()
            await self._flush()
        self._close_reason = ws.close_reason
        log.info("connection closed: %s", ws.close_reason)

    async def _run_timer(self) -> None:
        try:
            while True:
                deadline = self._session.next_deadline()
                self._timer_deadline = deadline
                with trio.move_on_at(math.inf if deadline is None else deadline) as scope:
                    self._timer_scope = scope
                    await trio.sleep_forever()
                self._timer_scope = None
                self._session.handle_timeout(now=trio.current_time())
                self._pump()
                await self._flush()
        except Exception as exc:
            self._fail(exc)

    def _usable_socket(self) -> WebSocket | None:
        """The open socket, unless it is closing or being dropped."""
        scope = self._socket_scope
        return self._ws if scope is not None and not scope.cancel_called else None

    def _drop_socket(self) -> None:
        if self._socket_scope is not None:
            self._socket_scope.cancel()

    def _fail(self, exc: BaseException) -> None:
        """Record the first background failure and cancel the client's scope."""
        if self._failure is None:
            self._failure = exc
        self._opened.set()
        if self._nursery is not None:
            self._nursery.cancel_scope.cancel()

    # -- open and close ---------------------------------------------------------------------

    async def _wait_open(self, timeout: float | None) -> None:
        with trio.move_on_after(math.inf if timeout is None else timeout):
            await self._opened.wait()
            await trio.lowlevel.checkpoint()  # a failure cancelled us: raise here
            return
        last = self._last_error
        if last is None:
            raise self._policy.timed_out(None, self._close_reason)
        raise self._policy.timed_out(last.cause, last.detail) from last.__cause__

    async def _shutdown(self) -> None:
        """Abandon ringing work, flush, close the socket: shielded and bounded."""
        self._closing = True
        deadline = trio.current_time() + self._close_timeout
        with trio.CancelScope(shield=True, deadline=deadline):
            self._session.abandon_all(now=trio.current_time())
            self._pump()
            await self._flush(self._close_timeout)
            # Legs of abandoned dials and connects may still be on their way:
            # keep reading (the reader ends each one as it shows up) until the
            # server settles that work, or the deadline.
            while self._session.statistics().abandoned_work and self._usable_socket():
                await self._progress.wait()
            if (ws := self._usable_socket()) is not None:
                await ws.aclose()  # graceful, unless the socket is being dropped
        self._closed = True
        self._session.close(now=trio.current_time())  # fails requests, ends plays
        self._pump()
        # Dials and connects the core no longer reports on (abandoned above)
        # must not hang a task that outlives the block.
        waiters: list[Waiter[Any]] = [*self._dials.values(), *self._connects.values()]
        for waiter in waiters:
            waiter.fail(SessionClosedError())
        for call in list(self._calls.values()):
            call._close(SessionClosedError())
        self._tap.close()
        self._incoming.close()
        if self._nursery is not None:
            self._nursery.cancel_scope.cancel()


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
