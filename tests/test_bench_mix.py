"""The benchmarks' record/collect mix is real RELAY: the core takes every frame as news."""

from __future__ import annotations

import importlib
from collections import Counter
from typing import Any

import orjson

from relay_core.wire import CollectPayload, RecordPayload

# Imported by name: the benchmarks are scripts outside mypy's --strict run of tests/.
frames: Any = importlib.import_module("benchmarks.frames")
mix_frames: Any = importlib.import_module("benchmarks.mix_frames")
ready_session: Any = importlib.import_module("benchmarks.inproc").ready_session


def test_mix_frames_parse_as_record_and_collect_events() -> None:
    session = ready_session()
    kinds: Counter[str] = Counter()
    acks = 0
    for index in range(frames.CYCLE):
        session.receive_text(mix_frames.mix_frame(index).decode(), now=1.0)
        acks += len(session.messages_to_send())
        while (event := session.next_event()) is not None:
            payload = getattr(event, "payload", None)
            if isinstance(payload, RecordPayload | CollectPayload):
                kinds[f"{payload.event_type}/{payload.state}"] += 1
    stats = session.statistics()
    assert acks == frames.CYCLE
    assert (stats.malformed_frames, stats.dropped_events) == (0, 0)
    per_state = frames.LIVE_CALLS
    assert kinds == {
        "calling.call.record/recording": per_state,
        "calling.call.record/finished": per_state,
        "calling.call.collect/collecting": per_state,
        "calling.call.collect/finished": per_state,
    }


def test_mix_keeps_the_base_stream_shape() -> None:
    assert mix_frames.stream_mix() == {
        "calling.call.receive": 100,
        "calling.call.state": 400,
        "calling.call.record": 200,
        "calling.call.collect": 200,
    }
    # Same envelope, ids and call walk as the base stream: only steps 3-6 differ.
    for index in (0, 150, 250, 750, 850, 950):
        assert mix_frames.mix_frame(index) == frames.stream_frame(index)
    finished = orjson.loads(mix_frames.mix_frame(400))["params"]["params"]
    assert (finished["url"], finished["duration"], finished["size"])[1:] == (7.4, 59436)
