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

from functools import partial
from typing import TYPE_CHECKING, Final

from .._ids import JSONDict, JSONObject, JSONValue
from ._collect_sim import DIGIT_SECONDS
from ._legs import SessionKey, _Invalid, _Leg, _text_param
from ._payload_shim import (
    AIPayload,
    PayPayload,
    QueuePayload,
    SendDigitsPayload,
    StreamPayload,
    TapPayload,
    TranscribePayload,
)
from ._record_sim import WAV_BYTES_PER_SECOND, _Fax, _Record
from ._sim_base import FILES_URL, _object, _SimAction, _SimBase

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

    def __init__(self, host: _SimBase, leg: _Leg, control_id: str, params: JSONObject) -> None:
        super().__init__(host, leg, control_id)
        self.method = str(params.get("payment_method") or "credit-card")
        self.attempts = _pay_count(params, "max_attempts", 1)
        self.steps = ["payment-card-number", "expiration-date"]
        if params.get("security_code") not in (False, "false"):
            self.steps.append("security-code")
        if params.get("postal_code") not in (False, "false"):
            self.steps.append("postal-code")
        self.card: dict[str, JSONValue] = {}

    def progress(self, now: float, step: str, attempt: int, error_type: str | None) -> None:
        self.emit(
            PayPayload(
                self.control_id,
                call_id=self.call_id,
                node_id=self.node_id,
                for_=step,
                attempt=attempt,
                error_type=error_type,
                extra={"payment_method": self.method, **self.card},
            )
        )
        if step == "payment-card-number" and error_type is None:
            self.card = {"payment_card_number": "************1111", "payment_card_type": "visa"}

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
                extra=self.card,
            )
        )
        self.finish()

    def stop(self, now: float) -> None:
        self.result("relay-pay-stop")

    def call_ended(self, now: float) -> None:
        self.result("caller-hung-up")


def _pay_count(params: JSONObject, key: str, default: int) -> int:
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _Invalid("400", f"{key}: {value!r} is not a whole number >= 1")
    return value


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

    def control(self, op: str, params: JSONObject, now: float) -> str:
        if op != "leave":
            return super().control(op, params, now)
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
                "calling.record": self._record,
                "calling.send_fax": self._send_fax,
                "calling.receive_fax": self._receive_fax,
                "calling.tap": self._tap,
                "calling.stream": self._stream,
                "calling.pay": self._pay,
                "calling.transcribe": self._transcribe,
                "calling.ai": self._ai,
                "calling.send_digits": self._send_digits,
                "calling.queue.enter": self._queue_enter,
                "calling.queue.leave": self._sub_command("queue", "leave"),
            }
        )
        for kind in (
            "record",
            "send_fax",
            "receive_fax",
            "tap",
            "stream",
            "pay",
            "transcribe",
            "ai",
        ):
            handlers[f"calling.{kind}.stop"] = self._sub_command(kind, "stop")
        handlers["calling.record.pause"] = self._sub_command("record", "pause")
        handlers["calling.record.resume"] = self._sub_command("record", "resume")
        return handlers

    def _start(self, method: str, params: JSONObject) -> tuple[_Leg, str]:
        self._decode(method, params)
        leg = self._live_leg(params)
        return leg, _text_param(params, "control_id")

    def _record(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg, control_id = self._start("calling.record", params)
        record = _object(params, "record")
        if record is None:
            raise _Invalid("400", "record: required, an object")
        action = _Record(self, leg, control_id, record)
        return self._start_action(action, now, "Recording", url=action.url)

    def _send_fax(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg, control_id = self._start("calling.send_fax", params)
        action = _Fax(self, leg, control_id, "send_fax")
        action.document = _text_param(params, "document")
        identity = params.get("identity")
        if isinstance(identity, str) and identity:
            action.identity = identity
        return self._start_action(action, now, "Sending fax")

    def _receive_fax(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg, control_id = self._start("calling.receive_fax", params)
        return self._start_action(_Fax(self, leg, control_id, "receive_fax"), now, "Receiving fax")

    def _tap(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg, control_id = self._start("calling.tap", params)
        tap = _object(params, "tap")
        device = _object(params, "device")
        if tap is None:
            raise _Invalid("400", "tap: required, an object")
        kind = None if device is None else device.get("type")
        if device is None or kind not in ("rtp", "ws"):
            raise _Invalid("400", f"device.type: {kind!r} is not one of rtp, ws")
        action = _Running(self, leg, control_id, "tap")
        action.tap, action.device = tap, device
        inner = device.get("params")
        codec = inner.get("codec") if isinstance(inner, dict) else None
        source: JSONDict = {
            "type": "rtp",
            "params": {
                "addr": TAP_SOURCE_ADDR,
                "port": 30000 + 2 * len(self._sims),
                "codec": codec if isinstance(codec, str) else "PCMU",
                "ptime": 20,
                "rate": 8000,
            },
        }
        return self._start_action(action, now, "Tapping", source_device=source)

    def _stream(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg, control_id = self._start("calling.stream", params)
        url = _text_param(params, "url")
        if not url.startswith(("wss://", "ws://")):
            raise _Invalid("400", f"url: {url!r} is not a ws:// or wss:// URL")
        action = _Running(self, leg, control_id, "stream")
        name = params.get("name")
        action.url, action.name = url, name if isinstance(name, str) else None
        return self._start_action(action, now, "Streaming")

    def _pay(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg, control_id = self._start("calling.pay", params)
        _text_param(params, "payment_connector_url")
        return self._start_action(_Pay(self, leg, control_id, params), now, "Paying")

    def _transcribe(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg, control_id = self._start("calling.transcribe", params)
        sim = self._sim(leg)
        if sim.transcribing is not None:
            raise _Invalid("409", "This call is already being transcribed")
        reply = self._start_action(_Transcribe(self, leg, control_id), now, "Transcribing")
        sim.transcribing = control_id
        return reply

    def _ai(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg, control_id = self._start("calling.ai", params)
        return self._start_action(_Running(self, leg, control_id, "ai"), now, "AI started")

    def _send_digits(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg, control_id = self._start("calling.send_digits", params)
        digits = _text_param(params, "digits")
        bad = sorted(set(digits) - _SEND_DIGITS)
        if bad:
            raise _Invalid("400", f"digits: {digits!r} has {''.join(bad)!r}, not 0-9 * # A-D w W")
        action = _SendDigits(self, leg, control_id, digits)
        return self._start_action(action, now, "Sending Digits")

    def _queue_enter(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg, control_id = self._start("calling.queue.enter", params)
        name = _text_param(params, "queue_name")
        sim = self._sim(leg)
        if sim.queue is not None:
            raise _Invalid("409", f"The call is already in queue {sim.queue!r}")
        reply = self._start_action(_Queued(self, leg, control_id, name), now, "Entering Queue")
        sim.queue = name
        return reply
