"""The no-socket measurements, each run in a fresh subprocess by the orchestrator.

    python -m benchmarks.inproc floors --n N     # json / orjson decode rates
    python -m benchmarks.inproc core --n N       # events/s through RelaySession
    python -m benchmarks.inproc memory-core --calls N
    python -m benchmarks.inproc memory-sdk --calls N

Each prints one JSON object.  Rates are wall-clock over the same frames the
load server pushes (``frames.stream``), as ``str`` like a WebSocket library
hands them over; CPU is ``time.process_time`` over the same span.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import json
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import orjson

from . import frames

PROJECT = "9b3e5c1a-7d0a-4b8e-9f7e-0b6a2f0e9c11"
TOKEN = "PT-bench-token"


def _timed(loop: Callable[[], object], count: int) -> dict[str, float]:
    gc.collect()
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    loop()
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    return {"n": count, "seconds": wall, "rate": count / wall, "cpu": cpu}


def floors(count: int) -> dict[str, Any]:
    """Decode rate of the stream frames: the floor under any Python client."""
    texts = frames.stream_texts(count)
    json_loads = json.loads
    orjson_loads = orjson.loads

    def with_json() -> None:
        for text in texts:
            json_loads(text)

    def with_orjson() -> None:
        for text in texts:
            orjson_loads(text)

    with_orjson()  # warm-up
    return {"json": _timed(with_json, count), "orjson": _timed(with_orjson, count)}


def ready_session(max_calls: int = 1000) -> Any:
    """A ``RelaySession`` past the handshake (as tests/core/helpers.py does)."""
    from relay_core import RelayConfig, RelaySession

    config = RelayConfig(project=PROJECT, token=TOKEN, contexts=("office",), max_calls=max_calls)
    session = RelaySession(config)
    session.connection_made(now=0.0)
    (hello,) = session.messages_to_send()
    request_id = json.loads(hello)["id"]
    reply = {"jsonrpc": "2.0", "id": request_id, "result": {"protocol": frames.PROTOCOL}}
    session.receive_text(json.dumps(reply), now=0.0)
    while session.next_event() is not None:
        pass
    return session


def core(count: int) -> dict[str, Any]:
    """Events/s through the core: receive_text → ack out → typed events, no sockets.

    Two loops over the same frames: the minimal one (``receive_text``,
    ``messages_to_send``, ``next_event`` until ``None``) and the one an adapter
    runs, which also asks ``next_deadline()`` after every frame.
    """
    texts = frames.stream_texts(count)
    out: dict[str, Any] = {}

    def run(session: Any, with_deadline: bool, counters: dict[str, int]) -> None:
        receive = session.receive_text
        flush = session.messages_to_send
        next_event = session.next_event
        deadline = session.next_deadline
        events = acks = 0
        now = 1.0
        for text in texts:
            receive(text, now=now)
            acks += len(flush())
            while next_event() is not None:
                events += 1
            if with_deadline:
                deadline()
        counters["events"] = events
        counters["acks"] = acks

    run(ready_session(), False, {})  # warm-up
    for label, with_deadline in (("minimal", False), ("adapter_loop", True)):
        session = ready_session()
        counters: dict[str, int] = {}
        result: dict[str, Any] = _timed(
            functools.partial(run, session, with_deadline, counters), count
        )
        result.update(counters)
        stats = session.statistics()
        result["dropped"] = stats.dropped_events
        result["malformed"] = stats.malformed_frames
        out[label] = result
    return out


def top_sites(
    before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, limit: int = 6
) -> list[tuple[int, int, str]]:
    """The source lines that grew most: (bytes, blocks, "dir/file:line")."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    out = []
    grown = after.filter_traces(ignore).compare_to(before.filter_traces(ignore), "lineno")
    for stat in grown[:limit]:
        frame = stat.traceback[0]
        where = "/".join(frame.filename.split("/")[-2:])
        out.append((stat.size_diff, stat.count_diff, f"{where}:{frame.lineno}"))
    return out


def memory_core(calls: int) -> dict[str, Any]:
    """Bytes per live call: tracemalloc around ``calls`` inbound offers in a session."""
    texts = [frames.offer_frame(index).decode() for index in range(calls)]
    session = ready_session(max_calls=calls * 2)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    baseline = tracemalloc.get_traced_memory()[0]
    for text in texts:
        session.receive_text(text, now=1.0)
        session.messages_to_send()
        while session.next_event() is not None:
            pass
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - baseline
    top = top_sites(before, tracemalloc.take_snapshot())
    tracemalloc.stop()
    live = session.statistics().live_calls
    per_call = used / max(live, 1)
    return {"calls": calls, "live": live, "bytes": used, "per_call": per_call, "top": top}


def memory_sdk(calls: int) -> dict[str, Any]:
    """Bytes per live call in the official SDK, through its own receive path.

    A ``RelayClient`` that never connects gets each offer exactly as its
    receive loop would hand it over: ``json.loads(frame)`` then
    ``_handle_message`` (the ack is skipped because there is no socket).  The
    no-op ``on_call`` handler task runs to completion before measuring.
    """
    from signalwire.relay import RelayClient

    texts = [frames.offer_frame(index).decode() for index in range(calls)]

    async def main() -> dict[str, Any]:
        client = RelayClient(
            project=PROJECT,
            token=TOKEN,
            host="127.0.0.1:9",
            contexts=["office"],
            max_active_calls=calls * 2,
        )

        @client.on_call
        async def on_call(call: Any) -> None:
            del call

        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        baseline = tracemalloc.get_traced_memory()[0]
        for text in texts:
            await client._handle_message(json.loads(text))
        for _ in range(3):
            await asyncio.sleep(0)
        gc.collect()
        used = tracemalloc.get_traced_memory()[0] - baseline
        top = top_sites(before, tracemalloc.take_snapshot())
        tracemalloc.stop()
        live = len(client._calls)
        per_call = used / max(live, 1)
        return {"calls": calls, "live": live, "bytes": used, "per_call": per_call, "top": top}

    return asyncio.run(main())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="no-socket benchmark measurements")
    parser.add_argument(
        "what", choices=["floors", "core", "core-stages", "memory-core", "memory-sdk"]
    )
    parser.add_argument("--n", type=int, default=45_000)
    parser.add_argument("--calls", type=int, default=10_000)
    args = parser.parse_args(argv)
    try:
        if args.what == "floors":
            result: dict[str, Any] = floors(args.n)
        elif args.what == "core":
            result = core(args.n)
        elif args.what == "core-stages":
            from .profile_core import summary

            result = summary(args.n)
        elif args.what == "memory-core":
            result = memory_core(args.calls)
        else:
            result = memory_sdk(args.calls)
    except ImportError as exc:
        result = {"skip": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
