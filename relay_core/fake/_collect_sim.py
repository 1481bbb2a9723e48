"""The verbs that listen to the party: collect, play_and_collect and detect.

What the party does comes from its caller script (``presses``, ``says``,
``answered_by``, ``input_after``; see :mod:`._callers`).

Collect (RELAY.md H.5.3, H.5.4).  Listening starts at once (``collect``) or
when the prompt ends (``play_and_collect``: ``play`` ``playing`` then
``finished``; a prompt that fails to load ends with ``error``).  The party
starts its next turn ``input_after`` seconds later: digits if the collect
takes digits and a ``presses`` turn is left, else words if it takes speech
and a ``says`` turn is left, else nothing.  Digits come
:data:`DIGIT_SECONDS` apart; a terminator ends the result at once (reported
in ``terminator``), so does the ``max``-th digit, else ``digit_timeout``
after the last one.  Words are spoken at :data:`WORDS_PER_SECOND` (cut at
``speech_timeout``) and the result comes ``end_silence_timeout`` after the
last one, with confidence :data:`SPEECH_CONFIDENCE`.  No input within
``initial_timeout`` (its clock runs from when listening starts, for a
``collect`` only once ``start_input_timers`` is true or the sub-command
arrives) → ``no_input``.  ``send_start_of_input`` → a ``start_of_input``
event when input begins; ``partial_results`` → a ``final: false`` event
after each digit or word; ``continuous`` → each result has ``state:
collecting`` and the next turn follows, until ``stop`` or the call's end.
``stop`` → ``final: true, state: finished`` with no result; the call's end →
``state: error`` with an ``error`` result (after the prompt's ``finished``).

Detect (H.5.5).  ``machine``: a human → ``HUMAN`` after
:data:`HUMAN_SECONDS`; a machine → ``MACHINE`` after :data:`MACHINE_SECONDS`
and ``READY`` with ``beep: true`` at the end of its greeting
(:data:`GREETING_SECONDS` later); a fax → ``FAX``.  ``fax``: a fax party
sends its tone (``params.tone``, default ``CED``) after :data:`TONE_SECONDS`;
anyone else nothing.  ``digit``: one event per pressed digit listed in
``params.digits``, turn after turn.  A decisive result (``HUMAN``,
``READY``, ``FAX``, a tone) is followed by ``finished``; otherwise
``finished`` comes at ``timeout`` (default 30 s), on ``stop`` and when the
call ends.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Final

from .._ids import JSONDict, JSONObject
from ..client._collect_commands import (
    Collect,
    CollectStartInputTimers,
    CollectStop,
    Detect,
    DetectStop,
    PlayAndCollect,
    PlayAndCollectStop,
    PlayAndCollectVolume,
)
from ..wire._action_payloads import CollectPayload
from ..wire._payloads import PlayPayload
from ._detect_sim import DETECT_TIMEOUT, DIGIT_SECONDS, _Detect
from ._legs import SessionKey, _decode, _fails_to_load, _Invalid, _Leg, media_duration
from ._sim_base import SubCommand, _SimAction, _SimBase

if TYPE_CHECKING:
    from ._legs import _Handler

__all__ = [
    "DIGIT_SECONDS",
    "SPEECH_CONFIDENCE",
    "WORDS_PER_SECOND",
]

#: The party's speaking rate.
WORDS_PER_SECOND: Final = 2.5
#: The confidence of a final speech result (partial results: 60).
SPEECH_CONFIDENCE: Final = 90.0


class _Collect(_SimAction):
    """A collect, with a prompt first for ``play_and_collect``."""

    def __init__(self, host: _SimBase, leg: _Leg, control_id: str, kind: str) -> None:
        super().__init__(host, leg, control_id)
        self.kind = kind
        self.prompt_seconds: float | None = None
        self.prompt_error_at: float | None = None
        self.prompting = False
        self.max_digits: int | None = None
        self.digit_timeout = 5.0
        self.terminators = ""
        self.speech = False
        self.end_silence = 1.0
        self.speech_timeout = 60.0
        self.initial_timeout = 4.0
        self.partial = False
        self.continuous = False
        self.start_of_input = False
        self.timers_on = True
        self.listening = False
        self.heard = False
        self.turn = 0
        self.digits = ""
        self.initial_timer_armed = False

    def configure(self, command: Collect | PlayAndCollect) -> None:
        digits, speech = command.digits, command.speech
        if digits is None and speech is None:
            raise _Invalid("400", "digits: a collect needs digits or speech (or both)")
        if digits is not None:
            self.max_digits = digits.max
            self.digit_timeout = _or(digits.digit_timeout, 5.0)
            self.terminators = digits.terminators or ""
        if speech is not None:
            self.speech = True
            self.end_silence = _or(speech.end_silence_timeout, 1.0)
            self.speech_timeout = _or(speech.speech_timeout, 60.0)
        self.initial_timeout = _or(command.initial_timeout, 4.0)
        self.partial = bool(command.partial_results)
        self.continuous = bool(command.continuous)

    # -- the prompt ------------------------------------------------------------------

    def begin(self, now: float) -> None:
        if self.prompt_seconds is None:
            self.listen(now)
            return
        self.prompting = True
        self.emit(
            PlayPayload(self.control_id, "playing", call_id=self.call_id, node_id=self.node_id)
        )
        if self.prompt_error_at is not None:
            self.at(now + self.prompt_error_at, lambda when: self.prompt_over(when, "error"))
        else:
            self.at(now + self.prompt_seconds, lambda when: self.prompt_over(when, "finished"))

    def prompt_over(self, now: float, state: str) -> None:
        self.prompting = False
        self.emit(PlayPayload(self.control_id, state, call_id=self.call_id, node_id=self.node_id))
        self.listen(now)

    # -- listening -------------------------------------------------------------------

    def listen(self, now: float) -> None:
        self.listening = True
        self.heard = False
        if self.timers_on:
            self.arm_initial(now)
        turn = self.turn
        self.at(
            now + self.host._sim(self.leg).script.input_after, lambda when: self.input(when, turn)
        )

    def arm_initial(self, now: float) -> None:
        if self.initial_timer_armed or self.initial_timeout <= 0:
            return
        self.initial_timer_armed = True
        turn = self.turn
        self.at(now + self.initial_timeout, lambda when: self.no_input(when, turn))

    def no_input(self, now: float, turn: int) -> None:
        if turn == self.turn and not self.heard:
            self.result(now, {"type": "no_input"})

    def emit_collect(self, state: str, result: JSONDict | None, *, final: bool | None) -> None:
        """Send a ``calling.call.collect`` event for this action."""
        self.emit(
            CollectPayload(
                self.control_id,
                call_id=self.call_id,
                node_id=self.node_id,
                final=final,
                state=state,
                result=result,
            )
        )

    def input(self, now: float, turn: int) -> None:
        if turn != self.turn or self.heard:
            return
        sim = self.host._sim(self.leg)
        presses = sim.next_presses() if self.max_digits is not None else None
        words = sim.next_words() if presses is None and self.speech else None
        if not presses and words is None:
            return  # silence (or an empty turn): the initial timeout, if running, decides
        self.heard = True
        if self.start_of_input:
            self.emit_collect("collecting", {"type": "start_of_input"}, final=None)
        if presses is not None:
            self.digits = ""
            for index, digit in enumerate(presses):
                self.at(
                    now + index * self.scaled(DIGIT_SECONDS),
                    partial(self.press, turn=turn, digit=digit),
                )
        elif words is not None:
            self.speak(now, turn, words.split())

    def press(self, now: float, turn: int, digit: str) -> None:
        if turn != self.turn:
            return
        if digit in self.terminators:
            self.digits_over(now, turn, digit)
            return
        self.digits += digit
        assert self.max_digits is not None
        if len(self.digits) >= self.max_digits:
            self.digits_over(now, turn, "")
            return
        if self.partial:
            self.emit_collect("collecting", _digit_result(self.digits, ""), final=False)
        seen = len(self.digits)
        self.at(
            now + self.digit_timeout,
            lambda when: self.digits_over(when, turn, "") if len(self.digits) == seen else None,
        )

    def digits_over(self, now: float, turn: int, terminator: str) -> None:
        if turn == self.turn:
            self.result(now, _digit_result(self.digits, terminator))

    def speak(self, now: float, turn: int, words: list[str]) -> None:
        spoken = min(self.scaled(max(0.5, len(words) / WORDS_PER_SECOND)), self.speech_timeout)
        step = spoken / len(words)
        if self.partial:
            for count in range(1, len(words)):
                text = " ".join(words[:count])
                self.at(now + count * step, partial(self.partial_speech, turn=turn, text=text))
        text = " ".join(words)
        result: JSONDict = {
            "type": "speech",
            "params": {"text": text, "confidence": SPEECH_CONFIDENCE},
        }
        self.at(
            now + spoken + self.end_silence,
            lambda when: self.result(when, result) if turn == self.turn else None,
        )

    def partial_speech(self, now: float, turn: int, text: str) -> None:
        if turn == self.turn:
            result: JSONDict = {"type": "speech", "params": {"text": text, "confidence": 60.0}}
            self.emit_collect("collecting", result, final=False)

    def result(self, now: float, result: JSONDict) -> None:
        self.turn += 1
        self.listening = False
        self.initial_timer_armed = False
        if self.continuous:
            self.emit_collect("collecting", result, final=True)
            self.listen(now)
            return
        self.emit_collect("finished", result, final=True)
        self.finish()

    # -- sub-commands and the end ----------------------------------------------------

    def control(self, op: str, command: SubCommand, now: float) -> str:
        if op == "start_input_timers":
            self.timers_on = True
            if self.listening and not self.heard:
                self.host.scheduler.call_at(
                    now, lambda when: None if self.done else self.arm_initial(when)
                )
            return "Input timers started"
        if op == "volume":
            return "Volume changed"  # PlayAndCollectVolume checked the value
        return super().control(op, command, now)

    def end(self, state: str, result: JSONDict | None) -> None:
        if self.prompting:
            self.prompting = False
            self.emit(
                PlayPayload(self.control_id, "finished", call_id=self.call_id, node_id=self.node_id)
            )
        self.emit_collect(state, result, final=True)
        self.finish()

    def stop(self, now: float) -> None:
        self.end("finished", None)

    def call_ended(self, now: float) -> None:
        self.end("error", {"type": "error"})


def _digit_result(digits: str, terminator: str) -> JSONDict:
    return {"type": "digit", "params": {"digits": digits, "terminator": terminator}}


class _CollectSim(_SimBase):
    """``calling.collect``, ``calling.play_and_collect`` and ``calling.detect``."""

    accept_flat_media: bool

    def _sim_handlers(self) -> dict[str, _Handler]:
        handlers = super()._sim_handlers()
        handlers.update(
            {
                Collect.method: self._collect,
                CollectStop.method: self._sub_command(CollectStop.method, CollectStop.from_params),
                CollectStartInputTimers.method: self._sub_command(
                    CollectStartInputTimers.method, CollectStartInputTimers.from_params
                ),
                PlayAndCollect.method: self._play_and_collect,
                PlayAndCollectStop.method: self._sub_command(
                    PlayAndCollectStop.method, PlayAndCollectStop.from_params
                ),
                PlayAndCollectVolume.method: self._sub_command(
                    PlayAndCollectVolume.method, PlayAndCollectVolume.from_params
                ),
                Detect.method: self._detect,
                DetectStop.method: self._sub_command(DetectStop.method, DetectStop.from_params),
            }
        )
        return handlers

    def _collect(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command = _decode(Collect.from_params, params)
        leg = self._live_leg(command.call)
        action = _Collect(self, leg, command.control_id, "collect")
        action.configure(command)
        action.start_of_input = bool(command.send_start_of_input)
        action.timers_on = bool(command.start_input_timers)
        return self._start_action(action, now, "Collecting")

    def _play_and_collect(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command = _decode(PlayAndCollect.from_params, self._flat_media_ok(params, "play"))
        leg = self._live_leg(command.call)
        action = _Collect(self, leg, command.control_id, "play_and_collect")
        action.configure(command)
        elapsed = 0.0
        for item in command.media:
            if _fails_to_load(item):
                action.prompt_error_at = elapsed
                break
            elapsed += media_duration(item) * self.time_scale
        action.prompt_seconds = elapsed
        return self._start_action(action, now, "Playing and collecting")

    def _detect(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command = _decode(Detect.from_params, params)
        leg = self._live_leg(command.call)
        action = _Detect(self, leg, command.control_id)
        action.detector = command.detect.type
        action.params = command.detect.params
        timeout = command.timeout
        action.timeout = timeout if timeout is not None and timeout > 0 else DETECT_TIMEOUT
        return self._start_action(action, now, "Detecting")


def _or(value: float | None, default: float) -> float:
    return default if value is None else float(value)
