"""The client core's typed verbs against the fake server's simulation, frame by frame.

A RelaySession sends the typed commands (section A) and reads the events
with its action lifecycle (section B): each scenario checks the
``ActionFinished`` a program would act on.
"""

from __future__ import annotations

from typing import Any

from relay_core import (
    ActionFinished,
    ActionUpdated,
    CallActivity,
    CallRef,
    Collect,
    CollectDigits,
    Detect,
    Detector,
    Hangup,
    Hold,
    Pay,
    PlayAndCollect,
    Record,
    SendDigits,
    SendFax,
    Tap,
    TapDevice,
    TtsMedia,
)
from relay_core.testing import Answers, Directory

from .helpers import Pair, make_server
from .test_server_calls import answered_call

CALLEE = "+15557770001"


def ready(**script: Any) -> tuple[Pair, CallRef]:
    directory = Directory.default()
    directory.set(CALLEE, Answers(after=1, **script))
    pair = Pair(make_server(directory))
    pair.connect()
    pair.take()
    return pair, answered_call(pair, CALLEE)


def finished(pair: Pair, control_id: str) -> ActionFinished:
    def done() -> bool:
        return any(
            isinstance(e, ActionFinished) and e.control_id == control_id for e in pair.events
        )

    pair.run_until(done)
    return next(e for e in pair.of_type(ActionFinished) if e.control_id == control_id)


def test_record_finishes_with_its_recording() -> None:
    pair, call = ready(says="leave a message please")
    record = Record(call=call, format="wav", end_silence_timeout=1.0)
    pair.send(record)
    done = finished(pair, record.control_id)
    assert done.succeeded and done.reason == "finished"
    assert done.result is not None and done.result.event_type == "calling.call.record"
    assert done.result.url == f"https://files.example.com/recordings/{record.control_id}.wav"  # type: ignore[union-attr]
    assert done.result.duration and done.result.size  # type: ignore[union-attr]


def test_play_and_collect_returns_the_digits() -> None:
    pair, call = ready(presses="4821#")
    prompt = PlayAndCollect(
        call=call,
        media=(TtsMedia(text="Enter your PIN"),),
        digits=CollectDigits(max=5, terminators="#"),
        initial_timeout=5.0,
    )
    pair.send(prompt)
    done = finished(pair, prompt.control_id)
    assert done.succeeded
    assert (done.result.digits, done.result.terminator) == ("4821", "#")  # type: ignore[union-attr]
    # The prompt's play events came first, as updates of the same action.
    kinds = [e.event_type for e in pair.of_type(ActionUpdated) if e.control_id == prompt.control_id]
    assert kinds[:2] == ["calling.call.play", "calling.call.play"]


def test_a_silent_caller_is_no_input_not_success() -> None:
    pair, call = ready()
    collect = Collect(
        call=call, digits=CollectDigits(max=1), initial_timeout=2.0, start_input_timers=True
    )
    pair.send(collect)
    done = finished(pair, collect.control_id)
    assert not done.succeeded and done.reason == "finished"
    assert done.result is not None and done.result.result_type == "no_input"  # type: ignore[union-attr]


def test_detect_machine_with_and_without_waiting_for_the_beep() -> None:
    pair, call = ready(answered_by="machine")
    plain = Detect(call=call, detect=Detector(type="machine", params={}))
    beep = Detect(call=call, detect=Detector(type="machine", params={}), wait_for_beep=True)
    pair.send(plain)
    pair.send(beep)
    first, second = finished(pair, plain.control_id), finished(pair, beep.control_id)
    assert first.result.event == "MACHINE"  # type: ignore[union-attr]
    assert second.result is not None and second.result.beep is True  # type: ignore[union-attr]
    assert pair.now - 1 > 6  # the beep came at the end of the greeting


def test_fax_pay_and_send_digits() -> None:
    pair, call = ready(fax_pages=2, pays="too-many-failed-attempts")
    fax = SendFax(call=call, document="https://example.com/a.pdf")
    pay = Pay(call=call, payment_connector_url="https://pay.example.com/c", max_attempts="2")
    digits = SendDigits(call=call, digits="1#")
    for command in (fax, pay, digits):
        pair.send(command)
    fax_done, pay_done, digits_done = (finished(pair, c.control_id) for c in (fax, pay, digits))
    assert fax_done.succeeded and fax_done.result.pages == 2  # type: ignore[union-attr]
    assert not pay_done.succeeded
    assert pay_done.result.result == "too-many-failed-attempts"  # type: ignore[union-attr]
    assert digits_done.succeeded


def test_abandoned_tap_is_stopped_on_the_server_and_open_actions_end_with_the_call() -> None:
    pair, call = ready()
    tap = Tap(call=call, direction="both", device=TapDevice(type="ws", uri="wss://tap.example"))
    record = Record(call=call, initial_timeout=0.0)
    pair.send(tap)
    pair.send(record)
    pair.send(Hold(call=call))
    pair.advance(5)
    assert pair.session.abandon_action(tap.control_id, now=pair.now)
    pair.exchange()
    pair.advance(1)
    assert [e.method for e in pair.server.journal if e.method == "calling.tap.stop"] == [
        "calling.tap.stop"
    ]
    assert pair.server.network.running_actions(call.call_id) == [("record", record.control_id)]
    pair.send(Hangup(call=call))
    done = finished(pair, record.control_id)
    # The server's terminal event (the partial recording) arrives before the call's end.
    assert done.reason == "finished" and done.result.duration == 6.0  # type: ignore[union-attr]
    holds = [e for e in pair.of_type(CallActivity) if e.event_type == "calling.call.hold"]
    assert [h.payload.state for h in holds] == ["hold"]  # type: ignore[union-attr]
