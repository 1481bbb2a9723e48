"""Shared helpers for driving the core with frames, no event loop."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from relay_core import (
    CallErrorReported,
    CallReceived,
    CallStateChanged,
    ConnectStateChanged,
    DialStateChanged,
    Event,
    PlayStateChanged,
    RelayConfig,
    RelaySession,
    RequestCompleted,
    RequestFailed,
)

from ..helpers import Ids

__all__ = ["Ids"]  # re-exported: the one id factory lives in tests/helpers.py

CONFIG = RelayConfig(project="proj-1", token="PT-secret-token", contexts=("office",))


def frames(session: RelaySession) -> list[dict[str, Any]]:
    """Drain and parse the session's outgoing frames."""
    return [json.loads(text) for text in session.messages_to_send()]


def events(session: RelaySession) -> list[Event]:
    """Drain the session's events."""
    out = []
    while (event := session.next_event()) is not None:
        out.append(event)
    return out


def server_event(event_id: str, event_type: str, params: dict[str, Any]) -> str:
    return json.dumps(
        {
            "jsonrpc": "2.0",
            "id": event_id,
            "method": "signalwire.event",
            "params": {"event_type": event_type, "params": params},
        }
    )


def result(request_id: str, payload: dict[str, Any]) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "result": payload})


def error(request_id: str, code: int, message: str) -> str:
    return json.dumps(
        {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
    )


CONNECT_RESULT = {
    "identity": "ident@us-east",
    "nodeid": "ident@us-east",
    "protocol": "signalwire_sig_1111_2222",
    "session_restored": False,
    "sessionid": "sess-1",
}


def ready_session(
    config: RelayConfig = CONFIG, ids: Ids | None = None, *, now: float = 0.0
) -> tuple[RelaySession, Ids]:
    """A session whose socket is open and authenticated, outputs drained."""
    ids = ids or Ids()
    session = RelaySession(config, new_id=ids, random=lambda: 0.5)
    ids.push("hs-1")
    session.connection_made(now=now)
    session.messages_to_send()
    session.receive_text(result("hs-1", CONNECT_RESULT), now=now)
    events(session)
    return session, ids


def summarize(event: Event) -> dict[str, Any]:
    """Flatten an event into the keys transcripts assert on."""
    out: dict[str, Any] = {"event": type(event).__name__}
    match event:
        case RequestCompleted(request_id=rid, method=method):
            out.update(request_id=rid, method=method)
        case RequestFailed(request_id=rid, method=method, code=code, kind=kind):
            out.update(request_id=rid, method=method, code=code, kind=kind)
        case CallReceived(call=call, context=context):
            out.update(call_id=call.call_id, context=context)
        case CallStateChanged(call=call, state=state, end_reason=end_reason):
            out.update(call_id=call.call_id, state=state.value, end_reason=end_reason)
        case DialStateChanged(tag=tag, state=state, call=call, reason=reason):
            out.update(tag=tag, state=state.value, reason=reason)
            if call is not None:
                out.update(call_id=call.call_id, node_id=call.node_id, call_state=call.state.value)
        case ConnectStateChanged(call=call, state=state, peer=peer, failed_reason=failed):
            out.update(call_id=call.call_id, state=state.value, failed_reason=failed)
            if peer is not None:
                out.update(peer_call_id=peer.call_id)
        case PlayStateChanged(call=call, control_id=control_id, state=state, reason=reason):
            out.update(
                call_id=call.call_id, control_id=control_id, state=state.value, reason=reason
            )
        case CallErrorReported(code=code, message=message):
            out.update(code=code, message=message)
        case _:
            pass
    return out


def matches(expected: dict[str, Any], event: Event) -> bool:
    """Whether every key of ``expected`` has that value in the event's summary."""
    actual = summarize(event)
    return all(actual.get(key) == value for key, value in expected.items())


def assert_events(expected: Iterable[dict[str, Any]], actual: list[Event]) -> None:
    expected = list(expected)
    summaries = [summarize(event) for event in actual]
    assert len(expected) == len(actual), f"expected {expected}\n got {summaries}"
    for want, got in zip(expected, actual, strict=True):
        assert matches(want, got), f"expected {want}\n got {summarize(got)}"
