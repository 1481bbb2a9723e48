"""Hostile frames at the decode boundary: deep nesting and odd numbers (issue
"Hostile input and long life", items 1 and 2).  Both roles share the codec."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import orjson
import pytest

from relay_core import (
    Answer,
    CallErrorReported,
    CallRef,
    RemoteProtocolError,
    RequestCompleted,
    RequestFailed,
    SessionState,
)
from relay_core._errors import short_repr
from relay_core.wire._wire import MAX_DEPTH, is_success_code, parse_code
from tests.fake.test_server_fuzz import authenticated

from .helpers import events, frames, ready_session, result, server_event


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def _frame_with(position: str, value: str) -> str:
    """A frame whose ``position`` holds ``value`` (raw JSON text)."""
    match position:
        case "jsonrpc":
            return '{"jsonrpc":' + value + ',"id":"x1","method":"signalwire.ping"}'
        case "id":
            return '{"jsonrpc":"2.0","id":' + value + ',"method":"signalwire.ping"}'
        case "method":
            return '{"jsonrpc":"2.0","id":"x1","method":' + value + "}"
        case "params":
            return '{"jsonrpc":"2.0","id":"x1","method":"signalwire.ping","params":' + value + "}"
        case "event":
            return (
                '{"jsonrpc":"2.0","id":"x1","method":"signalwire.event","params":'
                '{"event_type":"calling.call.receive","params":{"call_id":"c9","node_id":"n",'
                '"device":{"type":"phone","params":{"to_number":' + value + "}}}}}"
            )
        case "result.code":
            return '{"jsonrpc":"2.0","id":"r1","result":{"code":' + value + "}}"
        case "error":
            return '{"jsonrpc":"2.0","id":"r1","error":' + value + "}"
        case _:
            return '{"jsonrpc":"2.0","id":"r1","error":{"code":' + value + "}}"


POSITIONS = ["jsonrpc", "id", "method", "params", "event", "result.code", "error", "error.code"]
#: Frames with a usable id and a method: each must be answered exactly once.
ANSWERED = {"method", "params", "event"}


def _pending_answer_session() -> Any:
    session, ids = ready_session()
    ids.push("r1")
    session.send(Answer(call=CallRef("c", "n")), now=0)  # type: ignore[arg-type]
    frames(session)
    return session


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 999, 2000])
@pytest.mark.parametrize("position", POSITIONS)
def test_deep_nesting_anywhere_raises_only_remote_protocol_error(
    position: str, levels: int
) -> None:
    session = _pending_answer_session()
    with contextlib.suppress(RemoteProtocolError):
        session.receive_text(_frame_with(position, deep(levels)), now=0)
    replies = [f for f in frames(session) if "method" not in f and f.get("id") == "x1"]
    # 2000 levels are past what the JSON parser reads at all: no id to answer.
    answered = position in ANSWERED and levels < 1000
    assert len(replies) == (1 if answered else 0)
    if answered:
        assert replies[0]["error"]["code"] == -32600
    events(session)
    assert session.state is SessionState.READY
    if position not in ("result.code", "error", "error.code"):
        # The request those frames did not answer still completes.
        session.receive_text(result("r1", {"code": "200"}), now=0)
        assert any(isinstance(e, RequestCompleted) for e in events(session))


def test_nesting_up_to_the_limit_is_data() -> None:
    session, _ = ready_session()
    # frame(1) > params(2) > params(3) > value: the value may nest MAX_DEPTH - 3 levels.
    params = '{"event_type":"x.y","params":{"v":' + deep(MAX_DEPTH - 3) + "}}"
    text = '{"jsonrpc":"2.0","id":"e1","method":"signalwire.event","params":' + params + "}"
    session.receive_text(text, now=0)
    assert frames(session) == [{"jsonrpc": "2.0", "id": "e1", "result": {}}]
    [event] = events(session)
    assert repr(event)  # the application can print it: no RecursionError


@pytest.mark.parametrize("logged_in", [True, False])
@pytest.mark.parametrize("position", POSITIONS)
def test_the_fake_server_answers_deep_frames_and_keeps_serving(
    position: str, logged_in: bool
) -> None:
    server, conn = authenticated()
    if not logged_in:  # the case: one frame before any handshake
        conn = server.connection_made(now=1.0)
    server.receive_text(conn, _frame_with(position, deep(999)), now=1.0)
    out = [json.loads(text) for text in server.messages_to_send(conn)]
    assert len(out) == 1 and "error" in out[0]
    server.receive_text(
        conn, '{"jsonrpc":"2.0","id":"p","method":"signalwire.ping","params":{}}', now=1.0
    )
    [reply] = [json.loads(t) for t in server.messages_to_send(conn)]
    assert reply["id"] == "p" and ("result" in reply) is logged_in


ODD_CODES = ["²", "³00", "2²0", "٢٠٠", "9" * 5000, "-", "", " 200", "200 ", "1e3"]


@pytest.mark.parametrize("code", ODD_CODES)
def test_odd_result_codes_fail_the_request_instead_of_escaping(code: str) -> None:
    session = _pending_answer_session()
    session.receive_text(result("r1", {"code": code, "message": "odd"}), now=0)
    [failed] = events(session)
    assert isinstance(failed, RequestFailed) and failed.request_id == "r1"
    assert failed.code == -1 and failed.message == "odd"
    assert session.statistics().pending_requests == 0


@pytest.mark.parametrize("code", ODD_CODES)
def test_odd_calling_error_codes_are_reported_as_minus_one(code: str) -> None:
    session, _ = ready_session()
    session.receive_text(server_event("e1", "calling.error", {"code": code}), now=0)
    [reported] = events(session)
    assert isinstance(reported, CallErrorReported) and reported.code == -1


@pytest.mark.parametrize(
    ("value", "code", "success"),
    [
        (None, None, True),
        ("200", 200, True),
        (204, 204, True),
        ("404", 404, False),
        ("-32600", -32600, False),
        ("0200", 200, False),
        (True, None, False),
        (200.0, None, False),
        ("²00", None, False),
        ("1" * 19, None, False),
        (2**64, None, False),
    ],
)
def test_parse_code(value: Any, code: int | None, success: bool) -> None:
    assert (None if value is None else parse_code(value)) == code
    assert is_success_code(value) is success


def test_short_repr_is_bounded_and_not_recursive() -> None:
    nested = orjson.loads(deep(990))
    assert short_repr(nested) == "[[[[...]]]]"
    assert len(short_repr("x" * 10**6)) == 60
    assert short_repr({"b": 1, "a": 2}) == "{'b': 1, 'a': 2}"  # order kept
