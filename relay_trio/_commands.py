"""The trio client's commands: requests, dials and connects, and the Call's host.

Every command is ``session.send(...)`` (sync: it checks and queues) then a
flush, then a wait on a :class:`~relay_trio._sync.Waiter` keyed by what the
matching event carries.  A dial or connect left early is abandoned: the core
ends its legs and the frames go out under a shield (``_await_outcome``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TypeVar, assert_never

import trio

from relay_core import (
    Command,
    Connect,
    ConnectStateChanged,
    Dial,
    DialStateChanged,
    JSONObject,
    Play,
    RelayError,
    RequestFailed,
    SessionClosedError,
)

from ._actions import Action
from ._base import _Outcome
from ._call import Call, Playback
from ._session_loop import SessionLoop
from ._sync import Expired, Waiter

K = TypeVar("K")
E = TypeVar("E", DialStateChanged, ConnectStateChanged)


class Commands(SessionLoop):
    """Send commands and wait for their outcomes (used by Call and Playback too)."""

    if TYPE_CHECKING:

        def _forget(self, call: Call, error: RelayError) -> None: ...  # relay_trio._dispatch

    def _start(self, command: Command) -> Waiter[_Outcome]:
        """Queue ``command`` in the core (sync: raises before anything is sent)."""
        request_id = self._session.send(command, now=trio.current_time())
        waiter: Waiter[_Outcome] = Waiter()
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
        waiter: Waiter[tuple[E, Call | None]] = Waiter()
        waiters[key] = waiter
        outcome: tuple[E, Call | None] | None = None
        # The timeout fails the waiter (the timer task fires it) rather than
        # cancelling a scope: a CancelScope per dial cost more than the rest
        # of the wait.  The flush is shielded, so only the wait is bounded,
        # as it was under ``move_on_after``.
        expiry = None
        if timeout is not None:
            deadline = trio.current_time() + timeout
            expiry = self._expiries.add(deadline, waiter)
            armed = self._timer_deadline
            if armed is None or deadline < armed:
                self._pump()  # the timer must wake sooner
        # From here on the request is queued: whatever ends the wait early
        # (the timeout, a cancellation, any exception) abandons the work.
        try:
            await self._flush()
            outcome = await waiter.wait()
        except Expired:
            pass
        finally:
            if expiry is not None:
                self._expiries.cancel(expiry)
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

    @asynccontextmanager
    async def _action(self, action: Action[object], command: Command) -> AsyncIterator[None]:
        """Start ``action``: the block runs once the server accepted it.

        The handle follows the action's events from before the request
        leaves (they may beat the reply).  Leaving the block normally stops
        a running action politely (its stop command, then a wait bounded by
        ``close_timeout`` for the end it reports, so a recording still gets
        its URL); whatever way the block is left, an action the core still
        runs is then abandoned: the core sends its stop command and reports
        it ``abandoned`` (the flush is shielded: this works when cancelled).
        """
        request = self._start(command)
        self._actions[action.control_id] = action
        try:
            await self._finish(request)
            yield
            if not action.done:
                await self._stop_politely(action)
        finally:
            if self._session.abandon_action(action.control_id, now=trio.current_time()):
                self._pump()
                await self._flush(self._close_timeout)
            self._actions.pop(action.control_id, None)

    async def _stop_politely(self, action: Action[object]) -> None:
        stop = action._stop_command()
        if stop is not None:
            try:
                await self._request(stop)
            except RelayError:
                return  # over or gone already: the abandon cleans up
        with trio.move_on_after(self._close_timeout if stop is not None else 0):
            await action._done.wait()

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
