"""The action lifecycle (RELAY.md H.5): RELAY.md's transcripts fed as frames into a
RelaySession give exactly these ActionUpdated / ActionFinished events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from relay_core import (
    AI,
    ActionFinished,
    ActionKind,
    ActionUpdated,
    AIStop,
    CallId,
    CallRef,
    Collect,
    CollectDigits,
    CollectSpeech,
    CollectStop,
    Command,
    ControlId,
    Detect,
    Detector,
    DetectStop,
    Event,
    LocalProtocolError,
    NodeId,
    Pay,
    PlayAndCollect,
    PlayStateChanged,
    QueueEnter,
    QueueLeave,
    ReceiveFax,
    Record,
    RecordPause,
    RecordResume,
    RecordStop,
    RelaySession,
    RequestCompleted,
    SendDigits,
    SendFax,
    Stream,
    Tap,
    TapDevice,
    TapStop,
    Transcribe,
    TtsMedia,
)
from relay_core.wire import CollectPayload, DetectPayload, FaxPayload, PlayPayload, RecordPayload

from .command_cases import REQUIRED
from .helpers import Ids, events, frames, ready_session, result, server_event

A = CallRef(CallId("call-A"), NodeId("n1"))
B = CallRef(CallId("call-B"), NodeId("n1"))


def answered(*call_ids: str) -> tuple[RelaySession, Ids]:
    """A ready session tracking inbound calls ``call_ids`` (answered), outputs drained."""
    session, ids = ready_session()
    for n, call_id in enumerate(call_ids or ("call-A",)):
        params = {"node_id": "n1", "call_id": call_id, "tag": "", "call_state": "created",
                  "direction": "inbound", "context": "office"}  # fmt: skip
        session.receive_text(server_event(f"in-{n}", "calling.call.receive", params), now=0)
        state = {"node_id": "n1", "call_id": call_id, "call_state": "answered"}
        session.receive_text(server_event(f"an-{n}", "calling.call.state", state), now=0)
    frames(session)
    events(session)
    return session, ids


def feed(session: RelaySession, *lines: str) -> list[Event]:
    """Feed RELAY.md transcript lines (``S→C {...}``); returns the events."""
    for line in lines:
        session.receive_text(line.removeprefix("S→C ").strip(), now=1)
    frames(session)  # acks
    return events(session)


def send(session: RelaySession, ids: Ids, request_id: str, command: Command) -> dict[str, Any]:
    ids.push(request_id)
    session.send(command, now=1)
    [frame] = frames(session)
    return frame


def start(cls: type[Any], control_id: str, call: CallRef = A, **options: Any) -> Any:
    """``cls`` (an action starter) with its smallest valid arguments plus ``options``."""
    return cls(**{**REQUIRED[cls.__name__], **options}, call=call, control_id=ControlId(control_id))


def ev(event_id: str, event_type: str, **params: Any) -> str:
    return server_event(event_id, event_type, {"node_id": "n1", "call_id": "call-A", **params})


def finished(got: list[Event]) -> list[ActionFinished]:
    return [e for e in got if isinstance(e, ActionFinished)]


def updates(got: list[Event]) -> list[ActionUpdated]:
    return [e for e in got if isinstance(e, ActionUpdated)]


# -- H.5.2 record ---------------------------------------------------------------------

RECORD_PARAMS = {"record": {"audio": {"beep": True, "format": "mp3", "direction": "speak",
                                      "end_silence_timeout": 2, "terminators": "#"}}}  # fmt: skip
REC_1 = ControlId("rec-1")
REC = {"node_id": "n1", "call_id": "call-A", "control_id": "rec-1"}


def test_record_transcript() -> None:
    session, ids = answered()
    record = Record(call=A, control_id=REC_1, beep=True, format="mp3", direction="speak",
                    end_silence_timeout=2, terminators="#")  # fmt: skip
    frame = send(session, ids, "req-100", record)
    assert frame == {"jsonrpc": "2.0", "id": "req-100", "method": "calling.record",
                     "params": {**REC, **RECORD_PARAMS}}  # fmt: skip
    got = feed(
        session,
        result("req-100", {"code": "200", "message": "Recording", "call_id": "call-A",
                           "control_id": "rec-1", "url": "u"}),
        ev("ev-100", "calling.call.record", control_id="rec-1", state="recording",
           record=RECORD_PARAMS["record"]),
    )  # fmt: skip
    assert [type(e) for e in got] == [RequestCompleted, ActionUpdated]
    pause = send(session, ids, "req-101", RecordPause(call=A, control_id=REC_1, behavior="silence"))
    assert pause["method"] == "calling.record.pause" and pause["params"] == {
        **REC,
        "behavior": "silence",
    }
    got = feed(
        session,
        result("req-101", {"code": "200", "message": "Paused"}),
        ev("ev-101", "calling.call.record", control_id="rec-1", state="paused", record={}),
    )
    assert [getattr(u.payload, "state", None) for u in updates(got)] == ["paused"]
    send(session, ids, "req-102", RecordResume(call=A, control_id=REC_1))
    got = feed(
        session,
        result("req-102", {"code": "200", "message": "Resumed"}),
        ev("ev-102", "calling.call.record", control_id="rec-1", state="recording", record={}),
        ev("ev-103", "calling.call.record", control_id="rec-1", state="finished", record={},
           url="https://files.example.com/recordings/rec-1.mp3", duration=7.4, size=59436),
    )  # fmt: skip
    [done] = finished(got)
    assert got[-1] is done and len(updates(got)) == 2
    assert (done.call, done.control_id, done.kind) == (A, "rec-1", ActionKind.RECORD)
    assert done.succeeded and done.reason == "finished"
    assert isinstance(done.result, RecordPayload)
    assert (done.result.url, done.result.duration, done.result.size) == (
        "https://files.example.com/recordings/rec-1.mp3",
        7.4,
        59436,
    )
    # Over: a control is refused locally, a late event dropped.
    with pytest.raises(LocalProtocolError, match=r"rec-1.*the action is over"):
        session.send(RecordStop(call=A, control_id=REC_1), now=2)
    assert (
        feed(session, ev("ev-104", "calling.call.record", control_id="rec-1", state="finished"))
        == []
    )


def test_record_no_input_fails_and_url_inside_record_is_read() -> None:
    session, ids = answered()
    send(session, ids, "r1", Record(call=A, control_id=ControlId("rec-2")))
    got = feed(session, ev("e1", "calling.call.record", control_id="rec-2", state="no_input",
                           record={"url": "in", "duration": 0, "size": 1}))  # fmt: skip
    [done] = finished(got)
    assert not done.succeeded and isinstance(done.result, RecordPayload)
    assert (done.result.url, done.result.duration, done.result.size) == ("in", 0, 1)


# -- H.5.3 / H.5.4 collect ----------------------------------------------------------

PAC = {"node_id": "n1", "call_id": "call-A", "control_id": "pac-1"}
PAC_TRANSCRIPT = [
    'S→C {"jsonrpc":"2.0","id":"req-104","result":{"code":"200","message":"Playing and collecting","call_id":"call-A","control_id":"pac-1"}}',  # noqa: E501
    'S→C {"jsonrpc":"2.0","id":"ev-104","method":"signalwire.event","params":{"event_type":"calling.call.play","params":{"node_id":"n1","call_id":"call-A","control_id":"pac-1","state":"playing"}}}',  # noqa: E501
    'S→C {"jsonrpc":"2.0","id":"ev-105","method":"signalwire.event","params":{"event_type":"calling.call.play","params":{"node_id":"n1","call_id":"call-A","control_id":"pac-1","state":"finished"}}}',  # noqa: E501
    'S→C {"jsonrpc":"2.0","id":"ev-106","method":"signalwire.event","params":{"event_type":"calling.call.collect","params":{"node_id":"n1","call_id":"call-A","control_id":"pac-1","final":true,"state":"finished","result":{"type":"digit","params":{"digits":"4821","terminator":"#"}}}}}',  # noqa: E501
]  # fmt: skip


def test_play_and_collect_transcript() -> None:
    session, ids = answered()
    params = {"play": [{"type": "tts", "params": {"text": "Enter your PIN, then press pound."}}],
              "collect": {"initial_timeout": 5, "digits": {"max": 4, "digit_timeout": 3,
                                                           "terminators": "#"}}}  # fmt: skip
    command = PlayAndCollect(
        call=A,
        control_id=ControlId("pac-1"),
        media=[TtsMedia(text="Enter your PIN, then press pound.")],
        initial_timeout=5,
        digits=CollectDigits(max=4, digit_timeout=3, terminators="#"),
    )
    frame = send(session, ids, "req-104", command)
    assert frame["method"] == "calling.play_and_collect" and frame["params"] == {**PAC, **params}
    got = feed(session, *PAC_TRANSCRIPT)
    assert not any(isinstance(e, PlayStateChanged) for e in got)  # the prompt is the action's
    kinds = [type(u.payload) for u in updates(got)]
    assert kinds == [PlayPayload, PlayPayload, CollectPayload]
    [done] = finished(got)
    assert done.succeeded and done.kind is ActionKind.PLAY_AND_COLLECT
    assert isinstance(done.result, CollectPayload)
    assert (done.result.digits, done.result.terminator) == ("4821", "#")
    assert got[-1] is done


def collect_event(event_id: str, control_id: str, **params: Any) -> str:
    return ev(event_id, "calling.call.collect", control_id=control_id, **params)


def test_collect_done_only_on_the_final_result() -> None:
    session, ids = answered()
    speech = CollectSpeech(end_silence_timeout=1, language="en-US", hints=["sales", "support"])
    send(session, ids, "req-106", Collect(call=A, control_id=ControlId("col-1"), speech=speech))
    got = feed(
        session,
        collect_event("ev-107", "col-1", state="collecting", result={"type": "start_of_input"}),
        collect_event("ev-108", "col-1", final=False, state="collecting",
                      result={"type": "speech", "params": {"text": "sales", "confidence": 62.0}}),
    )  # fmt: skip
    assert len(updates(got)) == 2 and finished(got) == []
    heard = {"type": "speech", "params": {"text": "sales please", "confidence": 91.2}}
    got = feed(
        session, collect_event("ev-109", "col-1", final=True, state="finished", result=heard)
    )
    [done] = finished(got)
    assert done.succeeded and isinstance(done.result, CollectPayload)
    assert (done.result.text, done.result.confidence) == ("sales please", 91.2)


def test_a_partial_result_without_a_state_does_not_end_the_collect() -> None:
    session, ids = answered()
    send(session, ids, "r", start(Collect, "c"))
    partial = {"type": "speech", "params": {"text": "sa"}}
    assert finished(feed(session, collect_event("e", "c", final=False, result=partial))) == []
    # A missing final is true.
    assert finished(feed(session, collect_event("e2", "c", result=partial)))


@pytest.mark.parametrize(
    ("params", "succeeded"),
    [
        ({"result": {"type": "digit", "params": {"digits": "1", "terminator": ""}}}, True),
        ({"result": {"type": "no_input"}}, False),
        ({"result": {"type": "no_match"}, "final": True}, False),
        ({"result": {"type": "error"}}, False),
        ({"state": "error"}, False),  # no result: a terminal error
        ({"state": "error", "result": {"type": "digit", "params": {"digits": "1"}}}, False),
    ],
)
def test_collect_verdicts(params: dict[str, Any], succeeded: bool) -> None:
    session, ids = answered()
    send(session, ids, "r", start(Collect, "c"))
    [done] = finished(feed(session, collect_event("e", "c", **params)))
    assert done.succeeded is succeeded and done.reason == "finished"


def test_continuous_collect_reports_each_result_and_stays_open_until_call_end() -> None:
    session, ids = answered()
    command = Collect(
        call=A,
        control_id=ControlId("col-2"),
        digits=CollectDigits(max=1),
        speech=CollectSpeech(),
        continuous=True,
        start_input_timers=False,
    )
    send(session, ids, "req-107", command)
    got = feed(
        session,
        result("req-107", {"code": "200"}),
        collect_event("ev-110", "col-2", final=True, state="collecting",
                      result={"type": "digit", "params": {"digits": "1", "terminator": ""}}),
        collect_event("ev-111", "col-2", final=True,  # no state: continuous keeps it open
                      result={"type": "speech", "params": {"text": "operator"}}),
    )  # fmt: skip
    assert len(updates(got)) == 2 and finished(got) == []
    send(session, ids, "req-108", CollectStop(call=A, control_id=ControlId("col-2")))
    assert finished(feed(session, result("req-108", {"code": "200"}))) == []
    got = feed(session, ev("x", "calling.call.state", call_state="ended", end_reason="hangup"))
    [done] = finished(got)
    assert (done.succeeded, done.reason, done.result) == (False, "call_ended", None)


# -- H.5.5 detect ------------------------------------------------------------------

DETECT = [
    ("ev-112", {"type": "machine", "params": {"event": "MACHINE", "beep": False}}),
    ("ev-113", {"type": "machine", "params": {"event": "READY"}}),
    ("ev-114", {"type": "machine", "params": {"event": "finished"}}),
]


@pytest.mark.parametrize(("wait_for_beep", "deciding"), [(False, "MACHINE"), (True, "READY")])
def test_detect_transcript(wait_for_beep: bool, deciding: str) -> None:
    session, ids = answered("call-B")
    detector = Detector(type="machine", params={"initial_timeout": 4.5, "end_silence_timeout": 1.0})
    command = Detect(call=B, control_id=ControlId("det-1"), detect=detector, timeout=45,
                     wait_for_beep=wait_for_beep)  # fmt: skip
    frame = send(session, ids, "req-110", command)
    assert "wait_for_beep" not in json.dumps(frame)  # client-only
    got = feed(session, result("req-110", {"code": "200"}), *(
        server_event(eid, "calling.call.detect",
                     {"node_id": "n1", "call_id": "call-B", "control_id": "det-1", "detect": d})
        for eid, d in DETECT))  # fmt: skip
    events_ = [e for e in got if isinstance(e, ActionUpdated | ActionFinished)]
    [done] = finished(got)
    assert done.succeeded and isinstance(done.result, DetectPayload)
    assert done.result.event == deciding
    # The detector keeps reporting after its verdict, until its finished.
    assert len(updates(got)) == 3
    assert events_.index(done) == (1 if deciding == "MACHINE" else 2)
    with pytest.raises(LocalProtocolError, match="over"):
        session.send(DetectStop(call=B, control_id=ControlId("det-1")), now=2)


def test_detect_that_ends_undecided_fails_without_a_result() -> None:
    session, ids = answered()
    send(session, ids, "r", start(Detect, "d"))
    got = feed(session, ev("e", "calling.call.detect", control_id="d",
                           detect={"type": "fax", "params": {"event": "finished"}}))  # fmt: skip
    [done] = finished(got)
    assert (done.succeeded, done.result, done.reason) == (False, None, "finished")


@pytest.mark.parametrize(
    ("detect_type", "event", "decided"),
    [("fax", "CED", True), ("fax", "READY", False), ("digit", "5", True), ("digit", "x", False),
     ("machine", "HUMAN", True), ("machine", "NOT_READY", False)],
)  # fmt: skip
def test_detect_decisive_events(detect_type: str, event: str, decided: bool) -> None:
    session, ids = answered()
    send(session, ids, "r", start(Detect, "d"))
    got = feed(session, ev("e", "calling.call.detect", control_id="d",
                           detect={"type": detect_type, "params": {"event": event}}))  # fmt: skip
    assert len(finished(got)) == decided


# -- H.5.6-H.5.13 -------------------------------------------------------------------------


def test_send_fax_transcript() -> None:
    session, ids = answered("call-C")
    fax = SendFax(
        call=CallRef(CallId("call-C"), NodeId("n1")),
        control_id=ControlId("fax-1"),
        document="https://example.com/invoice.pdf",
        identity="+15550000000",
        header_info="ACME Corp",
    )
    send(session, ids, "req-112", fax)
    base = {"node_id": "n1", "call_id": "call-C", "control_id": "fax-1"}
    got = feed(
        session,
        result("req-112", {"code": "200"}),
        server_event("ev-115", "calling.call.fax", {**base, "fax": {"type": "page", "params": {
            "direction": "send", "pages": "1"}}}),
        server_event("ev-116", "calling.call.fax", {**base, "fax": {"type": "finished", "params": {
            "direction": "send", "identity": "+15550000000", "remote_identity": "+15557654321",
            "document": "https://example.com/invoice.pdf", "success": True, "result": "1231",
            "result_text": "", "pages": "1"}}}),
    )  # fmt: skip
    page = updates(got)[0].payload
    assert isinstance(page, FaxPayload) and page.pages == 1
    [done] = finished(got)
    assert done.succeeded and done.kind is ActionKind.SEND_FAX
    assert isinstance(done.result, FaxPayload)
    assert (done.result.remote_identity, done.result.pages) == ("+15557654321", 1)


@pytest.mark.parametrize(
    ("fax", "succeeded"),
    [({"type": "finished", "params": {"success": False}}, False), ({"type": "error"}, False)],
)
def test_fax_failures(fax: dict[str, Any], succeeded: bool) -> None:
    session, ids = answered()
    send(session, ids, "r", ReceiveFax(call=A, control_id=ControlId("f")))
    [done] = finished(feed(session, ev("e", "calling.call.fax", control_id="f", fax=fax)))
    assert done.succeeded is succeeded and done.kind is ActionKind.RECEIVE_FAX


def test_tap_transcript_and_a_failed_start() -> None:
    session, ids = answered()
    device = TapDevice(type="rtp", addr="203.0.113.10", port=4000, codec="PCMU", ptime=20)
    tap = Tap(call=A, control_id=ControlId("tap-1"), direction="both", device=device)
    send(session, ids, "req-114", tap)
    feed(session, result("req-114", {"code": "200", "source_device": {"type": "rtp"}}),
         ev("ev-117", "calling.call.tap", control_id="tap-1", state="tapping"))  # fmt: skip
    stop = send(session, ids, "req-115", TapStop(call=A, control_id=ControlId("tap-1")))
    assert stop["method"] == "calling.tap.stop"
    got = feed(session, result("req-115", {"code": "200"}),
               ev("ev-118", "calling.call.tap", control_id="tap-1", state="finished"))  # fmt: skip
    assert finished(got)[0].succeeded
    send(session, ids, "r2", start(Tap, "tap-2"))
    got = feed(session, ev("e", "calling.call.tap", control_id="tap-2", state="finished"))
    assert not finished(got)[0].succeeded  # [JS]: finished before tapping = failed start


@pytest.mark.parametrize(
    ("command", "event_type", "events_", "succeeded"),
    [
        (Stream, "calling.call.stream", [{"state": "streaming"}, {"state": "finished"}], True),
        (Transcribe, "calling.call.transcribe", [{"state": "finished", "url": "u"}], True),
        (SendDigits, "calling.call.send_digits", [{"state": "finished"}], True),
        (AI, "calling.call.ai", [{"state": "error"}], False),
        (Pay, "calling.call.pay", [{"for": "payment-card-number", "attempt": 1},
                                      {"result": "success", "payment_token": "tok"}], True),
        (Pay, "calling.call.pay", [{"result": "caller-hung-up"}], False),
        (Pay, "calling.call.pay", [{"state": "finished"}], True),
        (QueueEnter, "calling.call.queue", [{"status": "enqueued", "id": "q", "position": 3},
                                               {"status": "dequeued"}], True),
    ],
)  # fmt: skip
def test_each_verb_ends_on_its_terminal_event(
    command: Any, event_type: str, events_: list[dict[str, Any]], succeeded: bool
) -> None:
    session, ids = answered()
    send(session, ids, "r", start(command, "x"))
    got = feed(
        session, *(ev(f"e{n}", event_type, control_id="x", **p) for n, p in enumerate(events_))
    )
    assert len(updates(got)) == len(events_)
    [done] = finished(got)
    assert got[-1] is done and done.succeeded is succeeded and done.kind is command.action


@pytest.mark.parametrize(("starter", "stop"), [(AI, AIStop), (QueueEnter, QueueLeave)])
def test_ai_and_queue_end_on_their_stop_reply(starter: type[Any], stop: type[Any]) -> None:
    session, ids = answered()
    send(session, ids, "r1", start(starter, "x"))
    feed(session, result("r1", {"code": "200"}))
    send(session, ids, "r2", stop(**REQUIRED[stop.__name__], call=A, control_id=ControlId("x")))
    got = feed(session, result("r2", {"code": "200"}))
    [done] = finished(got)
    assert (done.succeeded, done.reason, done.result) == (True, "stopped", None)
