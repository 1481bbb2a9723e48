"""FakeRelayServer's phone network against the client core, frame by frame (issue 4).

Each scenario drives a real RelaySession; assertions look at both the wire
(the journal) and the client's events.
"""

from __future__ import annotations

from typing import Any

import pytest

from relay_core import (
    Answer,
    CallGoneError,
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
    Disconnect,
    Hangup,
    LocalProtocolError,
    Pass,
    Play,
    PlayPause,
    PlayResume,
    PlayState,
    PlayStateChanged,
    PlayStop,
    PlayVolume,
    RawRequest,
    Receive,
    RelayConfig,
    RequestCompleted,
    RequestFailed,
    TtsMedia,
)
from relay_core.fake._legs import media_duration
from relay_core.testing import Answers, Busy, Declines, Directory, Fails, NeverAnswers

from .helpers import PROJECT, TOKEN, Pair, make_server, summary

FROM = "+15550000000"


def phone(number: str, **params: Any) -> dict[str, Any]:
    return {"type": "phone", "params": {"to_number": number, "from_number": FROM, **params}}


def sip(uri: str) -> dict[str, Any]:
    return {"type": "sip", "params": {"to": uri, "from": "sip:bot@example.com"}}


def outcome(pair: Pair, tag: str) -> DialStateChanged:
    def done() -> bool:
        return any(
            isinstance(e, DialStateChanged) and e.tag == tag and e.state != DialState.DIALING
            for e in pair.events
        )

    pair.run_until(done)
    return next(
        e for e in pair.of_type(DialStateChanged) if e.tag == tag and e.state != DialState.DIALING
    )


def ready(directory: Directory | None = None, **kwargs: Any) -> Pair:
    pair = Pair(make_server(directory, **kwargs))
    pair.connect()
    pair.take()
    return pair


def answered_call(pair: Pair, number: str = "+15552222222") -> CallRef:
    dial = Dial(devices=[[phone(number)]])
    pair.send(dial)
    result = outcome(pair, dial.tag)
    assert result.call is not None
    pair.take()
    return result.call.ref


# -- dial ---------------------------------------------------------------------------


def test_serial_failover_first_never_answers() -> None:
    """RELAY.md F.6 with the default directory (+15551110001 never answers)."""
    pair = ready()
    dial = Dial(
        devices=[[phone("+15551110001", timeout=20)], [phone("+15551110002", timeout=30)]],
        tag="dt-1",
    )
    pair.send(dial)
    result = outcome(pair, "dt-1")
    assert pair.now == 21.0  # 20 s ring timeout, then B answers after 1 s
    assert result.state is DialState.ANSWERED and result.call is not None
    assert result.call.state is CallState.ANSWERED
    legs = [
        e.event_params["call_id"]
        for e in pair.server.journal
        if e.event_type == "calling.call.state"
    ]
    leg1, leg2 = legs[0], legs[-1]
    assert summary(pair.server, "calling.call.dial", "calling.call.state") == [
        ("dial", "dialing", None),
        ("state", leg1, "created", None),
        ("state", leg1, "ringing", None),
        ("state", leg1, "ending", "noAnswer"),
        ("state", leg1, "ended", "noAnswer"),
        ("state", leg2, "created", None),
        ("state", leg2, "ringing", None),
        ("state", leg2, "answered", None),
        ("dial", "answered", leg2),
    ]
    assert result.call.call_id == leg2
    # Every event of a leg repeats its device verbatim, with the tag and direction.
    devices: Any = dial.to_params()["devices"]
    for entry in pair.server.journal:
        if entry.event_type == "calling.call.state":
            params = entry.event_params
            assert params["tag"] == "dt-1" and params["direction"] == "outbound"
            assert params["device"] in (devices[0][0], devices[1][0])
    winner = next(
        e.event_params
        for e in pair.server.journal
        if e.event_params.get("dial_state") == "answered"
    )
    call = winner["call"]
    assert isinstance(call, dict)
    assert (
        call["dial_winner"] is True
        and call["tag"] == "dt-1"
        and call["node_id"] == pair.server.node_id
    )
    assert pair.server.unacked_events() == []


def test_parallel_ring_first_answer_wins_and_losers_are_cancelled() -> None:
    """RELAY.md F.7: phone + SIP together; the SIP leg answers."""
    directory = Directory.default()
    directory.set("sip:alice@pbx.example.com", Answers(after=2.0))
    pair = ready(directory)
    dial = Dial(devices=[[phone("+15551110001"), sip("sip:alice@pbx.example.com")]], tag="dt-2")
    pair.send(dial)
    result = outcome(pair, "dt-2")
    pair.advance(0.1)
    assert result.call is not None and result.call.device is not None
    states = [e for e in summary(pair.server) if e[0] in ("state", "dial")]
    a, b = states[1][1], states[2][1]
    assert states == [
        ("dial", "dialing", None),
        ("state", a, "created", None),
        ("state", b, "created", None),
        ("state", a, "ringing", None),
        ("state", b, "ringing", None),
        ("state", b, "answered", None),
        ("dial", "answered", b),
        ("state", a, "ending", "cancel"),
        ("state", a, "ended", "cancel"),
    ]
    assert result.call.call_id == b
    sent = [e for e in pair.server.journal if e.method == "calling.end"]
    assert sent == []  # the server cancelled the loser on its own
    assert pair.server.call(b) is not None and pair.server.call(a).state is CallState.ENDED  # type: ignore[union-attr]


def test_failed_dial_every_leg_ends_before_dial_failed() -> None:
    """RELAY.md F.8: A busy, B unanswered."""
    directory = Directory.default()
    directory.set("+15551110001", Busy())
    directory.set("+15551110002", NeverAnswers())
    pair = ready(directory)
    pair.send(
        Dial(devices=[[phone("+15551110001")], [phone("+15551110002", timeout=15)]], tag="dt-3")
    )
    result = outcome(pair, "dt-3")
    assert result.state is DialState.FAILED and result.reason == "noAnswer"
    assert pair.now == 15.0
    states = summary(pair.server, "calling.call.state", "calling.call.dial")
    leg1, leg2 = states[1][1], states[3][1]
    assert states == [
        ("dial", "dialing", None),
        ("state", leg1, "created", None),
        ("state", leg1, "ended", "busy"),
        ("state", leg2, "created", None),
        ("state", leg2, "ringing", None),
        ("state", leg2, "ending", "noAnswer"),
        ("state", leg2, "ended", "noAnswer"),
        ("dial", "failed", "noAnswer"),
    ]
    failed = next(e for e in pair.server.journal if e.event_params.get("dial_state") == "failed")
    assert failed.event_params["source"] == "outbound"
    assert pair.server.calls() == []


@pytest.mark.parametrize(
    ("behavior", "reason", "rang"),
    [
        (Busy(), "busy", False),
        (Busy(after=2.0), "busy", True),
        (Declines(after=1.0), "decline", True),
        (Fails(), "error", False),
        (NeverAnswers(), "noAnswer", True),
    ],
)
def test_each_behaviour_fails_a_single_device_dial(behavior: Any, reason: str, rang: bool) -> None:
    directory = Directory(default=behavior, ring_timeout=5.0)
    pair = ready(directory)
    pair.send(Dial(devices=[[phone("+15557654321")]], tag="t"))
    result = outcome(pair, "t")
    assert result.reason == reason
    states = [s[2] for s in summary(pair.server, "calling.call.state")]
    assert states == (["created", "ringing", "ending", "ended"] if rang else ["created", "ended"])


def test_answer_slower_than_the_device_timeout_is_no_answer() -> None:
    directory = Directory(default=Answers(after=10.0))
    pair = ready(directory)
    pair.send(Dial(devices=[[phone("+15557654321", timeout=3)]], tag="t"))
    assert outcome(pair, "t").reason == "noAnswer" and pair.now == 3.0


def test_default_ring_timeout_applies_without_a_device_timeout() -> None:
    pair = ready()
    pair.send(Dial(devices=[[phone("+15551111111")]], tag="t"))
    assert outcome(pair, "t").reason == "noAnswer" and pair.now == 30.0


def test_py_top_level_max_duration_is_accepted() -> None:
    pair = ready()
    params: dict[str, Any] = {"tag": "t", "devices": [[phone("+15552222222")]], "max_duration": 5}
    rid = pair.send(RawRequest(method="calling.dial", params=params))
    assert any(isinstance(e, RequestCompleted) and e.request_id == rid for e in pair.events)


@pytest.mark.parametrize(
    "devices",
    [
        [],
        [phone("+15552222222")],  # flat list
        [[{"type": "phone", "params": {"to_number": "5552222222"}}]],  # not E.164
        [[]],
    ],
)
def test_invalid_devices_are_code_400(devices: Any) -> None:
    pair = ready()
    rid = pair.send(RawRequest(method="calling.dial", params={"tag": "t", "devices": devices}))
    [failed] = pair.of_type(RequestFailed)
    assert failed.request_id == rid and failed.code == 400
    assert summary(pair.server) == []


def test_hangup_answered_call_and_404_410() -> None:
    pair = ready()
    call = answered_call(pair)
    pair.send(Hangup(call=call))
    states = [e.state for e in pair.of_type(CallStateChanged)]
    assert states == [CallState.ENDING, CallState.ENDED]
    assert pair.of_type(CallStateChanged)[-1].end_reason == "hangup"
    pair.take()
    with pytest.raises(CallGoneError):  # the session saw it end: refused before sending
        pair.send(Answer(call=call))
    ref: dict[str, Any] = {"call_id": call.call_id, "node_id": call.node_id}
    gone = pair.send(RawRequest(method="calling.answer", params=ref))  # the server's word
    unknown = pair.send(Hangup(call=CallRef("nope", call.node_id)))  # type: ignore[arg-type]
    codes = {e.request_id: e.code for e in pair.of_type(RequestFailed)}
    assert codes == {gone: 410, unknown: 404}


def test_ending_the_ringing_leg_fails_the_dial() -> None:
    """The caller gives up: the core's abandon_dial ends the ringing leg; the dial fails."""
    pair = ready()
    dial = Dial(devices=[[phone("+15551111111")], [phone("+15552222222")]], tag="gone")
    pair.send(dial)
    pair.advance(2.0)
    pair.session.abandon_dial(dial.tag, now=pair.now)
    pair.exchange()
    assert [e.params["reason"] for e in pair.server.journal if e.method == "calling.end"] == [
        "cancel"
    ]
    tail = summary(pair.server, "calling.call.state", "calling.call.dial")[-3:]
    assert tail[0][2:] == ("ending", "cancel") and tail[1][2:] == ("ended", "cancel")
    assert tail[2] == ("dial", "failed", "cancel")  # the second group is never tried
    assert pair.server.calls() == []


def test_remote_hangup_after_answering() -> None:
    directory = Directory(default=Answers(after=1.0, hangup_after=5.0))
    pair = ready(directory)
    call = answered_call(pair)
    pair.advance(5.0)
    ended = pair.of_type(CallStateChanged)[-1]
    assert ended.call.call_id == call.call_id and ended.state is CallState.ENDED
    assert ended.end_reason == "hangup"


# -- connect ------------------------------------------------------------------------


def connect_outcome(pair: Pair, call: CallRef) -> ConnectStateChanged:
    def done() -> bool:
        return any(
            isinstance(e, ConnectStateChanged)
            and e.call == call
            and e.state in (ConnectState.CONNECTED, ConnectState.FAILED)
            for e in pair.events
        )

    pair.run_until(done)
    return next(
        e
        for e in pair.of_type(ConnectStateChanged)
        if e.state in (ConnectState.CONNECTED, ConnectState.FAILED)
    )


def test_connect_succeeds_after_serial_failover_then_peer_hangs_up() -> None:
    """RELAY.md G.6."""
    pair = ready()
    a = answered_call(pair)
    connect = Connect(
        call=a,
        devices=[[phone("+15551110001", timeout=15)], [phone("+15551110002", timeout=30)]],
        ringback=[{"type": "ringtone", "params": {"name": "us"}}],
        tag="ct-1",
    )
    pair.send(connect)
    result = connect_outcome(pair, a)
    assert result.state is ConnectState.CONNECTED and result.peer is not None
    peer_id = result.peer.call_id
    wire = summary(pair.server, "calling.call.connect", "calling.call.state")
    peer1 = next(s for s in wire if s[0] == "state" and s[1] not in (a.call_id, peer_id))[1]
    assert wire[-9:] == [
        ("connect", a.call_id, "connecting", None),
        ("state", peer1, "created", None),
        ("state", peer1, "ringing", None),
        ("state", peer1, "ending", "noAnswer"),
        ("state", peer1, "ended", "noAnswer"),
        ("state", peer_id, "created", None),
        ("state", peer_id, "ringing", None),
        ("state", peer_id, "answered", None),
        ("connect", a.call_id, "connected", peer_id),
    ]
    for entry in pair.server.journal:
        if entry.event_type == "calling.call.state" and entry.event_params["call_id"] in (
            peer1,
            peer_id,
        ):
            assert entry.event_params["tag"] == "ct-1"
            assert entry.event_params["peer"] == {"call_id": a.call_id, "node_id": a.node_id}
    connected = next(
        e for e in pair.server.journal if e.event_params.get("connect_state") == "connected"
    )
    assert connected.event_params["peer"]["tag"] == "ct-1"  # type: ignore[index, call-overload]
    assert pair.server.call(a.call_id).bridged_to == result.peer.ref  # type: ignore[union-attr]
    # The peer hangs up: the A leg stays up and hears "disconnected" (G.6 tail).
    pair.take()
    pair.server.hangup_call(peer_id, now=pair.now)
    pair.exchange()
    assert summary(pair.server)[-3:] == [
        ("state", peer_id, "ending", "hangup"),
        ("state", peer_id, "ended", "hangup"),
        ("connect", a.call_id, "disconnected", peer_id),
    ]
    assert any(
        isinstance(e, ConnectStateChanged) and e.state is ConnectState.DISCONNECTED
        for e in pair.events
    )
    assert pair.server.call(a.call_id).state is CallState.ANSWERED  # type: ignore[union-attr]


def bridged(pair: Pair) -> tuple[CallRef, CallRef]:
    """An answered A leg bridged to an answered peer; events taken."""
    a = answered_call(pair)
    pair.send(Connect(call=a, devices=[[phone("+15552222222")]], tag="ct"))
    peer = connect_outcome(pair, a).peer
    assert peer is not None
    pair.take()
    return a, peer.ref


@pytest.mark.parametrize("who", ["client", "far end"])
def test_caller_hangs_up_a_bridged_call_and_the_peer_leg_ends_too(who: str) -> None:
    """The A leg ends (our Hangup, or its far end): the service ends the bridged leg."""
    pair = ready()
    a, peer = bridged(pair)
    if who == "client":
        pair.send(Hangup(call=a))
    else:
        pair.server.hangup_call(a.call_id, now=pair.now)
        pair.exchange()
    # Ordinary state events for both legs; no connect event for a leg that is gone.
    assert summary(pair.server)[-4:] == [
        ("state", a.call_id, "ending", "hangup"),
        ("state", a.call_id, "ended", "hangup"),
        ("state", peer.call_id, "ending", "hangup"),
        ("state", peer.call_id, "ended", "hangup"),
    ]
    assert pair.server.calls() == []
    ended = {e.call.call_id: e.end_reason for e in pair.of_type(CallStateChanged)}
    assert ended == {a.call_id: "hangup", peer.call_id: "hangup"}
    assert [e.call for e in pair.of_type(ConnectStateChanged)] == [a]  # derived by the client


def test_peer_hangs_up_a_bridged_call_and_the_caller_is_unbridged() -> None:
    """The reverse (RELAY.md G.3/G.6): the A leg stays up, not connected, hears disconnected."""
    pair = ready()
    a, peer = bridged(pair)
    pair.server.hangup_call(peer.call_id, now=pair.now)
    pair.exchange()
    assert summary(pair.server)[-3:] == [
        ("state", peer.call_id, "ending", "hangup"),
        ("state", peer.call_id, "ended", "hangup"),
        ("connect", a.call_id, "disconnected", peer.call_id),
    ]
    info = pair.server.call(a.call_id)
    assert info is not None and info.state is CallState.ANSWERED and info.bridged_to is None
    # Not connected any more: a new connect is accepted.
    pair.send(Connect(call=a, devices=[[phone("+15552222222")]], tag="ct2"))
    assert connect_outcome(pair, a).state is ConnectState.CONNECTED


def test_connect_fails_when_the_peer_is_busy() -> None:
    """RELAY.md G.7 (+15551110003 is busy in the default directory)."""
    pair = ready()
    a = answered_call(pair)
    pair.send(Connect(call=a, devices=[[phone("+15551110003", timeout=20)]], tag="ct-2"))
    result = connect_outcome(pair, a)
    assert result.state is ConnectState.FAILED and result.failed_reason == "busy"
    wire = summary(pair.server, "calling.call.connect", "calling.call.state")
    peer = wire[-2][1]
    assert wire[-4:] == [
        ("connect", a.call_id, "connecting", None),
        ("state", peer, "created", None),
        ("state", peer, "ended", "busy"),
        ("connect", a.call_id, "failed", "busy"),
    ]
    assert pair.server.call(a.call_id).state is CallState.ANSWERED  # type: ignore[union-attr]


def test_disconnect_unbridges_both_legs_stay_up() -> None:
    pair = ready()
    a = answered_call(pair)
    pair.send(Connect(call=a, devices=[[phone("+15552222222")]], tag="ct"))
    peer = connect_outcome(pair, a).peer
    assert peer is not None
    pair.take()
    pair.send(Disconnect(call=a))
    assert summary(pair.server)[-1] == ("connect", a.call_id, "disconnected", peer.call_id)
    assert pair.server.call(a.call_id).bridged_to is None  # type: ignore[union-attr]
    assert pair.server.call(peer.call_id).state is CallState.ANSWERED  # type: ignore[union-attr]
    rid = pair.send(Disconnect(call=a))
    assert any(
        isinstance(e, RequestFailed) and e.request_id == rid and e.code == 409 for e in pair.events
    )


def test_a_leg_hangs_up_mid_connect_cancels_the_ringing_peers() -> None:
    pair = ready()
    a = answered_call(pair)
    pair.send(Connect(call=a, devices=[[phone("+15551111111"), phone("+15559876543")]], tag="ct"))
    pair.advance(0.5)
    pair.send(Hangup(call=a))
    assert [s[2:] for s in summary(pair.server, "calling.call.state")[-6:]] == [
        ("ending", "cancel"),
        ("ended", "cancel"),
        ("ending", "cancel"),
        ("ended", "cancel"),
        ("ending", "hangup"),
        ("ended", "hangup"),
    ]
    assert pair.server.calls() == []
    failed = [e for e in pair.of_type(ConnectStateChanged) if e.state is ConnectState.FAILED]
    assert failed and failed[0].failed_reason == "call_ended"


def test_abandoned_connect_ends_the_peers_and_fails_the_connect() -> None:
    pair = ready()
    a = answered_call(pair)
    pair.send(Connect(call=a, devices=[[phone("+15551111111")]], tag="ct"))
    pair.advance(1.0)
    pair.session.abandon_connect(a, now=pair.now)
    pair.exchange()
    assert summary(pair.server)[-1] == ("connect", a.call_id, "failed", "cancel")
    assert [c.call_id for c in pair.server.calls()] == [a.call_id]


def test_connect_refuses_a_second_connect_and_unknown_calls() -> None:
    pair = ready()
    a = answered_call(pair)
    pair.send(Connect(call=a, devices=[[phone("+15551111111")]], tag="c1"))
    params: dict[str, Any] = {
        "node_id": a.node_id,
        "call_id": a.call_id,
        "tag": "c2",
        "devices": [[phone("+15552222222")]],
    }
    second = pair.send(RawRequest(method="calling.connect", params=params))
    params = {**params, "call_id": "nope"}
    unknown = pair.send(RawRequest(method="calling.connect", params=params))
    codes = {e.request_id: e.code for e in pair.of_type(RequestFailed)}
    assert codes == {second: 409, unknown: 404}


# -- play ----------------------------------------------------------------------------


def plays(pair: Pair) -> list[tuple[float, str]]:
    return [
        (e.time, str(e.event_params["state"]))
        for e in pair.server.journal
        if e.event_type == "calling.call.play"
    ]


def test_play_lasts_its_simulated_duration() -> None:
    pair = ready()
    call = answered_call(pair)
    start = pair.now
    media = [
        {"type": "tts", "params": {"text": "x" * 30}},  # 2 s
        {"type": "silence", "params": {"duration": 1}},
        {"type": "audio", "params": {"url": "https://cdn.example.com/a.mp3"}},  # 2 s
        {"type": "ringtone", "params": {"name": "us", "duration": 3}},
    ]
    play = Play(call=call, media=media, volume=-3.0)
    pair.send(play)
    pair.run_until(
        lambda: any(
            isinstance(e, PlayStateChanged) and e.state is PlayState.FINISHED for e in pair.events
        )
    )
    assert plays(pair) == [(start, "playing"), (start + 8.0, "finished")]
    result = next(e.result for e in pair.of_type(RequestCompleted) if e.method == "calling.play")
    assert result == {
        "code": "200",
        "message": "Playing",
        "call_id": call.call_id,
        "control_id": play.control_id,
    }


def paused_after_four_of_ten_seconds() -> tuple[Pair, CallRef, Play, float]:
    """An answered call whose 10 s silence was paused 4 s in; ``t0`` is when it started."""
    pair = ready()
    call = answered_call(pair)
    t0 = pair.now
    play = Play(call=call, media=[{"type": "silence", "params": {"duration": 10}}])
    pair.send(play)
    pair.advance(4.0)
    pair.send(PlayPause(call=call, control_id=play.control_id))
    return pair, call, play, t0


def test_play_pause_resume_volume_stop() -> None:
    pair, call, play, t0 = paused_after_four_of_ten_seconds()
    pair.advance(100.0)
    pair.send(PlayResume(call=call, control_id=play.control_id))
    pair.send(PlayVolume(call=call, control_id=play.control_id, volume=5.0))
    pair.advance(5.0)
    pair.send(PlayStop(call=call, control_id=play.control_id))
    assert plays(pair) == [
        (t0, "playing"),
        (t0 + 4.0, "paused"),
        (t0 + 104.0, "playing"),
        (t0 + 109.0, "finished"),
    ]
    states = [e.state for e in pair.of_type(PlayStateChanged)]
    assert states == [PlayState.PLAYING, PlayState.PAUSED, PlayState.PLAYING, PlayState.FINISHED]
    stop = PlayStop(call=call, control_id=play.control_id)
    with pytest.raises(LocalProtocolError, match="finished"):  # the client refuses (H.5.1) ...
        pair.send(stop)
    rid = pair.send(RawRequest(method=stop.method, params=stop.to_params()))  # ... the server: 404
    assert any(
        isinstance(e, RequestFailed) and e.request_id == rid and e.code == 404 for e in pair.events
    )


def test_resumed_play_finishes_after_the_rest_of_its_time() -> None:
    pair, call, play, t0 = paused_after_four_of_ten_seconds()
    pair.advance(1.0)
    pair.send(PlayResume(call=call, control_id=play.control_id))
    pair.advance(60.0)
    assert plays(pair)[-1] == (t0 + 11.0, "finished")


def test_flat_media_is_rejected_with_400_unless_accepted() -> None:
    pair = ready()
    call = answered_call(pair)
    params: dict[str, Any] = {
        "node_id": call.node_id,
        "call_id": call.call_id,
        "control_id": "c1",
        "play": [{"type": "tts", "text": "Hi"}],
    }
    rid = pair.send(RawRequest(method="calling.play", params=params))
    [failed] = pair.of_type(RequestFailed)
    assert failed.request_id == rid and failed.code == 400 and "flat" in failed.message
    lenient = ready(accept_flat_media=True)
    call = answered_call(lenient)
    params = {**params, "node_id": call.node_id, "call_id": call.call_id}
    lenient.send(RawRequest(method="calling.play", params=params))
    lenient.advance(1.0)
    assert [state for _t, state in plays(lenient)] == ["playing", "finished"]


def test_unreachable_audio_ends_the_play_with_error() -> None:
    pair = ready()
    call = answered_call(pair)
    media = [
        {"type": "silence", "params": {"duration": 1}},
        {"type": "audio", "params": {"url": "https://media.invalid/x.mp3"}},
    ]
    pair.send(Play(call=call, media=media))
    pair.advance(5.0)
    assert [state for _t, state in plays(pair)] == ["playing", "error"]


def test_loop_zero_plays_until_stopped_and_call_end_finishes_plays() -> None:
    pair = ready()
    call = answered_call(pair)
    play = Play(call=call, media=[{"type": "ringtone", "params": {"name": "us"}}], loop=0)
    pair.send(play)
    pair.advance(500.0)
    assert [state for _t, state in plays(pair)] == ["playing"]
    pair.send(Hangup(call=call))
    assert [state for _t, state in plays(pair)] == ["playing", "finished"]
    assert summary(pair.server)[-3:] == [
        ("play", play.control_id, "finished"),
        ("state", call.call_id, "ending", "hangup"),
        ("state", call.call_id, "ended", "hangup"),
    ]


def test_media_durations() -> None:
    assert media_duration(TtsMedia(text="Hello!")) == 0.5
    assert media_duration(TtsMedia(text="x" * 45)) == 3.0


# -- inbound ---------------------------------------------------------------------------


def test_inbound_call_answer_then_connect() -> None:
    pair = ready()
    ref = pair.server.inject_inbound_call(
        context="office", from_number="+15553334444", to_number="+15551112222", now=pair.now
    )
    pair.exchange()
    [received] = pair.of_type(CallReceived)
    assert received.call.call_id == ref.call_id and received.context == "office"
    receive = next(e for e in pair.server.journal if e.event_type == "calling.call.receive")
    assert receive.event_params["device"] == {
        "type": "phone",
        "params": {"from_number": "+15553334444", "to_number": "+15551112222"},
    }
    pair.send(Answer(call=ref))
    [state] = [e for e in pair.of_type(CallStateChanged)]
    assert state.state is CallState.ANSWERED and state.call.direction == "inbound"
    pair.send(Connect(call=ref, devices=[[phone("+15551234567")]], tag="ct"))
    result = connect_outcome(pair, ref)
    assert result.state is ConnectState.CONNECTED


def test_inbound_offer_goes_only_to_sessions_receiving_the_context() -> None:
    server = make_server()
    other = Pair(server, RelayConfig(project=PROJECT, token=TOKEN, contexts=("support",)), name="o")
    other.connect()
    office = Pair(server, name="f")
    office.connect()
    server.inject_inbound_call(
        context="office", from_number="+15553334444", to_number="+15551112222", now=0.0
    )
    other.exchange()
    office.exchange()
    assert not other.of_type(CallReceived) and len(office.of_type(CallReceived)) == 1


def test_pass_moves_the_offer_to_another_session() -> None:
    server = make_server()
    first = Pair(server, name="a")
    first.connect()
    second = Pair(server, name="b")
    second.connect()
    ref = server.inject_inbound_call(
        context="office", from_number="+15553334444", to_number="+15551112222", now=0.0
    )
    first.exchange()
    second.exchange()
    assert len(first.of_type(CallReceived)) == 1 and not second.of_type(CallReceived)
    first.send(Pass(call=ref))
    second.exchange()
    assert len(second.of_type(CallReceived)) == 1
    info = server.call(ref.call_id)
    assert info is not None and info.owner == second.session.protocol


def test_offer_waits_for_a_receiving_session() -> None:
    pair = ready()
    ref = pair.server.inject_inbound_call(
        context="sales", from_number="+15553334444", to_number="+15551112222", now=0.0
    )
    pair.exchange()
    assert not pair.of_type(CallReceived)
    pair.send(Receive(contexts=("sales",)))
    assert [e.call.call_id for e in pair.of_type(CallReceived)] == [ref.call_id]


def test_caller_hangs_up_an_unanswered_offer() -> None:
    pair = ready()
    ref = pair.server.inject_inbound_call(
        context="office", from_number="+15553334444", to_number="+15551112222", now=0.0
    )
    pair.exchange()
    pair.server.hangup_call(ref.call_id, reason="cancel", now=pair.now)
    pair.exchange()
    assert [e.state for e in pair.of_type(CallStateChanged)] == [CallState.ENDING, CallState.ENDED]


# -- the directory ----------------------------------------------------------------------


def test_directory_json_round_trip_and_errors() -> None:
    from relay_core import LocalProtocolError

    doc: dict[str, Any] = {
        "default": {"behavior": "no_answer"},
        "ring_timeout": 12,
        "numbers": {
            "+15551230000": "busy",
            "sip:a@b.c": {"behavior": "answer", "after": 0.2, "hangup_after": 3},
        },
    }
    directory = Directory.from_json(doc)
    assert directory.lookup("+19999999999") == NeverAnswers()
    assert directory.lookup("+15551230000") == Busy()
    assert directory.lookup("sip:a@b.c") == Answers(after=0.2, hangup_after=3.0)
    assert directory.ring_timeout == 12.0
    assert Directory.from_json(directory.to_json()).to_json() == directory.to_json()
    layered = Directory.from_json({"numbers": {"+15551111111": "busy"}}, base=Directory.default())
    assert layered.lookup("+15551111111") == Busy() and layered.lookup("+15551110003") == Busy()
    bad: Any
    for bad in (
        {"numbers": {"+1": "ring"}},
        {"nope": 1},
        {"numbers": {"+1": {"behavior": "busy", "hangup_after": 1}}},
        [],
        {"ring_timeout": -1},
    ):
        with pytest.raises(LocalProtocolError):
            Directory.from_json(bad)


def test_default_directory_table() -> None:
    directory = Directory.default()
    assert directory.lookup("+15551111111") == NeverAnswers()
    assert directory.lookup("+15552222222") == Answers(after=1.0)
    assert directory.lookup("+15550000486") == Busy()
    assert directory.lookup("+15550000603") == Declines(after=1.0)
    assert directory.lookup("+15550000500") == Fails()
    assert directory.lookup("+15557777777") == Answers(after=1.0)
    assert directory.ring_timeout == 30.0
