"""The common machinery of the simulated verbs (RELAY.md H.5): actions, sub-commands, call end.

An *action* (record, collect, detect, fax, tap...) is a :class:`_SimAction`
registered on its leg under the client's ``control_id``.  Its start request
is answered at once and its first events are scheduled at the same ``now``
(so the reply always leaves first); its sub-commands
(``calling.<verb>.<op>``) find it by ``control_id`` (unknown: ``404``); a
``stop`` schedules its terminal event; when the call ends every action
still running reports its terminal event *before* the leg's ``ending``
(RELAY.md H.5.1: no action event after ``ended``) and is forgotten.

Bounds: at most :data:`MAX_ACTIONS_PER_CALL` running actions per leg (more:
``409``); everything per call (actions, bindings, queue and conference
membership) is dropped when the call ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, Protocol

from .._errors import LocalProtocolError
from .._ids import CallId, JSONDict, JSONObject, JSONValue
from ..client._events import CallRef
from ..client._state import CallState
from ..wire._payloads import Payload
from ._behaviours import Answers
from ._callers import SILENT, CallerScript, caller_script
from ._leg_engine import _LegEngine
from ._legs import SessionKey, _decode, _Invalid, _Leg, _result
from ._scheduler import Timer

if TYPE_CHECKING:
    from ._legs import _Handler

__all__ = ["MAX_ACTIONS_PER_CALL"]

#: Running actions one leg may have at once (a ``409`` past it).
MAX_ACTIONS_PER_CALL: Final = 64
#: Digit bindings one leg may have at once (a ``409`` past it).
MAX_BINDINGS_PER_CALL: Final = 64
#: The host of every URL the fake server makes up (recordings, faxes).
FILES_URL: Final = "https://files.example.com"


class VerbCommand(Protocol):
    """A decoded plain-verb request (any command class with a ``call``)."""

    @property
    def call(self) -> CallRef: ...


class SubCommand(VerbCommand, Protocol):
    """A decoded sub-command (``calling.<verb>.<op>``): its call and its action's id."""

    @property
    def control_id(self) -> str: ...


class _CallSim:
    """What one live leg's verbs need: running actions, the party's script and its turns."""

    __slots__ = (
        "actions",
        "bindings",
        "conferences",
        "denoised",
        "held",
        "press_turn",
        "queue",
        "say_turn",
        "script",
        "transcribing",
    )

    def __init__(self, script: CallerScript) -> None:
        self.actions: dict[str, _SimAction] = {}
        self.script = script
        self.press_turn = 0
        self.say_turn = 0
        #: ``(realm, digits)`` of each ``calling.bind_digit``.
        self.bindings: list[tuple[str | None, str]] = []
        self.conferences: set[str] = set()
        self.queue: str | None = None
        self.held = False
        self.denoised = False
        self.transcribing: str | None = None

    def next_presses(self) -> str | None:
        """The party's next turn of digits (consumed), ``None`` once they are used up."""
        if self.press_turn >= len(self.script.presses):
            return None
        self.press_turn += 1
        return self.script.presses[self.press_turn - 1]

    def next_words(self) -> str | None:
        """The party's next turn of speech (consumed), ``None`` once used up."""
        if self.say_turn >= len(self.script.says):
            return None
        self.say_turn += 1
        return self.script.says[self.say_turn - 1]


class _SimAction:
    """One running action: its leg, ``control_id``, timers and how it ends."""

    #: The verb: ``record``, ``collect``... (its sub-commands are ``calling.<kind>.<op>``).
    kind: str = ""

    def __init__(self, host: _SimBase, leg: _Leg, control_id: str) -> None:
        self.host = host
        self.leg = leg
        self.control_id = control_id
        self.timers: list[Timer] = []
        self.started = 0.0
        self.done = False

    @property
    def call_id(self) -> str:
        return self.leg.call_id

    @property
    def node_id(self) -> str:
        return self.leg.node_id

    def at(self, when: float, callback: Callable[[float], None]) -> None:
        """Run ``callback(when)`` then, unless the action has ended by then."""

        def guarded(now: float) -> None:
            if not self.done:
                callback(now)

        self.timers.append(self.host.scheduler.call_at(when, guarded))

    def cancel_timers(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()

    def scaled(self, seconds: float) -> float:
        """A duration the network makes up, times :attr:`_SimBase.time_scale`."""
        return seconds * self.host.time_scale

    def emit(self, payload: Payload) -> None:
        self.host._emit(self.leg, payload)

    def finish(self) -> None:
        """Forget the action (after its terminal event)."""
        if self.done:
            return
        self.done = True
        self.cancel_timers()
        sim = self.host._sims.get(self.leg.call_id)
        if sim is not None and sim.actions.get(self.control_id) is self:
            del sim.actions[self.control_id]

    # -- what subclasses implement ------------------------------------------------

    def begin(self, now: float) -> None:
        """The first events (scheduled at the start request's ``now``)."""

    def stop(self, now: float) -> None:
        """``calling.<kind>.stop``: the terminal event, then :meth:`finish`."""
        self.finish()

    def call_ended(self, now: float) -> None:
        """The call is ending: the terminal event (if any), then :meth:`finish`."""
        self.stop(now)

    def control(self, op: str, command: SubCommand, now: float) -> str:
        """Any other sub-command; returns the reply message.

        Raises:
            _Invalid: a bad parameter (``400``) or an op it does not have.
        """
        raise _Invalid("404", f"No {self.kind} operation {op!r}")


class _SimBase(_LegEngine):
    """Per-call verb state and the action machinery; the sim mixins build on it."""

    _handlers: dict[str, _Handler]

    def _init_sims(self) -> None:
        #: Multiplies every duration the simulation makes up (play lengths,
        #: digit spacing, speaking rate, detection, greeting, fax pages, pay
        #: steps, DTMF sending), not the client's timeouts nor a script's ``input_after``:
        #: e.g. ``0.01`` for tests that run against a served fake in real time.
        self.time_scale = 1.0
        #: Per live leg that used a verb: its actions and the party's turns.
        self._sims: dict[CallId, _CallSim] = {}
        #: Queue name → the calls waiting in it, in order (empty queues are dropped).
        self._queues: dict[str, list[_SimAction]] = {}
        #: Conference name → (conference id, call ids in it); empty ones are dropped.
        self._conferences: dict[str, tuple[str, set[str]]] = {}
        self._echoes = 0

    def _queue_members(self, name: str) -> list[_SimAction]:
        return self._queues.setdefault(name, [])

    def _sim_handlers(self) -> dict[str, _Handler]:
        """Every ``calling.*`` method the sim mixins add (merged by each mixin)."""
        return {}

    # -- per call ------------------------------------------------------------------

    def _sim(self, leg: _Leg) -> _CallSim:
        sim = self._sims.get(leg.call_id)
        if sim is None:
            # An inbound caller's script is its leg's Answers too (set by inject_inbound_call).
            behavior = leg.behavior
            script = behavior.script if isinstance(behavior, Answers) else SILENT
            sim = self._sims[leg.call_id] = _CallSim(script)
        return sim

    def _leg(self, call: CallRef) -> _Leg:
        raise NotImplementedError  # PhoneNetwork's: 404 unknown, 410 ended

    def _flat_media_ok(self, params: JSONObject, key: str) -> JSONObject:
        raise NotImplementedError  # PhoneNetwork's: the flat media shorthand, when accepted

    def _live_leg(self, call: CallRef) -> _Leg:
        """The request's leg, which must be up (``410`` once ending, ``409`` before answered)."""
        leg = self._leg(call)
        if not leg.live:
            raise _Invalid("410", "Call is gone")
        if leg.state is not CallState.ANSWERED:
            raise _Invalid("409", "Call is not answered")
        return leg

    def _end_sims(self, leg: _Leg, now: float) -> None:
        """The leg is ending: every action's terminal event, then forget the call."""
        sim = self._sims.get(leg.call_id)
        if sim is None:
            return
        for action in list(sim.actions.values()):
            action.call_ended(now)
            action.finish()
        self._leave_all(leg, sim, now)
        del self._sims[leg.call_id]

    def _leave_all(self, leg: _Leg, sim: _CallSim, now: float) -> None:
        """Drop the call from queues and conferences (the verbs mixin overrides it)."""

    def _emit(self, leg: _Leg, payload: Payload) -> None:
        """One event of a leg, written by the payload codec the client reads with."""
        self._send(leg.owner, payload)

    # -- actions -------------------------------------------------------------------

    def _start_action(
        self, action: _SimAction, now: float, message: str, **extra: JSONValue
    ) -> JSONDict:
        """Register ``action`` on its leg, schedule its start, and answer the request."""
        sim = self._sim(action.leg)
        if action.control_id in sim.actions:
            raise _Invalid("409", f"control_id {action.control_id!r} is already running")
        if len(sim.actions) >= MAX_ACTIONS_PER_CALL:
            raise _Invalid("409", f"too many actions on this call (at most {MAX_ACTIONS_PER_CALL})")
        sim.actions[action.control_id] = action
        action.started = now

        def begin(when: float) -> None:
            if not action.done:
                action.begin(when)

        action.timers.append(self.scheduler.call_at(now, begin))
        return _result(
            "200", message, call_id=action.leg.call_id, control_id=action.control_id, **extra
        )

    def _action(self, kind: str, command: SubCommand, *, also: str = "") -> _SimAction:
        leg = self._leg(command.call)
        control_id = command.control_id
        sim = self._sims.get(leg.call_id)
        action = None if sim is None else sim.actions.get(control_id)
        if action is None or action.kind not in (kind, also):
            raise _Invalid("404", f"No {kind} with control_id {control_id!r}")
        return action

    def _sub_command(self, method: str, read: Callable[[JSONObject], SubCommand]) -> _Handler:
        """The handler of ``calling.<kind>.<op>`` (``stop`` is common to all)."""
        kind, _dot, op = method.removeprefix("calling.").rpartition(".")

        def handle(owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
            del owner
            command = _decode(read, params)
            # [PY] starts a play_and_collect's input timers with calling.collect's
            # sub-command (RELAY.md H.5.15): the collect inside it answers.
            also = "play_and_collect" if op == "start_input_timers" else ""
            action = self._action(kind, command, also=also)
            if op == "stop":
                self.scheduler.call_at(now, lambda when: None if action.done else action.stop(when))
                message = "Stopped"
            else:
                message = action.control(op, command, now)
            return _result("200", message, call_id=action.leg.call_id, control_id=action.control_id)

        return handle

    def _sim_table_sizes(self) -> dict[str, int]:
        return {
            "verb_calls": len(self._sims),
            "actions": sum(len(sim.actions) for sim in self._sims.values()),
            "queues": len(self._queues),
            "conferences": len(self._conferences),
        }

    def running_actions(self, call_id: str) -> list[tuple[str, str]]:
        """``(verb, control_id)`` of every action running on a live call, oldest first."""
        sim = self._sims.get(CallId(call_id))
        if sim is None:
            return []
        return [(action.kind, control_id) for control_id, action in sim.actions.items()]

    def script_call(
        self,
        call_id: str,
        *,
        caller: CallerScript | None = None,
        presses: str | Sequence[str] | None = None,
        says: str | Sequence[str] | None = None,
    ) -> CallerScript:
        """Change what the party on a live call does from now on (its turns start over).

        ``caller`` replaces the whole script (default: the current one);
        ``presses`` / ``says`` replace its turns.  Returns the new script.

        Raises:
            LocalProtocolError: no live call has that id, or a bad script.
        """
        leg = self._legs.get(CallId(call_id))
        if leg is None:
            raise LocalProtocolError(f"call_id: no live call {call_id!r}")
        sim = self._sim(leg)
        sim.script = caller_script(caller or sim.script, presses, says)
        sim.press_turn = sim.say_turn = 0
        return sim.script
