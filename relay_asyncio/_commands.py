"""The asyncio client's commands: requests, dials and connects, and the Call's host.

Every command is ``session.send(...)`` (sync: it checks and queues) then a
pump, then a wait on a future keyed by what the matching event carries.  A
dial or connect left early is abandoned: the core ends its legs and the
writer sends those frames even though the caller is gone (``_await_outcome``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Generic, TypeVar, assert_never

from relay_core import (
    CallInfo,
    Command,
    Connect,
    ConnectionLostError,
    ConnectStateChanged,
    ControlId,
    Dial,
    DialStateChanged,
    JSONObject,
    Play,
    SessionClosedError,
)

from ._actions import Action, CompletedHandler, PlayAction
from ._call import Call
from ._session_loop import SessionLoop

_K = TypeVar("_K")
_O = TypeVar("_O")


def _expire(outcome: asyncio.Future[Any]) -> None:
    """A dial's deadline passed: its waiter raises ``TimeoutError``."""
    if not outcome.done():
        outcome.set_exception(TimeoutError())


class _OutcomeWait(Generic[_K, _O]):
    """``with``: the outcome future of a dial or connect, registered under ``key``.

    Left by an exception (a cancellation, the deadline, the session's end)
    the work is abandoned.  A class, not a generator: dials are hot.
    """

    __slots__ = ("_client", "_command", "_key", "_outcome", "_waiters")

    def __init__(
        self,
        client: Commands,
        command: Dial | Connect,
        waiters: dict[_K, asyncio.Future[_O]],
        key: _K,
    ) -> None:
        self._client = client
        self._command = command
        self._waiters = waiters
        self._key = key
        self._outcome: asyncio.Future[_O] = client._future()

    def __enter__(self) -> asyncio.Future[_O]:
        self._waiters[self._key] = self._outcome
        return self._outcome

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            self._client._abandon(self._command)
        if self._waiters.get(self._key) is self._outcome:
            del self._waiters[self._key]


class Commands(SessionLoop):
    """Send commands and wait for their outcomes (used by Call and PlayAction too)."""

    if TYPE_CHECKING:

        def _track(self, info: CallInfo) -> Call: ...  # relay_asyncio._dispatch

    def _start(self, command: Command, timeout: float | None = None) -> asyncio.Future[JSONObject]:
        request_id = self._live().send(command, now=self._now(), timeout=timeout)
        future: asyncio.Future[JSONObject] = self._future()
        self._requests[request_id] = future
        self._pump()
        return future

    async def _request(self, command: Command, timeout: float | None = None) -> JSONObject:
        return await self._start(command, timeout)

    def _await_outcome(
        self, command: Dial | Connect, waiters: dict[_K, asyncio.Future[_O]], key: _K
    ) -> _OutcomeWait[_K, _O]:
        """Register the future for ``command``'s outcome; abandon the work if left early."""
        return _OutcomeWait(self, command, waiters, key)

    async def _await_dial(
        self, command: Dial, timeout: float | None
    ) -> tuple[DialStateChanged, Call | None]:
        """Wait for ``command``'s outcome; past ``timeout``, ``TimeoutError``.

        The deadline fails the outcome future instead of cancelling the task
        as ``asyncio.timeout`` does (half the cost on the hottest command).
        Left early in any way (the deadline, a cancellation, the session's
        end) the dial is abandoned: the core ends its legs.
        """
        with self._await_outcome(command, self._dials, command.tag) as outcome:
            expiry = None if timeout is None else self._loop.call_later(timeout, _expire, outcome)
            try:
                return await outcome
            finally:
                if expiry is not None:
                    expiry.cancel()

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

    # -- what a Call asks of its client (relay_asyncio._call.CallHost) ------------------

    async def _play(
        self, call: Call, command: Play, on_completed: CompletedHandler | None = None
    ) -> PlayAction:
        """Start ``command``; the returned action follows its events.

        The adapters' shared name for starting a play (relay_trio's Call uses
        it); relay_asyncio's ``Call.play`` builds its :class:`PlayAction` and
        goes through :meth:`_start_action` like every other action.
        """
        action = PlayAction(call, command.control_id, on_completed)
        await self._start_action(action, command)
        return action

    async def _start_action(self, action: Action, command: Command) -> JSONObject:
        """Send ``command`` with ``action`` following its events; the server's reply.

        The action is registered before the request goes out (its events may
        overtake the reply).  If the start fails the core settles it and the
        error is raised; if the caller leaves before the reply, the action is
        abandoned (stopped on the server: nobody holds its handle).
        """
        request = self._start(command)
        control_id = action.control_id
        self._actions[control_id] = action
        try:
            return await request
        except BaseException as exc:
            if self._actions.get(control_id) is action:
                del self._actions[control_id]
            action._detach()
            if isinstance(exc, asyncio.CancelledError):
                self._abandon_action(control_id)
            raise

    def _abandon_action(self, control_id: ControlId) -> None:
        session = self._session
        if session is None or self._closing:
            return  # leaving: the session ends every action
        if session.abandon_action(control_id, now=self._now()):
            self._pump()

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
