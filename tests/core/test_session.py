"""The client session driven frame by frame (RELAY.md B-E), no event loop."""

from __future__ import annotations

import json

import pytest

from relay_core import (
    Answer,
    AuthenticationFailed,
    CallGoneError,
    CallRef,
    ConnectionLostError,
    Dial,
    Event,
    FailureKind,
    LivenessLost,
    LocalProtocolError,
    Ping,
    RawRequest,
    Receive,
    RelayConfig,
    RelayError,
    RelaySession,
    RemoteProtocolError,
    RequestCompleted,
    RequestError,
    RequestFailed,
    RequestId,
    RequestTimeoutError,
    SessionClosedError,
    SessionEnding,
    SessionStarted,
    SessionState,
    Unreceive,
)

from .helpers import (
    CONFIG,
    CONNECT_RESULT,
    Ids,
    error,
    events,
    frames,
    ready_session,
    result,
    server_event,
)

CALL = CallRef("call-A", "n1")  # type: ignore[arg-type]


def new_session(config: RelayConfig = CONFIG, *ids: str) -> RelaySession:
    return RelaySession(config, new_id=Ids(*ids), random=lambda: 0.5)


# -- C.1 / C.2 handshake -------------------------------------------------------


def test_connect_is_the_first_frame_with_the_documented_params() -> None:
    session = new_session(CONFIG, "req-01")
    assert session.state is SessionState.IDLE
    session.connection_made(now=0)
    [frame] = frames(session)
    assert frame == {
        "jsonrpc": "2.0",
        "id": "req-01",
        "method": "signalwire.connect",
        "params": {
            "version": {"major": 2, "minor": 0, "revision": 0},
            "agent": "sansio-relay/0.1",
            "event_acks": True,
            "authentication": {"project": "proj-1", "token": "PT-secret-token"},
            "contexts": ["office"],
        },
    }
    assert list(frame["params"]) == [
        "version",
        "agent",
        "event_acks",
        "authentication",
        "contexts",
    ]
    assert session.state is SessionState.AUTHENTICATING  # type: ignore[comparison-overlap]


def test_jwt_connect_omits_project_and_empty_contexts() -> None:
    session = new_session(RelayConfig(jwt_token="eyJ.secret.jwt"), "req-01")
    session.connection_made(now=0)
    [frame] = frames(session)
    assert frame["params"]["authentication"] == {"jwt_token": "eyJ.secret.jwt"}
    assert "contexts" not in frame["params"]


def test_connect_result_starts_the_session() -> None:
    session = new_session(CONFIG, "req-01")
    session.connection_made(now=0)
    frames(session)
    session.receive_text(result("req-01", CONNECT_RESULT), now=0.1)
    assert events(session) == [
        SessionStarted(
            protocol="signalwire_sig_1111_2222", identity="ident@us-east", restored=False
        )
    ]
    assert session.state is SessionState.READY
    assert session.protocol == "signalwire_sig_1111_2222"


def test_connect_result_is_not_code_checked() -> None:
    # RELAY.md C.2: the connect result has no code; any result is success.
    session = new_session(CONFIG, "req-01")
    session.connection_made(now=0)
    session.receive_text(result("req-01", {"code": "500", "protocol": "p"}), now=0)
    assert isinstance(events(session)[0], SessionStarted)


def test_resume_sends_protocol_and_authorization_state_and_runtime_contexts() -> None:
    session, ids = ready_session()
    session.receive_text(
        server_event(
            "ev-01", "signalwire.authorization.state", {"authorization_state": "blob:secret"}
        ),
        now=1,
    )
    assert frames(session) == [{"jsonrpc": "2.0", "id": "ev-01", "result": {}}]
    assert events(session) == []  # a credential: stored, never surfaced
    ids.push("req-05")
    session.send(Receive(contexts=["sales"]), now=1)
    session.receive_text(result("req-05", {"code": "200", "message": "Receiving events"}), now=1)
    ids.push("req-06")
    session.send(Unreceive(contexts=["office"]), now=1)
    session.receive_text(result("req-06", {"code": "200", "message": "Unreceiving"}), now=1)
    frames(session)
    session.connection_lost(now=2)
    ids.push("req-40")
    session.connection_made(now=3)
    [frame] = frames(session)
    params = frame["params"]
    assert params["contexts"] == ["sales"]
    assert params["protocol"] == "signalwire_sig_1111_2222"
    assert params["authorization_state"] == "blob:secret"
    assert list(params)[-2:] == ["protocol", "authorization_state"]
    session.receive_text(result("req-40", {**CONNECT_RESULT, "session_restored": True}), now=3)
    assert events(session)[-1] == SessionStarted(
        protocol="signalwire_sig_1111_2222", identity="ident@us-east", restored=True
    )


def test_a_rejected_first_login_is_not_retried() -> None:
    session = new_session(CONFIG, "r1", "q1")
    session.connection_made(now=0)
    frames(session)
    request_id = session.send(Answer(call=CALL), now=0)  # waits in the outbox
    session.receive_text(error("r1", -32002, "Authentication failed"), now=0)
    rejected, failure = events(session)
    assert rejected == AuthenticationFailed(
        code=-32002, message="Authentication failed", will_retry=False
    )
    assert isinstance(failure, RequestFailed) and failure.request_id == request_id
    assert isinstance(failure.error(), SessionClosedError)
    assert session.state is SessionState.CLOSED
    assert session.reconnect_delay() is None


def test_auth_rejection_after_a_session_is_reported_and_bounded() -> None:
    session, ids = ready_session()
    session.connection_lost(now=0)
    ids.push("r1", "q1", "r2", "r3")
    session.connection_made(now=0)
    frames(session)
    request_id = session.send(Answer(call=CALL), now=0)  # waits in the outbox
    assert request_id == "q1"
    assert frames(session) == []
    session.receive_text(error("r1", -32002, "Authentication failed"), now=0)
    assert events(session) == [
        AuthenticationFailed(code=-32002, message="Authentication failed", will_retry=True)
    ]
    assert session.state is SessionState.REJECTED
    session.connection_lost(now=0)
    assert session.reconnect_delay() == pytest.approx(1.5)  # 2 s * jitter 0.75
    for attempt, rid in enumerate(("r2", "r3"), start=2):
        session.connection_made(now=attempt)
        frames(session)
        session.receive_text(error(rid, -32002, "Authentication failed"), now=attempt)
        if attempt < 3:
            session.connection_lost(now=attempt)
    got = events(session)
    assert got[-2] == AuthenticationFailed(
        code=-32002, message="Authentication failed", will_retry=False
    )
    failure = got[-1]
    assert isinstance(failure, RequestFailed) and failure.request_id == "q1"
    assert isinstance(failure.error(), SessionClosedError)
    assert "Authentication failed" in failure.message
    assert session.state is SessionState.CLOSED  # type: ignore[comparison-overlap]
    assert session.reconnect_delay() is None  # type: ignore[unreachable]
    with pytest.raises(SessionClosedError):
        session.send(Answer(call=CALL), now=5)


def test_stale_authorization_state_is_dropped() -> None:
    session, ids = ready_session()
    session.receive_text(
        server_event("ev-1", "signalwire.authorization.state", {"authorization_state": "a:b"}),
        now=0,
    )
    session.connection_lost(now=1)
    ids.push("hs-2")
    session.connection_made(now=2)
    frames(session)
    session.receive_text(error("hs-2", -32003, "Requester validation failed"), now=2)
    session.connection_lost(now=2)
    ids.push("hs-3")
    session.connection_made(now=3)
    [frame] = frames(session)
    assert "protocol" not in frame["params"]
    assert "authorization_state" not in frame["params"]


def test_unanswered_connect_is_liveness_loss_not_an_auth_failure() -> None:
    session = new_session(CONFIG, "r1")
    session.connection_made(now=0)
    assert session.next_deadline() == 10
    session.handle_timeout(now=10)
    assert events(session) == [LivenessLost(reason="signalwire.connect went unanswered")]
    session.connection_lost(now=10)
    assert session.state is SessionState.IDLE


# -- requests and result codes (B.2, D) ----------------------------------------


def test_requests_wait_for_authentication_then_leave_in_order() -> None:
    session = new_session(CONFIG, "a", "hs", "b")
    session.send(Answer(call=CALL), now=0)
    session.connection_made(now=0)
    session.send(RawRequest(method="calling.record", params={"x": 1}), now=0)
    assert [f["method"] for f in frames(session)] == ["signalwire.connect"]
    assert session.statistics().queued_requests == 2
    session.receive_text(result("hs", CONNECT_RESULT), now=1)
    sent = frames(session)
    assert [(f["id"], f["method"]) for f in sent] == [
        ("a", "calling.answer"),
        ("b", "calling.record"),
    ]
    assert session.statistics().queued_requests == 0


def test_full_outbox_is_a_clear_error_and_changes_nothing() -> None:
    session = new_session(RelayConfig(project="p", token="t", max_queued_requests=2))
    session.send(Answer(call=CALL), now=0)
    session.send(Answer(call=CALL), now=0)
    with pytest.raises(LocalProtocolError, match="outbox full"):
        session.send(Answer(call=CALL), now=0)
    assert session.statistics().queued_requests == 2


def test_queued_request_expires_after_queue_timeout() -> None:
    session = new_session(RelayConfig(project="p", token="t", queue_timeout=5), "q")
    session.send(Answer(call=CALL), now=0)
    assert session.next_deadline() == 5
    session.handle_timeout(now=5)
    [failure] = events(session)
    assert isinstance(failure, RequestFailed) and failure.kind == FailureKind.TIMEOUT
    assert "was not sent" in failure.message


def answer_replied_with(reply: str) -> list[Event]:
    """The events of an ``Answer`` request that the server answers with ``reply``."""
    session, ids = ready_session()
    ids.push("req-1")
    session.send(Answer(call=CALL), now=0)
    session.receive_text(reply, now=0)
    return events(session)


@pytest.mark.parametrize("code", ["200", "202", 200, "299"])
def test_any_2xx_is_success(code: object) -> None:
    [completed] = answer_replied_with(result("req-1", {"code": code, "message": "ok"}))
    assert isinstance(completed, RequestCompleted)
    assert completed.result["message"] == "ok"


def test_result_without_code_is_success() -> None:
    session, ids = ready_session()
    ids.push("p1")
    session.send(Ping(), now=0)
    session.receive_text(result("p1", {}), now=0)
    assert events(session) == [
        RequestCompleted(request_id=RequestId("p1"), method="signalwire.ping", result={})
    ]


@pytest.mark.parametrize(
    ("code", "error_type"),
    [("404", CallGoneError), ("410", CallGoneError), ("409", RequestError), ("500", RequestError)],
)
def test_non_2xx_fails_with_its_code(code: str, error_type: type[RelayError]) -> None:
    [failure] = answer_replied_with(result("req-1", {"code": code, "message": "nope"}))
    assert isinstance(failure, RequestFailed)
    exc = failure.error()
    assert type(exc) is error_type
    assert exc.code == int(code) and exc.message == "nope"
    assert failure.call_gone is (code in ("404", "410"))


def test_jsonrpc_error_fails_the_request() -> None:
    [failure] = answer_replied_with(error("req-1", -32602, "Invalid params"))
    assert isinstance(failure, RequestFailed)
    assert (failure.code, failure.message) == (-32602, "Invalid params")


def test_legacy_wrapped_result_is_unwrapped_and_bare_result_kept_as_raw() -> None:
    session, ids = ready_session()
    ids.push("r1", "r2")
    session.send(Answer(call=CALL), now=0)
    session.send(Answer(call=CALL), now=0)
    session.receive_text(
        result("r1", {"requester_nodeid": "x", "result": {"code": "404", "message": "gone"}}),
        now=0,
    )
    session.receive_text(json.dumps({"jsonrpc": "2.0", "id": "r2", "result": "ok"}), now=0)
    gone, raw = events(session)
    assert isinstance(gone, RequestFailed) and gone.call_gone
    assert isinstance(raw, RequestCompleted) and raw.result == {"raw": "ok"}


def test_unknown_or_late_response_is_dropped() -> None:
    session, _ = ready_session()
    session.receive_text(result("nobody", {"code": "200"}), now=0)
    assert events(session) == [] and frames(session) == []


def test_request_timeout_fails_only_that_request() -> None:
    session, ids = ready_session(RelayConfig(project="p", token="t", ping_interval=None))
    ids.push("slow", "fast")
    session.send(
        Dial(devices=[[{"type": "phone", "params": {"to_number": "+15551230000"}}]], tag="t1"),
        now=0,
        timeout=2,
    )
    session.send(Answer(call=CALL), now=1)
    assert session.next_deadline() == 2
    session.handle_timeout(now=2)
    got = events(session)
    timeout = next(e for e in got if isinstance(e, RequestFailed))
    assert timeout.request_id == "slow" and isinstance(timeout.error(), RequestTimeoutError)
    assert session.state is SessionState.READY
    session.receive_text(result("fast", {"code": "200"}), now=3)
    assert isinstance(events(session)[0], RequestCompleted)


def test_ids_are_unique() -> None:
    session = RelaySession(CONFIG)
    ids = {session.send(Answer(call=CALL), now=0) for _ in range(200)}
    assert len(ids) == 200


# -- B.3 server requests --------------------------------------------------------


def test_event_is_acked_before_it_is_surfaced() -> None:
    session, _ = ready_session()
    # An event type the core does not model (messaging.* is modelled since issue 15).
    session.receive_text(server_event("ev-9", "chat.message", {"message_id": "m"}), now=0)
    assert frames(session) == [{"jsonrpc": "2.0", "id": "ev-9", "result": {}}]
    [event] = events(session)
    assert event.event_type == "chat.message"  # type: ignore[union-attr]


def test_event_without_id_is_not_acked() -> None:
    session, _ = ready_session()
    frame = {
        "jsonrpc": "2.0",
        "method": "signalwire.event",
        "params": {"event_type": "x.y", "params": {}},
    }
    session.receive_text(json.dumps(frame), now=0)
    assert frames(session) == []
    assert len(events(session)) == 1


def test_server_ping_is_answered_with_its_timestamp() -> None:
    session, _ = ready_session()
    ping = {
        "jsonrpc": "2.0",
        "id": "ping-9",
        "method": "signalwire.ping",
        "params": {"timestamp": 1715012345.123},
    }
    session.receive_text(json.dumps(ping), now=0)
    assert frames(session) == [
        {"jsonrpc": "2.0", "id": "ping-9", "result": {"timestamp": 1715012345.123}}
    ]


@pytest.mark.parametrize("restart", [False, True])
def test_disconnect_is_acked_and_requests_then_queue(restart: bool) -> None:
    session, ids = ready_session()
    disconnect = {
        "jsonrpc": "2.0",
        "id": "disc-1",
        "method": "signalwire.disconnect",
        "params": {"restart": restart},
    }
    session.receive_text(json.dumps(disconnect), now=0)
    assert frames(session) == [{"jsonrpc": "2.0", "id": "disc-1", "result": {}}]
    assert events(session) == [SessionEnding(restart=restart)]
    assert session.state is SessionState.DRAINING
    session.send(Answer(call=CALL), now=0)
    assert frames(session) == []  # RELAY.md K.7: nothing on the draining socket
    session.connection_lost(now=1)
    ids.push("hs-2")
    session.connection_made(now=2)
    [frame] = frames(session)
    assert ("protocol" in frame["params"]) is (not restart)


def test_unknown_server_method_gets_method_not_found() -> None:
    session, _ = ready_session()
    frame = {"jsonrpc": "2.0", "id": "x-1", "method": "signalwire.bogus", "params": {}}
    session.receive_text(json.dumps(frame), now=0)
    [reply] = frames(session)
    assert reply["id"] == "x-1" and reply["error"]["code"] == -32601


# -- malformed frames ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '"text"',
        '{"jsonrpc": "1.0", "id": "a", "result": {}}',
        '{"id": "a", "result": {}}',
        '{"jsonrpc": "2.0", "result": {}}',
        '{"jsonrpc": "2.0", "method": "signalwire.event", "params": null}',
        '{"jsonrpc": "2.0", "method": "signalwire.event", "params": [1]}',
        '{"jsonrpc": "2.0", "id": true, "result": {}}',
        '{"jsonrpc": "2.0", "id": "a"}',
    ],
)
def test_malformed_frames_raise_remote_protocol_error_and_change_nothing(text: str) -> None:
    session, ids = ready_session()
    ids.push("r1")
    session.send(Answer(call=CALL), now=0)
    frames(session)
    with pytest.raises(RemoteProtocolError):
        session.receive_text(text, now=0)
    assert session.state is SessionState.READY
    session.receive_text(result("r1", {"code": "200"}), now=0)
    assert isinstance(events(session)[0], RequestCompleted)
    assert session.statistics().malformed_frames == 1


def test_malformed_request_with_id_is_answered_with_invalid_params() -> None:
    session, _ = ready_session()
    with pytest.raises(RemoteProtocolError, match="params must be an object"):
        session.receive_text(
            '{"jsonrpc":"2.0","id":"ev-1","method":"signalwire.event","params":null}', now=0
        )
    [reply] = frames(session)
    assert reply["id"] == "ev-1" and reply["error"]["code"] == -32602


def test_event_with_bad_content_is_still_acked() -> None:
    session, _ = ready_session()
    with pytest.raises(RemoteProtocolError, match="event_type"):
        session.receive_text(
            '{"jsonrpc":"2.0","id":"ev-1","method":"signalwire.event","params":{"params":{}}}',
            now=0,
        )
    assert frames(session) == [{"jsonrpc": "2.0", "id": "ev-1", "result": {}}]


# -- liveness and reconnect (C.5, C.7) -------------------------------------------


def test_client_pings_on_cadence_and_an_unanswered_ping_is_liveness_loss() -> None:
    session, ids = ready_session(RelayConfig(project="p", token="t", request_timeout=5))
    assert session.next_deadline() == 30
    ids.push("ping-1")
    session.handle_timeout(now=30)
    [ping] = frames(session)
    assert ping == {"jsonrpc": "2.0", "id": "ping-1", "method": "signalwire.ping", "params": {}}
    session.receive_text(result("ping-1", {}), now=31)
    assert events(session) == []  # the session's own ping is not surfaced
    assert session.next_deadline() == 61
    ids.push("ping-2")
    session.handle_timeout(now=61)
    frames(session)
    assert session.next_deadline() == 66
    session.handle_timeout(now=66)
    assert events(session) == [LivenessLost(reason="signalwire.ping went unanswered")]


def test_server_ping_watchdog() -> None:
    session, _ = ready_session(
        RelayConfig(project="p", token="t", ping_interval=None, server_ping_timeout=15)
    )
    assert session.next_deadline() is None  # armed only once the server pings
    ping = '{"jsonrpc":"2.0","id":"p","method":"signalwire.ping","params":{}}'
    session.receive_text(ping, now=100)
    assert session.next_deadline() == 115
    session.receive_text(ping, now=110)
    session.handle_timeout(now=115)
    assert events(session) == []
    session.handle_timeout(now=125)
    assert events(session) == [LivenessLost(reason="server pings stopped")]


def test_reconnect_backoff_grows_with_jitter_and_resets_after_auth() -> None:
    draws = iter([0.0, 0.999, 0.0, 0.0, 0.0])
    session = RelaySession(
        RelayConfig(project="p", token="t", reconnect_base=1, reconnect_cap=8),
        new_id=Ids("h1", "h2", "h3", "h4"),
        random=lambda: next(draws),
    )
    delays = []
    for attempt in range(3):
        session.connection_made(now=attempt)
        session.connection_lost(now=attempt)  # never authenticated
        delays.append(session.reconnect_delay())
    assert delays[0] == pytest.approx(1.0)  # 2 s, jitter 0.5
    assert delays[1] == pytest.approx(4 * 0.9995)
    assert delays[2] == pytest.approx(4.0)  # 8 s (the cap), jitter 0.5
    session.connection_made(now=10)
    session.receive_text(result("h4", CONNECT_RESULT), now=10)
    session.connection_lost(now=11)
    assert session.reconnect_delay() == pytest.approx(0.5)


def test_connection_loss_fails_in_flight_requests_but_keeps_queued_ones() -> None:
    session, ids = ready_session()
    ids.push("a", "b")
    session.send(Answer(call=CALL), now=0)
    assert len(frames(session)) == 1  # handed to the transport: its fate is unknown
    session.send(Answer(call=CALL), now=0)  # still inside the session: never left
    session.connection_lost(now=1)
    [failure] = events(session)
    assert isinstance(failure, RequestFailed) and failure.request_id == "a"
    assert isinstance(failure.error(), ConnectionLostError)
    assert session.statistics().queued_requests == 1
    ids.push("c")
    session.send(Answer(call=CALL), now=1)
    assert session.statistics().queued_requests == 2
    ids.push("hs-2")
    session.connection_made(now=2)
    assert [f["id"] for f in frames(session)] == ["hs-2"]  # no stale frame first
    session.receive_text(result("hs-2", CONNECT_RESULT), now=2)
    assert [f["id"] for f in frames(session)] == ["b", "c"]


def test_close_fails_everything_and_is_final() -> None:
    session, ids = ready_session()
    ids.push("a")
    session.send(Answer(call=CALL), now=0)
    session.close(now=1)
    [failure] = events(session)
    assert isinstance(failure, RequestFailed) and failure.kind == FailureKind.CLOSED
    assert session.state is SessionState.CLOSED
    with pytest.raises(SessionClosedError):
        session.connection_made(now=2)


def test_connection_made_twice_is_a_local_error() -> None:
    session, _ = ready_session()
    with pytest.raises(LocalProtocolError):
        session.connection_made(now=1)


# -- secrets ------------------------------------------------------------------------


def test_no_secret_in_repr_or_errors() -> None:
    config = RelayConfig(project="proj", token="PT-secret", jwt_token=None)
    jwt = RelayConfig(jwt_token="eyJ-secret")
    session, _ = ready_session(config)
    session.receive_text(
        server_event("e", "signalwire.authorization.state", {"authorization_state": "AS-secret"}),
        now=0,
    )
    texts = [repr(config), str(config), repr(jwt), repr(session), repr(session.statistics())]
    with pytest.raises(LocalProtocolError) as missing:
        RelayConfig(project="proj")
    texts.append(str(missing.value))
    for text in texts:
        assert "secret" not in text
    assert "token='***'" in repr(config)


# -- C.4 receive / unreceive, E.1 envelope, E.3 calling.error -------------------------


def test_receive_and_unreceive_frames_and_a_refused_receive() -> None:
    session, ids = ready_session()
    ids.push("req-05", "req-06", "req-07")
    session.send(Receive(contexts=["sales", "support"]), now=0)
    session.send(Unreceive(contexts=["sales"]), now=0)
    session.send(Receive(contexts=("billing",)), now=0)
    assert frames(session) == [
        {"jsonrpc": "2.0", "id": "req-05", "method": "signalwire.receive",
         "params": {"contexts": ["sales", "support"]}},
        {"jsonrpc": "2.0", "id": "req-06", "method": "signalwire.unreceive",
         "params": {"contexts": ["sales"]}},
        {"jsonrpc": "2.0", "id": "req-07", "method": "signalwire.receive",
         "params": {"contexts": ["billing"]}},
    ]  # fmt: skip
    session.receive_text(result("req-05", {"code": "200", "message": "Receiving events"}), now=0)
    session.receive_text(result("req-06", {"code": "200", "message": "Unreceiving events"}), now=0)
    session.receive_text(result("req-07", {"code": "402", "message": "Payment required"}), now=0)
    *_, refused = events(session)
    assert isinstance(refused, RequestFailed) and refused.code == 402
    assert session.contexts == ("office", "support")  # billing was refused
    with pytest.raises(LocalProtocolError, match="contexts"):
        Receive(contexts=[""])


def test_full_event_envelope_with_extras_is_routed() -> None:
    from relay_core import Play, PlayStateChanged

    session, ids = ready_session()
    ids.push("p")
    session.send(
        Play(call=CALL, media=[{"type": "silence", "duration": 1}], control_id="ctl-1"), now=0
    )
    frame = {
        "jsonrpc": "2.0",
        "id": "ev-07",
        "method": "signalwire.event",
        "params": {
            "event_type": "calling.call.play",
            "event_channel": "signalwire_0d8d_830b",
            "timestamp": 1715012345.4321,
            "project_id": "9b3e",
            "space_id": "f1e2",
            "params": {"node_id": "n1", "call_id": "call-A", "control_id": "ctl-1",
                       "state": "finished", "extra_field": [1, 2]},
        },
    }  # fmt: skip
    frames(session)
    session.receive_text(json.dumps(frame), now=0)
    assert frames(session) == [{"jsonrpc": "2.0", "id": "ev-07", "result": {}}]
    [finished] = events(session)
    assert isinstance(finished, PlayStateChanged) and finished.state.value == "finished"


def test_calling_error_event_is_reported() -> None:
    from relay_core import CallErrorReported

    session, _ = ready_session()
    session.receive_text(
        server_event("ev-1", "calling.error", {"code": "5001", "message": "Media failure"}), now=0
    )
    [reported] = events(session)
    assert isinstance(reported, CallErrorReported)
    assert (reported.code, reported.message, reported.call) == (5001, "Media failure", None)


def test_a_ping_answered_while_draining_leaves_no_stale_deadline() -> None:
    session, ids = ready_session(RelayConfig(project="p", token="t", server_ping_timeout=None))
    ids.push("ping-1")
    session.handle_timeout(now=30)
    frames(session)
    disconnect = '{"jsonrpc":"2.0","id":"d","method":"signalwire.disconnect","params":{}}'
    session.receive_text(disconnect, now=31)
    session.receive_text(result("ping-1", {}), now=32)
    assert session.next_deadline() is None  # nothing to do until the socket is replaced
