"""Detection (RELAY.md H.5.5): answering machine, fax tone, digits; see ``_collect_sim``."""

from __future__ import annotations

from functools import partial
from typing import Final

from .._ids import JSONDict, JSONObject, JSONValue
from ..wire._action_payloads import DetectPayload
from ._legs import _Leg
from ._sim_base import _SimAction, _SimBase

__all__ = ["GREETING_SECONDS", "HUMAN_SECONDS", "MACHINE_SECONDS", "TONE_SECONDS"]

#: Seconds between two digits the party presses (as for a collect).
DIGIT_SECONDS: Final = 0.25
#: Answering-machine detection: seconds until ``HUMAN``, ``MACHINE``; greeting length.
HUMAN_SECONDS: Final = 1.5
MACHINE_SECONDS: Final = 2.5
GREETING_SECONDS: Final = 4.0
#: Seconds until a fax party's tone is heard.
TONE_SECONDS: Final = 1.0
#: Detector defaults (RELAY.md H.5.5).
DETECT_TIMEOUT: Final = 30.0
DETECT_DIGITS: Final = "0123456789#*"


class _Detect(_SimAction):
    kind = "detect"

    def __init__(self, host: _SimBase, leg: _Leg, control_id: str) -> None:
        super().__init__(host, leg, control_id)
        self.detector = "machine"
        self.params: JSONObject = {}
        self.timeout = DETECT_TIMEOUT

    def event(self, event: str, **more: JSONValue) -> None:
        detect: JSONDict = {"type": self.detector, "params": {"event": event, **more}}
        self.emit(
            DetectPayload(
                self.control_id, call_id=self.call_id, node_id=self.node_id, detect=detect
            )
        )

    def decisive(self, event: str, **more: JSONValue) -> None:
        self.event(event, **more)
        self.stop(0.0)

    def begin(self, now: float) -> None:
        self.at(now + self.timeout, self.stop)
        script = self.host._sim(self.leg).script
        if self.detector == "machine":
            if script.answered_by == "human":
                self.at(
                    now + self.scaled(HUMAN_SECONDS),
                    lambda when: self.decisive("HUMAN", beep=False),
                )
            elif script.answered_by == "fax":
                self.at(now + self.scaled(MACHINE_SECONDS), lambda when: self.decisive("FAX"))
            else:
                self.at(
                    now + self.scaled(MACHINE_SECONDS),
                    lambda when: self.event("MACHINE", beep=False),
                )
                ready = now + self.scaled(MACHINE_SECONDS + GREETING_SECONDS)
                self.at(ready, lambda when: self.decisive("READY", beep=True))
        elif self.detector == "fax":
            tone = self.params.get("tone")
            if script.answered_by == "fax":
                event = tone if isinstance(tone, str) else "CED"
                self.at(now + self.scaled(TONE_SECONDS), lambda when: self.decisive(event))
        else:
            self.at(now + script.input_after, self.digit_turn)

    def digit_turn(self, now: float) -> None:
        presses = self.host._sim(self.leg).next_presses()
        if presses is None:
            return
        wanted = self.params.get("digits")
        wanted = wanted if isinstance(wanted, str) else DETECT_DIGITS
        for index, digit in enumerate(presses):
            if digit in wanted:
                self.at(
                    now + index * self.scaled(DIGIT_SECONDS), partial(self.digit_event, digit=digit)
                )
        after = now + len(presses) * self.scaled(DIGIT_SECONDS)
        self.at(after + self.host._sim(self.leg).script.input_after, self.digit_turn)

    def digit_event(self, now: float, digit: str) -> None:
        self.event(digit)

    def stop(self, now: float) -> None:
        self.event("finished")
        self.finish()
