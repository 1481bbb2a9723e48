"""The asyncio client's dispatch: each core event to its waiter, call or handler.

Synchronous and never awaits user code (an ``on_call`` handler runs in its
own task).  Also the client's table of live calls (``_track``, ``_forget``,
``_deliver``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Final, assert_never

from relay_core import (
    ActionFinished,
    ActionUpdated,
    AuthenticationFailed,
    CallActivity,
    CallErrorReported,
    CallId,
    CallInfo,
    CallReceived,
    CallRef,
    CallStateChanged,
    ConnectStateChanged,
    DialStateChanged,
    FailureCause,
    InboundCallRefused,
    InboundMessageRefused,
    LivenessLost,
    MessageReceived,
    MessageStateChanged,
    PlayStateChanged,
    RelayError,
    RequestCompleted,
    RequestFailed,
    SessionClosedError,
    SessionEnding,
    SessionStarted,
    UnknownEvent,
)

from ._base import CallHandler
from ._call import Call, CallEvent
from ._commands import Commands

log = logging.getLogger("relay_asyncio")

#: Loop turns in a row without a handler finishing before held offers are refused.
IDLE_TICKS: Final = 3
#: ``on_call`` handler tasks started per turn of the loop, at most (see ``_settle_offers``).
SLICE: Final = 64


class Dispatch(Commands):
    """Routes events to waiters keyed by what the events carry."""

    if TYPE_CHECKING:

        def _on_message_event(
            self, event: MessageReceived | MessageStateChanged | InboundMessageRefused
        ) -> None: ...  # relay_asyncio._message

    def _track(self, info: CallInfo) -> Call:
        call = self._calls.get(info.call_id)
        if call is None:
            call = Call(self, info)
            call.project_id = self.project  # the official SDK's default
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

    def _offer(self, event: CallReceived) -> None:
        info = event.call
        handler = self._on_call
        if handler is None or self._closing:
            self._refuse(info.ref)
            return
        call = self._track(info)
        # Not modelled by the core; the official SDK's Call carries them as sent.
        project_id, segment_id = event.params.get("project_id"), event.params.get("segment_id")
        if isinstance(project_id, str) and project_id:
            call.project_id = project_id
        if isinstance(segment_id, str):
            call.segment_id = segment_id
        if self._handlers >= self._max_handlers or self._held or self._fresh_handlers >= SLICE:
            # Not refused yet: handlers started earlier in this read have not
            # run at all.  The reader lets them run first (_settle_offers).
            self._held.append(call)
            return
        self._fresh_handlers += 1
        self._start_handler(handler, call)

    def _refuse(self, ref: CallRef) -> None:
        log.warning("refusing inbound call %s: no free on_call handler", ref.call_id)
        assert self._session is not None
        self._session.refuse_call(ref, now=self._now())

    async def _settle_offers(self) -> None:
        """Give held offers to handlers as they free up; refuse the rest.

        Runs after a read whose offers outnumbered the free handlers, or
        :data:`SLICE`.  At most :data:`SLICE` handlers start per turn of the
        loop, so a read's burst of handler tasks runs (and is freed) a slice at a
        time.  An offer is refused (the overflow policy) only once
        :data:`IDLE_TICKS` turns of the loop in a row found every handler busy
        and freed none: handlers that return at once take a whole burst,
        handlers that do not return get the policy.
        """
        held = self._held
        idle = 0
        while held:
            handler = self._on_call
            if handler is None or self._closing:
                break
            free = self._max_handlers - self._handlers
            for _ in range(min(free, SLICE, len(held))):
                self._start_handler(handler, held.popleft())
            if not held:
                return
            if free > SLICE:  # stopped by the slice, not the cap: no offer is refused
                await asyncio.sleep(0)
                idle = 0
                continue
            if idle >= IDLE_TICKS:
                break
            running = self._handlers
            await asyncio.sleep(0)
            idle = 0 if self._handlers < running else idle + 1
        while held:
            call = held.popleft()
            if self._calls.get(CallId(call.call_id)) is call:
                self._forget(call, SessionClosedError(f"call {call.call_id} was refused"))
                self._refuse(call.ref)
        self._pump()

    def _start_handler(self, handler: CallHandler, call: Call) -> None:
        """Run ``handler(call)`` in a task of its own, as the official SDK does.

        Lighter than ``_spawn`` (a burst of offers starts many at once): no
        done callback, which costs five allocations (a bound method, a copied
        context, a tuple, a list); the task leaves ``_handler_tasks`` itself.
        """
        assert self._tg is not None
        self._handlers += 1
        self._handler_tasks.add(self._tg.create_task(self._run_handler(handler, call)))

    async def _run_handler(self, handler: CallHandler, call: Call) -> None:
        try:
            await handler(call)
        except Exception:
            log.exception("on_call handler failed for call %s", call.call_id)
        finally:
            self._handlers -= 1
            self._handler_tasks.discard(asyncio.current_task())

    def _dispatch(self) -> None:
        session = self._session
        assert session is not None
        while (event := session.next_event()) is not None:
            match event:
                # The hot three first: a class pattern that fails costs an isinstance.
                case CallStateChanged(call=info):
                    call = self._calls.get(info.call_id)
                    if call is not None:
                        call._update(info)
                        if event.is_final:
                            self._forget(call)
                        call._deliver(event)
                case PlayStateChanged(call=ref, control_id=control_id):
                    action = self._actions.get(control_id)
                    if action is not None and action._update(event):
                        del self._actions[control_id]
                    self._deliver(ref, event)
                case CallReceived():
                    self._offer(event)
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
                case InboundCallRefused(call=info):
                    log.warning("inbound call %s refused (%s)", info.call_id, event.action)
                case DialStateChanged(tag=tag):
                    dial = self._dials.get(tag)
                    if dial is not None and not dial.done() and event.is_final:
                        # Tracked now, not when dial() resumes: the leg's later
                        # events of this same read (its end) must find it.
                        winner = None if event.call is None else self._track(event.call)
                        dial.set_result((event, winner))
                case ConnectStateChanged():
                    self._on_connect(event)
                case CallErrorReported(call=ref):
                    log.warning("calling.error %s: %s", event.code, event.message)
                    self._deliver(ref, event)
                case (
                    ActionUpdated(call=ref, control_id=control_id)
                    | ActionFinished(call=ref, control_id=control_id)
                ):
                    action = self._actions.get(control_id)
                    if action is not None and action._action_event(event):
                        del self._actions[control_id]
                    self._deliver(ref, event)
                case UnknownEvent(call=ref) | CallActivity(call=ref):
                    self._deliver(ref, event)
                case MessageReceived() | MessageStateChanged() | InboundMessageRefused():
                    self._on_message_event(event)
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
