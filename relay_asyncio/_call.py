"""What user code holds: :class:`Call` and :class:`ConnectResult` (actions: ``_actions``).

A ``Call`` mirrors the core's snapshot of one call and turns its verbs into
core commands sent through the owning :class:`~relay_asyncio.RelayClient`.
Listeners (``call.on``) run in one tracked task per call, so per-call order is
kept and a slow listener never delays the reader.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeAlias, TypeVar

from relay_core import (
    CALL_EVENT_BUFFER,
    ActionFinished,
    ActionUpdated,
    Answer,
    CallActivity,
    CallErrorReported,
    CallId,
    CallInfo,
    CallRef,
    CallState,
    CallStateChanged,
    Command,
    Connect,
    ConnectState,
    ConnectStateChanged,
    Device,
    Disconnect,
    Hangup,
    InvalidArgumentError,
    JSONObject,
    JSONValue,
    NodeId,
    Pass,
    PlayStateChanged,
    RelayError,
    SessionClosedError,
    UnknownEvent,
    check_flag,
    check_text,
    check_timeout,
    device_to_wire,
)

from ._actions import Action, PlayAction
from ._call_actions import CallActions
from ._sdk_events import RelayEvent
from ._sdk_parse import sdk_event

__all__ = ["Action", "Call", "CallEvent", "CallHost", "ConnectResult", "EventHandler", "PlayAction"]

log = logging.getLogger("relay_asyncio")

#: A ``call.on`` listener: a function or coroutine function taking the event.
EventHandler: TypeAlias = Callable[[Any], object]
Predicate: TypeAlias = Callable[[Any], bool]


#: The events a call's listeners get; each knows its wire ``event_type``.
CallEvent: TypeAlias = (
    CallStateChanged | ConnectStateChanged | PlayStateChanged | CallErrorReported | UnknownEvent
    | ActionUpdated | ActionFinished | CallActivity
)  # fmt: skip
_T = TypeVar("_T")


class CallHost(Protocol):
    """What a :class:`Call` asks of its client (relay_trio's ``Call`` has the same)."""

    async def _request(self, command: Command) -> JSONObject:
        """Send ``command``; its (code-checked) result."""
        ...

    async def _start_action(self, action: Action, command: Command) -> JSONObject:
        """Send ``command`` with ``action`` following its events (settled if it fails);
        the server's reply."""
        ...

    async def _connect(
        self, command: Connect, *, wait: bool
    ) -> tuple[JSONObject, ConnectStateChanged | None, Call | None]:
        """Send a connect: its ack, and (``wait``) its outcome and peer leg."""
        ...

    def _forget(self, call: Call, error: RelayError | None = None) -> None:
        """Stop following ``call`` (its waiters raise ``error``, if given)."""
        ...

    def _future(self) -> asyncio.Future[_T]:
        """A future of the client's loop."""
        ...

    def _spawn(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``job`` in the client's task group."""
        ...


class ConnectResult(dict[str, JSONValue]):
    """The outcome of :meth:`Call.connect`: the server's result dict, plus the bridge.

    Dict keys: the RPC result (``code``, ``message``), ``state`` and, once
    bridged, ``peer`` (``call_id``/``node_id``).  ``.call`` and ``.peer`` are
    the peer :class:`Call` (``None`` with ``wait=False``).
    """

    def __init__(
        self, result: Mapping[str, JSONValue], *, state: ConnectState | None, peer: Call | None
    ) -> None:
        super().__init__(result)
        if state is not None:
            self["state"] = state.value
        if peer is not None:
            self["peer"] = {"call_id": peer.call_id, "node_id": peer.node_id}
        self.state = state
        self.call = self.peer = peer

    @property
    def successful(self) -> bool:
        """Whether the bridge is up."""
        return self.peer is not None


async def notify(
    listeners: Iterable[Callable[[Any], object]], event: Any, owner: str, ident: object
) -> None:
    """Hand ``event`` to each listener in turn, awaiting the coroutine ones.

    A listener that raises is logged (``listener ... of <owner> <ident> failed``) and
    the next one still runs: user code never stops a call's or message's events.
    """
    for listener in listeners:
        try:
            result = listener(event)
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("listener %r of %s %s failed", listener, owner, ident)


class Call(CallActions):
    """One call, inbound or outbound, as the official SDK's ``Call``.

    Its verbs beyond answer/hangup/connect (play, record, collect, detect,
    ...) are :class:`~relay_asyncio._call_actions.CallActions`' and ``CallVerbs``'.
    """

    # Defaults at class level: most calls never set these, and each attribute an
    # instance holds costs it ~9 B (CPython 3.11 sizes an object's attribute values
    # by what ``__init__`` stores).  Assigning one on an instance (user code may set
    # its own attributes too, as on the official SDK's plain ``Call``) works as usual.
    #: The official SDK's ``project_id`` and ``segment_id`` (set by the client).
    project_id: str = ""
    segment_id: str = ""
    end_reason: str | None = None
    #: The other leg of the bridge, while there is one.
    peer: Call | None = None
    #: Events dropped because this call's listeners fell behind.
    dropped_events: int = 0
    _device: dict[str, JSONValue] | None = None  # built on first access
    # Built on first use (a listener, a waiter, a delivery to a listener): most
    # calls never need them, and a deque or an Event costs ~760 B.
    _listeners: dict[str, list[EventHandler]] | None = None
    _waiters: list[tuple[str, Predicate | None, asyncio.Future[Any]]] | None = None
    # Bounded (CALL_EVENT_BUFFER): a listener that never returns costs at most that
    # many events; past it the oldest are dropped and counted.
    _inbox: deque[tuple[list[EventHandler], RelayEvent]] | None = None
    _worker: asyncio.Task[None] | None = None
    _ended: asyncio.Event | None = None
    _end_event: RelayEvent | CallStateChanged | None = None  # built when asked
    _closed: RelayError | None = None

    def __init__(self, client: CallHost, info: CallInfo) -> None:
        self._client = client
        self.call_id: str = info.call_id
        self.node_id: str = info.node_id
        self.tag: str = info.tag or ""
        self.direction: str = info.direction or ""
        self.context: str = info.context or ""
        self.state: str = info.state
        self._device_info: Device | None = None
        self._update(info)

    def __repr__(self) -> str:
        return f"<Call id={self.call_id!r} state={self.state!s} direction={self.direction!r}>"

    @property
    def device(self) -> dict[str, JSONValue]:
        """The call's device as wire JSON (built on first access)."""
        if self._device is None:
            info = self._device_info
            self._device = {} if info is None else device_to_wire(info)
        return self._device

    @device.setter
    def device(self, value: dict[str, JSONValue]) -> None:
        self._device = value

    @property
    def ref(self) -> CallRef:
        """The core's address of this call."""
        return CallRef(CallId(self.call_id), NodeId(self.node_id))

    # -- verbs -------------------------------------------------------------

    async def answer(self, *, max_duration: float | None = None) -> JSONObject:
        """Answer an inbound call.

        On return :attr:`state` is ``"answered"`` (the core takes the server's
        success as the answer, before its ``answered`` event arrives).
        """
        return await self._request(Answer(call=self, max_duration=max_duration))

    async def hangup(self, reason: str = "hangup") -> JSONObject:
        """End the call (``calling.end``)."""
        return await self._request(Hangup(call=self, reason=reason))

    async def pass_(self) -> JSONObject:
        """Decline an offered inbound call so another client gets it."""
        result = await self._request(Pass(call=self))
        self._client._forget(self, SessionClosedError(f"call {self.call_id} was passed"))
        return result

    async def disconnect(self) -> JSONObject:
        """Tear down this call's bridge; both legs stay up."""
        return await self._request(Disconnect(call=self))

    async def connect(
        self,
        devices: Iterable[Iterable[Any]],
        *,
        ringback: Sequence[Mapping[str, Any]] | None = None,
        tag: str | None = None,
        max_duration: float | None = None,
        max_price_per_minute: float | None = None,
        status_url: str | None = None,
        wait: bool = True,
    ) -> ConnectResult:
        """Bridge this call to the first device of a plan that answers.

        Waits for the bridge and returns a :class:`ConnectResult` whose
        ``.call`` is the peer leg; ``wait=False`` returns on the server's ack.
        Cancelling the wait ends the ringing peer legs.

        Raises:
            ConnectError: the bridge failed (``reason`` is the server's).
            CallGoneError: this call is gone: it ended (refused before
                anything is sent when the session saw it end) or the server
                answered 404/410.  The same type as relay_trio raises.
            InvalidArgumentError: an argument is invalid; nothing was sent.
        """
        check_flag("wait", wait)
        command = Connect(
            call=self,
            devices=devices,
            ringback=ringback,
            tag=tag,
            max_duration=max_duration,
            max_price_per_minute=max_price_per_minute,
            status_url=status_url,
        )
        ack, event, peer = await self._client._connect(command, wait=wait)
        if event is None:
            return ConnectResult(ack, state=None, peer=None)
        if peer is None:
            raise event.error()
        return ConnectResult(ack, state=event.state, peer=peer)

    # -- events ------------------------------------------------------------

    def on(self, event_type: str, handler: EventHandler) -> None:
        """Call ``handler(event)`` for every ``event_type`` event of this call.

        ``event_type`` is the wire name (``"calling.call.state"``,
        ``"calling.call.play"``, ``"calling.call.connect"``, ...); the event is
        the official SDK's class for it (:class:`~relay_asyncio.CallStateEvent`,
        ``.params`` and all; its ``.core`` is the core's typed event).
        Coroutine listeners are awaited in order.

        Listeners run in one task per call and never slow the reader: while
        they are busy, up to ``relay_core``'s ``CALL_EVENT_BUFFER`` (256)
        events wait; past it the oldest is dropped, counted in
        :attr:`dropped_events`, and a warning is logged once per call.
        """
        check_text("event_type", event_type)
        if not callable(handler):
            raise InvalidArgumentError(f"handler: {handler!r} is not callable")
        if self._listeners is None:
            self._listeners = {}
        self._listeners.setdefault(event_type, []).append(handler)

    def off(self, event_type: str, handler: EventHandler | None = None) -> None:
        """Remove one listener, or every listener of ``event_type``."""
        handlers = self._listeners.get(event_type, []) if self._listeners else []
        if handler is None:
            handlers.clear()
        elif handler in handlers:
            handlers.remove(handler)

    async def wait_for(
        self, event_type: str, predicate: Predicate | None = None, timeout: float | None = None
    ) -> Any:
        """Wait for the next ``event_type`` event (as :meth:`on` gets it) passing ``predicate``."""
        check_text("event_type", event_type)
        timeout = check_timeout("timeout", timeout, allow_none=True)
        if predicate is not None and not callable(predicate):
            raise InvalidArgumentError(f"predicate: {predicate!r} is not callable")
        if self._closed is not None:
            raise self._closed
        future: asyncio.Future[Any] = self._client._future()
        entry = (event_type, predicate, future)
        if self._waiters is None:
            self._waiters = []
        waiters = self._waiters
        waiters.append(entry)
        try:
            async with asyncio.timeout(timeout):
                return await future
        finally:
            if entry in waiters:
                waiters.remove(entry)

    async def wait_for_ended(self, timeout: float | None = None) -> RelayEvent | None:
        """Wait until the call has ended; returns the ``ended`` ``CallStateEvent``."""
        timeout = check_timeout("timeout", timeout, allow_none=True)
        if self._end_event is None and self._closed is None:
            if self._ended is None:
                self._ended = asyncio.Event()
            async with asyncio.timeout(timeout):
                await self._ended.wait()
        if self._end_event is None and self._closed is not None:
            raise self._closed
        if isinstance(self._end_event, CallStateChanged):
            self._end_event = sdk_event(self._end_event)
        return self._end_event

    async def wait_for_ringing(self, timeout: float | None = None) -> RelayEvent:
        """Wait until the call rings (or is past it); returns the state event."""
        return await self._wait_for_state(CallState.RINGING, timeout)

    async def wait_for_answered(self, timeout: float | None = None) -> RelayEvent:
        """Wait until the call is answered (or is past it); returns the state event."""
        return await self._wait_for_state(CallState.ANSWERED, timeout)

    async def wait_for_ending(self, timeout: float | None = None) -> RelayEvent:
        """Wait until the call is ending (or is past it); returns the state event."""
        return await self._wait_for_state(CallState.ENDING, timeout)

    async def _wait_for_state(self, target: CallState, timeout: float | None) -> RelayEvent:
        timeout = check_timeout("timeout", timeout, allow_none=True)
        if CallState(self.state).reached(target):  # the core's rule, as relay_trio's
            # Already there (or past it): as the official SDK, a bare event.
            return RelayEvent(
                event_type=CallStateChanged.event_type, params={"call_state": self.state}
            )
        event: RelayEvent = await self.wait_for(
            CallStateChanged.event_type,
            lambda e: CallState(e.call_state).reached(target),
            timeout,
        )
        return event

    # -- plumbing for the client --------------------------------------------

    async def _request(self, command: Command) -> JSONObject:
        return await self._client._request(command)

    def _update(self, info: CallInfo) -> None:
        self.state = info.state
        self.node_id = self.node_id or info.node_id
        if info.end_reason:
            self.end_reason = info.end_reason
        if info.device is not None and info.device is not self._device_info:
            self._device_info = info.device
            if self._device is not None:
                self._device = None

    def _deliver(self, event: CallEvent) -> None:
        event_type = event.event_type
        built: RelayEvent | None = None  # the official class: once, if anyone reads it
        if self._waiters:
            for entry in list(self._waiters):
                kind, predicate, future = entry
                if kind != event_type or future.done():
                    continue
                built = built or sdk_event(event)
                try:
                    if predicate is None or predicate(built):
                        future.set_result(built)
                except Exception as exc:
                    future.set_exception(exc)
        if isinstance(event, CallStateChanged) and event.is_final:
            self._end_event = built or event
            if self._ended is not None:
                self._ended.set()
        handlers = self._listeners.get(event_type) if self._listeners else None
        if handlers:
            built = built or sdk_event(event)
            inbox = self._inbox
            if inbox is None:
                inbox = self._inbox = deque(maxlen=CALL_EVENT_BUFFER)
            if len(inbox) == CALL_EVENT_BUFFER:
                # The reader never waits for listeners (relay_trio's taps do
                # the same): the oldest pending event goes.
                self.dropped_events += 1
                if self.dropped_events == 1:
                    log.warning(
                        "listeners of call %s fall behind: over %d events wait; "
                        "dropping the oldest (counted in call.dropped_events)",
                        self.call_id,
                        CALL_EVENT_BUFFER,
                    )
            inbox.append((list(handlers), built))
            if self._worker is None:
                self._worker = self._client._spawn(self._run_listeners())

    async def _run_listeners(self) -> None:
        inbox = self._inbox
        assert inbox is not None
        try:
            while inbox:
                handlers, event = inbox.popleft()
                await notify(handlers, event, "call", self.call_id)
        finally:
            self._worker = None

    def _close(self, error: RelayError) -> None:
        self._closed = error
        if self._ended is not None:
            self._ended.set()
        for _, _, future in self._waiters or ():
            if not future.done():
                future.set_exception(error)
