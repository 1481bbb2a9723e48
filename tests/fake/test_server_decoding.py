"""The fake server reads every request it implements through ``<Command>.from_params``.

Bad params answer code ``400`` with exactly the decoder's message (the one a
client building the same command would see), so both roles refuse alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from relay_core import (
    Answer,
    CallId,
    CallRef,
    Connect,
    Dial,
    Disconnect,
    Hangup,
    InvalidArgumentError,
    NodeId,
    Pass,
    Play,
    PlayPause,
    PlayResume,
    PlayStop,
    PlayVolume,
    RawRequest,
    Receive,
    RequestFailed,
    Unreceive,
)

from .test_server_calls import answered_call, phone, ready

Params = Callable[[CallRef], dict[str, Any]]


def _call(call: CallRef) -> dict[str, Any]:
    return {"node_id": call.node_id, "call_id": call.call_id}


TTS = [{"type": "tts", "params": {"text": "hi"}}]
PLAN = [[{"type": "phone", "params": {"to_number": "+15553333333", "from_number": "+15550000000"}}]]

CASES: list[tuple[str, type[Any], Params]] = [
    ("calling.dial", Dial, lambda c: {"devices": PLAN}),  # no tag
    ("calling.dial", Dial, lambda c: {"tag": "t", "devices": PLAN, "max_duration": -1}),
    ("calling.connect", Connect, lambda c: {**_call(c), "devices": PLAN, "ringback": "x"}),
    ("calling.connect", Connect, lambda c: {**_call(c), "devices": [[{"type": "phone"}]]}),
    ("calling.disconnect", Disconnect, lambda c: {"call_id": c.call_id}),  # no node_id
    ("calling.end", Hangup, lambda c: {**_call(c), "reason": "bogus"}),
    ("calling.answer", Answer, lambda c: {"node_id": c.node_id}),
    ("calling.answer", Answer, lambda c: {**_call(c), "max_duration": "long"}),
    ("calling.pass", Pass, lambda c: {"node_id": c.node_id, "call_id": ""}),
    ("calling.play", Play, lambda c: {**_call(c), "play": TTS}),  # no control_id
    ("calling.play", Play, lambda c: {**_call(c), "control_id": "p", "play": TTS, "volume": 99}),
    ("calling.play", Play, lambda c: {**_call(c), "control_id": "p", "play": TTS, "loop": -1}),
    ("calling.play", Play, lambda c: {**_call(c), "control_id": "p", "play": []}),
    ("calling.play", Play, lambda c: {**_call(c), "control_id": "p", "play": TTS, "direction": 1}),
    ("calling.play.stop", PlayStop, lambda c: {**_call(c)}),
    ("calling.play.pause", PlayPause, lambda c: {**_call(c), "control_id": "p", "behavior": 5}),
    ("calling.play.resume", PlayResume, lambda c: {**_call(c), "control_id": 7}),
    ("calling.play.volume", PlayVolume, lambda c: {**_call(c), "control_id": "p"}),
    ("signalwire.receive", Receive, lambda c: {"contexts": "sales"}),
    ("signalwire.unreceive", Unreceive, lambda c: {"contexts": [""]}),
]


@pytest.mark.parametrize(("method", "cls", "build"), CASES, ids=lambda v: str(v)[:40])
def test_bad_params_answer_400_with_the_decoders_message(
    method: str, cls: type[Any], build: Params
) -> None:
    pair = ready()
    call = answered_call(pair)
    params = build(call)
    with pytest.raises(InvalidArgumentError) as decoded:
        cls.from_params(params)
    rid = pair.send(RawRequest(method=method, params=params))
    [failed] = pair.of_type(RequestFailed)
    assert (failed.request_id, failed.code) == (rid, 400)
    assert failed.message == decoded.value.message


def test_unknown_call_is_still_404_after_decoding() -> None:
    pair = ready()
    ghost = CallRef(call_id=CallId("nope"), node_id=NodeId("n1"))
    pair.send(RawRequest(method="calling.play", params=Play(call=ghost, media=TTS).to_params()))
    [failed] = pair.of_type(RequestFailed)
    assert failed.code == 404


def test_connect_without_tag_still_has_no_tag() -> None:
    # The wire tag of calling.connect is optional; the decoder's fresh tag is not used.
    pair = ready()
    call = answered_call(pair)
    params = Connect(call=call, devices=[[phone("+15553333333")]]).to_params()
    del params["tag"]
    pair.send(RawRequest(method="calling.connect", params=params))
    pair.advance(1.0)
    tags = [
        e.event_params.get("tag")
        for e in pair.server.journal
        if e.event_type == "calling.call.connect"
    ]
    assert tags and all(tag is None for tag in tags)
