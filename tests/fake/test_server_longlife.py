"""FakeRelayServer runs for hours: what it forgets, and when (issue "Hostile input", item 6)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from relay_core import (
    CallState,
    Dial,
    DialState,
    DialStateChanged,
    JSONObject,
    LocalProtocolError,
    RawRequest,
    SessionStarted,
)
from relay_core.fake._legs import ENDED_CALL_MEMORY, ENDED_CALL_SECONDS
from relay_core.fake._records import MAX_CONTEXTS, MAX_UNANSWERED_PINGS
from relay_core.fake._scheduler import Scheduler
from relay_core.testing import DEFAULT_JOURNAL_LIMIT, FakeRelayServer

from .helpers import PROJECT, TOKEN, Pair, make_server

PHONE: JSONObject = {
    "type": "phone",
    "params": {"to_number": "+15552222222", "from_number": "+15550000000"},
}
RINGS: JSONObject = {
    "type": "phone",
    "params": {"to_number": "+15551111111", "from_number": "+15550000000"},
}


def answered(pair: Pair) -> str:
    dial = Dial(devices=[[PHONE]])
    pair.send(dial)

    def done() -> bool:
        return any(
            isinstance(e, DialStateChanged) and e.state is DialState.ANSWERED for e in pair.events
        )

    pair.run_until(done)
    event = next(e for e in pair.of_type(DialStateChanged) if e.state is DialState.ANSWERED)
    assert event.call is not None
    return event.call.call_id


def test_clients_that_leave_leave_nothing_behind() -> None:
    server = make_server(resume_window=30.0)
    for index in range(50):
        pair = Pair(server, now=index * 100.0, name=f"c{index}")
        pair.connect()
        pair.send(Dial(devices=[[RINGS]]))  # still ringing when it leaves
        pair.lose()
        pair.advance(31.0)
    sizes = server.table_sizes()
    assert sizes["connections"] == 0 and sizes["sessions"] == 0 and sizes["calls"] == 0
    assert sizes["dial_tags"] == 0 and sizes["pending_offers"] == 0
    assert sizes["timers"] <= 64  # cancelled timers do not pile up
    assert server.sessions() == [] and server.calls() == []
    assert server.expired_sessions == 50
    assert repr(server) == "<FakeRelayServer connections=0 sessions=0>"


def test_a_session_not_resumed_in_time_ends_its_calls_and_is_forgotten() -> None:
    pair = Pair(make_server())  # default window: 60 s
    pair.connect()
    first = pair.take()[0]
    assert isinstance(first, SessionStarted)
    call_id = answered(pair)
    pair.lose()
    pair.advance(59.0)
    assert len(pair.server.sessions()) == 1
    assert pair.server.call(call_id).state is CallState.ANSWERED  # type: ignore[union-attr]
    pair.advance(1.0)
    assert pair.server.sessions() == [] and pair.server.calls() == []
    ended = pair.server.call(call_id)
    assert ended is not None and ended.state is CallState.ENDED and ended.end_reason == "hangup"
    # The client comes back too late: a fresh session, not a resume.
    pair.take()
    pair.connect()
    started = pair.of_type(SessionStarted)[0]
    assert not started.restored and started.protocol != first.protocol


def test_a_resume_within_the_window_keeps_the_session_and_its_calls() -> None:
    pair = Pair(make_server(resume_window=60.0))
    pair.connect()
    call_id = answered(pair)
    for _ in range(3):  # each resume restarts the window
        pair.lose()
        pair.advance(50.0)
        pair.take()
        pair.connect()
        assert pair.of_type(SessionStarted)[0].restored
    pair.advance(500.0)
    assert pair.server.call(call_id).state is CallState.ANSWERED  # type: ignore[union-attr]
    assert len(pair.server.sessions()) == 1 and pair.server.expired_sessions == 0


def test_a_restarted_session_ends_its_calls_when_its_socket_goes() -> None:
    pair = Pair(make_server())
    conn = pair.connect()
    answered(pair)
    pair.server.request_disconnect(conn, restart=True, now=pair.now)
    pair.exchange()
    assert pair.conn is None
    assert pair.server.calls() == [] and pair.server.sessions() == []


def test_closed_connections_are_forgotten_and_still_known_as_closed() -> None:
    server = make_server()
    conn = server.connection_made(now=0.0)
    server.connection_lost(conn, now=0.0)
    assert server.table_sizes()["connections"] == 0
    server.connection_lost(conn, now=1.0)  # idempotent
    server.drop(conn, now=1.0)
    assert server.messages_to_send(conn) == [] and server.unacked_events(conn) == []
    with pytest.raises(LocalProtocolError, match="is closed"):
        server.receive_text(conn, "{}", now=1.0)
    with pytest.raises(LocalProtocolError, match="not a connection"):
        server.connection_lost(type(conn)(conn + 1), now=1.0)


def test_the_journal_is_capped_by_default_and_kept_whole_on_request() -> None:
    capped = Pair(make_server())
    whole = Pair(make_server(journal_limit=None))
    for pair in (capped, whole):
        pair.connect()
        for _ in range(DEFAULT_JOURNAL_LIMIT):  # 4 frames each (request, reply)
            pair.session.send(RawRequest(method="signalwire.ping"), now=pair.now)
        pair.exchange()
    assert DEFAULT_JOURNAL_LIMIT <= len(capped.server.journal) <= DEFAULT_JOURNAL_LIMIT * 21 // 20
    assert capped.server.journal[-1].seq == whole.server.journal[-1].seq
    assert len(whole.server.journal) == whole.server.journal[-1].seq > 2 * DEFAULT_JOURNAL_LIMIT


def test_unanswered_pings_are_capped() -> None:
    server = make_server()
    pair = Pair(server)
    conn = pair.connect()
    for _ in range(MAX_UNANSWERED_PINGS + 50):
        server.send_ping(conn, now=0.0)  # never delivered: the client never answers
    assert server.unanswered_pings(conn) == MAX_UNANSWERED_PINGS


def test_an_inbound_call_nobody_answers_ends_after_the_ring_timeout() -> None:
    server = make_server()  # default: 60 s, whatever the directory's ring timeout
    server.directory.ring_timeout = 0.5
    ref = server.inject_inbound_call(
        context="nobody", from_number="+15553334444", to_number="+15551112222", now=0.0
    )
    server.handle_timeout(now=59.0)
    assert server.table_sizes()["pending_offers"] == 1
    server.handle_timeout(now=60.0)
    ended = server.call(ref.call_id)
    assert ended is not None and ended.end_reason == "noAnswer"
    assert server.table_sizes()["pending_offers"] == 0 and server.calls() == []


def test_ended_calls_are_remembered_up_to_a_bound() -> None:
    server = make_server()
    for _ in range(ENDED_CALL_MEMORY + 10):
        ref = server.inject_inbound_call(
            context="nobody", from_number="+15553334444", to_number="+15551112222", now=0.0
        )
        server.hangup_call(ref.call_id, now=0.0)
    assert server.table_sizes()["ended_calls"] == ENDED_CALL_MEMORY
    assert len(server.calls(live_only=False)) == ENDED_CALL_MEMORY


def test_cancelled_timers_are_compacted_away() -> None:
    scheduler = Scheduler()
    for index in range(10_000):
        scheduler.call_at(1e6 + index, lambda when: None).cancel()
    assert len(scheduler) < 200
    fired: list[float] = []
    scheduler.call_at(5.0, fired.append)
    scheduler.run_due(1e7)
    assert fired == [5.0] and len(scheduler) == 0


@pytest.mark.parametrize("window", [-1.0, float("inf"), float("nan"), True, "60"])
def test_resume_window_is_validated(window: object) -> None:
    with pytest.raises(LocalProtocolError, match="resume_window"):
        FakeRelayServer(resume_window=window)  # type: ignore[arg-type]


def test_ended_calls_are_forgotten_after_a_while() -> None:
    server = make_server()
    first = server.inject_inbound_call(
        context="nobody", from_number="+15553334444", to_number="+15551112222", now=0.0
    )
    server.hangup_call(first.call_id, now=0.0)
    later = 0.0
    for _ in range(3):  # later ends drain what is older than ENDED_CALL_SECONDS
        later += ENDED_CALL_SECONDS
        ref = server.inject_inbound_call(
            context="nobody", from_number="+15553334444", to_number="+15551112222", now=later
        )
        server.hangup_call(ref.call_id, now=later)
    assert server.call(first.call_id) is None
    assert server.call(ref.call_id) is not None


def test_a_session_receives_at_most_max_contexts() -> None:
    server = make_server()
    conn = server.connection_made(now=0.0)
    too_many = [f"c{index}" for index in range(MAX_CONTEXTS + 1)]
    [refused] = send(server, conn, "signalwire.connect", connect_params(contexts=too_many))
    assert refused["error"]["code"] == -32602 and "contexts" in refused["error"]["message"]
    [ok, _blob] = send(server, conn, "signalwire.connect", connect_params(contexts=too_many[:-1]))
    assert "protocol" in ok["result"]
    for contexts in (["c0", "c1"], ["extra"]):  # the first adds nothing new
        [reply] = send(server, conn, "signalwire.receive", {"contexts": contexts})
        expected = "200" if contexts[0] == "c0" else "400"
        assert reply["result"]["code"] == expected
    info = server.session_of(conn)
    assert info is not None and len(info.contexts) == MAX_CONTEXTS


def connect_params(**extra: object) -> dict[str, object]:
    return {
        "version": {"major": 2, "minor": 0, "revision": 0},
        "authentication": {"project": PROJECT, "token": TOKEN},
        **extra,
    }


def send(server: FakeRelayServer, conn: Any, method: str, params: object) -> list[Any]:
    frame = {"jsonrpc": "2.0", "id": method, "method": method, "params": params}
    server.receive_text(conn, json.dumps(frame), now=0.0)
    return [json.loads(text) for text in server.messages_to_send(conn)]
