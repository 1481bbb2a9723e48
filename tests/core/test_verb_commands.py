"""Issue 13's commands: each RELAY.md H.5 request transcript, reproduced exactly.

Every ``C→S`` line of RELAY.md H.5 (copied to ``tests/data/h5_requests.jsonl``)
is built from a typed command, sent through a ``RelaySession``, and the frame
on the wire must equal the transcript's text byte for byte; the command read
back from that frame's params (the fake server's decoder) equals the one sent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from relay_core import (
    CallId,
    CallRef,
    Collect,
    CollectDigits,
    CollectSpeech,
    CollectStop,
    ControlId,
    Denoise,
    Detect,
    Detector,
    JoinConference,
    NodeId,
    Pay,
    PlayAndCollect,
    QueueEnter,
    Record,
    RecordPause,
    RecordResume,
    Refer,
    ReferDevice,
    SendDigits,
    SendFax,
    Stream,
    Tap,
    TapDevice,
    TapStop,
    Transcribe,
    TtsMedia,
)
from relay_core.client._action_kinds import ActionKind

from .command_cases import kwargs_for
from .helpers import ready_session

TRANSCRIPT = Path(__file__).parent.parent / "data" / "h5_requests.jsonl"
A = CallRef(call_id=CallId("call-A"), node_id=NodeId("n1"))
B = CallRef(call_id=CallId("call-B"), node_id=NodeId("n1"))
C = CallRef(call_id=CallId("call-C"), node_id=NodeId("n1"))
S = CallRef(call_id=CallId("call-S"), node_id=NodeId("n1"))

#: Request id -> the typed command that must produce that transcript line.
COMMANDS: dict[str, Any] = {
    "req-100": Record(
        call=A,
        control_id="rec-1",
        beep=True,
        format="mp3",
        direction="speak",
        end_silence_timeout=2,
        terminators="#",
    ),
    "req-101": RecordPause(call=A, control_id=ControlId("rec-1"), behavior="silence"),
    "req-102": RecordResume(call=A, control_id=ControlId("rec-1")),
    "req-104": PlayAndCollect(
        call=A,
        control_id="pac-1",
        media=[TtsMedia(text="Enter your PIN, then press pound.")],
        initial_timeout=5,
        digits=CollectDigits(max=4, digit_timeout=3, terminators="#"),
    ),
    "req-106": Collect(
        call=A,
        control_id="col-1",
        speech=CollectSpeech(end_silence_timeout=1, language="en-US", hints=["sales", "support"]),
        initial_timeout=5,
        partial_results=True,
        send_start_of_input=True,
        start_input_timers=True,
    ),
    "req-107": Collect(
        call=A,
        control_id="col-2",
        digits=CollectDigits(max=1),
        speech=CollectSpeech(),
        continuous=True,
        start_input_timers=False,
    ),
    "req-108": CollectStop(call=A, control_id=ControlId("col-2")),
    "req-110": Detect(
        call=B,
        control_id="det-1",
        detect=Detector(
            type="machine", params={"initial_timeout": 4.5, "end_silence_timeout": 1.0}
        ),
        timeout=45,
    ),
    "req-112": SendFax(
        call=C,
        control_id="fax-1",
        document="https://example.com/invoice.pdf",
        identity="+15550000000",
        header_info="ACME Corp",
    ),
    "req-114": Tap(
        call=A,
        control_id="tap-1",
        direction="both",
        device=TapDevice(type="rtp", addr="203.0.113.10", port=4000, codec="PCMU", ptime=20),
    ),
    "req-115": TapStop(call=A, control_id=ControlId("tap-1")),
    "req-116": Stream(
        call=A,
        control_id="str-1",
        url="wss://asr.example.com/in",
        name="asr",
        codec="PCMU",
        track="inbound_track",
    ),
    "req-118": Pay(
        call=A,
        control_id="pay-1",
        payment_connector_url="https://pay.example.com/connector",
        charge_amount="25.99",
        currency="usd",
        max_attempts="2",
    ),
    "req-120": Transcribe(call=A, control_id="trn-1", status_url="https://example.com/transcripts"),
    "req-122": SendDigits(call=B, control_id="dtmf-1", digits="1w234#"),
    "req-124": QueueEnter(call=A, control_id="q-1", queue_name="support"),
    "req-126": Refer(call=S, device=ReferDevice(to="sip:helpdesk@pbx.example.com")),
    "req-127": Denoise(call=A),
    "req-128": JoinConference(
        call=A, name="standup", beep="onEnter", status_callback_event="join leave"
    ),
}


def _lines() -> list[str]:
    return TRANSCRIPT.read_text(encoding="utf-8").splitlines()


def test_every_h5_request_has_a_command() -> None:
    ids = [json.loads(line)["id"] for line in _lines()]
    assert sorted(ids) == sorted(COMMANDS)


@pytest.mark.parametrize("line", _lines(), ids=lambda line: json.loads(line)["id"])
def test_h5_request_reproduced_exactly(line: str) -> None:
    request_id = json.loads(line)["id"]
    command = COMMANDS[request_id]
    session, ids = ready_session()
    ids.push(request_id)
    assert session.send(command, now=1.0) == request_id
    assert session.messages_to_send() == [line]
    params = json.loads(line)["params"]
    assert type(command).from_params(params) == command


def _action_classes() -> list[type[Any]]:
    import relay_core

    return [
        cls
        for cls in (getattr(relay_core, name) for name in relay_core.__all__)
        if isinstance(cls, type) and isinstance(getattr(cls, "action", None), ActionKind)
    ]


def test_action_commands_declare_kind_method_and_control() -> None:
    starters = subs = 0
    for cls in _action_classes():
        control = getattr(cls, "control", None)
        if control is None:
            starters += 1
            expected = "calling.queue.enter" if cls.action is ActionKind.QUEUE else None
            assert cls.method == (expected or f"calling.{cls.action.value}")
            a, b = cls(**kwargs_for(cls.__name__)), cls(**kwargs_for(cls.__name__))
            assert a.control_id != b.control_id  # a fresh uuid, known before sending
        else:
            subs += 1
            assert cls.method == f"calling.{cls.action.value}.{control}"
            with pytest.raises(TypeError):  # a sub-command names its action
                cls(
                    call=A,
                    **{k: v for k, v in kwargs_for(cls.__name__).items() if k != "control_id"},
                )
    assert starters == len(ActionKind) and subs >= 16


def test_detect_wait_for_beep_is_client_only() -> None:
    detect = Detect(call=B, detect=Detector(type="machine"), wait_for_beep=True)
    assert "wait_for_beep" not in json.dumps(detect.to_params())
    assert Detect.from_params(detect.to_params()).wait_for_beep is False


def test_secrets_stay_out_of_reprs() -> None:
    stream = Stream(call=A, url="wss://x", authorization_bearer_token="tok-SECRET")
    refer = Refer(call=S, device=ReferDevice(to="sip:a@b", password="pw-SECRET"))
    assert "SECRET" not in repr(stream) + repr(refer)
    assert stream.to_params()["authorization_bearer_token"] == "tok-SECRET"
