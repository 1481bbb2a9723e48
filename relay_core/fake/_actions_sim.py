"""The action verbs that do not listen: record, fax, tap, stream, pay, transcribe, ai, DTMF, queue.

Every one follows RELAY.md H.5 (see :mod:`._sim_base` for what all actions share):

* ``calling.record`` (H.5.2): reply with the future ``url``
  (:data:`~._sim_base.FILES_URL` ``/recordings/<control_id>.<format>``), then
  ``recording``.  The recording takes the party's next ``says`` turn: it
  speaks after ``input_after`` seconds at the collect's speaking rate; the
  recording ends ``end_silence_timeout`` after the last word (``0``: never),
  or at once when the party's next ``presses`` turn starts with one of the
  ``terminators``.  A silent party → ``no_input`` after ``initial_timeout``
  (``0``: the recording runs until stopped).  ``pause`` (``paused``) and
  ``resume`` (``recording``) hold the clock; ``stop`` and the call's end →
  ``finished`` with what was recorded.  ``duration`` counts recorded seconds;
  ``size`` is :data:`MP3_BYTES_PER_SECOND` or :data:`WAV_BYTES_PER_SECOND`
  per second (twice that in stereo).
* ``calling.send_fax`` / ``calling.receive_fax`` (H.5.6): one ``page`` event
  every :data:`FAX_PAGE_SECONDS` for each of the party's ``fax_pages``, then
  ``finished`` with ``success: true``, ``result`` ``"1231"``, ``pages``.  Stop
  or the call's end → ``finished`` with ``success: false``.
* ``calling.tap`` (H.5.7), ``calling.stream`` (H.5.8): ``tapping`` /
  ``streaming`` until stopped or the call ends → ``finished``.  A tap's reply
  carries the ``source_device``.
* ``calling.pay`` (H.5.9): one progress event every :data:`PAY_STEP_SECONDS`
  (card number, expiry, security code unless ``security_code`` is false,
  postal code unless ``postal_code`` is false, processing), then the result
  the party ``pays`` (success: token and confirmation code; too many failed
  attempts: one ``invalid-card-number`` retry per attempt).  Result events
  also carry ``state`` ``finished`` (success) or ``error``, for clients that
  read that ([PY]).  Stop → ``relay-pay-stop``; the call's end →
  ``caller-hung-up``.
* ``calling.transcribe`` (H.5.10): no event until stopped or the call ends →
  ``finished`` with the shadow recording's ``url``, ``recording_id``,
  ``duration``, ``size``.  A second one on the call → ``409``.
* ``calling.ai`` (H.5.11): runs until ``ai.stop`` or the call's end →
  ``state: finished``.
* ``calling.send_digits`` (H.5.12): ``finished`` once the digits are sent
  (:data:`~._collect_sim.DIGIT_SECONDS` each, ``w`` 0.5 s, ``W`` 1 s); no
  event if the call ends first.
* ``calling.queue.enter`` / ``.leave`` (H.5.13): ``enqueued`` (queue ``id``,
  ``name``, ``position``, ``size``) / ``left``; a call is in one queue at a
  time (``409``); the call's end takes it out silently.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Final

from .._ids import JSONDict, JSONObject
from ..client._action_commands import (
    ReceiveFax,
    ReceiveFaxStop,
    Record,
    RecordPause,
    RecordResume,
    RecordStop,
    SendFax,
    SendFaxStop,
    Stream,
    StreamStop,
    Tap,
    TapStop,
)
from ..client._service_commands import (
    AI,
    AIStop,
    Pay,
    PayStop,
    QueueEnter,
    QueueLeave,
    SendDigits,
    Transcribe,
    TranscribeStop,
)
from ..wire._action_payloads import (
    AIPayload,
    PayPayload,
    QueuePayload,
    SendDigitsPayload,
    StreamPayload,
    TapPayload,
    TranscribePayload,
)
from ._collect_sim import DIGIT_SECONDS
from ._legs import SessionKey, _decode, _Invalid, _Leg
from ._record_sim import WAV_BYTES_PER_SECOND, _Fax, _Record
from ._sim_base import FILES_URL, SubCommand, _SimAction, _SimBase

if TYPE_CHECKING:
    from ._legs import _Handler

__all__ = ["PAY_STEP_SECONDS"]

PAY_STEP_SECONDS: Final = 2.0
#: Where a tap's media is sent from (RELAY.md H.5.7's ``source_device``).
TAP_SOURCE_ADDR: Final = "198.51.100.7"
_DTMF_SECONDS: Final = {"w": 0.5, "W": 1.0}
_SEND_DIGITS: Final = frozenset("0123456789*#ABCDwW")


class _Running(_SimAction):
    """tap, stream, ai: one event when it starts (not ai), ``finished`` when it ends."""

    def __init__(self, host: _SimBase, leg: _Leg, control_id: str, kind: str) -> None:
        super().__init__(host, leg, control_id)
        self.kind = kind
        self.tap: JSONObject | None = None
        self.device: JSONObject | None = None
        self.url: str | None = None
        self.name: str | None = None

    def event(self, state: str) -> None:
        ids = (self.control_id, self.call_id, self.node_id)
        match self.kind:
            case "tap":
                self.emit(TapPayload(ids[0], call_id=ids[1], node_id=ids[2], state=state,
                                     tap=self.tap, device=self.device))  # fmt: skip
            case "stream":
                self.emit(StreamPayload(ids[0], call_id=ids[1], node_id=ids[2], state=state,
                                        url=self.url, name=self.name))  # fmt: skip
            case _:
                self.emit(AIPayload(ids[0], call_id=ids[1], node_id=ids[2], state=state))

    def begin(self, now: float) -> None:
        if self.kind != "ai":
            self.event("tapping" if self.kind == "tap" else "streaming")

    def stop(self, now: float) -> None:
        self.event("finished")
        self.finish()


class _Transcribe(_SimAction):
    kind = "transcribe"

    def stop(self, now: float) -> None:
        duration = round(now - self.started, 3)
        self.emit(
            TranscribePayload(
                self.control_id,
                call_id=self.call_id,
                node_id=self.node_id,
                state="finished",
                url=f"{FILES_URL}/recordings/{self.control_id}.wav",
                recording_id=f"rc-{self.control_id}",
                duration=duration,
                size=int(duration * WAV_BYTES_PER_SECOND) + 44,
            )
        )
        sim = self.host._sims.get(self.leg.call_id)
        if sim is not None:
            sim.transcribing = None
        self.finish()


class _Pay(_SimAction):
    kind = "pay"

    def __init__(self, host: _SimBase, leg: _Leg, command: Pay) -> None:
        super().__init__(host, leg, command.control_id)
        self.method = command.payment_method or "credit-card"
        # [SCHEMA]/[PY] send numbers and flags as strings, [JS] as JSON (RELAY.md H.5.9).
        attempts = str(command.max_attempts or 1)
        self.attempts = max(1, int(attempts)) if attempts.isdigit() else 1
        self.steps = ["payment-card-number", "expiration-date"]
        if command.security_code not in (False, "false"):
            self.steps.append("security-code")
        if command.postal_code not in (False, "false"):
            self.steps.append("postal-code")
        self.card_number: str | None = None
        self.card_type: str | None = None

    def progress(self, now: float, step: str, attempt: int, error_type: str | None) -> None:
        self.emit(
            PayPayload(
                self.control_id,
                call_id=self.call_id,
                node_id=self.node_id,
                for_=step,
                attempt=attempt,
                error_type=error_type,
                payment_card_number=self.card_number,
                payment_card_type=self.card_type,
                extra={"payment_method": self.method},
            )
        )
        if step == "payment-card-number" and error_type is None:
            self.card_number, self.card_type = "************1111", "visa"

    def begin(self, now: float) -> None:
        outcome = self.host._sim(self.leg).script.pays
        when = now
        plan: list[tuple[str, int, str | None]] = []
        if outcome == "too-many-failed-attempts":
            plan = [
                ("payment-card-number", attempt, "invalid-card-number" if attempt > 1 else None)
                for attempt in range(1, self.attempts + 1)
            ]
        else:
            plan = [(step, 1, None) for step in self.steps]
            plan.append(("payment-processing", 1, None))
        for step, attempt, error in plan:
            self.at(when, partial(self.progress, step=step, attempt=attempt, error_type=error))
            when += self.scaled(PAY_STEP_SECONDS)
        self.at(when, lambda at: self.result(outcome))

    def result(self, result: str) -> None:
        success = result == "success"
        self.emit(
            PayPayload(
                self.control_id,
                call_id=self.call_id,
                node_id=self.node_id,
                result=result,
                state="finished" if success else "error",
                payment_token=f"tok_{self.control_id[:8]}" if success else None,
                payment_confirmation_code=f"CONF-{self.control_id[:6]}" if success else None,
                payment_card_number=self.card_number,
                payment_card_type=self.card_type,
            )
        )
        self.finish()

    def stop(self, now: float) -> None:
        self.result("relay-pay-stop")

    def call_ended(self, now: float) -> None:
        self.result("caller-hung-up")


class _SendDigits(_SimAction):
    kind = "send_digits"

    def __init__(self, host: _SimBase, leg: _Leg, control_id: str, digits: str) -> None:
        super().__init__(host, leg, control_id)
        self.seconds = self.scaled(sum(_DTMF_SECONDS.get(d, DIGIT_SECONDS) for d in digits))

    def begin(self, now: float) -> None:
        self.at(now + self.seconds, self.sent)

    def sent(self, now: float) -> None:
        self.emit(
            SendDigitsPayload(
                self.control_id, call_id=self.call_id, node_id=self.node_id, state="finished"
            )
        )
        self.finish()

    def call_ended(self, now: float) -> None:
        self.finish()  # no event: the call went first


class _Queued(_SimAction):
    kind = "queue"

    def __init__(self, host: _SimBase, leg: _Leg, control_id: str, name: str) -> None:
        super().__init__(host, leg, control_id)
        self.name = name

    def event(self, status: str, position: int, size: int) -> None:
        self.emit(
            QueuePayload(
                self.control_id,
                call_id=self.call_id,
                node_id=self.node_id,
                status=status,
                queue_id=f"queue-{self.name}",
                name=self.name,
                position=position,
                size=size,
            )
        )

    def begin(self, now: float) -> None:
        members = self.host._queue_members(self.name)
        members.append(self)
        self.event("enqueued", len(members), len(members))

    def control(self, op: str, command: SubCommand, now: float) -> str:
        if op != "leave":
            return super().control(op, command, now)
        self.host.scheduler.call_at(now, lambda when: None if self.done else self.leave(True))
        return "Leaving Queue"

    def leave(self, announce: bool) -> None:
        members = self.host._queue_members(self.name)
        position = members.index(self) + 1 if self in members else 0
        if self in members:
            members.remove(self)
        if not members:
            self.host._queues.pop(self.name, None)
        sim = self.host._sims.get(self.leg.call_id)
        if sim is not None:
            sim.queue = None
        if announce:
            self.event("left", position, len(members))
        self.finish()

    def stop(self, now: float) -> None:
        self.leave(True)

    def call_ended(self, now: float) -> None:
        self.leave(False)


class _ActionsSim(_SimBase):
    """The action verbs of :mod:`._actions_sim` (record, fax, tap, stream, pay, ...)."""

    def _sim_handlers(self) -> dict[str, _Handler]:
        handlers = super()._sim_handlers()
        handlers.update(
            {
                Record.method: self._record,
                SendFax.method: self._send_fax,
                ReceiveFax.method: self._receive_fax,
                Tap.method: self._tap,
                Stream.method: self._stream,
                Pay.method: self._pay,
                Transcribe.method: self._transcribe,
                AI.method: self._ai,
                SendDigits.method: self._send_digits,
                QueueEnter.method: self._queue_enter,
            }
        )
        subs: tuple[tuple[str, Callable[[JSONObject], SubCommand]], ...] = (
            (RecordStop.method, RecordStop.from_params),
            (RecordPause.method, RecordPause.from_params),
            (RecordResume.method, RecordResume.from_params),
            (SendFaxStop.method, SendFaxStop.from_params),
            (ReceiveFaxStop.method, ReceiveFaxStop.from_params),
            (TapStop.method, TapStop.from_params),
            (StreamStop.method, StreamStop.from_params),
            (PayStop.method, PayStop.from_params),
            (TranscribeStop.method, TranscribeStop.from_params),
            (AIStop.method, AIStop.from_params),
            (QueueLeave.method, QueueLeave.from_params),
        )
        for method, read in subs:
            handlers[method] = self._sub_command(method, read)
        return handlers

    def _record(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command = _decode(Record.from_params, params)
        action = _Record(self, self._live_leg(command.call), command)
        return self._start_action(action, now, "Recording", url=action.url)

    def _send_fax(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command = _decode(SendFax.from_params, params)
        action = _Fax(self, self._live_leg(command.call), command.control_id, "send_fax")
        action.document = command.document
        if command.identity:
            action.identity = command.identity
        return self._start_action(action, now, "Sending fax")

    def _receive_fax(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command = _decode(ReceiveFax.from_params, params)
        action = _Fax(self, self._live_leg(command.call), command.control_id, "receive_fax")
        return self._start_action(action, now, "Receiving fax")

    def _tap(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command = _decode(Tap.from_params, params)
        action = _Running(self, self._live_leg(command.call), command.control_id, "tap")
        wire = command.to_params()  # the request's tap and device, echoed in the events
        tap, device = wire.get("tap"), wire.get("device")
        action.tap = tap if isinstance(tap, dict) else None
        action.device = device if isinstance(device, dict) else None
        source: JSONDict = {
            "type": "rtp",
            "params": {
                "addr": TAP_SOURCE_ADDR,
                "port": 30000 + 2 * len(self._sims),
                "codec": command.device.codec or "PCMU",
                "ptime": 20,
                "rate": 8000,
            },
        }
        return self._start_action(action, now, "Tapping", source_device=source)

    def _stream(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command = _decode(Stream.from_params, params)
        action = _Running(self, self._live_leg(command.call), command.control_id, "stream")
        action.url, action.name = command.url, command.name
        return self._start_action(action, now, "Streaming")

    def _pay(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command = _decode(Pay.from_params, params)
        action = _Pay(self, self._live_leg(command.call), command)
        return self._start_action(action, now, "Paying")

    def _transcribe(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command = _decode(Transcribe.from_params, params)
        leg = self._live_leg(command.call)
        sim = self._sim(leg)
        if sim.transcribing is not None:
            raise _Invalid("409", "This call is already being transcribed")
        action = _Transcribe(self, leg, command.control_id)
        reply = self._start_action(action, now, "Transcribing")
        sim.transcribing = command.control_id
        return reply

    def _ai(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command = _decode(AI.from_params, params)
        action = _Running(self, self._live_leg(command.call), command.control_id, "ai")
        return self._start_action(action, now, "AI started")

    def _send_digits(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command = _decode(SendDigits.from_params, params)
        leg = self._live_leg(command.call)
        action = _SendDigits(self, leg, command.control_id, command.digits)
        return self._start_action(action, now, "Sending Digits")

    def _queue_enter(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command = _decode(QueueEnter.from_params, params)
        leg = self._live_leg(command.call)
        sim = self._sim(leg)
        if sim.queue is not None:
            raise _Invalid("409", f"The call is already in queue {sim.queue!r}")
        action = _Queued(self, leg, command.control_id, command.queue_name)
        reply = self._start_action(action, now, "Entering Queue")
        sim.queue = command.queue_name
        return reply
