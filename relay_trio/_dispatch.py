"""The trio client's dispatch: each core event to its waiter, call or consumer.

Synchronous and never awaits user code: the reader dispatches a whole read
before it flushes the replies.  Also the client's table of live calls
(``_track``, ``_forget``, ``_deliver``) and the offer of an inbound call.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final, assert_never

import trio

from relay_core import (
    ActionFinished,
    ActionUpdated,
    AuthenticationFailed,
    CallActivity,
    CallErrorReported,
    CallInfo,
    CallReceived,
    CallRef,
    CallStateChanged,
    ConnectStateChanged,
    DialStateChanged,
    Event,
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

from ._call import Call
from ._commands import Commands

log = logging.getLogger("relay_trio")

#: Scheduling rounds in a row without a consumer taking a call before held offers are refused.
IDLE_TICKS: Final = 3


class Dispatch(Commands):
    """Routes events to waiters keyed by what the events carry."""

    if TYPE_CHECKING:

        def _on_message_event(
            self, event: MessageReceived | MessageStateChanged | InboundMessageRefused
        ) -> None: ...  # relay_trio._message

    def _dispatch(self, event: Event) -> None:
        self._tap.put(event)
        match event:
            # The hot three first: a class pattern that fails costs an isinstance.
            case CallStateChanged(call=info):
                call = self._calls.get(info.call_id)
                if call is not None:
                    if event.is_final:
                        del self._calls[info.call_id]
                    call._on_state(event)
            case PlayStateChanged(call=ref, control_id=control_id):
                playback = self._playbacks.get(control_id)
                if playback is not None:
                    playback._on_state(event)
                    if playback.done:
                        del self._playbacks[control_id]
                self._deliver(ref, event)
            case CallReceived(call=info):
                self._offer(self._track(info))
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
            case ConnectStateChanged(call=ref, peer=peer_info):
                peer = None if peer_info is None else self._track(peer_info)
                a_leg = self._calls.get(ref.call_id)
                if a_leg is not None:
                    a_leg._on_connect(event, peer)
                connect = self._connects.get(ref.call_id)
                if connect is not None and event.is_final:
                    connect.set((event, peer))
            case InboundCallRefused(call=info, action=action):
                log.warning("refused inbound call %s (%s)", info.call_id, action)
            case ActionUpdated(call=ref, control_id=control_id):
                if (handle := self._actions.get(control_id)) is not None:
                    handle._on_update(event)
                self._deliver(ref, event)
            case ActionFinished(call=ref, control_id=control_id):
                if (handle := self._actions.pop(control_id, None)) is not None:
                    handle._on_finished(event)
                self._deliver(ref, event)
            case CallErrorReported(call=ref) | UnknownEvent(call=ref) | CallActivity(call=ref):
                self._deliver(ref, event)
            case MessageReceived() | MessageStateChanged() | InboundMessageRefused():
                self._on_message_event(event)
            case _:
                assert_never(event)

    def _deliver(self, ref: CallRef | None, event: Event) -> None:
        call = None if ref is None else self._calls.get(ref.call_id)
        if call is not None:
            call._put(event)

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
        if self._held:  # offers keep their order
            self._held.append(call)
            return
        try:
            self._incoming.send_nowait(call)
        except trio.WouldBlock:
            # Not refused yet: consumers have not run at all during this read.
            # The reader lets them take what they can first (_settle_offers).
            self._held.append(call)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            self._refuse(call)

    def _refuse(self, call: Call) -> None:
        log.warning("no room for inbound call %s; refusing it", call.call_id)
        self._forget(call, SessionClosedError(f"call {call.call_id} was refused"))
        self._session.refuse_call(call.ref, now=trio.current_time())

    async def _settle_offers(self) -> None:
        """Hand held offers to consumers as they take them; refuse the rest.

        Runs after a read whose offers overflowed ``max_pending_calls``.  An
        offer is refused (the overflow policy) only once :data:`IDLE_TICKS`
        scheduling rounds in a row saw no consumer take a call: a consumer
        that starts a task per call takes a whole burst, one that stops
        taking gets the policy.
        """
        held = self._held
        idle = 0
        while held:
            try:
                while held:
                    self._incoming.send_nowait(held[0])
                    held.popleft()
                return
            except trio.WouldBlock:
                pass
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                break
            if idle >= IDLE_TICKS or self._closing:
                break
            waiting = self._incoming.statistics().current_buffer_used
            await trio.sleep(0)
            stats = self._incoming.statistics()
            took = stats.current_buffer_used < waiting or stats.tasks_waiting_receive > 0
            idle = 0 if took else idle + 1
        while held:
            call = held.popleft()
            if self._calls.get(call.call_id) is call:
                self._refuse(call)
