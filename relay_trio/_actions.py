"""Actions on a call (record, collect, detect, tap, ...): handles shaped for trio.

Every action verb of :class:`~relay_trio.Call` returns a
:class:`PendingAction`, used one of two ways:

* ``await call.collect(...)``: run it to its result and return the finished
  handle (``.result`` is the core's typed payload, ``.succeeded``,
  ``.reason``).  A verb that would keep running after its result (a decided
  detect) is stopped on the server before the await returns;
* ``async with call.record(...) as recording:``: the action runs for the
  block; leaving the block stops it on the server (politely with its stop
  command, so a recording still reports its URL), then waits for its end.

Cancelling either (a cancel scope, the nursery) or leaving the block with an
exception abandons the action: the core sends its stop command and reports
``ActionFinished(reason="abandoned")`` (``RelaySession.abandon_action``).

The rules (what ends an action, what its result is) are the core's
(``relay_core.ActionFinished``); these classes only wait on them.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast, overload

import trio

from relay_core import (
    CALL_EVENT_BUFFER,
    ActionEndedError,
    ActionFinished,
    ActionKind,
    ActionUpdated,
    CollectStartInputTimers,
    Command,
    ControlId,
    PlayAndCollectVolume,
    RecordPause,
    RecordResume,
    check_count,
    stop_command_for,
)
from relay_core.wire import (
    AIPayload,
    CollectPayload,
    DetectPayload,
    FaxPayload,
    PayPayload,
    QueuePayload,
    RecordPayload,
    SendDigitsPayload,
    StreamPayload,
    TapPayload,
    TranscribePayload,
)

from ._sync import Broadcast, EventStream

if TYPE_CHECKING:
    from ._call import Call

__all__ = [
    "AISession",
    "Action",
    "Collection",
    "Detection",
    "DigitSending",
    "Fax",
    "Payment",
    "PendingAction",
    "Prompt",
    "QueueEntry",
    "Recording",
    "Streaming",
    "Tapping",
    "Transcription",
]

P = TypeVar("P", covariant=True)
H = TypeVar("H", bound="Action[object]")
T = TypeVar("T")


class Action(Generic[P]):
    """An action running on a call, addressed by its ``control_id``.

    Made by the call's verbs (:meth:`Call.record`, :meth:`Call.collect`,
    ...); never constructed by users.  Its state follows the core's
    ``ActionUpdated`` / ``ActionFinished`` events.
    """

    _payload: ClassVar[type]

    def __init__(self, call: Call, control_id: ControlId, kind: ActionKind) -> None:
        self.call = call
        self.control_id = control_id
        self.kind = kind
        self._finished: ActionFinished | None = None
        self._last: object | None = None
        self._done = trio.Event()
        self._tap = Broadcast[ActionUpdated]()

    def __repr__(self) -> str:
        state = "running" if self._finished is None else self._finished.reason
        return f"<{type(self).__name__} {self.control_id} on {self.call.call_id} {state}>"

    @property
    def done(self) -> bool:
        """Whether the action's outcome is known (see :attr:`reason`)."""
        return self._done.is_set()

    @property
    def finished(self) -> ActionFinished | None:
        """The core's verdict, once it is known."""
        return self._finished

    @property
    def succeeded(self) -> bool:
        """The verb's verdict (``False`` until done)."""
        return self._finished is not None and self._finished.succeeded

    @property
    def reason(self) -> str | None:
        """Why it ended: ``finished``, ``stopped``, ``call_ended``, ``abandoned``, ..."""
        return None if self._finished is None else self._finished.reason

    @property
    def result(self) -> P | None:
        """The deciding event's typed payload (``None`` until done, or without one)."""
        result = None if self._finished is None else self._finished.result
        return cast("P | None", result) if isinstance(result, self._payload) else None

    @property
    def last_event(self) -> object | None:
        """The latest payload the server sent for this action."""
        return self._last

    def events(self, *, maxlen: int = CALL_EVENT_BUFFER) -> EventStream[ActionUpdated]:
        """This action's events from now on (ends when the action is done)."""
        return self._tap.subscribe(check_count("maxlen", maxlen), closed=self.done)

    async def wait(self) -> P | None:
        """Wait until the action is done; its :attr:`result`.

        Never raises for how it ended: read :attr:`reason` (a call that
        ended first gives ``call_ended`` and no result).
        """
        await self._done.wait()
        return self.result

    def _stop_command(self) -> Command | None:
        """The command that ends it politely (leaving an ``async with``): the core's choice."""
        return stop_command_for(self.kind, self.call.ref, self.control_id)

    async def _control(self, command: Command) -> None:
        await self.call._client._request(command)

    # -- fed by the client's reader -------------------------------------------------

    def _on_update(self, event: ActionUpdated) -> None:
        self._last = event.payload
        self._tap.put(event)

    def _on_finished(self, event: ActionFinished) -> None:
        if self._finished is None:
            self._finished = event
            self._done.set()
            self._tap.close()


class _OfResult(Generic[T]):
    """A read-only attribute of the handle's :attr:`Action.result` (``None`` until done).

    One descriptor for what every handle reads off its deciding payload
    (``recording.url``, ``prompt.digits``...): ``attribute`` is the payload
    view's name (checked against each ``_payload`` in the tests).
    """

    def __init__(self, attribute: str, doc: str) -> None:
        self.attribute = attribute
        self.__doc__ = doc

    @overload
    def __get__(self, obj: None, owner: type) -> _OfResult[T]: ...
    @overload
    def __get__(self, obj: Action[object], owner: type) -> T | None: ...
    def __get__(self, obj: Action[object] | None, owner: type) -> _OfResult[T] | T | None:
        if obj is None:
            return self
        result = obj.result
        return None if result is None else cast("T | None", getattr(result, self.attribute))


class _Stoppable(Action[P]):
    async def stop(self) -> None:
        """Stop the action on the server (it then reports its end; :meth:`wait` for it).

        Idempotent: on an action the core saw end, nothing is sent and it
        returns (the core's :class:`~relay_core.ActionEndedError`).
        """
        command = self._stop_command()
        assert command is not None
        try:
            await self._control(command)
        except ActionEndedError:
            return


class Recording(_Stoppable[RecordPayload]):
    """A ``calling.record``: ``result`` is the finished event (``url``, ``duration``, ``size``)."""

    _payload = RecordPayload

    url: _OfResult[str] = _OfResult("url", "Where the recording is, once finished.")
    duration: _OfResult[float] = _OfResult("duration", "Seconds recorded, once finished.")
    size: _OfResult[int] = _OfResult("size", "Bytes recorded, once finished.")

    async def pause(self, behavior: str | None = None) -> None:
        """Pause recording (``behavior``: ``skip`` or ``silence``)."""
        await self._control(
            RecordPause(call=self.call.ref, control_id=self.control_id, behavior=behavior)
        )

    async def resume(self) -> None:
        """Resume a paused recording."""
        await self._control(RecordResume(call=self.call.ref, control_id=self.control_id))


class _CollectResult(_Stoppable[CollectPayload]):
    _payload = CollectPayload

    type: _OfResult[str] = _OfResult(
        "result_type", "``digit``, ``speech``, ``no_input``, ``no_match``, ``error`` (once done)."
    )
    digits: _OfResult[str] = _OfResult("digits", "The digits pressed (a ``digit`` result).")
    terminator: _OfResult[str] = _OfResult(
        "terminator", "The terminator that ended the digits, if any."
    )
    text: _OfResult[str] = _OfResult("text", "What was said (a ``speech`` result).")
    confidence: _OfResult[float] = _OfResult("confidence", "The speech recogniser's confidence.")

    async def start_input_timers(self) -> None:
        """Start the collect's ``initial_timeout`` clock now (RELAY.md H.5.15:
        ``calling.collect.start_input_timers`` with this ``control_id``), for a
        collect sent without ``start_input_timers``."""
        await self._control(CollectStartInputTimers(call=self.call.ref, control_id=self.control_id))


class Prompt(_CollectResult):
    """A ``calling.play_and_collect``: a prompt, then the caller's input.

    Done on the collect result (not the prompt's end); the prompt's play
    events arrive as updates too.
    """

    async def volume(self, volume: float) -> None:
        """Set the prompt's volume in dB (-40 to 40)."""
        await self._control(
            PlayAndCollectVolume(call=self.call.ref, control_id=self.control_id, volume=volume)
        )


class Collection(_CollectResult):
    """A ``calling.collect``: input without a prompt (``continuous``: many results)."""


class Detection(_Stoppable[DetectPayload]):
    """A ``calling.detect``: ``result.event`` is ``MACHINE``/``HUMAN``/``CED``/a digit..."""

    _payload = DetectPayload

    type: _OfResult[str] = _OfResult(
        "detect_type", "The detector that decided: ``machine``, ``fax`` or ``digit``."
    )
    event: _OfResult[str] = _OfResult(
        "event", "What it detected (``MACHINE``, ``HUMAN``, ``READY``, ``CED``, ``1``...)."
    )


class Fax(_Stoppable[FaxPayload]):
    """A ``calling.send_fax`` or ``calling.receive_fax``: ``result`` has ``pages``, ``document``."""

    _payload = FaxPayload

    pages: _OfResult[int] = _OfResult("pages", "Pages sent or received.")
    document: _OfResult[str] = _OfResult("document", "The document's URL.")


class Tapping(_Stoppable[TapPayload]):
    """A ``calling.tap``: the call's audio copied to a device until stopped."""

    _payload = TapPayload


class Streaming(_Stoppable[StreamPayload]):
    """A ``calling.stream``: the call's audio streamed to a WebSocket until stopped."""

    _payload = StreamPayload


class Payment(_Stoppable[PayPayload]):
    """A ``calling.pay``: ``result.result`` is ``success`` or why not."""

    _payload = PayPayload


class Transcription(_Stoppable[TranscribePayload]):
    """A ``calling.transcribe``: ``result`` has the transcript's ``url``."""

    _payload = TranscribePayload


class AISession(_Stoppable[AIPayload]):
    """A ``calling.ai`` agent on the call until stopped (or the call ends)."""

    _payload = AIPayload


class DigitSending(Action[SendDigitsPayload]):
    """A ``calling.send_digits`` (no stop: it ends by itself)."""

    _payload = SendDigitsPayload


class QueueEntry(Action[QueuePayload]):
    """A ``calling.queue.enter``: the call waits in a queue until it leaves."""

    _payload = QueuePayload

    def __init__(self, call: Call, control_id: ControlId, kind: ActionKind, queue: str) -> None:
        super().__init__(call, control_id, kind)
        self.queue_name = queue

    def _stop_command(self) -> Command | None:
        ref, name = self.call.ref, self.queue_name
        return stop_command_for(self.kind, ref, self.control_id, queue_name=name)

    async def leave(self) -> None:
        """Take the call out of the queue."""
        command = self._stop_command()
        assert command is not None  # the core's queue stop: calling.queue.leave
        await self._control(command)


class PendingAction(Generic[H]):
    """An action verb not started yet: ``await`` it or ``async with`` it.

    ``await``: start it, wait for its result, return the finished handle;
    raises :class:`CallGoneError` if the call ended first (and
    :class:`ConnectionLostError` / :class:`SessionClosedError` if the session
    did).  ``async with``: start it (the block gets the handle); leaving the
    block stops it on the server and waits for its end (at most the
    client's ``close_timeout``), after which ``handle.result`` is set.
    Cancelled or left by an exception, it is abandoned (the core stops it on
    the server).  Each :class:`PendingAction` starts its action once.
    """

    def __init__(self, handle: H, command: Command) -> None:
        self._handle = handle
        self._command = command
        self._scope: AbstractAsyncContextManager[None] | None = None

    def __repr__(self) -> str:
        return f"<PendingAction {self._command.method} {self._handle.control_id}>"

    async def _start(self) -> H:
        if self._scope is not None:
            raise RuntimeError(f"{self!r} was already started")
        handle = self._handle
        self._scope = scope = handle.call._client._action(handle, self._command)
        await scope.__aenter__()
        return handle

    async def _run(self) -> H:
        handle = await self.__aenter__()
        async with _Exit(self):
            await handle._done.wait()
        assert handle._finished is not None
        error = handle._finished.error()  # the core's mapping (both adapters)
        if error is not None:
            raise error
        return handle

    def __await__(self) -> Generator[object, None, H]:
        return self._run().__await__()

    async def __aenter__(self) -> H:
        return await self._start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._scope is not None
        await self._scope.__aexit__(exc_type, exc, tb)


class _Exit:
    """Leave a started :class:`PendingAction` with whatever ended the block."""

    def __init__(self, pending: PendingAction[Any]) -> None:
        self._pending = pending

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._pending.__aexit__(exc_type, exc, tb)
