"""The action lifecycle (RELAY.md H.5): RELAY.md's transcripts fed as frames into a
RelaySession give exactly these ActionUpdated / ActionFinished events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from relay_core import (
    ActionFinished,
    ActionKind,
    ActionUpdated,
    CallRef,
    Event,
    LocalProtocolError,
    PlayStateChanged,
    RelaySession,
    RequestCompleted,
)
from relay_core.wire import CollectPayload, PlayPayload

from . import _action_commands_stub as cmd
from .helpers import Ids, events, frames, ready_session, result, server_event

A = CallRef("call-A", "n1")  # type: ignore[arg-type]
B = CallRef("call-B", "n1")  # type: ignore[arg-type]


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


def send(session: RelaySession, ids: Ids, request_id: str, command: Any) -> dict[str, Any]:
    ids.push(request_id)
    session.send(command, now=1)
    [frame] = frames(session)
    return frame  # type: ignore[no-any-return]


def ev(event_id: str, event_type: str, **params: Any) -> str:
    return server_event(event_id, event_type, {"node_id": "n1", "call_id": "call-A", **params})


def finished(got: list[Event]) -> list[ActionFinished]:
    return [e for e in got if isinstance(e, ActionFinished)]


def updates(got: list[Event]) -> list[ActionUpdated]:
    return [e for e in got if isinstance(e, ActionUpdated)]


# -- H.5.2 record ---------------------------------------------------------------------

RECORD_PARAMS = {"record": {"audio": {"beep": True, "format": "mp3", "direction": "speak",
                                      "end_silence_timeout": 2, "terminators": "#"}}}  # fmt: skip
REC = {"node_id": "n1", "call_id": "call-A", "control_id": "rec-1"}


def test_record_transcript() -> None:
    session, ids = answered()
    frame = send(
        session, ids, "req-100", cmd.Record(call=A, control_id="rec-1", params=RECORD_PARAMS)
    )  # type: ignore[arg-type]
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
    pause = send(
        session,
        ids,
        "req-101",
        cmd.RecordPause(call=A, control_id="rec-1", params={"behavior": "silence"}),
    )  # type: ignore[arg-type]
    assert pause["method"] == "calling.record.pause" and pause["params"] == {
        **REC,
        "behavior": "silence",
    }
    got = feed(
        session,
        result("req-101", {"code": "200", "message": "Paused"}),
        ev("ev-101", "calling.call.record", control_id="rec-1", state="paused", record={}),
    )
    assert [u.payload.state for u in updates(got)] == ["paused"]  # type: ignore[union-attr]
    send(session, ids, "req-102", cmd.RecordResume(call=A, control_id="rec-1"))  # type: ignore[arg-type]
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
    assert done.succeeded and done.reason == "finished" and done.result is not None
    assert (done.result.url, done.result.duration, done.result.size) == (  # type: ignore[union-attr]
        "https://files.example.com/recordings/rec-1.mp3",
        7.4,
        59436,
    )
    # Over: a control is refused locally, a late event dropped.
    with pytest.raises(LocalProtocolError, match=r"rec-1.*the action is over"):
        session.send(cmd.RecordStop(call=A, control_id="rec-1"), now=2)  # type: ignore[arg-type]
    assert (
        feed(session, ev("ev-104", "calling.call.record", control_id="rec-1", state="finished"))
        == []
    )


def test_record_no_input_fails_and_url_inside_record_is_read() -> None:
    session, ids = answered()
    send(session, ids, "r1", cmd.Record(call=A, control_id="rec-2"))  # type: ignore[arg-type]
    got = feed(session, ev("e1", "calling.call.record", control_id="rec-2", state="no_input",
                           record={"url": "in", "duration": 0, "size": 1}))  # fmt: skip
    [done] = finished(got)
    assert not done.succeeded and done.result is not None
    assert (done.result.url, done.result.duration, done.result.size) == ("in", 0, 1)  # type: ignore[union-attr]


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
    frame = send(
        session, ids, "req-104", cmd.PlayAndCollect(call=A, control_id="pac-1", params=params)
    )  # type: ignore[arg-type]
    assert frame["method"] == "calling.play_and_collect" and frame["params"] == {**PAC, **params}
    got = feed(session, *PAC_TRANSCRIPT)
    assert not any(isinstance(e, PlayStateChanged) for e in got)  # the prompt is the action's
    kinds = [type(u.payload) for u in updates(got)]
    assert kinds == [PlayPayload, PlayPayload, CollectPayload]
    [done] = finished(got)
    assert done.succeeded and done.kind is ActionKind.PLAY_AND_COLLECT and done.result is not None
    assert (done.result.digits, done.result.terminator) == ("4821", "#")  # type: ignore[union-attr]
    assert got[-1] is done


def collect_event(event_id: str, control_id: str, **params: Any) -> str:
    return ev(event_id, "calling.call.collect", control_id=control_id, **params)


def test_collect_done_only_on_the_final_result() -> None:
    session, ids = answered()
    send(session, ids, "req-106", cmd.Collect(call=A, control_id="col-1"))  # type: ignore[arg-type]
    got = feed(
        session,
        collect_event("ev-107", "col-1", state="collecting", result={"type": "start_of_input"}),
        collect_event("ev-108", "col-1", final=False, state="collecting",
                      result={"type": "speech", "params": {"text": "sales", "confidence": 62.0}}),
    )  # fmt: skip
    assert len(updates(got)) == 2 and finished(got) == []
    speech = {"type": "speech", "params": {"text": "sales please", "confidence": 91.2}}
    got = feed(
        session, collect_event("ev-109", "col-1", final=True, state="finished", result=speech)
    )
    [done] = finished(got)
    assert done.succeeded and done.result.text == "sales please"  # type: ignore[union-attr]
    assert done.result.confidence == 91.2  # type: ignore[union-attr]


def test_a_partial_result_without_a_state_does_not_end_the_collect() -> None:
    session, ids = answered()
    send(session, ids, "r", cmd.Collect(call=A, control_id="c"))  # type: ignore[arg-type]
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
    send(session, ids, "r", cmd.Collect(call=A, control_id="c"))  # type: ignore[arg-type]
    [done] = finished(feed(session, collect_event("e", "c", **params)))
    assert done.succeeded is succeeded and done.reason == "finished"


def test_continuous_collect_reports_each_result_and_stays_open_until_call_end() -> None:
    session, ids = answered()
    send(session, ids, "req-107", cmd.Collect(call=A, control_id="col-2", continuous=True))  # type: ignore[arg-type]
    got = feed(
        session,
        result("req-107", {"code": "200"}),
        collect_event("ev-110", "col-2", final=True, state="collecting",
                      result={"type": "digit", "params": {"digits": "1", "terminator": ""}}),
        collect_event("ev-111", "col-2", final=True,  # no state: continuous keeps it open
                      result={"type": "speech", "params": {"text": "operator"}}),
    )  # fmt: skip
    assert len(updates(got)) == 2 and finished(got) == []
    send(session, ids, "req-108", cmd.CollectStop(call=A, control_id="col-2"))  # type: ignore[arg-type]
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
    params = {"detect": {"type": "machine", "params": {}}, "timeout": 45}
    command = cmd.Detect(call=B, control_id="det-1", wait_for_beep=wait_for_beep, params=params)
    frame = send(session, ids, "req-110", command)
    assert "wait_for_beep" not in json.dumps(frame)  # client-only
    got = feed(session, result("req-110", {"code": "200"}), *(
        server_event(eid, "calling.call.detect",
                     {"node_id": "n1", "call_id": "call-B", "control_id": "det-1", "detect": d})
        for eid, d in DETECT))  # fmt: skip
    events_ = [e for e in got if isinstance(e, ActionUpdated | ActionFinished)]
    [done] = finished(got)
    assert done.succeeded and done.result is not None and done.result.event == deciding  # type: ignore[union-attr]
    # The detector keeps reporting after its verdict, until its finished.
    assert len(updates(got)) == 3
    assert events_.index(done) == (1 if deciding == "MACHINE" else 2)
    with pytest.raises(LocalProtocolError, match="over"):
        session.send(cmd.DetectStop(call=B, control_id="det-1"), now=2)  # type: ignore[arg-type]


def test_detect_that_ends_undecided_fails_without_a_result() -> None:
    session, ids = answered()
    send(session, ids, "r", cmd.Detect(call=A, control_id="d"))  # type: ignore[arg-type]
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
    send(session, ids, "r", cmd.Detect(call=A, control_id="d"))  # type: ignore[arg-type]
    got = feed(session, ev("e", "calling.call.detect", control_id="d",
                           detect={"type": detect_type, "params": {"event": event}}))  # fmt: skip
    assert len(finished(got)) == decided


# -- H.5.6-H.5.13 -------------------------------------------------------------------------


def test_send_fax_transcript() -> None:
    session, ids = answered("call-C")
    c = CallRef("call-C", "n1")  # type: ignore[arg-type]
    send(session, ids, "req-112", cmd.SendFax(call=c, control_id="fax-1"))  # type: ignore[arg-type]
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
    assert updates(got)[0].payload.pages == 1  # type: ignore[union-attr]
    [done] = finished(got)
    assert done.succeeded and done.kind is ActionKind.SEND_FAX
    assert (done.result.remote_identity, done.result.pages) == ("+15557654321", 1)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("fax", "succeeded"),
    [({"type": "finished", "params": {"success": False}}, False), ({"type": "error"}, False)],
)
def test_fax_failures(fax: dict[str, Any], succeeded: bool) -> None:
    session, ids = answered()
    send(session, ids, "r", cmd.ReceiveFax(call=A, control_id="f"))  # type: ignore[arg-type]
    [done] = finished(feed(session, ev("e", "calling.call.fax", control_id="f", fax=fax)))
    assert done.succeeded is succeeded and done.kind is ActionKind.RECEIVE_FAX


def test_tap_transcript_and_a_failed_start() -> None:
    session, ids = answered()
    send(session, ids, "req-114", cmd.Tap(call=A, control_id="tap-1"))  # type: ignore[arg-type]
    feed(session, result("req-114", {"code": "200", "source_device": {"type": "rtp"}}),
         ev("ev-117", "calling.call.tap", control_id="tap-1", state="tapping"))  # fmt: skip
    stop = send(session, ids, "req-115", cmd.TapStop(call=A, control_id="tap-1"))  # type: ignore[arg-type]
    assert stop["method"] == "calling.tap.stop"
    got = feed(session, result("req-115", {"code": "200"}),
               ev("ev-118", "calling.call.tap", control_id="tap-1", state="finished"))  # fmt: skip
    assert finished(got)[0].succeeded
    send(session, ids, "r2", cmd.Tap(call=A, control_id="tap-2"))  # type: ignore[arg-type]
    got = feed(session, ev("e", "calling.call.tap", control_id="tap-2", state="finished"))
    assert not finished(got)[0].succeeded  # [JS]: finished before tapping = failed start


@pytest.mark.parametrize(
    ("command", "event_type", "events_", "succeeded"),
    [
        (cmd.Stream, "calling.call.stream", [{"state": "streaming"}, {"state": "finished"}], True),
        (cmd.Transcribe, "calling.call.transcribe", [{"state": "finished", "url": "u"}], True),
        (cmd.SendDigits, "calling.call.send_digits", [{"state": "finished"}], True),
        (cmd.AI, "calling.call.ai", [{"state": "error"}], False),
        (cmd.Pay, "calling.call.pay", [{"for": "payment-card-number", "attempt": 1},
                                      {"result": "success", "payment_token": "tok"}], True),
        (cmd.Pay, "calling.call.pay", [{"result": "caller-hung-up"}], False),
        (cmd.Pay, "calling.call.pay", [{"state": "finished"}], True),
        (cmd.QueueEnter, "calling.call.queue", [{"status": "enqueued", "id": "q", "position": 3},
                                               {"status": "dequeued"}], True),
    ],
)  # fmt: skip
def test_each_verb_ends_on_its_terminal_event(
    command: Any, event_type: str, events_: list[dict[str, Any]], succeeded: bool
) -> None:
    session, ids = answered()
    send(session, ids, "r", command(call=A, control_id="x"))
    got = feed(
        session, *(ev(f"e{n}", event_type, control_id="x", **p) for n, p in enumerate(events_))
    )
    assert len(updates(got)) == len(events_)
    [done] = finished(got)
    assert got[-1] is done and done.succeeded is succeeded and done.kind is command.action


@pytest.mark.parametrize(
    ("start", "stop"), [(cmd.AI, cmd.AIStop), (cmd.QueueEnter, cmd.QueueLeave)]
)
def test_ai_and_queue_end_on_their_stop_reply(start: Any, stop: Any) -> None:
    session, ids = answered()
    send(session, ids, "r1", start(call=A, control_id="x"))
    feed(session, result("r1", {"code": "200"}))
    send(session, ids, "r2", stop(call=A, control_id="x"))
    got = feed(session, result("r2", {"code": "200"}))
    [done] = finished(got)
    assert (done.succeeded, done.reason, done.result) == (True, "stopped", None)
