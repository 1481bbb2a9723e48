"""Record and fax: the actions that make a file (RELAY.md H.5.2, H.5.6; see ``_actions_sim``)."""

from __future__ import annotations

from functools import partial
from typing import Final

from .._ids import JSONDict, JSONObject, JSONValue
from ..client._action_commands import Record
from ..wire._action_payloads import FaxPayload, RecordPayload
from ._collect_sim import DIGIT_SECONDS, WORDS_PER_SECOND
from ._legs import _Leg
from ._sim_base import FILES_URL, SubCommand, _SimAction, _SimBase

__all__ = ["FAX_PAGE_SECONDS", "MP3_BYTES_PER_SECOND", "WAV_BYTES_PER_SECOND"]

MP3_BYTES_PER_SECOND: Final = 8_000
WAV_BYTES_PER_SECOND: Final = 16_000
FAX_PAGE_SECONDS: Final = 3.0


def _party_number(leg: _Leg, *, ours: bool) -> str | None:
    """Our number on the leg (``ours``) or the other party's, from its device."""
    params = leg.device.get("params")
    if not isinstance(params, dict):
        return None
    inbound = leg.direction == "inbound"
    key = (
        ("to_number" if inbound else "from_number")
        if ours
        else ("from_number" if inbound else "to_number")
    )
    value = params.get(key) or params.get(key.split("_")[0])
    return value if isinstance(value, str) else None


class _Record(_SimAction):
    kind = "record"

    def __init__(self, host: _SimBase, leg: _Leg, command: Record) -> None:
        super().__init__(host, leg, command.control_id)
        record = command.to_params().get("record")
        self.record: JSONObject = record if isinstance(record, dict) else {}  # echoed in events
        self.format = command.format or "mp3"
        self.stereo = bool(command.stereo)
        self.initial_timeout = 5.0 if command.initial_timeout is None else command.initial_timeout
        end_silence = command.end_silence_timeout
        self.end_silence = 1.0 if end_silence is None else end_silence
        self.terminators = "#*" if command.terminators is None else command.terminators
        control_id = command.control_id
        self.url = f"{FILES_URL}/recordings/{control_id}.{self.format}"
        self.recorded = 0.0
        self.since: float | None = None
        self.heard = False

    def event(self, state: str, *, duration: float | None = None, size: int | None = None) -> None:
        done = duration is not None
        self.emit(
            RecordPayload(
                self.control_id,
                call_id=self.call_id,
                node_id=self.node_id,
                state=state,
                record=self.record,
                url=self.url if done else None,
                duration=duration,
                size=size,
            )
        )

    def begin(self, now: float) -> None:
        self.since = now
        self.event("recording")
        sim = self.host._sim(self.leg)
        words = sim.next_words()
        if words is None:
            if self.initial_timeout > 0:
                self.at(now + self.initial_timeout, self.no_input)
            return
        self.heard = True
        spoken = sim.script.input_after + self.scaled(
            max(0.5, len(words.split()) / WORDS_PER_SECOND)
        )
        presses = (
            sim.script.presses[sim.press_turn] if sim.press_turn < len(sim.script.presses) else ""
        )
        if presses[:1] and presses[0] in self.terminators:
            sim.next_presses()
            self.at(now + spoken + self.scaled(DIGIT_SECONDS), self.end)
        elif self.end_silence > 0:
            self.at(now + spoken + self.end_silence, self.end)

    def clock(self, now: float) -> None:
        if self.since is not None:
            self.recorded += max(0.0, now - self.since)
            self.since = None

    def no_input(self, now: float) -> None:
        self.clock(now)
        self.event("no_input", duration=0.0, size=0)
        self.finish()

    def end(self, now: float) -> None:
        self.clock(now)
        rate = MP3_BYTES_PER_SECOND if self.format == "mp3" else WAV_BYTES_PER_SECOND
        duration = round(self.recorded, 3)
        size = int(duration * rate * (2 if self.stereo else 1)) + (
            44 if self.format == "wav" else 0
        )
        self.event("finished", duration=duration, size=size)
        self.finish()

    def control(self, op: str, command: SubCommand, now: float) -> str:
        if op == "pause":  # RecordPause checked its behavior (skip or silence)
            self.host.scheduler.call_at(now, lambda when: None if self.done else self.pause(when))
            return "Paused"
        if op == "resume":
            self.host.scheduler.call_at(now, lambda when: None if self.done else self.resume(when))
            return "Resumed"
        return super().control(op, command, now)

    def pause(self, now: float) -> None:
        if self.since is not None:
            self.clock(now)
            self.cancel_timers()  # the recorder stops listening while paused
            self.event("paused")

    def resume(self, now: float) -> None:
        if self.since is None:
            self.since = now
            self.event("recording")
            if self.heard and self.end_silence > 0:
                self.at(now + self.end_silence, self.end)

    def stop(self, now: float) -> None:
        self.end(now)


class _Fax(_SimAction):
    def __init__(self, host: _SimBase, leg: _Leg, control_id: str, kind: str) -> None:
        super().__init__(host, leg, control_id)
        self.kind = kind
        self.direction = "send" if kind == "send_fax" else "receive"
        self.document = f"{FILES_URL}/faxes/{control_id}.pdf"
        self.identity = _party_number(leg, ours=True)
        self.pages = 0

    def event(self, fax_type: str, **params: JSONValue) -> None:
        fax: JSONDict = {"type": fax_type, "params": {"direction": self.direction, **params}}
        self.emit(FaxPayload(self.control_id, call_id=self.call_id, node_id=self.node_id, fax=fax))

    def begin(self, now: float) -> None:
        total = self.host._sim(self.leg).script.fax_pages
        for page in range(1, total + 1):
            self.at(now + page * self.scaled(FAX_PAGE_SECONDS), partial(self.page, page=page))
        self.at(
            now + total * self.scaled(FAX_PAGE_SECONDS), lambda when: self.end(True, "1231", "")
        )

    def page(self, now: float, page: int) -> None:
        self.pages = page
        self.event("page", pages=str(page))

    def end(self, success: bool, result: str, text: str) -> None:
        self.event(
            "finished",
            identity=self.identity,
            remote_identity=_party_number(self.leg, ours=False),
            document=self.document,
            success=success,
            result=result,
            result_text=text,
            pages=str(self.pages),
        )
        self.finish()

    def stop(self, now: float) -> None:
        self.end(False, "stopped", "Fax stopped")

    def call_ended(self, now: float) -> None:
        self.end(False, "hangup", "Call ended")
