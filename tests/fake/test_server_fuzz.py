"""Hypothesis: whatever a client sends, the fake server answers at most once and never raises."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relay_core.testing import FakeRelayServer
from tests.json_strategies import int64, json_values

from ..helpers import Ids

methods = st.sampled_from(
    [
        "signalwire.connect", "signalwire.ping", "signalwire.receive", "signalwire.unreceive",
        "calling.dial", "calling.connect", "calling.end", "calling.answer", "calling.pass",
        "calling.disconnect", "calling.play", "calling.play.stop", "calling.play.pause",
        "calling.play.resume", "calling.play.volume", "calling.record", "nope",
    ]
)  # fmt: skip
param_keys = st.sampled_from(
    [
        "call_id", "node_id", "tag", "devices", "play", "control_id", "reason", "volume",
        "loop", "ringback", "contexts", "version", "authentication", "protocol", "max_duration",
    ]
)  # fmt: skip
params = st.dictionaries(param_keys, json_values, max_size=6)
requests = st.builds(
    lambda rid, method, p: {"jsonrpc": "2.0", "id": rid, "method": method, "params": p},
    st.text(min_size=1, max_size=6) | int64,
    methods,
    params,
)

HANDSHAKE = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": "hs",
        "method": "signalwire.connect",
        "params": {
            "version": {"major": 2, "minor": 0, "revision": 0},
            "authentication": {"project": "test-project", "token": "test-token"},
            "contexts": ["office"],
        },
    }
)


def authenticated() -> tuple[FakeRelayServer, Any]:
    server = FakeRelayServer(new_id=Ids(prefix="s"))
    conn = server.connection_made(now=0.0)
    server.receive_text(conn, HANDSHAKE, now=0.0)
    server.messages_to_send(conn)
    return server, conn


def replies_to(frames: list[str], request_id: object) -> int:
    count = 0
    for text in frames:
        frame = json.loads(text)
        if "method" not in frame and frame.get("id") == request_id:
            count += 1
    return count


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40) | st.binary(max_size=40).map(lambda b: b.decode("latin-1")))
def test_arbitrary_text_is_answered_with_an_error_or_ignored(text: str) -> None:
    server, conn = authenticated()
    server.receive_text(conn, text, now=1.0)
    out = server.messages_to_send(conn)
    assert len(out) <= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(requests, min_size=1, max_size=6), st.floats(min_value=0, max_value=100))
def test_arbitrary_requests_get_exactly_one_reply_each(
    batch: list[dict[str, Any]], later: float
) -> None:
    server, conn = authenticated()
    now = 1.0
    for frame in batch:
        server.receive_text(conn, json.dumps(frame), now=now)
        out = server.messages_to_send(conn)
        assert replies_to(out, frame["id"]) == 1
        for text in out:
            sent = json.loads(text)
            if sent.get("method") == "signalwire.event":
                server.receive_text(
                    conn, json.dumps({"jsonrpc": "2.0", "id": sent["id"], "result": {}}), now=now
                )
    server.handle_timeout(now=now + later)
    server.messages_to_send(conn)
    # Results are calling-style (string codes) or JSON-RPC errors, never raw exceptions.
    for entry in server.journal:
        result = entry.result
        if result is not None and "code" in result:
            assert isinstance(result["code"], str)
