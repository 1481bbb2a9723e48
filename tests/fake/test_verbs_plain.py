"""The fake server's plain verbs (H.5.14), the errors every verb shares, and the caller scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relay_core import LocalProtocolError
from relay_core.fake._behaviours import behavior_from_json, behavior_to_json
from relay_core.testing import Answers, Busy, CallerScript, Declines, Directory, Fails, NeverAnswers

from .wire_client import WireClient

#: Every calling.* method issue 13 lists (RELAY.md H.5), besides play (H.4).
ISSUE_13_METHODS = {
    "calling.record",
    "calling.record.stop",
    "calling.record.pause",
    "calling.record.resume",
    "calling.play_and_collect",
    "calling.play_and_collect.stop",
    "calling.play_and_collect.volume",
    "calling.collect",
    "calling.collect.stop",
    "calling.collect.start_input_timers",
    "calling.detect",
    "calling.detect.stop",
    "calling.send_fax",
    "calling.send_fax.stop",
    "calling.receive_fax",
    "calling.receive_fax.stop",
    "calling.tap",
    "calling.tap.stop",
    "calling.stream",
    "calling.stream.stop",
    "calling.pay",
    "calling.pay.stop",
    "calling.transcribe",
    "calling.transcribe.stop",
    "calling.ai",
    "calling.ai.stop",
    "calling.send_digits",
    "calling.queue.enter",
    "calling.queue.leave",
    "calling.transfer",
    "calling.refer",
    "calling.hold",
    "calling.unhold",
    "calling.denoise",
    "calling.denoise.stop",
    "calling.echo",
    "calling.bind_digit",
    "calling.clear_digit_bindings",
    "calling.live_transcribe",
    "calling.live_translate",
    "calling.join_conference",
    "calling.leave_conference",
    "calling.join_room",
    "calling.leave_room",
    "calling.ai_message",
    "calling.ai_hold",
    "calling.ai_unhold",
    "calling.amazon_bedrock",
    "calling.user_event",
}

#: Valid params (besides node_id, call_id and control_id) of the methods that take some.
VALID: dict[str, dict[str, Any]] = {
    "calling.record": {"record": {"audio": {}}},
    "calling.play_and_collect": {
        "play": [{"type": "tts", "params": {"text": "Hi"}}],
        "collect": {"digits": {"max": 1}},
    },
    "calling.collect": {"digits": {"max": 1}},
    "calling.detect": {"detect": {"type": "machine", "params": {}}},
    "calling.send_fax": {"document": "https://example.com/a.pdf"},
    "calling.tap": {
        "tap": {"type": "audio", "params": {"direction": "both"}},
        "device": {"type": "rtp", "params": {"addr": "203.0.113.10", "port": 4000}},
    },
    "calling.stream": {"url": "wss://asr.example.com/in"},
    "calling.pay": {"payment_connector_url": "https://pay.example.com/c"},
    "calling.send_digits": {"digits": "1"},
    "calling.queue.enter": {"queue_name": "support"},
    "calling.queue.leave": {"queue_name": "support"},
    "calling.play_and_collect.volume": {"volume": 1},
    "calling.transfer": {"dest": "context:support"},
    "calling.refer": {"device": {"type": "sip", "params": {"to": "sip:a@example.com"}}},
    "calling.bind_digit": {"digits": "*1", "bind_method": "calling.play", "params": {}},
    "calling.live_transcribe": {"action": {"start": {}}},
    "calling.live_translate": {"action": {"start": {}}},
    "calling.join_conference": {"name": "standup"},
    "calling.leave_conference": {"conference_id": "cf-1"},
    "calling.join_room": {"name": "lobby"},
    "calling.user_event": {"event": {"a": 1}},
}

#: Sub-commands and the action kind whose control_id they need.
SUB_COMMANDS = sorted(
    m for m in ISSUE_13_METHODS if m.count(".") == 2 and m != "calling.queue.enter"
)


def test_every_issue_13_method_is_simulated() -> None:
    client = WireClient()
    assert client.server.network.methods >= ISSUE_13_METHODS


def test_unknown_method_is_json_rpc_method_not_found() -> None:
    client = WireClient()
    call = client.dial()
    response = client.request("calling.teleport", {**call})
    assert response["error"] == {"code": -32601, "message": "Method not found: calling.teleport"}


@pytest.mark.parametrize("method", [m for m in SUB_COMMANDS if m != "calling.denoise.stop"])
def test_sub_commands_on_unknown_control_ids_are_404(method: str) -> None:
    client = WireClient()
    call = client.dial()
    # A live action of another kind under that id is not found either.
    client.result("calling.send_digits", {**call, "control_id": "busy", "digits": "WWWWWWWW"})
    for control_id in ("nope", "busy"):
        result = client.result(method, {**call, "control_id": control_id, **VALID.get(method, {})})
        assert result["code"] == "404", (method, result)


@pytest.mark.parametrize(
    "method",
    sorted(m for m in ISSUE_13_METHODS if m not in SUB_COMMANDS or m == "calling.denoise.stop"),
)
def test_every_verb_answers_404_and_410_for_calls(method: str) -> None:
    client = WireClient()
    call = client.dial()
    params = {"control_id": "x", **VALID.get(method, {})}
    unknown = client.result(method, {"node_id": call["node_id"], "call_id": "nope", **params})
    assert unknown["code"] == "404", unknown
    client.hangup(call)
    client.advance(1)
    gone = client.result(method, {**call, **params})
    assert gone["code"] == "410", gone


def test_action_on_a_ringing_call_is_409_and_a_reused_control_id_is_409() -> None:
    client = WireClient(Directory({"+15551110001": NeverAnswers()}))
    device = {
        "type": "phone",
        "params": {"to_number": "+15551110001", "from_number": "+15550000000"},
    }
    client.result("calling.dial", {"tag": "t", "devices": [[device]]})
    client.advance(1)
    ringing = next(p["call_id"] for _, k, p in client.events if k == "calling.call.state")
    ids = {"node_id": client.server.network.node_id, "call_id": ringing, "control_id": "r"}
    assert client.result("calling.record", {**ids, "record": {"audio": {}}})["code"] == "409"
    call = client.dial()
    assert (
        client.result("calling.tap", {**call, "control_id": "t", **VALID["calling.tap"]})["code"]
        == "200"
    )
    again = client.result("calling.stream", {**call, "control_id": "t", "url": "wss://x.example"})
    assert again["code"] == "409"


# -- plain verbs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params", "message"),
    [
        ("calling.transfer", {"dest": "context:support"}, "Transferring"),
        (
            "calling.bind_digit",
            {"digits": "*1", "bind_method": "calling.play", "params": {}},
            "Digit binding created",
        ),
        ("calling.clear_digit_bindings", {"realm": "menu"}, "Digit bindings cleared"),
        (
            "calling.live_transcribe",
            {"action": {"start": {"language": "en-US"}}},
            "Live transcription started",
        ),
        ("calling.live_translate", {"action": {"stop": {}}}, "Live translation stopped"),
        ("calling.join_room", {"name": "lobby"}, "Joining room"),
        ("calling.leave_room", {}, "Leaving room"),
        ("calling.ai_message", {"message_text": "hi", "role": "user"}, "Message sent"),
        ("calling.ai_hold", {"timeout": "30"}, "AI on hold"),
        ("calling.ai_unhold", {}, "AI resumed"),
        ("calling.amazon_bedrock", {"prompt": {"text": "hi"}}, "AI started"),
        ("calling.user_event", {"event": {"anything": [1, 2]}}, "Event sent"),
    ],
)
def test_reply_only_verbs(method: str, params: dict[str, Any], message: str) -> None:
    client = WireClient()
    call = client.dial()
    assert client.result(method, {**call, **params}) == {
        "code": "200",
        "message": message,
        "call_id": call["call_id"],
    }
    client.advance(5)
    assert client.events == []


@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        ("calling.transfer", {}, "dest"),
        ("calling.bind_digit", {"digits": "1", "bind_method": "play"}, "bind_method"),
        ("calling.live_transcribe", {"action": {"start": {}, "stop": {}}}, "action"),
        ("calling.live_translate", {"action": {"dance": {}}}, "action"),
        ("calling.refer", {"device": {"type": "phone", "params": {}}}, "device"),
        ("calling.join_conference", {}, "name"),
        ("calling.leave_conference", {}, "conference_id"),
        ("calling.join_room", {}, "name"),
    ],
)
def test_plain_verbs_refuse_bad_params(method: str, params: dict[str, Any], field: str) -> None:
    client = WireClient()
    call = client.dial()
    result = client.result(method, {**call, **params})
    assert result["code"] == "400" and result["message"].startswith(field), result


def test_hold_unhold_denoise_and_echo_events() -> None:
    client = WireClient()
    call = client.dial()
    for method, message in (
        ("calling.hold", "Call on hold"),
        ("calling.unhold", "Call off hold"),
        ("calling.denoise", "Denoiser on"),
        ("calling.denoise.stop", "Denoiser off"),
    ):
        assert client.result(method, call)["message"] == message
    start = client.now
    assert client.result("calling.echo", {**call, "timeout": 5}) == {
        "code": "200",
        "message": "Echo started",
        "call_id": call["call_id"],
    }
    client.advance(10)
    seen = [
        (round(w - start, 3), k.rsplit(".", 1)[1], p.get("state", p.get("denoised")))
        for w, k, p in client.events
    ]
    assert seen == [
        (0, "hold", "hold"),
        (0, "hold", "unhold"),
        (0, "denoise", True),
        (0, "denoise", False),
        (0, "echo", "echoing"),
        (5, "echo", "finished"),
    ]
    assert all(p["call_id"] == call["call_id"] and "control_id" not in p for *_, p in client.events)


@pytest.mark.parametrize(
    ("behaviour", "state", "notify", "ends"),
    [
        (Answers(after=1), "finished", "200", True),
        (Busy(after=0.5), "busy", "486", False),
        (Declines(after=1), "cancel", "603", False),
        (Fails(), "error", "500", False),
        (NeverAnswers(), "noAnswer", "408", False),
    ],
)
def test_refer_follows_the_target_behaviour(
    behaviour: Any, state: str, notify: str, ends: bool
) -> None:
    client = WireClient()
    client.server.directory.set("sip:helpdesk@pbx.example.com", behaviour)
    client.server.directory.ring_timeout = 3
    call = client.dial()
    device = {"type": "sip", "params": {"to": "sip:helpdesk@pbx.example.com"}}
    assert (
        client.result("calling.refer", {**call, "device": device})["message"]
        == "Starting SIP REFER"
    )
    client.advance(5)
    refers = [
        (
            p["state"],
            p["sip_refer_to"],
            p["sip_refer_response_code"],
            p.get("sip_notify_response_code"),
        )
        for *_, p in client.take("calling.call.refer")
    ]
    target = "sip:helpdesk@pbx.example.com"
    assert refers == [("inProgress", target, "202", None), (state, target, "202", notify)]
    assert (client.server.network.call(call["call_id"]).end_reason == "hangup") is ends  # type: ignore[union-attr]


def test_conference_join_leave_and_call_end() -> None:
    client = WireClient()
    first, second = client.dial(), client.dial("+15559876543")
    joined = [
        client.result("calling.join_conference", {**c, "name": "standup", "beep": "onEnter"})
        for c in (first, second)
    ]
    assert joined[0]["message"] == "Joining conference"
    conference_id = joined[0]["conference_id"]
    assert joined[1]["conference_id"] == conference_id  # one id per conference name
    again = client.result("calling.join_conference", {**first, "name": "standup"})
    assert again["code"] == "409"
    left = client.result("calling.leave_conference", {**first, "conference_id": conference_id})
    assert left["message"] == "Leaving conference"
    assert (
        client.result("calling.leave_conference", {**first, "conference_id": conference_id})["code"]
        == "404"
    )
    client.advance(0)
    client.hangup(second)
    client.advance(1)
    seen = [
        (p["conference_id"], p["name"], p["status"], p["call_id"])
        for *_, p in client.take("calling.conference")
    ]
    assert seen == [
        (conference_id, "standup", "join", first["call_id"]),
        (conference_id, "standup", "join", second["call_id"]),
        (conference_id, "standup", "leave", first["call_id"]),
        (conference_id, "standup", "leave", second["call_id"]),
    ]
    assert client.server.network._conferences == {}


# -- caller scripts -------------------------------------------------------------------------


def test_answers_json_round_trip_with_a_caller_script() -> None:
    answers = Answers(
        after=2,
        presses=("1", "1234#"),
        says="sales",
        answered_by="machine",
        input_after=0.5,
        pays="validation-error",
        fax_pages=4,
    )
    wire = behavior_to_json(answers)
    assert wire == {
        "behavior": "answer",
        "after": 2,
        "presses": ["1", "1234#"],
        "says": "sales",
        "answered_by": "machine",
        "input_after": 0.5,
        "pays": "validation-error",
        "fax_pages": 4,
    }
    assert behavior_from_json(wire) == answers
    directory = Directory.from_json({"numbers": {"+15550001111": wire}})
    assert directory.lookup("+15550001111") == answers
    assert Directory.from_json(directory.to_json()).lookup("+15550001111") == answers
    assert behavior_to_json(Answers()) == {"behavior": "answer", "after": 1.0}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"behavior": "answer", "presses": "12x"}, "behavior.presses"),
        ({"behavior": "answer", "says": [""]}, "behavior.says"),
        ({"behavior": "answer", "answered_by": "robot"}, "behavior.answered_by"),
        ({"behavior": "answer", "input_after": "soon"}, "behavior.input_after"),
        ({"behavior": "answer", "pays": "maybe"}, "behavior.pays"),
        ({"behavior": "answer", "fax_pages": 0}, "behavior.fax_pages"),
        ({"behavior": "busy", "presses": "1"}, "behavior.presses"),
    ],
)
def test_bad_caller_scripts_name_the_key(value: Any, message: str) -> None:
    with pytest.raises(LocalProtocolError) as info:
        behavior_from_json(value)
    assert info.value.message.startswith(message)


def test_inject_inbound_call_script_options() -> None:
    client = WireClient()
    script = CallerScript(says="hello", answered_by="machine")
    call = client.inbound(caller=script, presses="9")
    behaviour = client.server.network._legs[call["call_id"]].behavior
    assert isinstance(behaviour, Answers)
    assert (behaviour.presses, behaviour.says, behaviour.answered_by) == (
        ("9",),
        ("hello",),
        "machine",
    )
    with pytest.raises(LocalProtocolError, match="presses"):
        client.server.inject_inbound_call(
            context="office", from_number="+1", to_number="+2", now=client.now, presses="x"
        )
    with pytest.raises(LocalProtocolError, match="caller"):
        client.server.inject_inbound_call(
            context="office",
            from_number="+1",
            to_number="+2",
            now=client.now,
            caller=Answers(),  # type: ignore[arg-type]
        )


def test_script_call_changes_a_live_callee() -> None:
    client = WireClient()
    call = client.dial()  # the directory's callee: a silent human
    script = client.server.script_call(call["call_id"], presses="3", says="agent")
    assert (script.presses, script.says) == (("3",), ("agent",))
    for control_id in ("a", "b"):
        client.result(
            "calling.collect",
            {**call, "control_id": control_id, "digits": {"max": 1}, "speech": {}},
        )
        client.advance(10)
    results = [p["result"] for *_, p in client.take("calling.call.collect")]
    assert results == [
        {"type": "digit", "params": {"digits": "3", "terminator": ""}},
        {"type": "speech", "params": {"text": "agent", "confidence": 90.0}},
    ]
    machine = client.server.script_call(call["call_id"], caller=CallerScript(answered_by="machine"))
    assert machine.answered_by == "machine" and machine.presses == ()
    with pytest.raises(LocalProtocolError, match="no live call"):
        client.server.script_call("nope", presses="1")


DTMF_TURNS = st.text(alphabet="0123456789*#ABCD", max_size=6)
WORDS = st.text(alphabet="abc xyz", min_size=1, max_size=12).filter(lambda t: t.strip() != "")


@settings(max_examples=100, deadline=None)
@given(
    after=st.floats(min_value=0, max_value=60),
    presses=st.lists(DTMF_TURNS, max_size=3),
    says=st.lists(WORDS, max_size=3),
    answered_by=st.sampled_from(["human", "machine", "fax"]),
    input_after=st.floats(min_value=0, max_value=10),
    pays=st.sampled_from(["success", "too-many-failed-attempts", "internal-error"]),
    fax_pages=st.integers(min_value=1, max_value=1000),
)
def test_answers_json_round_trips(**fields: Any) -> None:
    answers = Answers(**fields)
    assert behavior_from_json(behavior_to_json(answers)) == answers
    assert Directory.from_json({"default": behavior_to_json(answers)}).fallback == answers


def test_every_relay_md_h5_request_transcript_is_accepted() -> None:
    """RELAY.md H.5's request transcripts, replayed on live calls: each gets its 200 reply."""
    client = WireClient()
    calls: dict[str, dict[str, Any]] = {}
    path = Path(__file__).resolve().parent.parent / "data" / "h5_requests.jsonl"
    frames = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    assert len(frames) >= 19
    for frame in frames:  # one live call per call id of the transcripts, dialled first
        wire_call = frame["params"]["call_id"]
        if wire_call not in calls:
            calls[wire_call] = client.dial(f"+1555777{len(calls):04d}")
    for frame in frames:
        params = {**frame["params"], **calls[frame["params"]["call_id"]]}
        result = client.result(frame["method"], params)
        assert result["code"] == "200", (frame["method"], result)
        if "control_id" in params:
            assert result["control_id"] == params["control_id"]
        assert result["call_id"] == params["call_id"]
    client.advance(60)
    events = {kind for _, kind, _ in client.events}
    assert events >= {
        "calling.call.record", "calling.call.play", "calling.call.collect",
        "calling.call.detect", "calling.call.fax", "calling.call.tap", "calling.call.stream",
        "calling.call.pay", "calling.call.send_digits", "calling.call.queue",
        "calling.call.refer", "calling.call.denoise", "calling.conference",
    }  # fmt: skip
