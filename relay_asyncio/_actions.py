"""The action handles a ``Call`` verb returns, named as the official SDK names them.

:class:`Action` is the base (``wait``, ``result``, ``completed``/``is_done``,
``control_id``, ``on_completed``); :class:`PlayAction` follows a
``calling.play``; every other action follows the core's
:class:`~relay_core.ActionUpdated` / :class:`~relay_core.ActionFinished` for
its ``control_id``.  The core decides when an action is over (its deciding
event, the call ending, its start failing, the session ending): the handle
only records it.  A wait that is cancelled or times out does not stop the
action (the official SDK's semantics); :meth:`stop` does.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from relay_core import (
    ActionEndedError,
    ActionFinished,
    ActionKind,
    ActionUpdated,
    CollectStartInputTimers,
    Command,
    ControlId,
    JSONObject,
    LocalProtocolError,
    PlayAndCollectVolume,
    PlayPause,
    PlayResume,
    PlayStateChanged,
    PlayStop,
    PlayVolume,
    RecordPause,
    RecordResume,
    check_timeout,
    stop_command_for,
)

from ._sdk_parse import action_result, sdk_event

if TYPE_CHECKING:
    from ._call import Call

__all__ = [
    "AIAction",
    "Action",
    "CollectAction",
    "CompletedHandler",
    "DetectAction",
    "FaxAction",
    "PayAction",
    "PlayAction",
    "RecordAction",
    "StandaloneCollectAction",
    "StreamAction",
    "TapAction",
    "TranscribeAction",
]

log = logging.getLogger("relay_asyncio")

#: ``on_completed=``: a function or coroutine function taking the terminal event.
CompletedHandler: TypeAlias = Callable[[Any], object]

#: Finish reasons after which ``on_completed`` is not called: the start raised
#: for its caller (or the caller abandoned it), so the action never ran for them.
_NOT_STARTED = frozenset({"request_failed", "abandoned"})

_NO_PAUSE = (
    "CollectAction.{verb}(): control_id {control_id!r}: RELAY has no "
    "calling.play_and_collect.{verb} (RELAY.md K.32); nothing was sent"
)


def _terminal_event(finished: ActionFinished) -> Any:
    """What ``wait()`` returns and ``result`` holds for a finished action.

    The official SDK's class of the deciding event (``RecordEvent``,
    ``CollectEvent``...: ``.params`` and its fields); its ``.core`` is the
    core's :class:`~relay_core.ActionFinished` (``succeeded``, ``reason``,
    and ``result``: the deciding event's typed payload, e.g. a recording's
    ``url``/``duration``/``size`` or a collect's ``digits``).
    """
    return action_result(finished)


class Action:
    """A running action on a call, settled by its terminal event."""

    def __init__(
        self, call: Call, control_id: ControlId, on_completed: CompletedHandler | None = None
    ) -> None:
        self.call = call
        self.control_id = control_id
        #: The latest ``state`` the server reported (``"recording"``, ``"finished"``...).
        self.state: str | None = None
        #: The terminal event, once there is one (see :meth:`wait`).
        self.result: Any = None
        self._on_completed = on_completed
        self._done = asyncio.Event()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} control_id={self.control_id!r} state={self.state!r} "
            f"completed={self.completed}>"
        )

    @property
    def completed(self) -> bool:
        """Whether the action reached a terminal state."""
        return self._done.is_set()

    @property
    def is_done(self) -> bool:
        """Whether the action reached a terminal state (the official SDK's name)."""
        return self._done.is_set()

    async def wait(self, timeout: float | None = None) -> Any:
        """Wait for the terminal event (``TimeoutError`` after ``timeout`` seconds).

        Leaving the wait (a timeout, a cancellation) does not stop the action;
        a later ``wait()`` still gets its event.  Call :meth:`stop` for that.
        """
        timeout = check_timeout("timeout", timeout, allow_none=True)
        async with asyncio.timeout(timeout):
            await self._done.wait()
        return self.result

    def _settle(self, result: Any, *, notify: bool = True) -> None:
        """Record the terminal event once; run ``on_completed`` (errors are logged)."""
        if self._done.is_set():
            return
        self.result = result
        self._done.set()
        handler, self._on_completed = self._on_completed, None
        if handler is None or not notify:
            return
        try:
            outcome = handler(result)
            if inspect.isawaitable(outcome):
                self.call._client._spawn(self._await_handler(outcome))
        except Exception:
            log.exception("on_completed of %s failed", self.control_id)

    async def _await_handler(self, outcome: Any) -> None:
        try:
            await outcome
        except Exception:
            log.exception("on_completed of %s failed", self.control_id)

    def _detach(self) -> None:
        """The start raised for its caller: settle silently (no ``on_completed``)."""
        self._settle(None, notify=False)

    def _update(self, event: PlayStateChanged) -> bool:
        """A ``calling.call.play`` event; whether it settled the action."""
        return False

    def _action_event(self, event: ActionUpdated | ActionFinished) -> bool:
        """The core's event for this ``control_id``; whether it settled the action."""
        if isinstance(event, ActionUpdated):
            state = getattr(event.payload, "state", None)
            if isinstance(state, str):
                self.state = state
            return False
        self._settle(_terminal_event(event), notify=event.reason not in _NOT_STARTED)
        return True

    async def _control(self, command: Callable[..., Command], **params: Any) -> JSONObject:
        return await self.call._request(
            command(call=self.call, control_id=self.control_id, **params)
        )

    async def _stop(self, command: Command) -> JSONObject:
        """Send the stop ``command``; ``{}`` (nothing sent) if the action already ended.

        As the official SDK answers a stop on a gone call; the core decides
        what "ended" means (:class:`~relay_core.ActionEndedError`).
        """
        try:
            return await self.call._request(command)
        except ActionEndedError:
            return {}


class DigitSending(Action):
    """Internal: a ``calling.send_digits`` followed to its end (``Call.send_digits``
    returns no handle, as the official SDK); keeps the core's verdict."""

    finished: ActionFinished | None = None

    def _action_event(self, event: ActionUpdated | ActionFinished) -> bool:
        if isinstance(event, ActionFinished):
            self.finished = event
        return super()._action_event(event)


class PlayAction(Action):
    """Handle of a ``calling.play``: stop, pause, resume, volume, wait."""

    def _update(self, event: PlayStateChanged) -> bool:
        self.state = event.state
        if event.is_final:
            self._settle(sdk_event(event))  # a PlayEvent, as the official SDK's
            return True
        return False

    async def stop(self) -> JSONObject:
        """Stop the playback."""
        return await self._control(PlayStop)

    async def pause(self, behavior: str | None = None) -> JSONObject:
        """Pause the playback."""
        return await self._control(PlayPause, behavior=behavior)

    async def resume(self) -> JSONObject:
        """Resume a paused playback."""
        return await self._control(PlayResume)

    async def volume(self, volume: float) -> JSONObject:
        """Set the playback volume in dB (-40 to 40)."""
        return await self._control(PlayVolume, volume=volume)


class _Stoppable(Action):
    """An action whose ``stop()`` sends its verb's stop sub-command."""

    #: The verb, whose stop sub-command the core picks (``stop_command_for``).
    _kind: ActionKind

    async def stop(self) -> JSONObject:
        """Stop the action on the server; its terminal event follows.

        On an action that already ended: nothing is sent, returns ``{}``.
        """
        command = stop_command_for(self._kind, self.call.ref, self.control_id)
        assert command is not None  # every _Stoppable kind has a stop
        return await self._stop(command)


class RecordAction(_Stoppable):
    """Handle of a ``calling.record``: stop, pause, resume, wait.

    Once finished, :attr:`url`, :attr:`duration` and :attr:`size` are the
    recording's (``None`` before, or if it failed).
    """

    _kind = ActionKind.RECORD

    async def pause(self, behavior: str | None = None) -> JSONObject:
        """Pause the recording (``behavior``: ``skip`` or ``silence``)."""
        return await self._control(RecordPause, behavior=behavior)

    async def resume(self) -> JSONObject:
        """Resume a paused recording."""
        return await self._control(RecordResume)

    def _payload_field(self, name: str) -> Any:
        payload = getattr(getattr(self.result, "core", None), "result", None)
        return getattr(payload, name, None)

    @property
    def url(self) -> str | None:
        """The recording's URL, once finished."""
        value = self._payload_field("url")
        return value if isinstance(value, str) else None

    @property
    def duration(self) -> float | None:
        """The recording's length in seconds, once finished."""
        value = self._payload_field("duration")
        return value if isinstance(value, int | float) else None

    @property
    def size(self) -> int | None:
        """The recording's size in bytes, once finished."""
        value = self._payload_field("size")
        return value if isinstance(value, int) else None


class CollectAction(_Stoppable):
    """Handle of a ``calling.play_and_collect`` (``prompt_tts``...): settles on the
    collect result, not on the prompt's end."""

    _kind = ActionKind.PLAY_AND_COLLECT

    async def volume(self, volume: float) -> JSONObject:
        """Set the prompt's volume in dB (-40 to 40)."""
        return await self._control(PlayAndCollectVolume, volume=volume)

    async def start_input_timers(self) -> JSONObject:
        """Start the collect's ``initial_timeout`` clock now.

        As the official SDK: ``calling.collect.start_input_timers`` with this
        play_and_collect's ``control_id`` (RELAY.md H.5.15).
        """
        return await self._control(CollectStartInputTimers)

    async def pause(self, behavior: str | None = None) -> JSONObject:
        """Refused (``LocalProtocolError``, nothing sent): see :meth:`resume`."""
        raise LocalProtocolError(_NO_PAUSE.format(verb="pause", control_id=self.control_id))

    async def resume(self) -> JSONObject:
        """Refused (``LocalProtocolError``, nothing sent).

        The official SDK sends ``calling.play_and_collect.pause``/``.resume``,
        methods no RELAY schema defines (RELAY.md K.32); kept so code written
        for it gets this clear error rather than a server's.
        """
        raise LocalProtocolError(_NO_PAUSE.format(verb="resume", control_id=self.control_id))


class StandaloneCollectAction(_Stoppable):
    """Handle of a ``calling.collect`` (no prompt)."""

    _kind = ActionKind.COLLECT

    async def start_input_timers(self) -> JSONObject:
        """Start the ``initial_timeout`` clock now."""
        return await self._control(CollectStartInputTimers)


class DetectAction(_Stoppable):
    """Handle of a ``calling.detect``: settles on the first decisive result
    (``MACHINE``/``HUMAN``/``FAX``/a digit; with ``wait_for_beep``, the beep)."""

    _kind = ActionKind.DETECT


class FaxAction(_Stoppable):
    """Handle of a ``calling.send_fax`` or ``calling.receive_fax``."""

    def __init__(
        self,
        call: Call,
        control_id: ControlId,
        on_completed: CompletedHandler | None = None,
        *,
        send: bool,
    ) -> None:
        super().__init__(call, control_id, on_completed)
        self._kind = ActionKind.SEND_FAX if send else ActionKind.RECEIVE_FAX

    async def stop(self) -> JSONObject:
        """Stop sending or receiving the fax (``{}``, nothing sent, if it already ended)."""
        return await super().stop()


class TapAction(_Stoppable):
    """Handle of a ``calling.tap``: runs until stopped or the call ends."""

    _kind = ActionKind.TAP


class StreamAction(_Stoppable):
    """Handle of a ``calling.stream``: runs until stopped or the call ends."""

    _kind = ActionKind.STREAM


class PayAction(_Stoppable):
    """Handle of a ``calling.pay``."""

    _kind = ActionKind.PAY


class TranscribeAction(_Stoppable):
    """Handle of a ``calling.transcribe``: runs until stopped or the call ends."""

    _kind = ActionKind.TRANSCRIBE


class AIAction(_Stoppable):
    """Handle of a ``calling.ai``: settles when stopped (its reply) or the call ends."""

    _kind = ActionKind.AI
