"""Random sequences of public operations on a session (STYLE.md section 10).

Every operation either works or raises a documented error that leaves the
state as it was, and after ``handle_timeout(now)`` no deadline is left at or
before ``now`` (an adapter's timer would otherwise spin).
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from relay_core import (
    Answer,
    CallRef,
    Dial,
    JSONObject,
    LocalProtocolError,
    RelayConfig,
    RelaySession,
    RemoteProtocolError,
    SessionClosedError,
    SessionState,
)
from relay_core.client._state import SESSION_TRANSITIONS, SessionInput

from .helpers import CONNECT_RESULT, Ids, error, result

OPERATIONS = st.sampled_from(
    [
        "connection_made", "connection_lost", "close", "handshake_ok", "handshake_restored",
        "handshake_rejected", "send_answer", "send_dial", "abandon", "disconnect",
        "disconnect_restart", "server_ping", "event", "garbage", "tick", "answer_last",
        "answer_ping",
    ]
)  # fmt: skip
CALL = CallRef("c", "n")  # type: ignore[arg-type]
DEVICE: JSONObject = {"type": "phone", "params": {"to_number": "+15551230000"}}


def _apply(
    session: RelaySession, ids: Ids, op: str, now: float, sent: list[str], pings: list[str]
) -> None:
    if op == "connection_made":
        ids.push("hs")
        session.connection_made(now=now)
    elif op == "connection_lost":
        session.connection_lost(now=now)
    elif op == "close":
        session.close(now=now)
    elif op.startswith("handshake"):
        if op == "handshake_rejected":
            session.receive_text(error("hs", -32002, "Authentication failed"), now=now)
        else:
            restored = op == "handshake_restored"
            payload = {**CONNECT_RESULT, "session_restored": restored}
            session.receive_text(result("hs", payload), now=now)
    elif op == "send_answer":
        sent.append(session.send(Answer(call=CALL), now=now))
    elif op == "send_dial":
        sent.append(session.send(Dial(devices=[[DEVICE]]), now=now))
    elif op == "abandon":
        session.abandon_all(now=now)
    elif op.startswith("disconnect"):
        params: dict[str, object] = {"restart": op.endswith("restart")}
        frame = {"jsonrpc": "2.0", "id": "d", "method": "signalwire.disconnect", "params": params}
        session.receive_text(json.dumps(frame), now=now)
    elif op == "server_ping":
        frame = {"jsonrpc": "2.0", "id": "p", "method": "signalwire.ping", "params": {}}
        session.receive_text(json.dumps(frame), now=now)
    elif op == "event":
        inner = {"call_id": "x", "node_id": "n", "tag": "t", "call_state": "ended"}
        params = {"event_type": "calling.call.state", "params": inner}
        frame = {"jsonrpc": "2.0", "id": "e", "method": "signalwire.event", "params": params}
        session.receive_text(json.dumps(frame), now=now)
    elif op == "garbage":
        session.receive_text("{not json", now=now)
    elif op == "answer_ping" and pings:
        session.receive_text(result(pings[-1], {}), now=now)
    elif op == "answer_last" and sent:
        session.receive_text(result(sent[-1], {"code": "200"}), now=now)
    elif op == "tick":
        session.handle_timeout(now=now)
        due = session.next_deadline()
        assert due is None or due > now, f"deadline {due} left armed at {now}"


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.tuples(OPERATIONS, st.floats(min_value=0, max_value=40)), max_size=30))
def test_random_operation_sequences(steps: list[tuple[str, float]]) -> None:
    config = RelayConfig(project="p", token="t", request_timeout=5, queue_timeout=20)
    ids = Ids()
    session = RelaySession(config, new_id=ids, random=lambda: 0.5)
    now = 0.0
    sent: list[str] = []
    pings: list[str] = []
    for op, step in steps:
        now += step
        before = session.state
        try:
            _apply(session, ids, op, now, sent, pings)
        except (LocalProtocolError, SessionClosedError):
            assert session.state is before  # check, then act
        except RemoteProtocolError:
            assert op in ("garbage",) or session.state is before
        if session.state is not before:  # only moves the transition table allows
            moves = {SESSION_TRANSITIONS.get((before, input_)) for input_ in SessionInput}
            assert session.state in moves or session.state is SessionState.CLOSED
        for text in session.messages_to_send():
            frame = json.loads(text)
            if frame.get("method") == "signalwire.ping":
                pings.append(frame["id"])
        while session.next_event() is not None:
            pass
