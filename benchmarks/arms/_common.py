"""What every arm shares: the stdout protocol, the hello, dial levels, memory, statistics."""

from __future__ import annotations

import argparse
import asyncio
import gc
import inspect
import json
import math
import os
import resource
import ssl
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from ..inproc import top_sites

PROJECT = "9b3e5c1a-7d0a-4b8e-9f7e-0b6a2f0e9c11"


TOKEN = "PT-bench-token"


CONTEXTS = ["office"]


DEVICES = [
    [{"type": "phone", "params": {"to_number": "+15551110001", "from_number": "+15550000000"}}]
]


MEMORY_CALL_CAP = 100_000


MAX_MESSAGE_BYTES = 10 * 1024 * 1024


HELLO_ID = "raw-connect-1"


#: The ``signalwire.connect`` request every raw floor sends once the socket is open.
HELLO = {
    "jsonrpc": "2.0",
    "id": HELLO_ID,
    "method": "signalwire.connect",
    "params": {
        "version": {"major": 2, "minor": 0, "revision": 0},
        "agent": "bench-raw/1.0",
        "event_acks": True,
        "authentication": {"project": PROJECT, "token": TOKEN},
        "contexts": CONTEXTS,
    },
}


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def read_line() -> str:
    return sys.stdin.readline().strip()


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def dial_summary(
    concurrency: int, latencies: list[float], errors: int, wall: float, cpu: float
) -> dict[str, Any]:
    latencies.sort()
    done = len(latencies)
    return {
        "concurrency": concurrency,
        "dials": done,
        "errors": errors,
        "seconds": wall,
        "rate": done / wall if wall > 0 else 0.0,
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "cpu": cpu,
    }


def ws_url(host: str) -> str:
    return host if "://" in host else f"wss://{host}"


def client_ssl_context() -> ssl.SSLContext | None:
    ca_file = os.environ.get("SIGNALWIRE_RELAY_CA_FILE")
    if not ca_file:
        return None
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=ca_file)
    return context


def _accepts(function: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def client_kwargs(host: str, factory: Callable[..., Any], caps: tuple[str, ...]) -> dict[str, Any]:
    """Constructor arguments for a client arm.

    Each cap in ``caps`` that ``factory`` accepts is set high enough that no
    offer is ever passed back: a passed call's later events are dropped
    unprocessed, which would flatter the client.
    """
    kwargs: dict[str, Any] = {
        "project": PROJECT,
        "token": TOKEN,
        "host": host,
        "contexts": list(CONTEXTS),
    }
    for cap in caps:
        if _accepts(factory, cap):
            kwargs[cap] = MEMORY_CALL_CAP
    return kwargs


def skip(reason: str) -> None:
    say({"skip": reason})
    raise SystemExit(0)


async def _async_line() -> str:
    return await asyncio.get_running_loop().run_in_executor(None, read_line)


async def _trio_line() -> str:
    import trio

    return await trio.to_thread.run_sync(read_line, abandon_on_cancel=True)


async def _wait_for(word: str, line: Callable[[], Awaitable[str]] = _async_line) -> None:
    while True:
        got = await line()
        if got == word or not got:
            return


class DialLevel:
    """One concurrency level: C workers share a budget of ``total`` dials."""

    def __init__(self, dial: Callable[[], Awaitable[Any]], total: int) -> None:
        self.dial = dial
        self.remaining = total
        self.errors = 0
        self.latencies: list[float] = []

    async def worker(self) -> None:
        while self.remaining > 0:
            self.remaining -= 1
            started = time.perf_counter()
            try:
                await self.dial()
            except Exception:
                self.errors += 1
                continue
            self.latencies.append(time.perf_counter() - started)


async def run_dial_levels(
    dial: Callable[[], Awaitable[Any]],
    levels: list[int],
    totals: list[int],
    run_workers: Callable[[DialLevel, int], Awaitable[Any]],
) -> None:
    """Warm up, then time each level; ``run_workers`` runs C workers to completion."""
    for _ in range(20):  # warm-up, untimed
        await dial()
    for concurrency, total in zip(levels, totals, strict=True):
        level = DialLevel(dial, total)
        gc.collect()
        cpu0 = cpu_seconds()
        wall0 = time.perf_counter()
        await run_workers(level, concurrency)
        wall = time.perf_counter() - wall0
        cpu = cpu_seconds() - cpu0
        say({"result": dial_summary(concurrency, level.latencies, level.errors, wall, cpu)})


async def measure_memory(
    client: Any, sleep: Callable[[float], Awaitable[Any]], line: Callable[[], Awaitable[str]]
) -> None:
    """The memory mode: baseline, wait for ``snap``, report the growth, wait for ``stop``."""
    await sleep(0.2)
    gc.collect()
    before = tracemalloc.take_snapshot()
    baseline = tracemalloc.get_traced_memory()[0]
    rss0, own0 = rss_bytes(), tracemalloc.get_tracemalloc_memory()
    say({"baseline": baseline})
    await _wait_for("snap", line)
    await sleep(0.3)  # let handler tasks finish
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - baseline
    # RSS growth, less what tracemalloc's own traces took meanwhile.
    rss = rss_bytes() - rss0 - (tracemalloc.get_tracemalloc_memory() - own0)
    top = top_sites(before, tracemalloc.take_snapshot())
    say({"result": {"bytes": used, "rss": rss, "tracked": _tracked_calls(client), "top": top}})
    await _wait_for("stop", line)


async def measure_clients(
    open_one: Callable[[], Awaitable[Any]], count: int, sleep: Callable[[float], Awaitable[Any]]
) -> None:
    """The clients mode: one warm-up client, then ``count`` more; the growth per client.

    ``open_one`` opens a connected client and keeps it open (the caller's
    exit stack closes them all).  Prints ``{"result": {"per_client": B,
    "rss_per_client": B}}``.
    """
    tracemalloc.start()
    await open_one()  # imports, caches and the first session's one-off costs
    await sleep(0.2)
    gc.collect()
    before = tracemalloc.take_snapshot()
    baseline = tracemalloc.get_traced_memory()[0]
    rss0, own0 = rss_bytes(), tracemalloc.get_tracemalloc_memory()
    for _ in range(count):
        await open_one()
    await sleep(0.3)
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - baseline
    rss = rss_bytes() - rss0 - (tracemalloc.get_tracemalloc_memory() - own0)
    top = top_sites(before, tracemalloc.take_snapshot())
    result = {"clients": count, "per_client": used / count, "rss_per_client": rss / count}
    say({"result": {**result, "top": top}})


def rss_bytes() -> int:
    """This process's resident set size (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


_NO_STATISTICS = object()


def _core_statistics(client: Any) -> Any:
    """``client.statistics()``, or ``_NO_STATISTICS`` where there is none or it fails."""
    statistics = getattr(client, "statistics", None)
    if not callable(statistics):
        return _NO_STATISTICS
    try:
        return statistics()
    except Exception:
        return _NO_STATISTICS


def _statistics(client: Any) -> dict[str, Any] | None:
    """The core's counters, for adapters that expose ``statistics()``."""
    stats = _core_statistics(client)
    if stats is _NO_STATISTICS:
        return None
    names = ("events_received", "dropped_events", "malformed_frames", "live_calls")
    return {name: getattr(stats, name, None) for name in names}


def summed_statistics(clients: list[Any]) -> dict[str, Any] | None:
    """``_statistics`` summed over several clients (None where there are none)."""
    total: dict[str, Any] = {}
    for client in clients:
        stats = _statistics(client)
        if stats is None:
            return None
        for name, value in stats.items():
            if isinstance(value, int):
                total[name] = total.get(name, 0) + value
    return total


def _tracked_calls(client: Any) -> int | None:
    calls = getattr(client, "_calls", None)
    if isinstance(calls, dict):
        return len(calls)
    live = getattr(_core_statistics(client), "live_calls", None)
    return live if isinstance(live, int) else None


def raw_floor_ready(arm: str, mode: str, args: argparse.Namespace) -> Callable[[Any], Any]:
    """Skip unless ``events``; pick the JSON decoder, print ready and return the decoder."""
    if mode != "events":
        skip(f"{arm} only runs the event benchmark")
    loads: Callable[[str | bytes], Any] = orjson.loads if args.json == "orjson" else json.loads
    say({"ready": True})
    return loads


def websockets_options(url: str) -> dict[str, Any]:
    """``connect()`` options of the websockets floors (asyncio and trio alike)."""
    return {
        "ssl": client_ssl_context() if url.startswith("wss://") else None,
        "compression": None,
        "ping_interval": None,
        "max_size": MAX_MESSAGE_BYTES,
    }


async def say_hello(
    send: Callable[[str], Awaitable[Any]],
    receive: Callable[[], Awaitable[Any]],
    loads: Callable[[Any], Any],
) -> None:
    """Send ``HELLO``, skip messages until its response, print connected."""
    await send(json.dumps(HELLO))
    while loads(await receive()).get("id") != HELLO_ID:
        pass
    say({"connected": True})


async def trio_serve_until_stop(task: Callable[[], Awaitable[Any]]) -> None:
    """Run ``task`` in a nursery until ``stop`` arrives, print no stats, cancel it."""
    import trio

    async with trio.open_nursery() as nursery:
        nursery.start_soon(task)
        await _trio_line()  # "stop"
        say({"stats": None})
        nursery.cancel_scope.cancel()
