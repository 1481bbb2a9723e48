"""The fake server's other actions: record, fax, tap, stream, pay, transcribe, ai, DTMF, queue."""

from __future__ import annotations

from typing import Any

import pytest

from relay_core.fake._actions_sim import PAY_STEP_SECONDS
from relay_core.fake._collect_sim import WORDS_PER_SECOND
from relay_core.fake._record_sim import FAX_PAGE_SECONDS, MP3_BYTES_PER_SECOND
from relay_core.testing import Answers

from .wire_client import WireClient

TAP = {"type": "audio", "params": {"direction": "both"}}
RTP = {
    "type": "rtp",
    "params": {"addr": "203.0.113.10", "port": 4000, "codec": "PCMU", "ptime": 20},
}


def states(client: WireClient, kind: str, key: str = "state") -> list[Any]:
    return [p.get(key) for _w, _k, p in client.take(f"calling.call.{kind}")]


# -- record ----------------------------------------------------------------------------


def test_record_h52_transcript_pause_resume_and_end_silence() -> None:
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1, says="please call me back", input_after=1))
    ids = {**call, "control_id": "rec-1"}
    record = {
        "audio": {
            "beep": True,
            "format": "mp3",
            "direction": "speak",
            "end_silence_timeout": 2,
            "terminators": "#",
        }
    }
    reply = client.result("calling.record", {**ids, "record": record})
    assert reply == {
        "code": "200",
        "message": "Recording",
        "call_id": call["call_id"],
        "control_id": "rec-1",
        "url": "https://files.example.com/recordings/rec-1.mp3",
    }
    client.advance(1)
    assert (
        client.result("calling.record.pause", {**ids, "behavior": "silence"})["message"] == "Paused"
    )
    client.advance(3)  # paused: nothing ends it
    assert client.result("calling.record.resume", ids)["message"] == "Resumed"
    client.advance(10)
    events = client.take("calling.call.record")
    assert [p["state"] for *_, p in events] == ["recording", "paused", "recording", "finished"]
    assert all(p["record"] == record for *_, p in events)
    last = events[-1][2]
    # 1 s before the pause, then the end-silence timeout after the resume.
    assert last["duration"] == 3.0 and last["size"] == 3 * MP3_BYTES_PER_SECOND
    assert last["url"] == reply["url"]


def test_record_ends_on_end_silence_or_terminator() -> None:
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1, says=("one two", "three"), presses="#"))
    start = client.now
    client.result("calling.record", {**call, "control_id": "a", "record": {"audio": {}}})
    client.advance(20)
    [*_, (_, _, finished)] = client.take("calling.call.record")
    # Defaults: speech after 1 s, 2 words, then the terminator '#' is pressed.
    assert finished["state"] == "finished"
    spoken = 1 + 2 / WORDS_PER_SECOND + 0.25
    assert finished["duration"] == pytest.approx(spoken)
    # The terminator is used up: the next recording ends on 1 s of silence (wav, stereo).
    client.result(
        "calling.record",
        {**call, "control_id": "b", "record": {"audio": {"format": "wav", "stereo": True}}},
    )
    client.advance(20)
    [*_, (_, _, second)] = client.take("calling.call.record")
    assert second["url"].endswith("/b.wav")
    assert second["duration"] == pytest.approx(1 + 0.5 + 1)
    assert second["size"] == int(second["duration"] * 16_000 * 2) + 44
    del start


def test_record_no_input_and_open_ended() -> None:
    client = WireClient()
    call = client.dial()  # silent
    start = client.now
    client.result(
        "calling.record", {**call, "control_id": "a", "record": {"audio": {"initial_timeout": 4}}}
    )
    client.advance(10)
    [(_, _, _recording), (when, _, no_input)] = client.take("calling.call.record")
    assert when == start + 4 and no_input["state"] == "no_input"
    assert (no_input["duration"], no_input["size"]) == (0.0, 0)
    # initial_timeout 0: runs until stopped, then finished with what it has.
    client.result(
        "calling.record", {**call, "control_id": "b", "record": {"audio": {"initial_timeout": 0}}}
    )
    client.advance(100)
    assert states(client, "record") == ["recording"]
    assert client.result("calling.record.stop", {**call, "control_id": "b"})["message"] == "Stopped"
    client.advance(0)
    [(_, _, finished)] = client.take("calling.call.record")
    assert finished["state"] == "finished" and finished["duration"] == 100.0


def test_record_partial_recording_when_the_call_ends() -> None:
    client = WireClient()
    call = client.dial()
    client.result(
        "calling.record", {**call, "control_id": "r", "record": {"audio": {"initial_timeout": 0}}}
    )
    client.advance(7)
    client.hangup(call)
    client.advance(1)
    seen = [
        (k.rsplit(".", 1)[1], p.get("state") or p.get("call_state"), p.get("duration"))
        for _, k, p in client.events
    ]
    assert seen == [
        ("record", "recording", None),
        ("record", "finished", 7.0),
        ("state", "ending", None),
        ("state", "ended", None),
    ]


def test_record_refuses_a_bad_format() -> None:
    client = WireClient()
    call = client.dial()
    bad = client.result(
        "calling.record", {**call, "control_id": "r", "record": {"audio": {"format": "ogg"}}}
    )
    assert bad["code"] == "400" and bad["message"].startswith("record.audio.format")


# -- fax ---------------------------------------------------------------------------------


def test_send_fax_pages_then_success_h56() -> None:
    client = WireClient()
    call = client.dial("+15557654321", Answers(after=1, answered_by="fax", fax_pages=3))
    start = client.now
    params = {
        **call,
        "control_id": "fax-1",
        "document": "https://example.com/invoice.pdf",
        "identity": "+15550000000",
        "header_info": "ACME Corp",
    }
    assert client.result("calling.send_fax", params)["message"] == "Sending fax"
    client.advance(20)
    events = client.take("calling.call.fax")
    assert [(w - start, p["fax"]["type"], p["fax"]["params"]["pages"]) for w, _, p in events] == [
        (FAX_PAGE_SECONDS, "page", "1"),
        (2 * FAX_PAGE_SECONDS, "page", "2"),
        (3 * FAX_PAGE_SECONDS, "page", "3"),
        (3 * FAX_PAGE_SECONDS, "finished", "3"),
    ]
    assert events[-1][2]["fax"]["params"] == {
        "direction": "send",
        "identity": "+15550000000",
        "remote_identity": "+15557654321",
        "document": "https://example.com/invoice.pdf",
        "success": True,
        "result": "1231",
        "result_text": "",
        "pages": "3",
    }


def test_receive_fax_and_stop() -> None:
    client = WireClient()
    call = client.inbound(caller=None)
    client.result("calling.receive_fax", {**call, "control_id": "rx"})
    client.advance(10)
    [page, done] = client.take("calling.call.fax")
    assert page[2]["fax"] == {"type": "page", "params": {"direction": "receive", "pages": "1"}}
    assert done[2]["fax"]["params"]["document"] == "https://files.example.com/faxes/rx.pdf"
    assert done[2]["fax"]["params"]["identity"] == "+15551112222"
    client.result(
        "calling.send_fax", {**call, "control_id": "tx", "document": "https://x.example/a.pdf"}
    )
    assert client.result("calling.send_fax.stop", {**call, "control_id": "tx"})["code"] == "200"
    client.advance(0)
    [(_, _, stopped)] = client.take("calling.call.fax")
    assert stopped["fax"]["type"] == "finished" and stopped["fax"]["params"]["success"] is False
    missing = client.result("calling.send_fax", {**call, "control_id": "d"})
    assert missing["code"] == "400" and missing["message"].startswith("document")


# -- tap, stream, transcribe, ai: run until stopped or the call ends -----------------------------


def test_tap_h57_reply_events_and_stop() -> None:
    client = WireClient()
    call = client.dial()
    ids = {**call, "control_id": "tap-1"}
    reply = client.result("calling.tap", {**ids, "tap": TAP, "device": RTP})
    assert reply["message"] == "Tapping"
    assert reply["source_device"]["type"] == "rtp"
    assert set(reply["source_device"]["params"]) == {"addr", "port", "codec", "ptime", "rate"}
    client.advance(3600)
    assert client.result("calling.tap.stop", ids)["message"] == "Stopped"
    client.advance(0)
    events = client.take("calling.call.tap")
    assert [p["state"] for *_, p in events] == ["tapping", "finished"]
    assert all(p["tap"] == TAP and p["device"] == RTP for *_, p in events)
    bad = client.result("calling.tap", {**ids, "tap": TAP, "device": {"type": "sip"}})
    assert bad["code"] == "400"


@pytest.mark.parametrize(
    ("method", "extra", "kind", "first"),
    [
        ("calling.tap", {"tap": TAP, "device": RTP}, "tap", ["tapping"]),
        (
            "calling.stream",
            {"url": "wss://asr.example.com/in", "name": "asr"},
            "stream",
            ["streaming"],
        ),
        ("calling.transcribe", {}, "transcribe", []),
        ("calling.ai", {"prompt": {"text": "You are helpful"}}, "ai", []),
        ("calling.echo", {}, "echo", ["echoing"]),
    ],
)
def test_long_running_actions_end_with_the_call(
    method: str, extra: dict[str, Any], kind: str, first: list[str]
) -> None:
    client = WireClient()
    call = client.dial()
    params = {**call, **extra} if kind == "echo" else {**call, "control_id": "x", **extra}
    assert client.result(method, params)["code"] == "200"
    client.advance(600)
    assert states(client, kind) == first
    client.hangup(call)
    client.advance(1)
    seen = [
        (k.rsplit(".", 1)[1], p.get("state") or p.get("call_state")) for _, k, p in client.events
    ]
    assert seen == [(kind, "finished"), ("state", "ending"), ("state", "ended")]


def test_stream_transcribe_and_ai_stop() -> None:
    client = WireClient()
    call = client.dial()
    client.result(
        "calling.stream",
        {**call, "control_id": "s", "url": "wss://asr.example.com/in", "name": "asr"},
    )
    client.result("calling.transcribe", {**call, "control_id": "t"})
    second = client.result("calling.transcribe", {**call, "control_id": "t2"})
    assert second["code"] == "409"
    client.result("calling.ai", {**call, "control_id": "a"})
    client.advance(31.5)
    for kind in ("stream", "transcribe", "ai"):
        assert (
            client.result(f"calling.{kind}.stop", {**call, "control_id": kind[0]})["code"] == "200"
        )
    client.advance(0)
    by_kind = {k.rsplit(".", 1)[1]: p for _, k, p in client.events if p.get("state") == "finished"}
    assert (
        by_kind["stream"]["url"] == "wss://asr.example.com/in"
        and by_kind["stream"]["name"] == "asr"
    )
    assert by_kind["transcribe"]["duration"] == 31.5
    assert by_kind["transcribe"]["url"] == "https://files.example.com/recordings/t.wav"
    assert by_kind["transcribe"]["recording_id"] == "rc-t"
    assert set(by_kind) == {"stream", "transcribe", "ai"}
    # Stopped: a new transcription may start.
    assert client.result("calling.transcribe", {**call, "control_id": "t3"})["code"] == "200"
    bad = client.result("calling.stream", {**call, "control_id": "s2"})
    assert bad["code"] == "400" and bad["message"].startswith("url")


# -- pay ---------------------------------------------------------------------------------


def pays(client: WireClient) -> list[tuple[Any, ...]]:
    return [
        (p.get("for"), p.get("attempt"), p.get("error_type"), p.get("result"), p.get("state"))
        for *_, p in client.take("calling.call.pay")
    ]


def test_pay_success_h59() -> None:
    client = WireClient()
    call = client.dial()
    start = client.now
    params = {
        **call,
        "control_id": "pay-1",
        "payment_connector_url": "https://pay.example.com/c",
        "charge_amount": "25.99",
        "currency": "usd",
        "max_attempts": "2",
        "postal_code": False,
    }
    assert client.result("calling.pay", params)["message"] == "Paying"
    client.advance(30)
    events = client.events[:]
    assert pays(client) == [
        ("payment-card-number", 1, None, None, None),
        ("expiration-date", 1, None, None, None),
        ("security-code", 1, None, None, None),
        ("payment-processing", 1, None, None, None),
        (None, None, None, "success", "finished"),
    ]
    assert events[-1][0] == start + 4 * PAY_STEP_SECONDS
    result = events[-1][2]
    assert result["payment_card_number"] == "************1111" and result["payment_token"]


def test_pay_failure_stop_and_hangup() -> None:
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1, pays="too-many-failed-attempts"))
    base = {**call, "payment_connector_url": "https://pay.example.com/c"}
    client.result("calling.pay", {**base, "control_id": "p1", "max_attempts": 3})
    client.advance(30)
    assert pays(client) == [
        ("payment-card-number", 1, None, None, None),
        ("payment-card-number", 2, "invalid-card-number", None, None),
        ("payment-card-number", 3, "invalid-card-number", None, None),
        (None, None, None, "too-many-failed-attempts", "error"),
    ]
    client.result("calling.pay", {**base, "control_id": "p2"})
    client.result("calling.pay.stop", {**call, "control_id": "p2"})
    client.advance(0)
    assert pays(client)[-1][3] == "relay-pay-stop"
    client.result("calling.pay", {**base, "control_id": "p3"})
    client.hangup(call)
    client.advance(1)
    assert pays(client)[-1][3] == "caller-hung-up"
    assert client.result("calling.pay", {**call, "control_id": "p4"})["code"] in ("400", "410")


# -- send_digits, queue ---------------------------------------------------------------------


def test_send_digits_h512() -> None:
    client = WireClient()
    call = client.dial()
    start = client.now
    reply = client.result(
        "calling.send_digits", {**call, "control_id": "dtmf-1", "digits": "1w234#"}
    )
    assert reply == {
        "code": "200",
        "message": "Sending Digits",
        "call_id": call["call_id"],
        "control_id": "dtmf-1",
    }
    client.advance(5)
    [(when, _, event)] = client.take("calling.call.send_digits")
    assert event["state"] == "finished" and when == start + 5 * 0.25 + 0.5
    bad = client.result("calling.send_digits", {**call, "control_id": "d2", "digits": "12x"})
    assert bad["code"] == "400" and bad["message"].startswith("digits")
    # The call ends first: no event after the reply.
    client.result("calling.send_digits", {**call, "control_id": "d3", "digits": "WWWW"})
    client.hangup(call)
    client.advance(10)
    assert client.take("calling.call.send_digits") == []


def test_queue_enter_and_leave_h513() -> None:
    client = WireClient()
    first = client.dial()
    second = client.dial("+15559876543")
    for call, control_id in ((first, "q-1"), (second, "q-2")):
        reply = client.result(
            "calling.queue.enter", {**call, "control_id": control_id, "queue_name": "support"}
        )
        assert reply["message"] == "Entering Queue"
    client.advance(0)
    events = [
        (p["control_id"], p["status"], p["id"], p["name"], p["position"], p["size"])
        for *_, p in client.take("calling.call.queue")
    ]
    assert events == [
        ("q-1", "enqueued", "queue-support", "support", 1, 1),
        ("q-2", "enqueued", "queue-support", "support", 2, 2),
    ]
    again = client.result("calling.queue.enter", {**first, "control_id": "q-3", "queue_name": "x"})
    assert again["code"] == "409"
    leave = client.result(
        "calling.queue.leave", {**first, "control_id": "q-1", "queue_name": "support"}
    )
    assert leave["message"] == "Leaving Queue"
    client.advance(0)
    [(*_, left)] = client.take("calling.call.queue")
    assert (left["status"], left["position"], left["size"]) == ("left", 1, 1)
    client.hangup(second)
    client.advance(1)
    assert client.take("calling.call.queue") == [] and client.server.network._queues == {}
