"""Messaging in the core: RELAY.md J transcripts, routing by message_id, expiry, bounds."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relay_core import (
    InboundMessageRefused,
    InvalidArgumentError,
    LocalProtocolError,
    MessageReceived,
    MessageState,
    MessageStateChanged,
    RelayConfig,
    RelaySession,
    RemoteProtocolError,
    RequestCompleted,
    RequestFailed,
    SendMessage,
    decode_event,
    message_transition,
)
from relay_core.wire import MessagePayload, decode_message_payload, encode_message_payload

from ..json_strategies import json_values
from .helpers import (
    CONFIG,
    CONNECT_RESULT,
    Ids,
    events,
    frames,
    ready_session,
    result,
    server_event,
)


def _state(message_id: str, state: str, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "message_id": message_id,
        "context": "office",
        "direction": "outbound",
        "from_number": "+15551111111",
        "to_number": "+15552222222",
        "body": "Your code is 4821",
        "media": [],
        "segments": 1,
        "tags": ["otp"],
        "message_state": state,
    }
    params.update(extra)
    return params


def _send(session: RelaySession, ids: Any, request_id: str = "req-130", **kwargs: Any) -> None:
    ids.push(request_id)
    command = SendMessage(
        context="office",
        to_number="+15552222222",
        from_number="+15551111111",
        body="Your code is 4821",
        tags=["otp"],
        **kwargs,
    )
    session.send(command, now=1.0)


def test_j4_transcript_state_before_reply_is_replayed() -> None:
    session, ids = ready_session()
    _send(session, ids)
    assert frames(session) == [
        {
            "jsonrpc": "2.0",
            "id": "req-130",
            "method": "messaging.send",
            "params": {
                "context": "office",
                "to_number": "+15552222222",
                "from_number": "+15551111111",
                "body": "Your code is 4821",
                "tags": ["otp"],
            },
        }
    ]
    session.receive_text(
        server_event("ev-131", "messaging.state", _state("msg-1", "queued")), now=1.1
    )
    assert frames(session) == [{"jsonrpc": "2.0", "id": "ev-131", "result": {}}]
    assert events(session) == []  # buffered: msg-1 is not named yet
    ok = {"code": "200", "message": "Message accepted", "message_id": "msg-1"}
    session.receive_text(result("req-130", ok), now=1.2)
    found = events(session)
    assert [type(e) for e in found] == [MessageStateChanged, RequestCompleted]
    first = found[0]
    assert isinstance(first, MessageStateChanged)
    assert first.state is MessageState.QUEUED and first.message.request_id == "req-130"
    assert first.message_id == "msg-1" and first.message.segments == 1
    for number, state in ((132, "initiated"), (133, "sent"), (134, "delivered")):
        session.receive_text(
            server_event(f"ev-{number}", "messaging.state", _state("msg-1", state)), now=2.0
        )
        assert frames(session) == [{"jsonrpc": "2.0", "id": f"ev-{number}", "result": {}}]
    found = events(session)
    assert [e.state.value for e in found if isinstance(e, MessageStateChanged)] == [
        "initiated",
        "sent",
        "delivered",
    ]
    last = found[-1]
    assert isinstance(last, MessageStateChanged)
    assert last.is_final and last.message_state == "delivered"
    stats = session.statistics()
    assert stats.live_messages == 0 and stats.dropped_events == 0


def test_j4_failure_transcript_carries_the_reason() -> None:
    session, ids = ready_session()
    _send(session, ids, "req-131")
    frames(session)
    session.receive_text(result("req-131", {"code": "200", "message_id": "msg-2"}), now=1.1)
    session.receive_text(
        server_event("ev-135", "messaging.state", _state("msg-2", "queued")), now=1.2
    )
    session.receive_text(
        server_event(
            "ev-136",
            "messaging.state",
            _state("msg-2", "undelivered", reason="carrier_blocked"),
        ),
        now=1.3,
    )
    found = [e for e in events(session) if isinstance(e, MessageStateChanged)]
    assert [(e.state, e.reason) for e in found] == [
        (MessageState.QUEUED, None),
        (MessageState.UNDELIVERED, "carrier_blocked"),
    ]
    assert found[-1].is_final and not found[-1].expired


def test_rejected_send_fails_with_no_events() -> None:
    session, ids = ready_session()
    _send(session, ids, "req-132")
    frames(session)
    session.receive_text(
        result("req-132", {"code": "400", "message": "Invalid to_number"}), now=1.1
    )
    (failure,) = events(session)
    assert isinstance(failure, RequestFailed) and failure.code == 400
    assert session.statistics().live_messages == 0


def test_2xx_reply_without_message_id_is_an_error() -> None:
    session, ids = ready_session()
    _send(session, ids, "req-1")
    frames(session)
    session.receive_text(result("req-1", {"code": "200", "message": "Message accepted"}), now=1.1)
    (failure,) = events(session)
    assert isinstance(failure, RequestFailed)
    assert "message_id" in failure.message
    assert session.statistics().live_messages == 0


def test_j5_receive_transcript() -> None:
    session, _ids = ready_session()
    inbound: dict[str, Any] = {
        "message_id": "msg-10",
        "context": "office",
        "direction": "inbound",
        "from_number": "+15553333333",
        "to_number": "+15551111111",
        "body": "",
        "media": ["https://files.example.com/mms/msg-10/photo.jpg"],
        "segments": 1,
        "tags": [],
        "message_state": "received",
    }
    session.receive_text(server_event("ev-138", "messaging.receive", inbound), now=1.0)
    assert frames(session) == [{"jsonrpc": "2.0", "id": "ev-138", "result": {}}]
    (event,) = events(session)
    assert isinstance(event, MessageReceived)
    message = event.message
    assert message.message_id == "msg-10" and message.state is MessageState.RECEIVED
    assert message.media == ("https://files.example.com/mms/msg-10/photo.jpg",)
    assert message.body == "" and message.context == "office" and message.is_final
    assert decode_event("messaging.receive", inbound) == event


def test_out_of_order_states_never_go_back_and_stop_at_terminal() -> None:
    session, ids = ready_session()
    _send(session, ids, "req-1")
    frames(session)
    # sent and queued both beat the reply, out of order
    for number, state in ((1, "sent"), (2, "queued")):
        session.receive_text(
            server_event(f"e{number}", "messaging.state", _state("m", state)), now=1
        )
    session.receive_text(result("req-1", {"code": "200", "message_id": "m"}), now=1.1)
    for number, state in ((3, "initiated"), (4, "failed"), (5, "delivered")):
        session.receive_text(
            server_event(f"e{number}", "messaging.state", _state("m", state)), now=2
        )
    changes = [e.state.value for e in events(session) if isinstance(e, MessageStateChanged)]
    assert changes == ["sent", "failed"]
    assert session.statistics().dropped_events == 3  # queued, initiated, delivered


def test_early_states_of_other_messages_are_dropped_once_no_send_waits() -> None:
    session, ids = ready_session()
    session.receive_text(server_event("e0", "messaging.state", _state("other", "queued")), now=1)
    assert session.statistics().dropped_events == 1  # no send pending: not ours
    _send(session, ids, "req-1")
    session.receive_text(server_event("e1", "messaging.state", _state("other", "queued")), now=1)
    session.receive_text(result("req-1", {"code": "200", "message_id": "mine"}), now=1.1)
    assert session.statistics().dropped_events == 2
    assert [type(e) for e in events(session)] == [RequestCompleted]


def test_two_sends_states_routed_by_message_id() -> None:
    session, ids = ready_session()
    _send(session, ids, "req-a")
    _send(session, ids, "req-b")
    frames(session)
    session.receive_text(server_event("e1", "messaging.state", _state("mb", "queued")), now=1)
    session.receive_text(result("req-a", {"code": "200", "message_id": "ma"}), now=1)
    session.receive_text(server_event("e2", "messaging.state", _state("ma", "sent")), now=1)
    session.receive_text(result("req-b", {"code": "200", "message_id": "mb"}), now=1)
    routed = [
        (e.message.request_id, e.message_id, e.state.value)
        for e in events(session)
        if isinstance(e, MessageStateChanged)
    ]
    assert routed == [("req-a", "ma", "sent"), ("req-b", "mb", "queued")]


def test_a_message_with_no_final_state_expires_after_message_timeout() -> None:
    config = RelayConfig(project="p", token="t", message_timeout=30.0, ping_interval=None)
    session, ids = ready_session(config)
    _send(session, ids, "req-1")
    frames(session)
    session.receive_text(result("req-1", {"code": "200", "message_id": "m"}), now=1.0)
    session.receive_text(server_event("e1", "messaging.state", _state("m", "sent")), now=10.0)
    events(session)
    assert session.next_deadline() == 40.0  # re-armed by the last state
    session.handle_timeout(now=39.9)
    assert events(session) == []
    session.handle_timeout(now=40.0)
    (expired,) = events(session)
    assert isinstance(expired, MessageStateChanged)
    assert expired.expired and expired.is_final and expired.state is MessageState.SENT
    assert session.statistics().live_messages == 0
    assert session.next_deadline() is None
    # a late state of the forgotten message is dropped, not surfaced
    session.receive_text(server_event("e2", "messaging.state", _state("m", "delivered")), now=50)
    assert events(session) == []


def test_in_flight_cap_refuses_before_sending() -> None:
    config = RelayConfig(project="p", token="t", max_messages=2)
    session, ids = ready_session(config)
    _send(session, ids, "r1")
    _send(session, ids, "r2")
    with pytest.raises(LocalProtocolError, match="max_messages"):
        _send(session, ids, "r3")
    assert len(frames(session)) == 2
    session.receive_text(result("r1", {"code": "200", "message_id": "m1"}), now=1)
    session.receive_text(server_event("e", "messaging.state", _state("m1", "delivered")), now=1)
    _send(session, ids, "r4")  # room again
    assert len(frames(session)) == 2  # the ack and r4


def test_context_defaults_to_the_protocol() -> None:
    session, ids = ready_session()
    ids.push("r1")
    session.send(
        SendMessage(to_number="+15552222222", from_number="+15551111111", body="hi"), now=1
    )
    (frame,) = frames(session)
    assert frame["params"] == {
        "context": "signalwire_sig_1111_2222",
        "to_number": "+15552222222",
        "from_number": "+15551111111",
        "body": "hi",
    }


def test_context_before_any_session_is_default() -> None:
    session = RelaySession(CONFIG, new_id=Ids("r1", "hs-1"))
    session.send(SendMessage(to_number="+15552222222", from_number="12345", media=["u"]), now=0)
    session.connection_made(now=0)
    frames(session)
    session.receive_text(result("hs-1", CONNECT_RESULT), now=0)
    (frame,) = frames(session)
    assert frame["params"]["context"] == "default" and frame["params"]["media"] == ["u"]


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"to_number": "5552222222"}, "to_number"),
        ({"to_number": "+0123"}, "to_number"),
        ({"from_number": "office"}, "from_number"),
        ({"body": None}, "body"),
        ({"body": ""}, "body"),
        ({"body": 5}, "body"),
        ({"body": None, "media": "http://x"}, "media"),
        ({"media": [""]}, "media"),
        ({"tags": [1]}, "tags"),
        ({"context": ""}, "context"),
        ({"region": ""}, "region"),
    ],
)
def test_send_message_refuses_bad_arguments(kwargs: dict[str, Any], named: str) -> None:
    base: dict[str, Any] = {"to_number": "+15552222222", "from_number": "+15551111111", "body": "x"}
    with pytest.raises(InvalidArgumentError, match=f"^{named}:"):
        SendMessage(**{**base, **kwargs})


def test_mms_key_order_and_omitted_empty_keys() -> None:
    command = SendMessage(
        to_number="+15552222222",
        from_number="+15551111111",
        media=("https://x/1.jpg",),
        region="us",
        context="office",
    )
    assert list(command.to_params()) == ["context", "to_number", "from_number", "media", "region"]


def test_closing_forgets_messages_and_refusal_is_counted() -> None:
    session, ids = ready_session()
    _send(session, ids, "r1")
    frames(session)
    session.receive_text(server_event("e", "messaging.receive", _state("in", "received")), now=1)
    (received,) = events(session)
    assert isinstance(received, MessageReceived)
    session.refuse_message(received.message, now=1)
    (refused,) = events(session)
    assert isinstance(refused, InboundMessageRefused)
    assert session.statistics().refused_messages == 1
    session.close(now=2)
    assert session.statistics().live_messages == 0


def test_malformed_message_event_names_the_field() -> None:
    session, _ids = ready_session()
    with pytest.raises(RemoteProtocolError, match="message_id"):
        session.receive_text(server_event("e", "messaging.state", {"message_state": "sent"}), now=1)
    assert frames(session) == [{"jsonrpc": "2.0", "id": "e", "result": {}}]


_OUTBOUND = [s for s in MessageState if s is not MessageState.RECEIVED]


@given(st.lists(st.sampled_from(_OUTBOUND), max_size=12))
def test_states_reported_only_move_forward_and_stop_at_terminal(seq: list[MessageState]) -> None:
    session, ids = ready_session()
    _send(session, ids, "r")
    session.receive_text(result("r", {"code": "200", "message_id": "m"}), now=1)
    for number, state in enumerate(seq):
        session.receive_text(
            server_event(f"e{number}", "messaging.state", _state("m", state)), now=1
        )
    reported = [e.state for e in events(session) if isinstance(e, MessageStateChanged)]
    current: MessageState | None = None
    for state in reported:
        assert message_transition(current, state)
        current = state
    assert sum(1 for s in reported if s in {"delivered", "undelivered", "failed"}) <= 1


_text = st.text(max_size=12)
_payloads = st.builds(
    MessagePayload,
    message_id=st.text(min_size=1, max_size=8),
    message_state=st.text(min_size=1, max_size=8),
    context=_text,
    direction=_text,
    from_number=_text,
    to_number=_text,
    body=_text,
    media=st.lists(_text, max_size=3).map(tuple),
    segments=st.none() | st.integers(0, 10),
    tags=st.lists(_text, max_size=3).map(tuple),
    reason=st.none() | st.text(min_size=1, max_size=8),
)


@given(_payloads)
def test_message_payload_round_trips(payload: MessagePayload) -> None:
    assert decode_message_payload("messaging.state", encode_message_payload(payload)) == payload


@given(st.dictionaries(st.sampled_from([*MessagePayload._fields, "x"]), json_values))
def test_message_payload_decoder_never_raises_anything_else(params: dict[str, Any]) -> None:
    try:
        payload = decode_message_payload("messaging.receive", params)
    except RemoteProtocolError as exc:
        assert exc.message.startswith("messaging.receive: message_")
    else:
        assert payload.message_id == params["message_id"]
        assert all(isinstance(item, str) for item in (*payload.media, *payload.tags))


def test_states_after_an_early_terminal_one_are_dropped_and_counted() -> None:
    session, ids = ready_session()
    _send(session, ids, "req-1")
    for number, state in ((1, "failed"), (2, "sent")):
        session.receive_text(
            server_event(f"e{number}", "messaging.state", _state("m", state, reason="x")), now=1
        )
    session.receive_text(result("req-1", {"code": "200", "message_id": "m"}), now=1.1)
    changes = [e.state.value for e in events(session) if isinstance(e, MessageStateChanged)]
    assert changes == ["failed"]
    stats = session.statistics()
    assert stats.dropped_events == 1 and stats.live_messages == 0
