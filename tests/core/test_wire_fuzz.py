"""Hypothesis: the decode boundary raises nothing but RemoteProtocolError and
never corrupts the session (issue 2; STYLE.md section 10)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relay_core import Answer, CallRef, RemoteProtocolError, RequestCompleted, SessionState
from relay_core.wire._wire import (
    ErrorResponse,
    Request,
    Response,
    decode,
    encode_error,
    encode_request,
    encode_result,
)
from tests.json_strategies import int64, json_values

from .helpers import events, frames, ready_session, result

keys = st.sampled_from(["jsonrpc", "id", "method", "params", "result", "error", "event_type"])
frame_like = st.dictionaries(keys, json_values | st.just("2.0"), max_size=5)
event_params = st.dictionaries(
    st.sampled_from(
        [
            "call_id",
            "node_id",
            "tag",
            "call_state",
            "dial_state",
            "connect_state",
            "state",
            "control_id",
            "call",
            "peer",
            "device",
            "context",
            "end_reason",
            "message_id",
            "message_state",
            "media",
        ]
    ),
    json_values,
    max_size=8,
)
event_types = st.sampled_from(
    [
        "calling.call.state",
        "calling.call.dial",
        "calling.call.connect",
        "calling.call.play",
        "calling.call.receive",
        "calling.error",
        "calling.call.record",
        "messaging.state",
        "messaging.receive",
        "signalwire.authorization.state",
    ]
) | st.text(max_size=10)


def _feed(text: str | bytes) -> None:
    session, ids = ready_session()
    ids.push("r1")
    session.send(Answer(call=CallRef("c", "n")), now=0)  # type: ignore[arg-type]
    frames(session)
    with contextlib.suppress(RemoteProtocolError):
        session.receive_text(text, now=0)
    frames(session)
    events(session)
    # The session still works: the pending request gets its answer.
    assert session.state is SessionState.READY
    session.receive_text(result("r1", {"code": "200"}), now=0)
    assert any(isinstance(e, RequestCompleted) for e in events(session))


@given(st.text() | st.binary())
def test_arbitrary_text(text: str | bytes) -> None:
    _feed(text)


@given(json_values)
def test_arbitrary_json(value: Any) -> None:
    _feed(json.dumps(value))


@given(frame_like)
def test_frame_shaped_json(value: dict[str, Any]) -> None:
    _feed(json.dumps(value))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=6) | st.none(), event_types, event_params)
def test_mutated_events(event_id: str | None, event_type: str, params: dict[str, Any]) -> None:
    frame: dict[str, Any] = {
        "jsonrpc": "2.0",
        "method": "signalwire.event",
        "params": {"event_type": event_type, "params": params},
    }
    if event_id is not None:
        frame["id"] = event_id
    _feed(json.dumps(frame))


ids = st.text(min_size=1, max_size=12) | st.integers(min_value=0, max_value=2**40)
objects = st.dictionaries(st.text(max_size=8), json_values, max_size=4)


@given(ids, st.text(min_size=1, max_size=20), objects)
def test_request_round_trip(request_id: str | int, method: str, params: dict[str, Any]) -> None:
    assert decode(encode_request(request_id, method, params)) == Request(request_id, method, params)


@given(ids, objects)
def test_result_round_trip(request_id: str | int, value: dict[str, Any]) -> None:
    decoded = decode(encode_result(request_id, value))
    assert isinstance(decoded, Response) and decoded.id == request_id
    inner = value.get("result")
    if not (isinstance(inner, dict) and "code" in inner):
        assert decoded.result == value


@given(ids, int64, st.text())
def test_error_round_trip(request_id: str | int, code: int, message: str) -> None:
    assert decode(encode_error(request_id, code, message)) == ErrorResponse(
        request_id, code, message
    )
