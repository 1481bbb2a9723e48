"""The state a verb leaves behind, decided once in the core for both adapters."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relay_core import (
    Answer,
    CallGoneError,
    CallRef,
    CallState,
    CallStateChanged,
    Connect,
    ControlId,
    Hangup,
    JSONObject,
    Play,
    PlayStop,
    RequestCompleted,
)
from relay_core._ids import CallId, NodeId
from relay_core.client._call_commands import ENDED_CALLS_REMEMBERED

from .helpers import events, frames, ready_session, result, server_event

REF = CallRef(CallId("in-1"), NodeId("n1"))
PHONE: JSONObject = {
    "type": "phone",
    "params": {"to_number": "+15551110001", "from_number": "+15550000000"},
}


def offered(call_id: str = "in-1") -> str:
    params = {"call_id": call_id, "node_id": "n1", "context": "office", "call_state": "created"}
    return server_event(f"ev-{call_id}", "calling.call.receive", params)


def state(call_id: str, call_state: str, event_id: str) -> str:
    params = {"call_id": call_id, "node_id": "n1", "call_state": call_state}
    return server_event(event_id, "calling.call.state", params)


def test_a_successful_answer_reply_means_answered_before_the_servers_event() -> None:
    session, ids = ready_session()
    session.receive_text(offered(), now=1)
    events(session)
    ids.push("req-answer")
    session.send(Answer(call=REF), now=1)
    frames(session)
    session.receive_text(result("req-answer", {"code": "200", "message": "Answered"}), now=1)
    changed, completed = events(session)
    assert isinstance(changed, CallStateChanged) and changed.state is CallState.ANSWERED
    assert changed.call.state is CallState.ANSWERED
    assert isinstance(completed, RequestCompleted)  # the waiter wakes after the state moved
    # The server's own event that follows is no news.
    session.receive_text(state("in-1", "answered", "ev-2"), now=1)
    assert events(session) == []


def test_an_answered_event_before_the_reply_is_not_repeated() -> None:
    session, ids = ready_session()
    session.receive_text(offered(), now=1)
    ids.push("req-answer")
    session.send(Answer(call=REF), now=1)
    session.receive_text(state("in-1", "answered", "ev-2"), now=1)
    events(session)
    session.receive_text(result("req-answer", {"code": "200", "message": "Answered"}), now=1)
    assert [type(e) for e in events(session)] == [RequestCompleted]


@pytest.mark.parametrize(
    "command",
    [
        Answer(call=REF),
        Hangup(call=REF),
        Connect(call=REF, devices=[[PHONE]]),
        Play(call=REF, media=[{"type": "tts", "text": "hi"}]),
        PlayStop(call=REF, control_id=ControlId("p-1")),
    ],
    ids=lambda c: c.method,
)
def test_a_command_on_an_ended_call_raises_call_gone_before_sending(command: object) -> None:
    session, _ = ready_session()
    session.receive_text(offered(), now=1)
    session.receive_text(state("in-1", "ended", "ev-2"), now=1)
    frames(session)
    before = session.statistics()
    with pytest.raises(CallGoneError) as caught:
        session.send(command, now=2)  # type: ignore[arg-type]
    assert "in-1" in caught.value.message
    assert frames(session) == [] and session.statistics() == before


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=1, max_value=ENDED_CALLS_REMEMBERED + 40))
def test_the_memory_of_ended_calls_is_bounded(count: int) -> None:
    session, _ = ready_session()
    for n in range(count):
        session.receive_text(offered(f"c-{n}"), now=1)
        session.receive_text(state(f"c-{n}", "ended", f"ev-e{n}"), now=1)
    frames(session)
    remembered = session._calls._ended
    assert len(remembered) == min(count, ENDED_CALLS_REMEMBERED)
    assert f"c-{count - 1}" in remembered  # the newest are kept
    assert ("c-0" in remembered) == (count <= ENDED_CALLS_REMEMBERED)  # the oldest go first
