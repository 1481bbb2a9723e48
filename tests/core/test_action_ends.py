"""How actions end besides their own events (call end, request failure, session
loss, abandon), what is refused locally, routing of untracked and plain-verb
events, hostile payloads and the bounds (RELAY.md H.5.1)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import relay_core
from relay_core import (
    AI,
    ActionKind,
    ActionUpdated,
    AIStop,
    CallActivity,
    CallGoneError,
    CallId,
    CallRef,
    CallStateChanged,
    Collect,
    ControlId,
    Detect,
    Event,
    JSONValue,
    LocalProtocolError,
    NodeId,
    Pay,
    Play,
    QueueEnter,
    QueueLeave,
    Record,
    RecordStop,
    RelaySession,
    RemoteProtocolError,
    RequestFailed,
    SendDigits,
    SendFax,
    SilenceMedia,
    Stream,
    Tap,
    TapStop,
    decode_event,
)
from relay_core.client._actions import ACTIONS, ENDED_ACTIONS_REMEMBERED
from relay_core.client._command_base import ActionStart
from relay_core.wire import ConferencePayload, DenoisePayload, RecordPayload, ReferPayload
from tests.json_strategies import json_values

from .helpers import CONNECT_RESULT, error, events, frames, result, server_event
from .test_actions import A, answered, ev, feed, finished, send, start, updates


def test_every_action_kind_has_a_starter() -> None:
    assert set(_STARTS) == set(ACTIONS)


def test_every_action_of_a_call_ends_with_it_and_later_events_are_dropped() -> None:
    session, ids = answered("call-A", "call-B")
    send(session, ids, "r1", start(Record, "rec"))
    send(session, ids, "r2", start(Detect, "det"))
    other = CallRef(CallId("call-B"), NodeId("n1"))
    send(session, ids, "r3", start(Tap, "tap", other))
    got = feed(session, ev("e1", "calling.call.state", call_state="ended", end_reason="hangup"))
    assert isinstance(got[0], CallStateChanged)
    assert {(f.control_id, f.reason, f.succeeded) for f in finished(got)} == {
        ("rec", "call_ended", False), ("det", "call_ended", False)
    }  # fmt: skip
    assert session.statistics().live_actions == 1  # call-B's tap lives on
    dropped = session.statistics()
    assert feed(session, ev("e2", "calling.call.record", control_id="rec", state="finished")) == []
    assert dropped is not None
    with pytest.raises(CallGoneError):
        session.send(Record(call=A), now=2)


def test_an_action_on_a_call_the_session_does_not_track_ends_with_it() -> None:
    session, ids = answered()
    stranger = CallRef(CallId("call-X"), NodeId("n1"))
    send(session, ids, "r1", start(Record, "rec", stranger))
    state = {"node_id": "n1", "call_id": "call-X", "call_state": "ended"}
    [done] = finished(feed(session, server_event("e", "calling.call.state", state)))
    assert done.reason == "call_ended"


@pytest.mark.parametrize("reply", ["404", "410", "400"])
def test_a_failed_start_fails_its_action(reply: str) -> None:
    session, ids = answered()
    send(session, ids, "r1", start(Collect, "c1"))
    got = feed(session, result("r1", {"code": reply, "message": "nope"}))
    assert isinstance(got[0], RequestFailed)
    [done] = finished(got)
    assert (done.reason, done.succeeded, done.result) == ("request_failed", False, None)
    assert session.statistics().live_actions == 0


def test_a_json_rpc_error_fails_the_action_too() -> None:
    session, ids = answered()
    send(session, ids, "r1", start(Record, "c1"))
    [done] = finished(feed(session, error("r1", -32602, "bad params")))
    assert done.reason == "request_failed"


def test_a_failed_control_leaves_the_action_alone() -> None:
    session, ids = answered()
    send(session, ids, "r1", start(AI, "ai"))
    send(session, ids, "r2", AIStop(call=A, control_id=ControlId("ai")))
    assert (
        finished(feed(session, result("r1", {"code": "200"}), result("r2", {"code": "500"}))) == []
    )
    assert session.statistics().live_actions == 1


def test_events_before_the_reply_are_routed() -> None:
    session, ids = answered()
    send(session, ids, "r1", SendDigits(call=A, control_id=ControlId("d"), digits="1"))
    got = feed(
        session,
        ev("e1", "calling.call.send_digits", control_id="d", state="finished"),
        result("r1", {"code": "200"}),
    )
    assert [type(e).__name__ for e in got] == [
        "ActionUpdated",
        "ActionFinished",
        "RequestCompleted",
    ]


def reconnected_with_a_stream(restored: bool) -> tuple[RelaySession, list[Event]]:
    """A running stream, then the socket lost and a handshake ``restored`` or not."""
    session, ids = answered()
    send(session, ids, "r1", start(Stream, "s"))
    feed(session, result("r1", {"code": "200"}))
    session.connection_lost(now=2)
    ids.push("hs-2")
    session.connection_made(now=3)
    frames(session)
    session.receive_text(result("hs-2", {**CONNECT_RESULT, "session_restored": restored}), now=3)
    return session, events(session)


def test_session_lost_ends_every_action() -> None:
    _, got = reconnected_with_a_stream(restored=False)
    [done] = finished(got)
    assert (done.reason, done.succeeded) == ("session_lost", False)


def test_a_resumed_session_keeps_its_actions() -> None:
    session, got = reconnected_with_a_stream(restored=True)
    assert finished(got) == []
    got = feed(session, ev("e", "calling.call.stream", control_id="s", state="finished"))
    assert finished(got)[0].reason == "finished"


def test_a_start_lost_with_its_socket_fails_its_action() -> None:
    session, ids = answered()
    send(session, ids, "r1", start(Stream, "s"))
    session.connection_lost(now=2)
    got = events(session)
    assert any(isinstance(e, RequestFailed) for e in got)
    assert [(f.control_id, f.reason) for f in finished(got)] == [("s", "request_failed")]


def test_close_ends_every_action() -> None:
    session, ids = answered()
    send(session, ids, "r1", start(Pay, "p"))
    send(session, ids, "r2", start(Pay, "q"))
    feed(session, result("r2", {"code": "200"}))
    session.close(now=2)
    # Its request still in flight, p fails with it (as a play does); q was running.
    got = finished(events(session))
    assert [(f.control_id, f.reason) for f in got] == [
        ("p", "request_failed"), ("q", "session_closed")
    ]  # fmt: skip


def test_abandon_action_stops_it_and_hides_the_rest() -> None:
    session, ids = answered()
    send(session, ids, "r1", start(Record, "rec"))
    ids.push("r2")
    assert session.abandon_action(ControlId("rec"), now=2)
    [stop] = frames(session)
    assert stop == {"jsonrpc": "2.0", "id": "r2", "method": "calling.record.stop",
                    "params": {"node_id": "n1", "call_id": "call-A",
                               "control_id": "rec"}}  # fmt: skip
    [done] = finished(events(session))
    assert (done.reason, done.succeeded, done.kind) == ("abandoned", False, ActionKind.RECORD)
    got = feed(session, result("r1", {"code": "200"}), result("r2", {"code": "200"}),
               ev("e", "calling.call.record", control_id="rec", state="finished"))  # fmt: skip
    assert updates(got) == [] and finished(got) == []
    assert not session.abandon_action(ControlId("rec"), now=3)
    assert not session.abandon_action(ControlId("never"), now=3)


def test_abandon_a_queue_leaves_it_and_send_digits_sends_nothing() -> None:
    session, ids = answered()
    send(session, ids, "r1", start(QueueEnter, "q"))
    send(session, ids, "r2", start(SendDigits, "d"))
    assert session.abandon_action(ControlId("q"), now=2)
    assert [f["method"] for f in frames(session)] == ["calling.queue.leave"]
    assert session.abandon_action(ControlId("d"), now=2)
    assert frames(session) == []
    assert [f.reason for f in finished(events(session))] == ["abandoned", "abandoned"]


@pytest.mark.parametrize("kind", sorted(k for k, spec in ACTIONS.items() if spec.stop))
def test_abandon_sends_the_typed_stop_of_its_kind(kind: ActionKind) -> None:
    stop = ACTIONS[kind].stop
    assert stop is not None and stop.action is kind and stop.control in ACTIONS[kind].controls
    session, ids = answered()
    starter = start(_STARTS[kind], "x")
    send(session, ids, "r1", starter)
    ids.push("r2")
    assert session.abandon_action(ControlId("x"), now=2)
    [frame] = frames(session)
    expected: dict[str, Any] = {"call": A, "control_id": ControlId("x")}
    if stop is QueueLeave:  # the leave names the queue entered
        expected["queue_name"] = starter.queue_name
    assert frame["method"] == stop.method
    assert frame["params"] == stop(**expected).to_params()
    assert frame["params"].get("queue_name", "support") == "support"


@pytest.mark.parametrize("kind", sorted(ActionKind))
def test_stop_command_for_is_the_stop_the_session_sends(kind: ActionKind) -> None:
    """The adapters' ``stop()`` and the core's abandon build the very same stop."""
    stop = ACTIONS[kind].stop
    fields: dict[str, Any] = {"queue_name": "support"} if stop is QueueLeave else {}
    command = relay_core.stop_command_for(kind, A, ControlId("x"), **fields)
    if stop is None:
        assert command is None
        return
    assert type(command) is stop
    assert command == stop(call=A, control_id=ControlId("x"), **fields)
    session, ids = answered()
    send(session, ids, "r1", start(_STARTS[kind], "x", **fields))
    ids.push("r2")
    assert session.abandon_action(ControlId("x"), now=2)
    [frame] = frames(session)
    assert (frame["method"], frame["params"]) == (stop.method, command.to_params())


def test_stop_command_for_a_queue_needs_its_name() -> None:
    with pytest.raises(relay_core.InvalidArgumentError, match="queue_name"):
        relay_core.stop_command_for(ActionKind.QUEUE, A, ControlId("x"))


def test_abandon_a_decided_detect_stops_it_without_a_second_verdict() -> None:
    session, ids = answered()
    send(session, ids, "r1", start(Detect, "d"))
    feed(session, ev("e", "calling.call.detect", control_id="d",
                     detect={"type": "machine", "params": {"event": "HUMAN"}}))  # fmt: skip
    assert session.abandon_action(ControlId("d"), now=2)
    assert [f["method"] for f in frames(session)] == ["calling.detect.stop"]
    assert finished(events(session)) == []


def test_local_refusals() -> None:
    session, ids = answered()
    send(session, ids, "r1", start(Record, "rec"))
    with pytest.raises(LocalProtocolError, match="already in use"):
        session.send(start(Collect, "rec"), now=1)
    with pytest.raises(LocalProtocolError, match="names a record action"):
        session.send(TapStop(call=A, control_id=ControlId("rec")), now=1)
    # A control for an id the session never had goes to the server.
    session.send(TapStop(call=A, control_id=ControlId("unknown")), now=1)
    assert [f["method"] for f in frames(session)] == ["calling.tap.stop"]
    with pytest.raises(LocalProtocolError, match="already in use"):
        session.send(Play(call=A, control_id="rec", media=[SilenceMedia(duration=1)]), now=1)


def test_a_reused_control_id_is_fine_once_the_action_is_over() -> None:
    session, ids = answered()
    send(session, ids, "r1", start(SendDigits, "d"))
    feed(session, ev("e", "calling.call.send_digits", control_id="d", state="finished"))
    send(session, ids, "r2", start(SendDigits, "d"))
    got = feed(session, ev("e2", "calling.call.send_digits", control_id="d", state="finished"))
    assert len(finished(got)) == 1


def test_ended_actions_are_remembered_fifo() -> None:
    session, ids = answered()
    for n in range(ENDED_ACTIONS_REMEMBERED + 1):
        send(session, ids, f"r{n}", start(SendDigits, f"d{n}"))
        session.abandon_action(ControlId(f"d{n}"), now=1)
    # d0 is forgotten: its control would go to the server; d1 is still refused.
    assert len(session._calls._ended_actions) == ENDED_ACTIONS_REMEMBERED
    with pytest.raises(LocalProtocolError, match="over"):
        session.send(RecordStop(call=A, control_id=ControlId("d1")), now=1)


# -- events of no action of ours ---------------------------------------------------------


def test_plain_verbs_events_are_call_activity() -> None:
    session, _ = answered("call-S")
    base = {"node_id": "n1", "call_id": "call-S"}
    got = feed(
        session,
        server_event("ev-127", "calling.call.refer", {**base, "state": "inProgress",
                     "sip_refer_to": "sip:helpdesk@pbx.example.com",
                     "sip_refer_response_code": "202"}),
        server_event("ev-129", "calling.call.denoise", {**base, "denoised": True}),
        server_event("ev-130", "calling.conference", {"conference_id": "cf-3", "name": "standup",
                     "status": "join", "call_id": "call-S"}),
        server_event("ev-131", "calling.conference", {"conference_id": "cf-3", "status": "x"}),
        server_event("ev-132", "calling.call.hold", {**base, "call_id": "call-unknown"}),
    )  # fmt: skip
    activities = [e for e in got if isinstance(e, CallActivity)]
    assert activities == got and len(got) == 4
    refer, denoise, joined, bare = activities
    assert (
        isinstance(refer.payload, ReferPayload) and refer.payload.sip_refer_response_code == "202"
    )
    assert isinstance(denoise.payload, DenoisePayload) and denoise.payload.denoised is True
    assert isinstance(joined.payload, ConferencePayload) and joined.call is not None
    assert bare.call is None


def test_an_untracked_control_id_on_a_tracked_call_is_call_activity() -> None:
    session, _ = answered()
    got = feed(session, ev("e", "calling.call.record", control_id="theirs", state="recording"))
    [activity] = got
    assert isinstance(activity, CallActivity) and activity.call == A
    assert activity.event_type == "calling.call.record"


def test_another_verbs_event_for_an_action_is_dropped() -> None:
    session, ids = answered()
    send(session, ids, "r1", start(Record, "rec"))
    assert feed(session, ev("e", "calling.call.tap", control_id="rec", state="finished")) == []


@pytest.mark.parametrize(
    "params",
    [
        {"control_id": "rec", "state": 5, "url": ["x"], "duration": "long", "size": -1.5},
        {"control_id": "rec", "record": "not an object", "state": None},
    ],
)
def test_wrong_typed_fields_read_none_and_crash_nothing(params: dict[str, Any]) -> None:
    session, ids = answered()
    send(session, ids, "r1", start(Record, "rec"))
    [update] = feed(session, ev("e", "calling.call.record", **params))
    assert isinstance(update, ActionUpdated) and isinstance(update.payload, RecordPayload)
    assert update.payload.state is None and update.payload.url is None


@pytest.mark.parametrize("control_id", [None, "", 5, ["x"]])
def test_a_missing_control_id_is_malformed(control_id: Any) -> None:
    session, ids = answered()
    send(session, ids, "r1", start(Record, "rec"))
    with pytest.raises(RemoteProtocolError, match=r"calling\.call\.record: control_id"):
        session.receive_text(ev("e", "calling.call.record", control_id=control_id), now=1)
    frames(session)
    assert session.statistics().malformed_frames == 1
    assert events(session) == []


def test_hostile_nested_results_crash_nothing() -> None:
    session, ids = answered()
    hostile: list[tuple[type[ActionStart], str, dict[str, Any]]] = [
        (Collect, "calling.call.collect", {"result": {"type": 5, "params": []}, "final": "no"}),
        (Detect, "calling.call.detect", {"detect": {"type": "machine", "params": "x"}}),
        (SendFax, "calling.call.fax", {"fax": {"type": "page", "params": {"pages": "-3"}}}),
        (Pay, "calling.call.pay", {"result": 5, "for": {}}),
    ]  # fmt: skip
    for n, (command, event_type, params) in enumerate(hostile):
        send(session, ids, f"r{n}", start(command, f"c{n}"))
        got = feed(session, ev(f"e{n}", event_type, control_id=f"c{n}", **params))
        assert len(updates(got)) == 1


# -- the stateless decoder ---------------------------------------------------------------


def test_decode_event_reads_the_verbs_events() -> None:
    params: dict[str, JSONValue] = {
        "node_id": "n1", "call_id": "c", "control_id": "x", "state": "finished"
    }  # fmt: skip
    event = decode_event("calling.call.record", params)
    assert isinstance(event, ActionUpdated) and event.kind is ActionKind.RECORD
    assert event.event_type == "calling.call.record"
    assert event.call == CallRef(CallId("c"), NodeId("n1"))
    fax: dict[str, JSONValue] = {
        **params, "fax": {"type": "finished", "params": {"direction": "receive"}}
    }  # fmt: skip
    received = decode_event("calling.call.fax", fax)
    assert isinstance(received, ActionUpdated) and received.kind is ActionKind.RECEIVE_FAX
    with pytest.raises(RemoteProtocolError, match="call_id"):
        decode_event("calling.call.tap", {"control_id": "x"})
    activity = decode_event("calling.call.hold", {"call_id": "c", "state": "held"})
    assert isinstance(activity, CallActivity) and activity.call is not None
    assert json.dumps(activity.payload.to_wire()) == '{"call_id": "c", "state": "held"}'
    _ = RelaySession


# -- fuzz: any params for a live action of every kind ------------------------------------

#: Every action starter of relay_core, by kind.
_STARTS: dict[ActionKind, type[ActionStart]] = {
    c.action: c
    for c in vars(relay_core).values()
    if isinstance(c, type) and issubclass(c, ActionStart) and hasattr(c, "action")
}
_KEYS = st.sampled_from(
    ["state", "final", "result", "detect", "fax", "record", "url", "for", "status", "id",
     "call_id", "control_id", "event", "params", "type"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(sorted(ACTIONS)),
    bodies=st.lists(st.dictionaries(_KEYS, json_values, max_size=5), max_size=4),
    flag=st.booleans(),
)
def test_any_params_for_a_live_action_crash_nothing(
    kind: ActionKind, bodies: list[dict[str, Any]], flag: bool
) -> None:
    session, ids = answered()
    # The client-side options the lifecycle reads: detect's wait_for_beep, collect's continuous.
    options = {"wait_for_beep": flag} if kind is ActionKind.DETECT else {}
    if kind in (ActionKind.COLLECT, ActionKind.PLAY_AND_COLLECT):
        options = {"continuous": flag}
    send(session, ids, "r", start(_STARTS[kind], "x", A, **options))
    seen: list[Event] = []
    for n, body in enumerate(bodies):
        for event_type in sorted(ACTIONS[kind].event_types):
            params = {"node_id": "n1", "call_id": "call-A", "control_id": "x", **body}
            with contextlib.suppress(RemoteProtocolError):
                session.receive_text(server_event(f"e{n}", event_type, params), now=1)
            frames(session)
            seen += events(session)
    seen += feed(session, ev("end", "calling.call.state", call_state="ended"))
    assert len(finished(seen)) == 1  # exactly once, whatever came
    assert session.statistics().live_actions == 0
