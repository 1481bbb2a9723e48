"""Memory per live call and the device cache's bound (issue 17, goal 2).

tracemalloc is deterministic, so these are exact regression checks, not
timings: each offer is RELAY.md I's full ``calling.call.receive`` with its own
caller and callee numbers, as real traffic has.
"""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import attrs

from relay_core import RelayConfig
from relay_core.wire import _device_cache

from .helpers import events, ready_session, server_event

CALLS = 2000


def _device(index: int) -> dict[str, Any]:
    numbers = {
        "from_number": f"+1{2000000000 + index:010d}",
        "to_number": f"+1{8000000000 + index:010d}",
    }
    return {"type": "phone", "params": numbers}


def _offer(index: int) -> str:
    params = {
        "node_id": "a7a6b5c4-d3e2-4f10-9e8d-7c6b5a493827@us-east",
        "call_id": f"{index:08x}-ca11-4c0e-8d1f-{index:012x}",
        "tag": "",
        "call_state": "created",
        "direction": "inbound",
        "context": "office",
        "segment_id": f"5e9e{index:04x}-2c1d-4e8f-9a0b-{index:012x}",
        "device": _device(index),
    }
    return server_event(f"ev-{index}", "calling.call.receive", params)


def _traced(run: Any) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run()
        gc.collect()
        return int(tracemalloc.get_traced_memory()[0] - before)
    finally:
        tracemalloc.stop()


def test_a_live_inbound_call_costs_the_core_under_530_bytes() -> None:
    config = attrs.evolve(
        RelayConfig(project="p", token="t", contexts=("office",)), max_calls=CALLS
    )
    session, _ = ready_session(config)
    texts = [_offer(index) for index in range(CALLS)]

    def feed() -> None:
        for text in texts:
            session.receive_text(text, now=1.0)
            session.messages_to_send()
        events(session)

    _device_cache._CACHE.clear()
    used = _traced(feed)
    assert session.statistics().live_calls == CALLS
    # The device cache is a fixed cost (at most MAX_BYTES), not a per-call one.
    per_call = (used - _device_cache.cached_bytes()) / CALLS
    # 615 B before issue 17 (a fresh empty ``extra`` per device, call_id and
    # node_id beside ``ref``); ~470 B after, alone (~490 B after the whole
    # suite has run in the process: dict sizes and interned strings differ).
    assert per_call < 530, per_call


def test_the_device_cache_is_bounded_in_bytes() -> None:
    from relay_core.wire._device_cache import server_device

    _device_cache._CACHE.clear()
    wire = [_device(index) for index in range(3000)]

    def fill() -> None:
        for device in wire:
            server_device(dict(device, params=dict(device["params"])))

    kept = _traced(fill)  # every device returned is dropped: the cache keeps the rest
    assert _device_cache.cached_bytes() <= _device_cache.MAX_BYTES
    assert kept <= _device_cache.MAX_BYTES * 1.1
    # Repeats are still served from the cache.
    assert server_device(_device(2999)) is server_device(_device(2999))
