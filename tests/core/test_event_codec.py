"""decode_event: one event's params to its typed event, without a session."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relay_core import (
    CallErrorReported,
    CallReceived,
    CallState,
    CallStateChanged,
    ConnectStateChanged,
    DialStateChanged,
    JSONObject,
    PhoneDevice,
    PlayStateChanged,
    RemoteProtocolError,
    UnknownEvent,
    decode_event,
)
from tests.json_strategies import json_values

MODELLED: list[Any] = [  # classes, read for their ClassVar event_type
    CallStateChanged,
    DialStateChanged,
    ConnectStateChanged,
    PlayStateChanged,
    CallReceived,
    CallErrorReported,
]
KEYS = st.sampled_from(
    ["call_id", "node_id", "tag", "call_state", "dial_state", "connect_state", "state",
     "control_id", "call", "peer", "device", "direction", "context", "end_reason", "reason",
     "failed_reason", "code", "message"]
)  # fmt: skip


@given(
    st.sampled_from([kind.event_type for kind in MODELLED] + ["calling.call.mystery"]),
    st.dictionaries(KEYS, json_values | st.text(min_size=1, max_size=8), max_size=8),
)
def test_any_params_decode_or_raise_remote_protocol_error(event_type: str, params: Any) -> None:
    try:
        event = decode_event(event_type, params)
    except RemoteProtocolError as exc:
        assert exc.message.startswith(event_type)
        return
    assert event.event_type == event_type


def test_a_state_event_decodes_as_the_session_reports_it() -> None:
    device: JSONObject = {"type": "phone", "params": {"to_number": "+15551111111"}}
    event = decode_event(
        "calling.call.state",
        {"call_id": "c1", "node_id": "n1", "call_state": "ended", "end_reason": "busy",
         "tag": "t", "direction": "outbound", "device": device},
    )  # fmt: skip
    assert isinstance(event, CallStateChanged)
    assert (event.state, event.end_reason, event.tag) == (CallState.ENDED, "busy", "t")
    assert event.call.device == PhoneDevice(to_number="+15551111111")
    assert event.call.is_final


@pytest.mark.parametrize(
    ("event_type", "params", "missing"),
    [
        ("calling.call.state", {"call_state": "ended"}, "call_id"),
        ("calling.call.dial", {"tag": "t"}, "dial_state"),
        ("calling.call.connect", {"call_id": "a"}, "connect_state"),
        ("calling.call.play", {"call_id": "a", "state": "playing"}, "control_id"),
    ],
)
def test_a_missing_key_is_named(event_type: str, params: Any, missing: str) -> None:
    with pytest.raises(RemoteProtocolError, match=missing):
        decode_event(event_type, params)


def test_an_unmodelled_type_is_data() -> None:
    event = decode_event("calling.call.mystery", {"x": 1})
    assert event == UnknownEvent(event_type="calling.call.mystery", params={"x": 1})
