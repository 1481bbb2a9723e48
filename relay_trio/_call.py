"""Calls and playbacks: handles for commands and for waiting without callbacks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

import trio

from relay_core import (
    CALL_EVENT_BUFFER,
    Answer,
    CallInfo,
    CallRef,
    CallState,
    CallStateChanged,
    Command,
    Connect,
    ConnectStateChanged,
    ControlId,
    Device,
    Disconnect,
    Event,
    Hangup,
    InvalidArgumentError,
    JSONObject,
    Pass,
    Play,
    PlayPause,
    PlayResume,
    PlayState,
    PlayStateChanged,
    PlayStop,
    PlayVolume,
    RelayError,
    SessionClosedError,
    check_choice,
    check_count,
    work_error,
)

from ._actions import Action
from ._call_actions import CallActions
from ._call_verbs import CallVerbs
from ._sync import Broadcast, EventStream

__all__ = ["Call", "CallHost", "Playback"]


class CallHost(Protocol):
    """What a :class:`Call` asks of its client (relay_asyncio's ``Call`` has the same)."""

    #: Whether the client has closed (no call of it will change again).
    _closed: bool

    async def _request(self, command: Command) -> JSONObject:
        """Send ``command``; its (code-checked) result."""
        ...

    async def _play(self, call: Call, command: Play) -> Playback:
        """Start a playback; the returned one follows its events."""
        ...

    async def _connect(
        self, command: Connect
    ) -> tuple[ConnectStateChanged, Call | None, RelayError | None]:
        """Send a connect: its outcome, the peer leg, the request's own failure."""
        ...

    def _forget(self, call: Call, error: RelayError) -> None:
        """Stop following ``call``; its waiters raise ``error``."""
        ...

    def _action(
        self, action: Action[object], command: Command
    ) -> AbstractAsyncContextManager[None]:
        """Start ``action`` (entered on its reply); leaving ends it on the server."""
        ...


class Call(CallActions, CallVerbs):
    """One live call, inbound or outbound.

    Made by :meth:`RelayClient.dial`, :meth:`Call.connect` (the peer leg) and
    :meth:`RelayClient.incoming_calls`; never constructed by users.  Its state
    follows the server's events; wait on it with :meth:`wait_for`,
    :meth:`wait_for_ended` or ``async for event in call.events()``.

    Every ``calling.*`` verb is a method: the action verbs (``record``,
    ``prompt_tts``, ``collect``, ``detect``, ``tap``...: ``relay_trio._call_actions``)
    are awaited for their result or run for an ``async with`` block; the
    plain verbs (``transfer``, ``hold``...: ``relay_trio._call_verbs``) are
    awaited.
    """

    def __init__(self, client: CallHost, info: CallInfo) -> None:
        self._client = client
        self._info = info
        self._peer: Call | None = None
        # Both built on first use (a waiter, a subscriber): most calls never
        # need them, and an Event plus a Broadcast cost ~330 B per live call.
        self._changed: trio.Event | None = None
        self._tap: Broadcast[Event] | None = None
        #: Why this client stopped following the call (it will not see it end).
        self._gone: RelayError | None = None

    def __repr__(self) -> str:
        return f"<Call {self.call_id} {self.direction or ''} {self.state.value}>"

    # -- what the server told us ----------------------------------------------------

    @property
    def call_id(self) -> str:
        """The server's id for this call."""
        return self._info.call_id

    @property
    def node_id(self) -> str:
        """The node that owns this call."""
        return self._info.node_id

    @property
    def ref(self) -> CallRef:
        """``(call_id, node_id)``, what every call command addresses."""
        return self._info.ref

    @property
    def info(self) -> CallInfo:
        """The latest snapshot the session reported."""
        return self._info

    @property
    def tag(self) -> str | None:
        """The dial or connect tag this call belongs to."""
        return self._info.tag

    @property
    def direction(self) -> str | None:
        """``"inbound"`` or ``"outbound"``."""
        return self._info.direction

    @property
    def device(self) -> Device | None:
        """The device this leg rang (or the caller's, for inbound calls)."""
        return self._info.device

    @property
    def context(self) -> str | None:
        """The context an inbound call arrived on."""
        return self._info.context

    @property
    def state(self) -> CallState:
        """The call's current state."""
        return self._info.state

    @property
    def end_reason(self) -> str | None:
        """Why the call ended, once it has."""
        return self._info.end_reason

    @property
    def peer(self) -> Call | None:
        """The call this one is bridged to, while connected."""
        return self._peer

    # -- commands -------------------------------------------------------------------

    async def answer(self, *, max_duration: float | None = None) -> None:
        """Answer an inbound call (returns on the server's result).

        On return :attr:`state` is ``ANSWERED`` (the core takes the server's
        success as the answer, before its ``answered`` event arrives).
        """
        await self._client._request(Answer(call=self.ref, max_duration=max_duration))

    async def hangup(self, reason: str = "hangup") -> None:
        """End the call (``calling.end``); ``wait_for_ended()`` to see it gone."""
        await self._client._request(Hangup(call=self.ref, reason=reason))

    async def pass_(self) -> None:
        """Decline an offered inbound call so another client gets it."""
        await self._client._request(Pass(call=self.ref))
        self._client._forget(self, SessionClosedError(f"call {self.call_id} was passed"))

    async def connect(
        self,
        devices: Iterable[Iterable[Device | JSONObject]],
        *,
        ringback: Sequence[object] | None = None,
        tag: str | None = None,
        max_duration: float | None = None,
        max_price_per_minute: float | None = None,
        status_url: str | None = None,
    ) -> Call:
        """Bridge this call to the first device of ``devices`` that answers.

        Waits until the bridge is up and returns the peer leg.  Cancelling
        this (or an enclosing scope) ends every peer leg still ringing.

        Raises:
            ConnectError: the connect failed; ``.reason`` is the server's
                ``failed_reason`` (or ``call_ended``, ``session_lost``).
            CallGoneError: this call is gone: it ended (refused before
                anything is sent when the session saw it end) or the server
                answered 404/410.  The same type as relay_asyncio raises:
                the call being gone is not a failed bridge attempt.
            RequestError: the server rejected ``calling.connect``
                (:class:`RequestTimeoutError`: left it unanswered).
        """
        command = Connect(
            call=self.ref,
            devices=devices,
            ringback=ringback,
            max_duration=max_duration,
            max_price_per_minute=max_price_per_minute,
            status_url=status_url,
            tag=tag,
        )
        event, peer, cause = await self._client._connect(command)
        if peer is not None:
            return peer
        raise work_error(event.error(), cause)

    async def disconnect(self) -> None:
        """Tear down this call's bridge; both legs stay up."""
        await self._client._request(Disconnect(call=self.ref))

    async def play(
        self,
        media: Sequence[object],
        *,
        volume: float | None = None,
        direction: str | None = None,
        loop: int | None = None,
        status_url: str | None = None,
    ) -> Playback:
        """Start playing ``media`` (typed items, nested dicts or the flat shorthand).

        Returns once the server accepted the play; ``await playback.wait()``
        for the end.
        """
        command = Play(
            call=self.ref,
            media=media,
            volume=volume,
            direction=direction,
            loop=loop,
            status_url=status_url,
        )
        return await self._client._play(self, command)

    # -- waiting --------------------------------------------------------------------

    async def wait_for(self, *states: CallState) -> CallState:
        """Wait until the call reached one of ``states``; return its state then.

        The core's rule (:meth:`relay_core.CallState.reached`, as
        relay_asyncio's ``wait_for_answered`` & co.): over once the call is at
        or past the lowest of ``states`` (the server may skip states), and
        once it has ended, so it never hangs on a call that is gone.

        Raises:
            SessionClosedError: the client closed, or stopped following the
                call (passed, refused, or a leg of an abandoned dial or connect).
        """
        if not states:
            raise InvalidArgumentError("states: () is not one or more CallState values")
        for state in states:
            check_choice("states", state, tuple(CallState))
        while not self.state.reached(*states):
            if self._gone is not None:
                raise self._gone
            if self._client._closed:
                raise SessionClosedError()
            changed = self._changed
            if changed is None:
                changed = self._changed = trio.Event()
            await changed.wait()
        await trio.lowlevel.checkpoint()
        return self.state

    async def wait_for_ended(self) -> None:
        """Wait until the call has ended."""
        await self.wait_for(CallState.ENDED)

    def events(self, *, maxlen: int = CALL_EVENT_BUFFER) -> EventStream[Event]:
        """This call's events from now on, as an async iterator.

        Yields state, connect, play, error and unknown events of this call and
        ends after its ``ENDED`` state.  The buffer keeps the newest
        ``maxlen`` events if the consumer falls behind.
        """
        maxlen = check_count("maxlen", maxlen)
        tap = self._tap
        if tap is None:
            tap = self._tap = Broadcast[Event]()
            if self._gone is not None:
                tap.close()
        return tap.subscribe(maxlen, closed=self.state is CallState.ENDED or self._client._closed)

    # -- fed by the client's reader (never blocks) -------------------------------------

    def _update(self, info: CallInfo) -> None:
        self._info = info
        self._notify()

    def _put(self, event: Event) -> None:
        tap = self._tap
        if tap is not None:
            tap.put(event)

    def _on_state(self, event: CallStateChanged) -> None:
        self._info = event.call
        tap = self._tap
        if tap is not None:
            tap.put(event)
            if event.is_final:
                tap.close()
        self._notify()

    def _on_connect(self, event: ConnectStateChanged, peer: Call | None) -> None:
        if peer is not None:
            self._peer, peer._peer = peer, self
        elif event.is_final and self._peer is not None:
            if self._peer._peer is self:
                self._peer._peer = None
            self._peer = None
        self._put(event)
        self._notify()

    def _close(self, error: RelayError) -> None:
        self._gone = self._gone or error
        if self._tap is not None:
            self._tap.close()
        self._notify()

    def _notify(self) -> None:
        changed = self._changed
        if changed is not None:
            self._changed = None
            changed.set()


class Playback:
    """A ``calling.play`` in progress, addressed by its ``control_id``."""

    def __init__(self, call: Call, control_id: ControlId) -> None:
        self.call = call
        self.control_id = control_id
        self._state: PlayState | None = None
        self._reason: str | None = None
        self._done = trio.Event()

    def __repr__(self) -> str:
        state = "pending" if self._state is None else self._state.value
        return f"<Playback {self.control_id} on {self.call.call_id} {state}>"

    @property
    def state(self) -> PlayState | None:
        """The latest state (``None`` until the server reports one)."""
        return self._state

    @property
    def reason(self) -> str | None:
        """Set when the session ended the playback itself (``call_ended``, ...)."""
        return self._reason

    @property
    def done(self) -> bool:
        """Whether the playback is over."""
        return self._done.is_set()

    async def wait(self) -> PlayState:
        """Wait until the playback is over; returns ``FINISHED`` or ``ERROR``."""
        await self._done.wait()
        assert self._state is not None
        return self._state

    async def stop(self) -> None:
        """Stop the playback (it then ends with a terminal state)."""
        await self._control(PlayStop(call=self.call.ref, control_id=self.control_id))

    async def pause(self, behavior: str | None = None) -> None:
        """Pause the playback."""
        await self._control(
            PlayPause(call=self.call.ref, control_id=self.control_id, behavior=behavior)
        )

    async def resume(self) -> None:
        """Resume a paused playback."""
        await self._control(PlayResume(call=self.call.ref, control_id=self.control_id))

    async def volume(self, volume: float) -> None:
        """Set the playback volume in dB (-40 to 40)."""
        await self._control(
            PlayVolume(call=self.call.ref, control_id=self.control_id, volume=volume)
        )

    async def _control(self, command: PlayStop | PlayPause | PlayResume | PlayVolume) -> None:
        await self.call._client._request(command)

    def _on_state(self, event: PlayStateChanged) -> None:
        self._state = event.state
        self._reason = event.reason
        if event.is_final:
            self._done.set()
