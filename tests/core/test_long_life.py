"""Malformed outcomes and state that must go away (issue "Hostile input and long
life", items 3, 4 and the core part of 8)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from relay_core import (
    CallId,
    CallRef,
    CallState,
    CallStateChanged,
    Connect,
    ConnectState,
    ConnectStateChanged,
    Dial,
    DialState,
    DialStateChanged,
    NodeId,
    RelayConfig,
    RelaySession,
    RequestFailed,
    SessionEnding,
)
from relay_core.wire import _device_cache

from .helpers import CONNECT_RESULT, Ids, events, frames, ready_session, result, server_event
from .test_calls import (
    A,
    connect_event,
    connecting_session,
    dial_event,
    dialing_session,
    ends,
    inbound,
    state,
    winner,
)

GRACE = RelayConfig(project="p", token="t", ping_interval=None).abandon_grace


def _stats(session: RelaySession) -> dict[str, int]:
    stats = session.statistics()
    return {
        "calls": stats.live_calls,
        "dials": stats.live_dials,
        "connects": stats.live_connects,
        "abandoned": stats.abandoned_work,
    }


# -- item 3: a malformed outcome fails its dial or connect at once -------------------

BAD_WINNERS: list[Any] = [None, "leg-9", {}, {"call_id": ""}, {"call_id": 7}, [[["deep"]]]]


@pytest.mark.parametrize("bad", BAD_WINNERS)
def test_dial_answered_without_a_readable_winner_fails_at_once(bad: Any) -> None:
    session = dialing_session()
    session.receive_text(state("e1", "leg-1", "ringing"), now=1)
    events(session)
    frames(session)
    extra = {} if bad is None else {"call": bad}
    session.receive_text(dial_event("e2", "answered", **extra), now=2)  # does not raise
    [failed] = events(session)
    assert isinstance(failed, DialStateChanged) and failed.state is DialState.FAILED
    assert failed.reason == "malformed_event" and "winning call" in (failed.message or "")
    assert ends(session) == ["leg-1"]  # the known leg (perhaps the winner) is ended
    assert session.statistics().malformed_frames == 1
    # A late leg of the dial is ended as for any abandoned dial, never surfaced.
    session.receive_text(state("e3", "leg-2", "answered"), now=3)
    assert ends(session) == ["leg-2"] and events(session) == []
    # After the grace period without news, nothing is left and the tag is free.
    session.handle_timeout(now=3 + GRACE)
    assert _stats(session) == {"calls": 0, "dials": 0, "connects": 0, "abandoned": 0}
    session.send(Dial(devices=[[A]], tag="dt"), now=4 + GRACE)


@pytest.mark.parametrize("bad", BAD_WINNERS)
def test_connect_connected_without_a_readable_peer_fails_at_once(bad: Any) -> None:
    session = connecting_session()
    session.receive_text(state("e1", "peer-1", "ringing", tag="ct"), now=1)
    frames(session)
    events(session)
    extra = {} if bad is None else {"peer": bad}
    session.receive_text(connect_event("e2", "connected", **extra), now=2)
    [failed] = events(session)
    assert isinstance(failed, ConnectStateChanged) and failed.state is ConnectState.FAILED
    assert failed.failed_reason == "malformed_event"
    assert ends(session) == ["peer-1"]
    session.receive_text(state("e3", "peer-2", "answered", tag="ct"), now=3)
    assert ends(session) == ["peer-2"] and events(session) == []
    session.handle_timeout(now=3 + GRACE)
    # The A leg is the application's call: it stays; the connect is gone.
    assert _stats(session) == {"calls": 1, "dials": 0, "connects": 0, "abandoned": 0}


# -- item 4: state that never went away ---------------------------------------------


def _restart(session: RelaySession, ids: Ids, now: float, *then: str) -> list[Any]:
    """signalwire.disconnect(restart) then a fresh session; returns the new socket's frames.

    ``then``: the ids of the requests the new session's start sends.
    """
    disconnect = {"jsonrpc": "2.0", "id": "dx", "method": "signalwire.disconnect",
                  "params": {"restart": True}}  # fmt: skip
    session.receive_text(json.dumps(disconnect), now=now)
    frames(session)
    assert SessionEnding(restart=True) in events(session)
    session.connection_lost(now=now)
    ids.push("hs-2", *then)
    session.connection_made(now=now + 1)
    hello = frames(session)
    assert "protocol" not in hello[0]["params"]
    session.receive_text(result("hs-2", {**CONNECT_RESULT, "session_restored": False}), now=now + 1)
    return frames(session)


def test_restart_during_a_ringing_dial_leaves_no_call_behind() -> None:
    session, ids = ready_session()
    inbound(session)  # a call the application holds
    ids.push("dial-1")
    session.send(Dial(devices=[[A]], tag="dt"), now=0)
    session.receive_text(result("dial-1", {"code": "200"}), now=0)
    session.receive_text(state("e1", "leg-1", "ringing"), now=1)
    frames(session)
    events(session)
    sent = _restart(session, ids, 2, "end-1")
    # Item 8: the ringing leg is ended on the new session.
    assert [(f["id"], f["params"]["call_id"]) for f in sent] == [("end-1", "leg-1")]
    got = events(session)
    dial = next(e for e in got if isinstance(e, DialStateChanged))
    assert dial.state is DialState.FAILED and dial.reason == "session_lost"
    [held] = [e for e in got if isinstance(e, CallStateChanged)]
    assert held.call.call_id == "call-A" and held.state is CallState.ENDED
    assert held.end_reason == "session_lost"
    assert _stats(session)["calls"] == 1  # leg-1, until the server answers its end
    session.receive_text(result("end-1", {"code": "200"}), now=3)
    assert _stats(session) == {"calls": 0, "dials": 0, "connects": 0, "abandoned": 0}


def test_a_leg_whose_end_is_refused_as_gone_is_forgotten() -> None:
    session = dialing_session()
    session.receive_text(state("e1", "leg-1", "ringing"), now=1)
    frames(session)
    session.abandon_dial("dt", now=2)  # type: ignore[arg-type]
    [end] = [f for f in frames(session) if f.get("method") == "calling.end"]
    session.receive_text(result(end["id"], {"code": "404", "message": "gone"}), now=3)
    assert _stats(session)["calls"] == 0


def test_restart_mid_end_sends_the_end_again_on_the_new_session() -> None:
    """Item 8: the end written on the draining socket is lost with it: sent again."""
    session = dialing_session()
    ids: Ids = session._new_id  # type: ignore[assignment]
    session.receive_text(state("e1", "leg-1", "ringing"), now=1)
    events(session)
    frames(session)
    ids.push("end-1")
    session.abandon_dial("dt", now=2)  # type: ignore[arg-type]
    assert ends(session) == ["leg-1"]  # written, never answered
    sent = _restart(session, ids, 3)  # the end is queued again when its socket dies
    [again] = sent
    assert again["method"] == "calling.end" and again["params"]["call_id"] == "leg-1"
    session.receive_text(result(again["id"], {"code": "200"}), now=5)
    assert _stats(session) == {"calls": 0, "dials": 0, "connects": 0, "abandoned": 0}


def test_a_timed_out_dial_is_forgotten_after_the_grace_period() -> None:
    session, ids = ready_session(RelayConfig(project="p", token="t", ping_interval=None))
    ids.push("dial-1")
    session.send(Dial(devices=[[A]], tag="dt"), now=0)
    frames(session)
    session.handle_timeout(now=10)  # request_timeout: the dial request got no answer
    [failed] = [e for e in events(session) if isinstance(e, DialStateChanged)]
    assert failed.reason == "request_failed"
    assert _stats(session)["abandoned"] == 1
    assert session.next_deadline() == 10 + GRACE  # the adapter's timer wakes for it
    session.receive_text(state("e1", "leg-1", "ringing"), now=20)  # news re-arms it
    assert ends(session) == ["leg-1"]
    session.handle_timeout(now=10 + GRACE)
    assert _stats(session)["abandoned"] == 1
    session.handle_timeout(now=20 + GRACE)
    assert _stats(session) == {"calls": 0, "dials": 0, "connects": 0, "abandoned": 0}
    assert set(ends(session)) == {"leg-1"}  # the unanswered end was retried meanwhile
    # Its last try times out; nothing is retried for a forgotten leg.
    session.handle_timeout(now=30 + GRACE)
    assert session.next_deadline() is None
    assert session.statistics().pending_requests == 0 and ends(session) == []


def test_a_lost_dial_request_is_forgotten_after_the_grace_period() -> None:
    session, ids = ready_session(RelayConfig(project="p", token="t", ping_interval=None))
    ids.push("dial-1")
    session.send(Dial(devices=[[A]], tag="dt"), now=0)
    frames(session)
    session.connection_lost(now=1)
    ids.push("hs-2")
    session.connection_made(now=2)
    frames(session)
    session.receive_text(result("hs-2", {**CONNECT_RESULT, "session_restored": True}), now=2)
    session.handle_timeout(now=12)  # the resumed session never mentioned it
    assert any(
        isinstance(e, DialStateChanged) and e.reason == "request_lost" for e in events(session)
    )
    session.handle_timeout(now=12 + GRACE)
    assert _stats(session) == {"calls": 0, "dials": 0, "connects": 0, "abandoned": 0}


def test_closing_forgets_everything() -> None:
    session = dialing_session()
    session.receive_text(state("e1", "leg-1", "ringing"), now=1)
    session.abandon_dial("dt", now=2)  # type: ignore[arg-type]
    inbound(session, "call-B")
    session.close(now=3)
    assert _stats(session) == {"calls": 0, "dials": 0, "connects": 0, "abandoned": 0}
    failures = [e for e in events(session) if isinstance(e, RequestFailed)]
    assert failures  # the pending dial and end requests were failed, not dropped


def test_the_device_cache_keeps_no_large_server_strings() -> None:
    session, _ = ready_session()
    big = "x" * 1_000_000
    device = {"type": "phone", "params": {"to_number": "+15551110001", "note": big}}
    for index in range(20):
        params = {"node_id": "n1", "call_id": f"c{index}", "call_state": "created",
                  "direction": "inbound", "context": "office", "device": device}  # fmt: skip
        session.receive_text(server_event(f"e{index}", "calling.call.receive", params), now=0)
        session.receive_text(state(f"x{index}", f"c{index}", "ended", tag="", device=device), now=0)
    events(session)
    assert session.statistics().live_calls == 0
    assert _device_cache.cached_text_size() <= _device_cache.MAX_ENTRIES * 256
    assert all(len(str(key)) < 10_000 for key in _device_cache._CACHE)
    # Small devices are still shared (the hot path stays cached).
    small = _device_cache.server_device(A)
    assert _device_cache.server_device(dict(A)) is small


# -- found by the fuzzer: tracked state no final event could clear ------------------


def test_an_offer_of_a_call_already_ended_is_not_tracked() -> None:
    session, _ = ready_session()
    params = {"node_id": "n1", "call_id": "gone", "call_state": "ended", "context": "office"}
    session.receive_text(server_event("e1", "calling.call.receive", params), now=0)
    assert events(session) == [] and _stats(session)["calls"] == 0


def test_a_connect_on_an_untracked_call_ends_with_that_call() -> None:
    session, ids = ready_session()
    ids.push("conn-1")
    untracked = CallRef(CallId("old-call"), NodeId("n1"))  # e.g. a call of an earlier session
    session.send(Connect(call=untracked, devices=[[A]], tag="ct"), now=0)
    session.receive_text(result("conn-1", {"code": "200"}), now=0)
    peer = {"call_id": "peer-1", "node_id": "n1"}
    session.receive_text(
        server_event("e1", "calling.call.connect", {"call_id": "old-call", "tag": "ct",
                     "connect_state": "connected", "peer": peer}), now=1,
    )  # fmt: skip
    events(session)
    session.receive_text(state("e2", "old-call", "ended", tag=""), now=2)
    [disconnected] = events(session)
    assert isinstance(disconnected, ConnectStateChanged)
    assert disconnected.state is ConnectState.DISCONNECTED
    assert _stats(session)["connects"] == 0


def test_work_queued_across_a_restart_addresses_the_new_session() -> None:
    """Item 8: a dial queued while the old session drained never reached it: it is
    sent on the new session, not failed (failing it, then sending it, orphaned its
    answered leg).  A connect on a call of the old session is failed and withdrawn."""
    session, ids = ready_session()
    inbound(session)
    disconnect = {"jsonrpc": "2.0", "id": "dx", "method": "signalwire.disconnect",
                  "params": {"restart": True}}  # fmt: skip
    session.receive_text(json.dumps(disconnect), now=1)
    ids.push("dial-q", "conn-q")
    session.send(Dial(devices=[[A]], tag="dq"), now=1)
    session.send(Connect(call=CallRef("call-A", "n1"), devices=[[A]], tag="cq"), now=1)  # type: ignore[arg-type]
    assert [f.get("method") for f in frames(session)] == [None]  # the ack; they wait
    events(session)
    sent = _restart(session, ids, 2)
    assert [f["method"] for f in sent] == ["calling.dial"]
    got = events(session)
    assert not any(isinstance(e, DialStateChanged) for e in got)
    [connect_failed] = [e for e in got if isinstance(e, ConnectStateChanged)]
    assert connect_failed.failed_reason == "session_lost"
    [withdrawn] = [e for e in got if isinstance(e, RequestFailed)]
    assert withdrawn.request_id == "conn-q" and withdrawn.method == "calling.connect"
    session.receive_text(result("dial-q", {"code": "200"}), now=3)
    session.receive_text(state("e1", "leg-1", "answered", tag="dq"), now=3)
    session.receive_text(dial_event("e2", "answered", tag="dq", call=winner("leg-1", "dq")), now=3)
    answered = [e for e in events(session) if isinstance(e, DialStateChanged)]
    assert [e.state for e in answered] == [DialState.ANSWERED]
    assert _stats(session) == {"calls": 1, "dials": 0, "connects": 0, "abandoned": 0}
