"""Call lifecycles in the core: dial, connect, play, inbound, abandon (issue 3)."""

from __future__ import annotations

from typing import Any

import pytest

from relay_core import (
    Answer,
    CallReceived,
    CallRef,
    CallState,
    CallStateChanged,
    Connect,
    ConnectState,
    ConnectStateChanged,
    Dial,
    DialState,
    DialStateChanged,
    Hangup,
    InboundCallRefused,
    JSONObject,
    LocalProtocolError,
    Pass,
    PhoneDevice,
    Play,
    PlayState,
    PlayStateChanged,
    PlayStop,
    RelayConfig,
    RelaySession,
    RequestFailed,
    Tag,
    UnknownEvent,
)

from .helpers import CONNECT_RESULT, Ids, events, frames, ready_session, result, server_event

A: JSONObject = {
    "type": "phone",
    "params": {"to_number": "+15551110001", "from_number": "+15550000000"},
}
B: JSONObject = {
    "type": "phone",
    "params": {"to_number": "+15551110002", "from_number": "+15550000000"},
}
CALL_A = CallRef("call-A", "n1")  # type: ignore[arg-type]


def state(event_id: str, call_id: str, call_state: str, tag: str = "dt", **extra: Any) -> str:
    params = {"node_id": "n1", "call_id": call_id, "tag": tag, "direction": "outbound",
              "call_state": call_state, "device": A, **extra}  # fmt: skip
    return server_event(event_id, "calling.call.state", params)


def dial_event(event_id: str, dial_state: str, tag: str = "dt", **extra: Any) -> str:
    params = {"node_id": "n1", "tag": tag, "dial_state": dial_state, **extra}
    return server_event(event_id, "calling.call.dial", params)


def winner(call_id: str, tag: str = "dt") -> dict[str, Any]:
    return {"call_id": call_id, "node_id": "n1", "tag": tag, "dial_winner": True, "device": B}


def ends(session: RelaySession) -> list[str]:
    """Call ids the session asked the server to end (calling.end) since last drained."""
    return [f["params"]["call_id"] for f in frames(session) if f.get("method") == "calling.end"]


def dialing_session(tag: str = "dt") -> RelaySession:
    session, ids = ready_session()
    ids.push("dial-1")
    session.send(Dial(devices=[[A, B]], tag=tag), now=0)
    frames(session)
    return session


def inbound(
    session: RelaySession, call_id: str = "call-A", event_id: str = "ev-in", *, drain: bool = True
) -> None:
    params = {"node_id": "n1", "call_id": call_id, "tag": "", "call_state": "created",
              "direction": "inbound", "context": "office", "device": A}  # fmt: skip
    session.receive_text(server_event(event_id, "calling.call.receive", params), now=0)
    if drain:
        frames(session)  # the ack


# -- dial ------------------------------------------------------------------------


def test_dial_answered_before_the_winners_state_still_reports_answered() -> None:
    session = dialing_session()
    session.receive_text(state("e1", "leg-1", "ringing"), now=1)
    session.receive_text(dial_event("e2", "answered", call=winner("leg-1")), now=1)
    got = [e for e in events(session) if isinstance(e, DialStateChanged)]
    assert got[-1].state is DialState.ANSWERED
    assert got[-1].call is not None and got[-1].call.state is CallState.ANSWERED  # K.16


def test_dial_answered_for_a_leg_never_seen_creates_the_call() -> None:
    session = dialing_session()
    session.receive_text(dial_event("e1", "answered", call=winner("leg-9")), now=1)
    [answered] = events(session)
    assert isinstance(answered, DialStateChanged) and answered.call is not None
    assert answered.call.call_id == "leg-9" and answered.call.node_id == "n1"
    assert session.statistics().live_calls == 1


def test_dial_failed_carries_the_reason() -> None:
    session = dialing_session()
    session.receive_text(dial_event("e1", "failed", reason="busy", source="outbound"), now=1)
    [failed] = events(session)
    assert isinstance(failed, DialStateChanged) and failed.reason == "busy"
    assert session.statistics().live_dials == 0


def test_dial_rejected_by_the_server_fails_the_dial() -> None:
    session = dialing_session()
    session.receive_text(result("dial-1", {"code": "400", "message": "Invalid devices"}), now=1)
    failure, failed = events(session)
    assert isinstance(failure, RequestFailed) and failure.code == 400
    assert isinstance(failed, DialStateChanged) and failed.state is DialState.FAILED
    assert failed.reason == "request_failed" and failed.message == "Invalid devices"
    assert ends(session) == []


def test_duplicate_live_tag_is_refused_and_nothing_changes() -> None:
    session = dialing_session()
    with pytest.raises(LocalProtocolError, match="already in use"):
        session.send(Dial(devices=[[A]], tag="dt"), now=0)
    assert session.statistics().live_dials == 1


def test_state_for_unknown_call_without_live_tag_is_dropped() -> None:
    session, _ = ready_session()
    session.receive_text(state("e1", "stranger", "ringing", tag="nobody"), now=0)
    assert events(session) == []
    assert session.statistics().dropped_events == 1


def test_dial_max_duration_goes_on_each_device() -> None:
    session, ids = ready_session()
    ids.push("d")
    session.send(Dial(devices=[[A], [PhoneDevice(to_number="+15551110002", max_duration=5)]],
                      tag="t", max_duration=60), now=0)  # fmt: skip
    [frame] = frames(session)
    groups = frame["params"]["devices"]
    assert groups[0][0]["params"]["max_duration"] == 60
    assert groups[1][0]["params"]["max_duration"] == 5
    assert "max_duration" not in frame["params"]


# -- abandon -----------------------------------------------------------------------


def test_abandon_ends_every_known_live_leg_and_silences_the_dial() -> None:
    session = dialing_session()
    session.receive_text(state("e1", "leg-1", "ringing"), now=1)
    session.receive_text(state("e2", "leg-2", "created"), now=1)
    session.receive_text(state("e3", "leg-3", "ended", end_reason="busy"), now=1)
    frames(session)
    events(session)
    session.abandon_dial("dt", now=2)  # type: ignore[arg-type]
    assert sorted(ends(session)) == ["leg-1", "leg-2"]
    # Late legs and a late winner are ended too; nothing reaches the user.
    session.receive_text(state("e4", "leg-4", "ringing"), now=3)
    session.receive_text(state("e5", "leg-1", "ended", end_reason="cancel"), now=3)
    session.receive_text(dial_event("e6", "answered", call=winner("leg-5")), now=3)
    assert sorted(ends(session)) == ["leg-4", "leg-5"]
    assert events(session) == []


def test_abandon_before_any_leg_ends_legs_as_they_appear_then_forgets() -> None:
    session = dialing_session()
    session.abandon_dial("dt", now=0)  # type: ignore[arg-type]
    assert ends(session) == []
    session.receive_text(state("e1", "leg-1", "created"), now=1)
    assert ends(session) == ["leg-1"]
    session.receive_text(state("e2", "leg-1", "ringing"), now=1)
    assert ends(session) == []  # only once per leg
    session.receive_text(state("e3", "leg-1", "ended", end_reason="cancel"), now=1)
    session.receive_text(dial_event("e4", "failed", reason="cancel"), now=1)
    assert events(session) == []
    stats = session.statistics()
    assert (stats.live_dials, stats.live_calls) == (0, 0)


def test_abandon_after_answered_ends_the_winner() -> None:
    # The outcome raced the caller's cancellation: the winner must not ring on.
    session = dialing_session()
    session.receive_text(state("e1", "leg-1", "answered"), now=1)
    session.receive_text(dial_event("e2", "answered", call=winner("leg-1")), now=1)
    frames(session)
    session.abandon_dial("dt", now=2)  # type: ignore[arg-type]
    assert ends(session) == ["leg-1"]


def test_dial_request_timeout_abandons_the_dial() -> None:
    session, ids = ready_session(RelayConfig(project="p", token="t", ping_interval=None))
    ids.push("d")
    session.send(Dial(devices=[[A]], tag="dt"), now=0)
    frames(session)
    session.receive_text(state("e1", "leg-1", "ringing"), now=1)
    session.handle_timeout(now=10)
    assert ends(session) == ["leg-1"]
    got = events(session)
    assert any(isinstance(e, DialStateChanged) and e.state is DialState.FAILED for e in got)


def test_abandon_all_covers_dials_and_connects() -> None:
    session, ids = ready_session()
    inbound(session)
    ids.push("d", "c")
    session.send(Dial(devices=[[A]], tag="dt"), now=0)
    session.send(Connect(call=CALL_A, devices=[[B]], tag="ct"), now=0)
    session.receive_text(state("e1", "leg-1", "ringing"), now=1)
    back = {"call_id": "call-A", "node_id": "n1"}
    session.receive_text(state("e2", "peer-1", "ringing", tag="ct", peer=back), now=1)
    frames(session)
    session.abandon_all(now=2)
    assert sorted(ends(session)) == ["leg-1", "peer-1"]


# -- connect ---------------------------------------------------------------------------


def connecting_session() -> RelaySession:
    session, ids = ready_session()
    inbound(session)
    ids.push("conn-1")
    session.send(Connect(call=CALL_A, devices=[[B]], tag="ct"), now=0)
    frames(session)
    events(session)
    return session


def connect_event(event_id: str, connect_state: str, **extra: Any) -> str:
    params = {"node_id": "n1", "call_id": "call-A", "tag": "ct", "connect_state": connect_state,
              **extra}  # fmt: skip
    return server_event(event_id, "calling.call.connect", params)


def test_connected_peer_is_registered_so_its_events_route() -> None:
    session = connecting_session()
    peer = {"call_id": "peer-1", "node_id": "n1", "device": B}
    session.receive_text(connect_event("e1", "connected", peer=peer), now=1)
    [connected] = events(session)
    assert isinstance(connected, ConnectStateChanged) and connected.peer is not None
    assert connected.peer.call_id == "peer-1" and connected.peer.peer == CALL_A
    session.receive_text(state("e2", "peer-1", "ended", tag="ct", end_reason="hangup"), now=2)
    [ended] = events(session)
    assert isinstance(ended, CallStateChanged) and ended.call.call_id == "peer-1"


def test_second_connect_on_a_bridged_call_is_refused() -> None:
    session = connecting_session()
    with pytest.raises(LocalProtocolError, match="already has a connect"):
        session.send(Connect(call=CALL_A, devices=[[B]]), now=0)


def test_abandoned_connect_ends_peers_and_a_late_connected_peer() -> None:
    session = connecting_session()
    session.receive_text(state("e1", "peer-1", "ringing", tag="ct"), now=1)
    frames(session)
    session.abandon_connect(CALL_A, now=2)
    assert ends(session) == ["peer-1"]
    late = {"call_id": "peer-2", "node_id": "n1"}
    session.receive_text(connect_event("e2", "connected", peer=late), now=3)
    assert ends(session) == ["peer-2"]
    assert [e for e in events(session) if isinstance(e, ConnectStateChanged)] == []


def test_a_leg_ending_fails_its_pending_connect() -> None:
    session = connecting_session()
    session.receive_text(state("e1", "call-A", "ended", tag="", end_reason="hangup"), now=1)
    got = events(session)
    failed = [e for e in got if isinstance(e, ConnectStateChanged)]
    assert failed and failed[0].state is ConnectState.FAILED
    assert failed[0].failed_reason == "call_ended"
    assert session.statistics().live_connects == 0


# -- play ----------------------------------------------------------------------------------


def playing_session() -> RelaySession:
    session, ids = ready_session()
    inbound(session)
    ids.push("play-1")
    session.send(
        Play(call=CALL_A, media=[{"type": "tts", "text": "Hi"}], control_id="ctl-1"), now=0
    )
    [frame] = frames(session)
    assert frame["params"]["play"] == [{"type": "tts", "params": {"text": "Hi"}}]
    events(session)
    return session


def play_event(event_id: str, play_state: str) -> str:
    params = {"node_id": "n1", "call_id": "call-A", "control_id": "ctl-1", "state": play_state}
    return server_event(event_id, "calling.call.play", params)


def test_play_lifecycle() -> None:
    session = playing_session()
    for number, play_state in enumerate(["playing", "paused", "playing", "finished"]):
        session.receive_text(play_event(f"e{number}", play_state), now=1)
    got = [e.state for e in events(session) if isinstance(e, PlayStateChanged)]
    assert got == [PlayState.PLAYING, PlayState.PAUSED, PlayState.PLAYING, PlayState.FINISHED]
    assert session.statistics().live_actions == 0
    session.receive_text(play_event("late", "playing"), now=2)  # after terminal: news for the call
    assert session.statistics().live_actions == 0


def test_play_ends_when_its_call_ends() -> None:
    session = playing_session()
    session.receive_text(play_event("e1", "playing"), now=1)
    session.receive_text(state("e2", "call-A", "ended", tag="", end_reason="hangup"), now=2)
    got = events(session)
    ended = [e for e in got if isinstance(e, PlayStateChanged)][-1]
    assert ended.state is PlayState.ERROR and ended.reason == "call_ended"  # K.19
    assert session.statistics().live_actions == 0
    assert session.statistics().live_calls == 0


def test_play_request_failure_ends_the_playback() -> None:
    session = playing_session()
    session.receive_text(result("play-1", {"code": "404", "message": "Call not found"}), now=1)
    failure, ended = events(session)
    assert isinstance(failure, RequestFailed) and failure.call_gone
    assert isinstance(ended, PlayStateChanged) and ended.reason == "request_failed"


def test_play_controls_carry_the_control_id() -> None:
    session = playing_session()
    session.send(PlayStop(call=CALL_A, control_id="ctl-1"), now=0)  # type: ignore[arg-type]
    [frame] = frames(session)
    assert frame["method"] == "calling.play.stop"
    assert frame["params"] == {"node_id": "n1", "call_id": "call-A", "control_id": "ctl-1"}


# -- inbound, pass, cap ------------------------------------------------------------------


def test_inbound_call_is_received_with_its_context() -> None:
    session, _ = ready_session()
    inbound(session)
    [received] = events(session)
    assert isinstance(received, CallReceived) and received.context == "office"
    assert received.call.direction == "inbound"
    assert received.call.device == PhoneDevice(to_number="+15551110001", from_number="+15550000000")


def test_passed_call_is_forgotten() -> None:
    session, ids = ready_session()
    inbound(session)
    ids.push("p")
    session.send(Pass(call=CALL_A), now=0)
    session.receive_text(result("p", {"code": "200", "message": "Passing call"}), now=0)
    assert session.statistics().live_calls == 0


@pytest.mark.parametrize(
    ("policy", "method"), [("pass", "calling.pass"), ("decline", "calling.end")]
)
def test_inbound_over_the_cap_gets_the_policy_never_a_silent_drop(policy: str, method: str) -> None:
    config = RelayConfig(project="p", token="t", max_calls=1, inbound_overflow=policy)
    session, _ = ready_session(config)
    inbound(session, "c1", "e1")
    inbound(session, "c2", "e2", drain=False)
    sent = frames(session)
    assert [f.get("method") for f in sent][-1] == method
    refused = events(session)[-1]
    assert isinstance(refused, InboundCallRefused) and refused.call.call_id == "c2"
    assert session.statistics().live_calls == 1
    with pytest.raises(LocalProtocolError, match="cap"):
        session.send(Dial(devices=[[A]]), now=0)


def test_unknown_calling_event_routes_to_its_call_and_unknown_call_is_dropped() -> None:
    session, _ = ready_session()
    inbound(session)
    events(session)
    params = {"node_id": "n1", "call_id": "call-A", "control_id": "r1", "state": "recording"}
    session.receive_text(server_event("e1", "calling.call.mystery", params), now=0)
    [unknown] = events(session)
    assert isinstance(unknown, UnknownEvent) and unknown.call == CALL_A
    session.receive_text(
        server_event("e2", "calling.call.mystery", {**params, "call_id": "x"}), now=0
    )
    assert events(session) == []


def test_unknown_enum_strings_keep_their_raw_value() -> None:
    session = dialing_session()
    session.receive_text(state("e1", "leg-1", "early_media"), now=1)
    [changed] = events(session)
    assert isinstance(changed, CallStateChanged)
    assert not changed.state.is_known and changed.state.value == "early_media"


def test_ended_calls_are_dropped_and_answer_hangup_frames() -> None:
    session, ids = ready_session()
    inbound(session)
    ids.push("a", "h")
    session.send(Answer(call=CALL_A), now=0)
    session.send(Hangup(call=CALL_A, reason="busy"), now=0)
    answer, hangup = frames(session)
    assert answer["params"] == {"node_id": "n1", "call_id": "call-A"}
    assert hangup["params"] == {"node_id": "n1", "call_id": "call-A", "reason": "busy"}
    with pytest.raises(LocalProtocolError, match="reason"):
        Hangup(call=CALL_A, reason="because")
    session.receive_text(state("e1", "call-A", "ended", tag="", end_reason="hangup"), now=0)
    assert session.statistics().live_calls == 0


# -- connection loss and resume ---------------------------------------------------------


def _resume(session: RelaySession, ids: Ids, restored: bool) -> None:
    session.connection_lost(now=5)
    ids.push("hs-2")
    session.connection_made(now=6)
    frames(session)
    session.receive_text(result("hs-2", {**CONNECT_RESULT, "session_restored": restored}), now=6)


def test_dial_in_flight_survives_a_resumed_session() -> None:
    session, ids = ready_session()
    ids.push("d")
    session.send(Dial(devices=[[A]], tag="dt"), now=0)
    _resume(session, ids, restored=True)
    events(session)
    session.receive_text(state("e1", "leg-1", "answered"), now=7)
    session.receive_text(dial_event("e2", "answered", call=winner("leg-1")), now=7)
    assert events(session)[-1] == DialStateChanged(
        tag=Tag("dt"),
        state=DialState.ANSWERED,
        call=session_call(session, "leg-1"),
    )


def session_call(session: RelaySession, call_id: str) -> Any:
    return session._calls.calls[call_id].snapshot()  # type: ignore[index]


def test_fresh_session_fails_waiting_work_and_ends_known_legs() -> None:
    session, ids = ready_session()
    inbound(session)
    ids.push("d", "p")
    session.send(Dial(devices=[[A]], tag="dt"), now=0)
    session.send(
        Play(call=CALL_A, media=[{"type": "silence", "duration": 1}], control_id="c"), now=0
    )
    session.receive_text(result("d", {"code": "200"}), now=0)
    session.receive_text(result("p", {"code": "200"}), now=0)
    session.receive_text(state("e1", "leg-1", "ringing"), now=1)
    events(session)
    _resume(session, ids, restored=False)
    got = events(session)
    dial_failed = next(e for e in got if isinstance(e, DialStateChanged))
    assert dial_failed.state is DialState.FAILED and dial_failed.reason == "session_lost"
    play_ended = next(e for e in got if isinstance(e, PlayStateChanged))
    assert play_ended.reason == "session_lost"
    assert ends(session) == ["leg-1"]


# -- frames and ends that die with their socket -------------------------------------


def _abandoned_with_ringing_leg() -> tuple[RelaySession, Ids]:
    session, ids = ready_session()
    ids.push("dial-1")
    session.send(Dial(devices=[[A]], tag="dt"), now=0)
    session.receive_text(result("dial-1", {"code": "200"}), now=0)
    session.receive_text(state("e1", "leg-1", "ringing"), now=1)
    frames(session)
    events(session)
    session.abandon_dial("dt", now=2)  # type: ignore[arg-type]
    assert session.statistics().abandoned_work == 1
    return session, ids


def _reconnect(session: RelaySession, ids: Ids) -> list[dict[str, Any]]:
    ids.push("hs-2")
    session.connection_made(now=4)
    assert [f["method"] for f in frames(session)] == ["signalwire.connect"]
    session.receive_text(result("hs-2", {**CONNECT_RESULT, "session_restored": True}), now=4)
    return frames(session)


def test_end_not_yet_handed_out_survives_the_socket() -> None:
    session, ids = _abandoned_with_ringing_leg()
    session.receive_text(state("e2", "leg-1", "ringing"), now=2)  # its ack is stale too
    session.connection_lost(now=3)  # the calling.end frame was never taken
    sent = _reconnect(session, ids)
    assert [(f["method"], f["params"]["call_id"]) for f in sent] == [("calling.end", "leg-1")]


def test_end_handed_out_but_lost_is_sent_again() -> None:
    session, ids = _abandoned_with_ringing_leg()
    assert ends(session) == ["leg-1"]  # handed to the adapter ...
    session.connection_lost(now=3)  # ... and lost with the socket
    sent = _reconnect(session, ids)
    assert [(f["method"], f["params"]["call_id"]) for f in sent] == [("calling.end", "leg-1")]
    # Answered this time: not sent a third time.
    session.receive_text(result(sent[0]["id"], {"code": "200"}), now=5)
    session.connection_lost(now=6)
    assert _reconnect(session, ids) == []


def test_outcome_events_say_when_they_are_final() -> None:
    session = dialing_session()
    session.receive_text(dial_event("e0", "dialing"), now=1)
    session.receive_text(dial_event("e1", "failed", reason="busy"), now=1)
    dialing, failed = events(session)
    assert isinstance(dialing, DialStateChanged) and not dialing.is_final
    assert isinstance(failed, DialStateChanged) and failed.is_final


# -- a dial or connect whose request was lost in a drop ------------------------------


def _dial_lost_in_drop() -> tuple[RelaySession, Ids]:
    session, ids = ready_session(RelayConfig(project="p", token="t", ping_interval=None))
    ids.push("dial-1")
    session.send(Dial(devices=[[A]], tag="dt"), now=0)
    frames(session)  # handed to the transport, then the socket dies
    session.connection_lost(now=1)
    events(session)
    return session, ids


def _resumed(session: RelaySession, ids: Ids) -> None:
    ids.push("hs-2")
    session.connection_made(now=2)
    frames(session)
    session.receive_text(result("hs-2", {**CONNECT_RESULT, "session_restored": True}), now=2)
    events(session)


def test_lost_dial_request_fails_if_the_resumed_session_never_mentions_it() -> None:
    session, ids = _dial_lost_in_drop()
    _resumed(session, ids)
    assert session.next_deadline() == 12  # resume + request_timeout
    session.handle_timeout(now=12)
    [failed] = events(session)
    assert isinstance(failed, DialStateChanged) and failed.reason == "request_lost"
    error = failed.error()
    assert error.reason == "request_lost" and error.tag == "dt" and "dt" in str(error)
    session.receive_text(state("e1", "leg-1", "ringing"), now=13)  # it was alive after all
    assert ends(session) == ["leg-1"]
    assert events(session) == []


def test_lost_dial_request_lives_on_when_the_resumed_session_reports_it() -> None:
    session, ids = _dial_lost_in_drop()
    _resumed(session, ids)
    session.receive_text(state("e1", "leg-1", "ringing"), now=3)
    assert session.next_deadline() is None
    session.receive_text(state("e2", "leg-1", "answered"), now=4)
    session.receive_text(dial_event("e3", "answered", call=winner("leg-1")), now=4)
    assert events(session)[-1].state is DialState.ANSWERED  # type: ignore[union-attr]


def test_lost_connect_request_fails_after_the_grace_period() -> None:
    session, ids = ready_session(RelayConfig(project="p", token="t", ping_interval=None))
    inbound(session)
    ids.push("c")
    session.send(Connect(call=CALL_A, devices=[[B]], tag="ct"), now=0)
    frames(session)
    session.connection_lost(now=1)
    events(session)
    _resumed(session, ids)
    session.handle_timeout(now=12)
    [failed] = events(session)
    assert isinstance(failed, ConnectStateChanged) and failed.failed_reason == "request_lost"
    assert failed.error().reason == "request_lost"


def test_call_state_rank() -> None:
    assert CallState.CREATED.rank < CallState.ANSWERED.rank < CallState.ENDED.rank
    assert CallState("early_media").rank == -1


def test_abandon_returns_the_legs_it_silences() -> None:
    session = dialing_session()
    session.receive_text(state("e1", "leg-1", "ringing"), now=1)
    hidden = session.abandon_dial("dt", now=2)  # type: ignore[arg-type]
    assert hidden == (CallRef("leg-1", "n1"),)  # type: ignore[arg-type]
    assert session.abandon_dial("dt", now=3) == ()  # type: ignore[arg-type]


def test_refuse_call_applies_the_overflow_policy() -> None:
    session, _ = ready_session()
    inbound(session)
    events(session)
    session.refuse_call(CALL_A, now=1)
    [passed] = frames(session)
    assert passed["method"] == "calling.pass" and passed["params"]["call_id"] == "call-A"
    [refused] = events(session)
    assert isinstance(refused, InboundCallRefused) and refused.action == "calling.pass"
    assert session.statistics().live_calls == 0


def test_call_state_changed_is_final_on_ended() -> None:
    session, _ = ready_session()
    inbound(session)
    session.receive_text(state("e1", "call-A", "ended", tag=""), now=1)
    _received, ended = events(session)
    assert isinstance(ended, CallStateChanged) and ended.is_final


def test_a_redelivered_offer_is_not_a_second_call() -> None:
    session, _ = ready_session()
    inbound(session, "call-A", "e1")
    inbound(session, "call-A", "e2")
    [received] = events(session)
    assert isinstance(received, CallReceived)
    assert session.statistics().dropped_events == 1


def test_none_tag_and_control_id_mean_fresh_ones() -> None:
    first, second = Dial(devices=[[A]], tag=None), Dial(devices=[[A]])
    assert first.tag and second.tag and first.tag != second.tag
    assert Dial(devices=[[A]], tag="mine").tag == "mine"
    play = Play(call=CALL_A, media=[{"type": "silence", "duration": 1}], control_id=None)
    assert play.control_id
    with pytest.raises(LocalProtocolError, match="tag"):
        Dial(devices=[[A]], tag="")


def test_a_call_snapshot_is_the_call_info_its_constructor_builds() -> None:
    # _Call.snapshot sets CallInfo's slots directly (speed): same value, hash,
    # repr and frozenness as CallInfo(...), every field carried.
    import attrs

    from relay_core import CallInfo, CallRef, CallState
    from relay_core._ids import CallId, NodeId, Tag
    from relay_core.client._trackers import _Call
    from relay_core.wire._devices import device_from_wire

    call = _Call(CallId("c-1"), NodeId("n-1"), Tag("t-1"))
    call.direction = "outbound"
    call.state = CallState.ANSWERED
    call.device = device_from_wire({"type": "phone", "params": {"to_number": "+15551110001"}})
    call.context = "office"
    call.peer = CallRef(CallId("c-2"), NodeId("n-2"))
    call.end_reason = "hangup"
    snap = call.snapshot()
    built = CallInfo(
        call_id=CallId("c-1"),
        node_id=NodeId("n-1"),
        tag=Tag("t-1"),
        direction="outbound",
        state=CallState.ANSWERED,
        device=call.device,
        context="office",
        peer=CallRef(CallId("c-2"), NodeId("n-2")),
        end_reason="hangup",
    )
    assert snap == built and hash(snap) == hash(built) and repr(snap) == repr(built)
    assert attrs.asdict(snap, recurse=False) == attrs.asdict(built, recurse=False)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        snap.state = CallState.ENDED  # type: ignore[misc]
