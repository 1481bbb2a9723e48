"""Hypothesis: hostile frames against both roles keep the documented contract
(see :mod:`tests.fuzz.roles`): only ``RemoteProtocolError`` escapes the client,
nothing escapes the server, every request with an id gets exactly one reply,
every event exactly one ack, and no state is left once the calls end.

A few seconds in CI; the long run is ``python -m tests.fuzz``.
"""

from __future__ import annotations

import contextlib
import random
import sys
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relay_core.wire._wire import MAX_DEPTH
from tests.json_strategies import int64, json_values

from .hostile import HOSTILE, RAW, deep_array
from .roles import ClientHarness, ServerHarness, Tally, run

FAST = settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))

#: Hostile values by kind, so that each kind meets every position often.
CATEGORIES = {
    "nesting": st.sampled_from([MAX_DEPTH - 5, MAX_DEPTH + 1, 990, 1010, 1023]).map(
        lambda levels: ("raw", deep_array(levels))
    )
    | st.sampled_from(RAW).map(lambda raw: ("raw", raw)),
    "odd numbers": st.sampled_from(["²", "³00", "2²0", "٢٠٠", "9" * 5000, "-", "0200", "2e2"])
    | st.sampled_from([200.0, True, -1, 2**63 - 1, 1e308, -0.0])
    | st.sampled_from(["9" * 30, "-1e400", "NaN", "1" * 5000]).map(lambda raw: ("raw", raw)),
    "wrong types and huge strings": st.sampled_from(HOSTILE) | json_values,
    "unknown ids and any text": st.text(max_size=40) | int64 | st.none(),
}


def _encode(frame: dict[str, Any], path: list[str], value: Any, cut: int | None) -> str:
    """``frame`` with ``value`` at ``path`` (the last key replaced or added), maybe cut short."""
    node = frame
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            break
        node = child
    raw = value[1] if isinstance(value, tuple) else None
    node[path[-1]] = "\x00RAW\x00" if raw is not None else value
    text = orjson.dumps(frame).decode()
    if raw is not None:
        text = text.replace('"\\u0000RAW\\u0000"', raw)
    return text if cut is None else text[:cut]


#: The envelope fields every frame passes through (half the damage goes here).
ENVELOPE = [
    ["id"], ["method"], ["params"], ["jsonrpc"], ["result"], ["error"],
    ["result", "code"], ["result", "message"], ["error", "code"], ["error", "message"],
]  # fmt: skip
#: Where the damage goes: every field some role reads, at its real depth.
paths = st.sampled_from(ENVELOPE) | st.sampled_from(
    [
        *ENVELOPE,
        ["params", "event_type"], ["params", "params"], ["params", "timestamp"],
        ["params", "restart"], ["params", "call_id"], ["params", "tag"], ["params", "devices"],
        ["params", "play"], ["params", "contexts"], ["params", "authentication"],
        ["params", "control_id"], ["params", "volume"], ["params", "version"],
        *(["params", "params", key] for key in (
            "call_id", "node_id", "tag", "call_state", "dial_state", "connect_state", "state",
            "control_id", "call", "peer", "device", "code", "message", "context", "end_reason",
            "authorization_state",
        )),
        ["params", "params", "device", "params"], ["params", "params", "call", "call_id"],
        ["params", "params", "peer", "call_id"], ["params", "params", "device", "type"],
    ]
)  # fmt: skip


#: Most frames whole, some truncated.
cuts = st.none() | st.none() | st.integers(0, 400)


def damage(kinds: int, values: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    """One to six damaged frames: (template kind, where, what, where the text is cut)."""
    return st.lists(st.tuples(st.integers(0, kinds - 1), paths, values, cuts), max_size=6)


@contextlib.contextmanager
def ordinary_stack() -> Iterator[None]:
    """Python's usual recursion headroom: hypothesis raises the limit while it runs a
    test, which would hide exactly the ``RecursionError`` these tests look for."""
    depth, frame = 1, sys._getframe()
    while frame.f_back is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 900)  # an application or adapter uses ~100 of 1000
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _check(harness: ClientHarness | ServerHarness, frames: list[Any]) -> None:
    harness.mutator.mutate = harness.mutator.corrupt = 0.0  # hypothesis picks the damage
    with ordinary_stack():
        for kind, path, value, cut in frames:
            harness.act()  # live state to attack: calls, dials, plays, pending requests
            if isinstance(harness, ClientHarness):
                harness.ensure_pending()
            template = orjson.loads(harness.frame(kind))
            harness.feed(_encode(template, path, value, cut))
        harness.quiesce()
    tally = harness.tally
    assert tally.clean, (dict(tally.escapes), dict(tally.breaches), tally.examples)


@pytest.mark.parametrize("category", CATEGORIES)
def test_client_hostile_frames_keep_the_contract(category: str) -> None:
    @FAST
    @given(st.randoms(use_true_random=False), damage(12, CATEGORIES[category]))
    def check(rng: random.Random, frames: list[Any]) -> None:
        _check(ClientHarness(rng, Tally()), frames)

    check()


@pytest.mark.parametrize("category", CATEGORIES)
def test_server_hostile_frames_keep_the_contract(category: str) -> None:
    @FAST
    @given(st.randoms(use_true_random=False), damage(14, CATEGORIES[category]))
    def check(rng: random.Random, frames: list[Any]) -> None:
        _check(ServerHarness(rng, Tally()), frames)

    check()


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["client", "server"]), st.integers(0, 2**32))
def test_seeded_mutator_runs_keep_the_contract(role: str, seed: int) -> None:
    with ordinary_stack():
        tally = run(role, 300, seed, quiesce_every=100)
    assert tally.clean, (role, seed, dict(tally.escapes), dict(tally.breaches), tally.examples)
