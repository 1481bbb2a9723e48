"""FakeRelayServer, session side: handshake, auth, acks, pings, disconnect, resume, scripting."""

from __future__ import annotations

import json
from typing import Any

import pytest

from relay_core import (
    AuthenticationFailed,
    Dial,
    DialState,
    DialStateChanged,
    JSONObject,
    JSONValue,
    LocalProtocolError,
    RawRequest,
    Receive,
    RelayConfig,
    RemoteProtocolError,
    RequestCompleted,
    RequestFailed,
    SessionEnding,
    SessionStarted,
    Unreceive,
)
from relay_core.testing import CLIENT_TO_SERVER, SERVER_TO_CLIENT, RpcError

from .helpers import PROJECT, TOKEN, Pair, make_server

PHONE: JSONObject = {
    "type": "phone",
    "params": {"to_number": "+15552222222", "from_number": "+15550000000"},
}


def raw_pair() -> tuple[Any, Any]:
    server = make_server()
    return server, server.connection_made(now=0.0)


def send_raw(server: Any, conn: Any, frame: dict[str, Any] | str) -> list[dict[str, Any]]:
    text = frame if isinstance(frame, str) else json.dumps(frame)
    server.receive_text(conn, text, now=0.0)
    return [json.loads(out) for out in server.messages_to_send(conn)]


def connect_frame(**params: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "version": {"major": 2, "minor": 0, "revision": 0},
        "agent": "test",
        "event_acks": True,
        "authentication": {"project": PROJECT, "token": TOKEN},
    }
    base.update(params)
    return {"jsonrpc": "2.0", "id": "hs", "method": "signalwire.connect", "params": base}


# -- handshake ----------------------------------------------------------------


def test_connect_result_and_authorization_state_event() -> None:
    pair = Pair()
    pair.connect()
    [started] = pair.take()
    assert isinstance(started, SessionStarted)
    assert not started.restored
    result = next(e.result for e in pair.server.journal if e.result and "protocol" in e.result)
    assert result is not None
    assert set(result) >= {
        "identity",
        "nodeid",
        "protocol",
        "session_restored",
        "sessionid",
        "authorization",
    }
    protocol = result["protocol"]
    assert isinstance(protocol, str)
    prefix, signature, *rest = protocol.split("_")
    assert prefix == "signalwire" and len(rest) == 2
    assert result["authorization"]["signature"] == signature  # type: ignore[index, call-overload]
    # RELAY.md C.3: the blob follows the connect result, and the client acked it.
    blob = [e for e in pair.server.journal if e.event_type == "signalwire.authorization.state"]
    assert len(blob) == 1 and ":" in str(blob[0].event_params["authorization_state"])
    assert pair.server.unacked_events() == []


@pytest.mark.parametrize("major", [2, 3, 4])
def test_versions_2_3_and_4_are_accepted(major: int) -> None:
    server, conn = raw_pair()
    frame = connect_frame(version={"major": major, "minor": 0, "revision": 0})
    replies = send_raw(server, conn, frame)
    assert "result" in replies[0] and replies[0]["result"]["session_restored"] is False


def test_unsupported_version_is_invalid_params() -> None:
    server, conn = raw_pair()
    replies = send_raw(server, conn, connect_frame(version={"major": 9}))
    assert replies == [
        {
            "jsonrpc": "2.0",
            "id": "hs",
            "error": {"code": -32602, "message": replies[0]["error"]["message"]},
        }
    ]


def test_wrong_token_is_a_json_rpc_error_never_a_result() -> None:
    server, conn = raw_pair()
    [reply] = send_raw(
        server, conn, connect_frame(authentication={"project": PROJECT, "token": "x"})
    )
    assert "result" not in reply
    assert reply["error"] == {
        "code": -32002,
        "message": "Authentication failed",
        "data": {"signalwire_error_code": "AUTH_REQUIRED"},
    }


def test_client_session_sees_authentication_failed() -> None:
    pair = Pair(config=RelayConfig(project=PROJECT, token="wrong"))
    pair.connect()
    [failed] = pair.take()
    assert isinstance(failed, AuthenticationFailed) and failed.code == -32002


def test_missing_authentication_is_invalid_params() -> None:
    server, conn = raw_pair()
    frame = connect_frame()
    del frame["params"]["authentication"]
    [reply] = send_raw(server, conn, frame)
    assert reply["error"]["code"] == -32602


def test_jwt_authentication() -> None:
    pair = Pair(config=RelayConfig(jwt_token="test-jwt"))
    pair.connect()
    assert isinstance(pair.take()[0], SessionStarted)
    bad = Pair(config=RelayConfig(jwt_token="nope"))
    bad.connect()
    assert isinstance(bad.take()[0], AuthenticationFailed)


def test_requests_before_authentication_are_refused() -> None:
    server, conn = raw_pair()
    [reply] = send_raw(
        server, conn, {"jsonrpc": "2.0", "id": "r1", "method": "calling.dial", "params": {}}
    )
    assert reply["error"]["code"] == -32002
    assert reply["error"]["data"] == {"signalwire_error_code": "AUTH_REQUIRED"}


def test_second_connect_on_one_socket_is_refused() -> None:
    server, conn = raw_pair()
    send_raw(server, conn, connect_frame())
    [reply] = send_raw(server, conn, connect_frame())
    assert reply["error"]["code"] == -32600


# -- malformed input and unknown things -----------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "reply_id"),
    [
        ("{not json", -32700, None),
        ("[1, 2]", -32600, None),
        ('{"jsonrpc": "1.0", "id": "x", "method": "m", "params": {}}', -32600, None),
        ('{"jsonrpc": "2.0", "id": "x", "method": 5, "params": {}}', -32600, "x"),
        ('{"jsonrpc": "2.0", "id": "x", "method": "m", "params": [1]}', -32602, "x"),
    ],
)
def test_malformed_frames_get_an_error_reply_and_never_raise(
    text: str, code: int, reply_id: str | None
) -> None:
    server, conn = raw_pair()
    [reply] = send_raw(server, conn, text)
    assert reply["id"] == reply_id and reply["error"]["code"] == code
    assert server.journal[0].message is None and server.journal[0].direction == CLIENT_TO_SERVER


def test_unknown_method_is_method_not_found() -> None:
    pair = Pair()
    pair.connect()
    pair.take()
    rid = pair.send(RawRequest(method="calling.teleport", params={"call_id": "x"}))
    [failed] = pair.take()
    assert isinstance(failed, RequestFailed) and failed.request_id == rid and failed.code == -32601


def test_unknown_connection_raises_local_protocol_error() -> None:
    server = make_server()
    with pytest.raises(LocalProtocolError):
        server.receive_text(99, "{}", now=0.0)  # type: ignore[arg-type]
    conn = server.connection_made(now=0.0)
    server.connection_lost(conn, now=0.0)
    server.connection_lost(conn, now=0.0)  # idempotent
    assert server.messages_to_send(conn) == []
    with pytest.raises(LocalProtocolError):
        server.receive_text(conn, "{}", now=0.0)


def test_injected_malformed_frame_reaches_the_client() -> None:
    pair = Pair()
    conn = pair.connect()
    pair.server.inject_raw(conn, '{"jsonrpc": "2.0", "id": 1', now=pair.now)
    with pytest.raises(RemoteProtocolError):
        pair.exchange()
    assert pair.server.journal[-1].message is None
    # The session survives it.
    pair.send(RawRequest(method="signalwire.ping"))
    assert isinstance(pair.take()[-1], RequestCompleted)


# -- receive / unreceive ----------------------------------------------------------


def test_receive_and_unreceive_answer_code_200() -> None:
    pair = Pair()
    conn = pair.connect()
    pair.take()
    pair.send(Receive(contexts=("sales",)))
    pair.send(Unreceive(contexts=("office",)))
    done = pair.of_type(RequestCompleted)
    assert [e.result["code"] for e in done] == ["200", "200"]
    info = pair.server.session_of(conn)
    assert info is not None and info.contexts == ("sales",)


# -- acks and pings ---------------------------------------------------------------


def test_unacked_events_are_visible_until_acked() -> None:
    server = make_server()
    conn = server.connection_made(now=0.0)
    send_raw(server, conn, connect_frame())
    [event] = server.unacked_events(conn)
    assert event.event_type == "signalwire.authorization.state"
    send_raw(server, conn, {"jsonrpc": "2.0", "id": event.event_id, "result": {}})
    assert server.unacked_events() == []


def test_scripted_and_periodic_server_pings() -> None:
    pair = Pair(make_server(ping_interval=10.0))
    conn = pair.connect()
    pair.server.send_ping(conn, now=pair.now)
    pair.exchange()
    assert pair.server.unanswered_pings(conn) == 0
    pair.advance(25.0)
    pings = [e for e in pair.server.journal if e.method == "signalwire.ping"]
    assert [p.time for p in pings] == [0.0, 10.0, 20.0]
    assert pings[1].params == {"timestamp": 10.0}
    assert pair.server.unanswered_pings(conn) == 0


def test_client_ping_is_answered() -> None:
    pair = Pair()
    pair.connect()
    pair.advance(31.0)  # the client pings every 30 s
    pongs = [
        e
        for e in pair.server.journal
        if e.direction == SERVER_TO_CLIENT and e.result == {} and e.time == 30.0
    ]
    assert pongs


# -- disconnect, drop and resume -----------------------------------------------------


def dial_and_wait(pair: Pair, number: str = "+15552222222") -> DialStateChanged:
    device: JSONObject = {
        "type": "phone",
        "params": {"to_number": number, "from_number": "+15550000000"},
    }
    dial = Dial(devices=[[device]])
    pair.send(dial)
    pair.run_until(
        lambda: any(
            isinstance(e, DialStateChanged) and e.tag == dial.tag and e.state != DialState.DIALING
            for e in pair.events
        )
    )
    return next(
        e
        for e in pair.of_type(DialStateChanged)
        if e.tag == dial.tag and e.state != DialState.DIALING
    )


def test_disconnect_without_restart_resumes_the_session_and_keeps_calls() -> None:
    pair = Pair()
    conn = pair.connect()
    first = pair.take()[0]
    assert isinstance(first, SessionStarted)
    answered = dial_and_wait(pair)
    assert answered.call is not None
    call_id = answered.call.call_id
    pair.server.request_disconnect(conn, restart=False, now=pair.now)
    pair.exchange()
    assert conn in pair.closed and pair.conn is None
    assert any(isinstance(e, SessionEnding) and not e.restart for e in pair.events)
    # While no socket is attached, the call ends: the event waits for the resume.
    pair.server.hangup_call(call_id, now=pair.now)
    info = pair.server.sessions()[0]
    assert info.connection is None and info.buffered_events == 2
    pair.take()
    new_conn = pair.connect()
    started = pair.of_type(SessionStarted)[0]
    assert started.restored and started.protocol == first.protocol
    ended = [
        e
        for e in pair.server.journal
        if e.connection == new_conn and e.event_type == "calling.call.state"
    ]
    assert [e.event_params["call_state"] for e in ended] == ["ending", "ended"]
    resume = next(
        e
        for e in pair.server.journal
        if e.connection == new_conn and e.method == "signalwire.connect"
    )
    assert resume.params["protocol"] == first.protocol


def test_disconnect_with_restart_starts_a_fresh_session() -> None:
    pair = Pair()
    conn = pair.connect()
    first = pair.take()[0]
    assert isinstance(first, SessionStarted)
    pair.server.request_disconnect(conn, restart=True, now=pair.now)
    pair.exchange()
    assert pair.conn is None
    pair.connect()
    started = pair.of_type(SessionStarted)[0]
    assert not started.restored and started.protocol != first.protocol


def test_abrupt_drop_then_resume() -> None:
    pair = Pair()
    conn = pair.connect()
    protocol = pair.take()[0]
    assert isinstance(protocol, SessionStarted)
    pair.server.drop(conn, now=pair.now)
    [close] = pair.server.connections_to_close()
    assert close.abrupt and close.connection == conn
    pair.lose()
    pair.connect()
    started = pair.of_type(SessionStarted)[0]
    assert started.restored and started.protocol == protocol.protocol


def test_stale_authorization_state_can_be_rejected() -> None:
    server = make_server(reject_stale_authorization=True)
    conn = server.connection_made(now=0.0)
    [result, _blob] = send_raw(server, conn, connect_frame())
    protocol = result["result"]["protocol"]
    conn2 = server.connection_made(now=0.0)
    [reply] = send_raw(server, conn2, connect_frame(protocol=protocol, authorization_state="a:b"))
    assert reply["error"]["code"] == -32003


# -- scripted responses ------------------------------------------------------------------


def test_delayed_response_times_the_client_request_out() -> None:
    pair = Pair()
    pair.connect()
    pair.take()
    pair.server.arm_response("signalwire.ping", delay=15.0)
    rid = pair.send(RawRequest(method="signalwire.ping"))
    pair.advance(11.0)
    failed = pair.of_type(RequestFailed)
    assert failed and failed[0].request_id == rid and failed[0].kind == "timeout"
    pair.advance(5.0)  # the late answer is dropped by the client
    late = [
        e for e in pair.server.journal if e.direction == SERVER_TO_CLIENT and e.request_id == rid
    ]
    assert len(late) == 1 and late[0].time == 15.0


def test_withheld_and_canned_responses() -> None:
    pair = Pair()
    pair.connect()
    pair.take()
    pair.server.arm_response("calling.answer", withhold=True)
    pair.server.arm_response("calling.answer", result={"code": "410", "message": "Gone"})
    pair.server.arm_response("calling.answer", error=RpcError(code=-32000, message="boom"))
    params: dict[str, JSONValue] = {"node_id": "n", "call_id": "c"}
    first = pair.send(RawRequest(method="calling.answer", params=params))
    second = pair.send(RawRequest(method="calling.answer", params=params))
    third = pair.send(RawRequest(method="calling.answer", params=params))
    fourth = pair.send(RawRequest(method="calling.answer", params=params))
    failures = {e.request_id: e.code for e in pair.of_type(RequestFailed)}
    assert first not in failures
    assert failures[second] == 410 and failures[third] == -32000 and failures[fourth] == 404


def test_arm_response_validates_its_options() -> None:
    server = make_server()
    with pytest.raises(LocalProtocolError):
        server.arm_response("calling.dial", withhold=True, result={"code": "200"})
    with pytest.raises(LocalProtocolError):
        server.arm_response("calling.dial", withhold=True, delay=1.0)


def test_journal_records_both_directions_with_times() -> None:
    pair = Pair()
    pair.connect()
    directions = [e.direction for e in pair.server.journal]
    assert directions[:3] == [CLIENT_TO_SERVER, SERVER_TO_CLIENT, SERVER_TO_CLIENT]
    assert directions[3] == CLIENT_TO_SERVER  # the ack
    assert [e.seq for e in pair.server.journal] == list(range(1, len(pair.server.journal) + 1))


def test_journal_limit_trims_old_entries_and_on_journal_sees_all() -> None:
    seen: list[Any] = []
    pair = Pair(make_server(journal_limit=4, on_journal=seen.append))
    pair.connect()
    for _ in range(5):
        pair.send(RawRequest(method="signalwire.ping"))
    assert len(pair.server.journal) <= 5
    assert len(seen) == 14 and pair.server.journal[-1].seq == 14
    assert pair.server.journal_after(12) == pair.server.journal[-2:]


def test_a_request_made_between_sockets_goes_out_on_the_resumed_one() -> None:
    pair = Pair()
    conn = pair.connect()
    pair.server.request_disconnect(conn, now=pair.now)
    pair.exchange()
    assert pair.conn is None
    rid = pair.send(RawRequest(method="signalwire.ping"))
    assert not pair.of_type(RequestCompleted)
    new_conn = pair.connect()
    assert any(isinstance(e, RequestCompleted) and e.request_id == rid for e in pair.events)
    [ping] = [e for e in pair.server.journal if e.request_id == rid and e.method]
    assert ping.connection == new_conn


def test_resume_while_the_old_socket_still_looks_alive_closes_it() -> None:
    server = make_server()
    first = Pair(server, name="x")
    old = first.connect()
    protocol = first.session.protocol
    # The client believes the socket died; the server has not noticed yet.
    first.session.connection_lost(now=0.0)
    first.conn = None
    first.connect()
    assert first.closed == [old]  # the server closes the stale socket
    assert first.session.protocol == protocol
    info = server.sessions()[0]
    assert info.connection == first.conn and info.connection != old
