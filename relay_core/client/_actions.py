"""The action lifecycle: one table-driven machine for every action verb (RELAY.md H.5).

Theory of operation
-------------------
An action (record, collect, detect, fax, tap, ...) is keyed by its
``control_id``.  ``CallControl`` registers it before its request leaves
(its events can beat the reply, H.5.1), feeds it every event that names the
``control_id``, and asks the verb's *judge* (a row of :data:`ACTIONS`) what
each event means: progress, a decided result, or the end.  Each event goes
out as ``ActionUpdated``; the verdict as ``ActionFinished``, exactly once.

Phases: ``pending`` (sent, nothing heard) → ``running`` (replied or
reporting) → ``done`` (result decided while the action keeps running: a
detect reports on until its ``finished``, H.5.5) → ``ended`` (terminal: the
tracker is dropped and its ``control_id`` remembered, FIFO, so a control
sent afterwards is refused locally and a late event is dropped).

Inputs: ``replied`` (its request succeeded), ``progress``/``decided``/
``finished`` (the judge's reading of an event), ``stopped`` (the reply to
a control that ends the action on the client: ``calling.ai.stop``, whose
event may never come, H.5.11; ``calling.queue.leave``), and the core's own:
``call_ended``, ``request_failed``, ``session_lost`` (also on close),
``abandon``.  ``ActionFinished`` goes out on the move from ``pending`` or
``running`` to ``done`` or ``ended``; a cell ``·`` is an ignored input::

    ACTION_TRANSITIONS  pending  running  done   ended
    replied             running  ·        ·      ·
    progress            running  running  done   ·
    decided             done     done     done   ·
    finished            ended    ended    ended  ·
    stopped             ended    ended    ended  ·
    call_ended          ended    ended    ended  ·
    request_failed      ended    ended    ended  ·
    session_lost        ended    ended    ended  ·
    abandon             ended    ended    ended  ·

Decisions where RELAY.md says [INFERRED]:

* record: ``finished`` succeeds; ``no_input`` (and ``error``) fail.
* collect / play_and_collect: H.5.3's done rule; a missing ``final`` is
  true and a missing ``state`` ``finished``, except on a ``continuous``
  collect (read from the command), where a result ends the collect only
  with an explicit ``state`` ``finished``/``error``.  Success = a ``digit``
  or ``speech`` result whose ``state`` is not ``error``.  An event with
  ``state`` ``finished``/``error`` and no deciding result ends it failed.
  Play events of a play_and_collect are progress only.
* detect: H.5.5 (``wait_for_beep`` read from the command); a decided
  detect is ``done`` and keeps reporting until ``finished``/``error``.  A
  detect that ends undecided succeeds if a ``MACHINE`` was heard while
  waiting for a beep (``result`` is that event), else fails with no result.
  With ``wait_for_beep``, ``READY`` (or any ``beep: true``) decides: the
  result is that event, meaning ``MACHINE``.
* fax: ``fax.type`` ``finished`` with ``success: true`` succeeds;
  ``finished`` otherwise, and ``error``, fail.
* tap: ``finished`` succeeds only after a ``tapping`` ([JS]: a
  ``finished`` first is a failed start).  stream, transcribe, send_digits,
  ai: ``finished`` succeeds, ``error`` fails.
* pay: the first event with ``result`` ([JS]) or a ``state``
  ``finished``/``error`` ([PY]); success = ``result`` ``success`` (or,
  without a result, ``state`` ``finished``).
* ai: also ends (succeeded, reason ``stopped``) when ``calling.ai.stop`` is
  answered 2xx: its event may never come.
* queue: ``status`` values are undocumented; the entry ends on a status in
  :data:`QUEUE_END_STATUSES` (failed if ``error``/``failed``), or
  (reason ``stopped``) when its ``calling.queue.leave`` is answered 2xx.
* Every action ends with its call (``call_ended``), whatever the server
  sends; a stop sent to an ended action is refused locally, like play's
  (a request cannot be a silent no-op: its waiter needs an answer).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, TypeAlias

import attrs

from .._errors import InvalidArgumentError
from .._ids import ControlId, RequestId
from ..wire._action_payloads import (
    CollectPayload,
    DetectPayload,
    FaxPayload,
    PayPayload,
    QueuePayload,
)
from ..wire._payloads import Payload
from ._action_commands import ReceiveFaxStop, RecordStop, SendFaxStop, StreamStop, TapStop
from ._action_kinds import ActionKind
from ._collect_commands import CollectStop, DetectStop, PlayAndCollectStop
from ._command_base import ActionStart
from ._events import CallRef
from ._service_commands import AIStop, PayStop, QueueLeave, TranscribeStop

__all__ = [
    "ACTIONS", "ACTION_TRANSITIONS", "ActionInput", "ActionPhase", "ActionSpec", "stop_command",
    "stop_command_for",
]  # fmt: skip

#: The sub-commands that end an action on the server (all in the ``Command`` union).
StopCommand: TypeAlias = (
    RecordStop | PlayAndCollectStop | CollectStop | DetectStop | SendFaxStop | ReceiveFaxStop
    | TapStop | StreamStop | PayStop | TranscribeStop | AIStop | QueueLeave
)  # fmt: skip

#: How many ended actions a session remembers, oldest forgotten first, so a
#: control sent after the end is refused locally and a late event dropped.
ENDED_ACTIONS_REMEMBERED: Final = 64

#: Queue statuses that end a queue entry ([INFERRED]: RELAY.md H.5.13 names none).
QUEUE_END_STATUSES: Final = frozenset({"dequeued", "left", "finished", "error", "failed"})


class ActionPhase(enum.StrEnum):
    """Where an action is (see the module docstring)."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    ENDED = "ended"


class ActionInput(enum.StrEnum):
    """What happens to an action: a judged event, a reply, or the core's own end."""

    REPLIED = "replied"
    PROGRESS = "progress"
    DECIDED = "decided"
    FINISHED = "finished"
    STOPPED = "stopped"
    CALL_ENDED = "call_ended"
    REQUEST_FAILED = "request_failed"
    SESSION_LOST = "session_lost"
    ABANDON = "abandon"


_P, _I = ActionPhase, ActionInput
_ENDING = (_I.FINISHED, _I.STOPPED, _I.CALL_ENDED, _I.REQUEST_FAILED, _I.SESSION_LOST, _I.ABANDON)

#: (phase, input) → next phase; a missing pair is ignored.
ACTION_TRANSITIONS: Final[Mapping[tuple[ActionPhase, ActionInput], ActionPhase]] = MappingProxyType(
    {
        (_P.PENDING, _I.REPLIED): _P.RUNNING,
        **{(phase, _I.PROGRESS): _P.RUNNING for phase in (_P.PENDING, _P.RUNNING)},
        (_P.DONE, _I.PROGRESS): _P.DONE,
        **{(phase, _I.DECIDED): _P.DONE for phase in (_P.PENDING, _P.RUNNING, _P.DONE)},
        **{
            (phase, input_): _P.ENDED
            for phase in (_P.PENDING, _P.RUNNING, _P.DONE)
            for input_ in _ENDING
        },
    }
)

#: The ``ActionFinished.reason`` of each input that finishes an action.
FINISH_REASON: Final[Mapping[ActionInput, str]] = MappingProxyType(
    {_I.DECIDED: "finished", _I.FINISHED: "finished", _I.STOPPED: "stopped",
     _I.CALL_ENDED: "call_ended", _I.REQUEST_FAILED: "request_failed",
     _I.SESSION_LOST: "session_lost", _I.ABANDON: "abandoned"}
)  # fmt: skip


class _Action:
    """What the core knows of one live action (mutable; events carry payloads)."""

    __slots__ = (
        "call", "command", "continuous", "control_id", "finished", "kind", "last", "phase",
        "request_id", "seen_progress", "wait_for_beep",
    )  # fmt: skip

    def __init__(self, command: ActionStart, request_id: RequestId) -> None:
        #: The start command (its fields fill the stop's, see ``stop_command``).
        self.command = command
        self.call: CallRef = command.call
        self.control_id: ControlId = command.control_id
        self.kind: ActionKind = command.action
        self.request_id = request_id
        self.phase = ActionPhase.PENDING
        #: ActionFinished was reported (on entering done, or ended).
        self.finished = False
        #: detect: the last decisive payload; tap: whether ``tapping`` came.
        self.last: Payload | None = None
        self.seen_progress = False
        #: Client-only options of the start command (detect, collect).
        self.wait_for_beep = getattr(command, "wait_for_beep", False) is True
        self.continuous = getattr(command, "continuous", False) is True


#: A judge reads one event of an action: (input, succeeded, result payload).
Verdict: TypeAlias = tuple[ActionInput, bool, "Payload | None"]
Judge: TypeAlias = Callable[[_Action, Payload], Verdict]


def _by_state(success: frozenset[str], failure: frozenset[str]) -> Judge:
    """A verb whose ``state`` alone ends it (record, stream, transcribe, ...)."""

    def judge(action: _Action, payload: Payload) -> Verdict:
        state = getattr(payload, "state", None)
        if state in success:
            return _I.FINISHED, True, payload
        if state in failure:
            return _I.FINISHED, False, payload
        return _I.PROGRESS, False, None

    return judge


def _tap(action: _Action, payload: Payload) -> Verdict:
    state = getattr(payload, "state", None)
    if state == "finished":
        return _I.FINISHED, action.seen_progress, payload
    if state == "tapping":
        action.seen_progress = True
    return _I.PROGRESS, False, None


_COLLECT_DECIDING: Final = frozenset({"digit", "speech", "no_input", "no_match", "error"})
_COLLECT_ENDS: Final = frozenset({"finished", "error"})


def _collect(action: _Action, payload: Payload) -> Verdict:
    """RELAY.md H.5.3's done rule (play events of a play_and_collect are progress)."""
    if type(payload) is not CollectPayload:
        return _I.PROGRESS, False, None
    kind = payload.result_type
    state = payload.state
    if kind in _COLLECT_DECIDING:
        final = payload.final is not False
        if state is None and not action.continuous:
            state = "finished"
        if final and state in _COLLECT_ENDS:
            return _I.FINISHED, kind in ("digit", "speech") and state != "error", payload
    elif state in _COLLECT_ENDS and kind != "start_of_input":
        return _I.FINISHED, False, payload
    return _I.PROGRESS, False, None


_MACHINE_DECIDING: Final = frozenset({"HUMAN", "MACHINE", "UNKNOWN"})
_FAX_TONES: Final = frozenset({"CED", "CNG"})
_DIGITS: Final = frozenset("0123456789#*")


def _detect(action: _Action, payload: Payload) -> Verdict:
    """RELAY.md H.5.5's done rule, ``wait_for_beep`` included."""
    assert type(payload) is DetectPayload
    event = payload.event
    if event in ("finished", "error"):
        last = action.last
        return _I.FINISHED, last is not None, last
    detect_type = payload.detect_type
    decided = False
    if detect_type == "machine":
        if action.wait_for_beep:
            if payload.beep is True or event in ("READY", "HUMAN", "UNKNOWN"):
                decided = True
            elif event == "MACHINE":
                action.last = payload  # a machine: wait for its beep
        else:
            decided = event in _MACHINE_DECIDING
    elif detect_type == "fax":
        decided = event in _FAX_TONES
    elif detect_type == "digit":
        decided = event in _DIGITS
    if decided:
        action.last = payload
        return _I.DECIDED, True, payload
    return _I.PROGRESS, False, None


def _fax(_action: _Action, payload: Payload) -> Verdict:
    assert type(payload) is FaxPayload
    fax_type = payload.fax_type
    if fax_type == "finished":
        return _I.FINISHED, payload.success is True, payload
    if fax_type == "error":
        return _I.FINISHED, False, payload
    return _I.PROGRESS, False, None


def _pay(_action: _Action, payload: Payload) -> Verdict:
    assert type(payload) is PayPayload
    result = payload.result
    if result is not None:
        return _I.FINISHED, result == "success", payload
    state = payload.state
    if state in ("finished", "error"):
        return _I.FINISHED, state == "finished", payload
    return _I.PROGRESS, False, None


def _queue(_action: _Action, payload: Payload) -> Verdict:
    assert type(payload) is QueuePayload
    status = payload.status
    if status in QUEUE_END_STATUSES:
        return _I.FINISHED, status not in ("error", "failed"), payload
    return _I.PROGRESS, False, None


@attrs.frozen(kw_only=True)
class ActionSpec:
    """One action verb: its methods, events, controls and judge."""

    kind: ActionKind
    #: ``calling.<kind>`` (queue: ``calling.queue.enter``).
    start_method: str
    #: The event types that report it.
    event_types: frozenset[str]
    #: The ``control`` names of its sub-commands.
    controls: frozenset[str]
    #: Other verbs' sub-command methods it accepts with its ``control_id``
    #: (a play_and_collect's ``calling.collect.start_input_timers``, RELAY.md H.5.15).
    borrowed: frozenset[str]
    #: The sub-command that ends it on the server (sent when abandoned), if any.
    stop: type[StopCommand] | None
    #: Controls whose 2xx reply ends it on the client (reason ``stopped``).
    ends_on_reply: frozenset[str]
    judge: Judge


def _spec(
    kind: ActionKind,
    judge: Judge,
    *controls: str,
    stop: type[StopCommand] | None,
    events: tuple[str, ...] = (),
    ends_on_reply: tuple[str, ...] = (),
    start: str | None = None,
    borrowed: tuple[str, ...] = (),
) -> ActionSpec:
    verb = kind.value
    return ActionSpec(
        kind=kind,
        start_method=start or f"calling.{verb}",
        event_types=frozenset(events or (f"calling.call.{verb}",)),
        controls=frozenset((*controls, *(() if stop is None else (stop.control,)))),
        borrowed=frozenset(borrowed),
        stop=stop,
        ends_on_reply=frozenset(ends_on_reply),
        judge=judge,
    )


def stop_command_for(
    kind: ActionKind, call: CallRef, control_id: ControlId, *, queue_name: str | None = None
) -> StopCommand | None:
    """The sub-command that ends an action of ``kind`` on the server, or ``None`` if none does.

    What an adapter sends for a handle's ``stop()`` (or ``leave()``, or leaving an
    ``async with``): the verb's ``calling.<verb>.stop`` (``calling.queue.leave`` for a
    queue), built for ``call`` and ``control_id``.  ``send_digits`` has no stop.

    Args:
        kind: the action's verb.
        call: the call it runs on.
        control_id: the action's id.
        queue_name: a queue entry's queue (``calling.queue.leave`` names it); unused
            by the other verbs.

    Returns:
        The typed stop command, ready for :meth:`RelaySession.send` (which refuses it
        with :class:`ActionEndedError` if the action already ended), or ``None``.

    Raises:
        InvalidArgumentError: a queue without ``queue_name``.
    """
    stop = ACTIONS[kind].stop
    if stop is None:
        return None
    if stop is QueueLeave:
        if queue_name is None:
            raise InvalidArgumentError("calling.queue.leave: queue_name is required")
        return QueueLeave(call=call, control_id=control_id, queue_name=queue_name)
    return stop(call=call, control_id=control_id)


def stop_command(action: _Action) -> StopCommand | None:
    """The stop of a live ``action`` (:func:`stop_command_for`, fields from its start).

    A stop's required fields besides ``call`` and ``control_id`` are the
    start's fields of the same name (``calling.queue.leave``'s ``queue_name``).
    """
    name = getattr(action.command, "queue_name", None)
    return stop_command_for(
        action.kind,
        action.call,
        action.control_id,
        queue_name=name if isinstance(name, str) else None,
    )


_K = ActionKind
_FAX = ("calling.call.fax",)
_ENDS = frozenset({"finished"})
_FAILS = frozenset({"error"})

#: Every action verb (RELAY.md H.5.1's summary table, H.5.2-H.5.13).
ACTIONS: Final[Mapping[ActionKind, ActionSpec]] = MappingProxyType(
    {
        spec.kind: spec
        for spec in (
            _spec(
                _K.RECORD, _by_state(_ENDS, frozenset({"no_input", "error"})), "pause", "resume",
                stop=RecordStop,
            ),
            _spec(
                _K.PLAY_AND_COLLECT, _collect, "volume", stop=PlayAndCollectStop,
                events=("calling.call.play", "calling.call.collect"),
                borrowed=("calling.collect.start_input_timers",),
            ),
            _spec(_K.COLLECT, _collect, "start_input_timers", stop=CollectStop),
            _spec(_K.DETECT, _detect, stop=DetectStop),
            _spec(_K.SEND_FAX, _fax, stop=SendFaxStop, events=_FAX),
            _spec(_K.RECEIVE_FAX, _fax, stop=ReceiveFaxStop, events=_FAX),
            _spec(_K.TAP, _tap, stop=TapStop),
            _spec(_K.STREAM, _by_state(_ENDS, _FAILS), stop=StreamStop),
            _spec(_K.PAY, _pay, stop=PayStop),
            _spec(_K.TRANSCRIBE, _by_state(_ENDS, _FAILS), stop=TranscribeStop),
            _spec(_K.AI, _by_state(_ENDS, _FAILS), stop=AIStop, ends_on_reply=("stop",)),
            _spec(_K.SEND_DIGITS, _by_state(_ENDS, _FAILS), stop=None),
            _spec(
                _K.QUEUE, _queue, start="calling.queue.enter", stop=QueueLeave,
                ends_on_reply=("leave",),
            ),
        )
    }
)  # fmt: skip

#: Which kinds each event type may report (a fax event: send or receive).
KINDS_OF_EVENT: Final[Mapping[str, frozenset[ActionKind]]] = MappingProxyType(
    {
        event_type: frozenset(k for k, s in ACTIONS.items() if event_type in s.event_types)
        for event_type in {t for s in ACTIONS.values() for t in s.event_types}
    }
)
