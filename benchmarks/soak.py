"""Soak: the fake server and one client under an hour of simulated churn.

    python -m benchmarks.soak [--minutes 60] [--every 5] [--tolerance 0.1]

One ``trio.run`` on ``MockClock(autojump_threshold=0)``: the fake server
(``relay_trio.testing.open_fake_relay_server``, real loopback sockets) and a
long-lived ``relay_trio`` client that dials, connects, plays and hangs up,
and answers inbound calls; around it, short-lived clients connect, dial and
leave without hanging up (their sessions are never resumed, so the server
must expire them and end their calls), and the server drops the main
client's socket now and then (it reconnects and resumes).

Every ``--every`` simulated minutes it samples tracemalloc's current total,
the RSS, and the bytes reachable from the server (the sans-IO
``FakeRelayServer`` plus the handle's per-socket table) and from the client
(its core ``RelaySession`` plus its call tables).  The verdict is *flat*
when each final value is within ``--tolerance`` of its value after warm-up
(the first sample at or after a quarter of the run, at least 10 minutes, by
when the journal and the ended-call memory are full); otherwise *growing*.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import itertools
import random
import sys
import time
import tracemalloc
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import trio
import trio.testing

import relay_trio
from relay_core.testing import FakeRelayServer
from relay_trio.testing import FakeRelayHandle, open_fake_relay_server

FROM = "+15550000000"
ANSWERS = "+15552222222"
NO_ANSWER = "+15551111111"
BUSY = "+15551110003"
CONTEXT = "office"
#: Concurrent outbound loops on the long-lived client.
CALLERS = 3
TTS = [{"type": "tts", "params": {"text": "Hello from the soak test, please hold."}}]


def phone(number: str, timeout: float | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"to_number": number, "from_number": FROM}
    if timeout is not None:
        params["timeout"] = timeout
    return {"type": "phone", "params": params}


# -- measuring ----------------------------------------------------------------------

_OPAQUE = (type, types.ModuleType, types.CodeType, types.BuiltinFunctionType, types.FrameType)


def reachable_bytes(*roots: object) -> int:
    """``sys.getsizeof`` summed over every object reachable from ``roots``.

    Stops at modules, classes, code and frames, at trio's objects (the run
    loop reaches everything) and at the adapters' client and handle objects;
    follows a function only into its closure cells (not its globals), so it
    measures the state the roots keep, not the program or the other side.
    """
    seen: set[int] = set()
    stack: list[object] = list(roots)
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _OPAQUE) or _foreign(obj):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, types.FunctionType):
            stack.extend(obj.__closure__ or ())
        else:
            stack.extend(gc.get_referents(obj))
    return total


def _foreign(obj: object) -> bool:
    module = type(obj).__module__ or ""
    return module.startswith(("trio", "outcome")) or isinstance(
        obj, relay_trio.RelayClient | FakeRelayHandle
    )


def _trim_heap() -> None:
    """Hand free heap pages back to the OS (glibc), so RSS shows live memory."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def rss_bytes() -> int:
    """The process's resident set size now (Linux), else its peak."""
    try:
        with open("/proc/self/statm", encoding="ascii") as file:
            pages = int(file.read().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@dataclass
class Sample:
    minute: float
    traced: int
    rss: int
    server: int
    client: int
    tables: dict[str, int]
    client_calls: int


@dataclass
class Counts:
    dials: int = 0
    connects: int = 0
    plays: int = 0
    inbound: int = 0
    ephemeral: int = 0
    drops: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, exc: BaseException) -> None:
        name = type(exc).__name__
        self.errors[name] = self.errors.get(name, 0) + 1


@dataclass
class Result:
    samples: list[Sample]
    counts: Counts
    final_tables: dict[str, int]
    final_client_tables: dict[str, int]
    real_seconds: float


def client_tables(client: relay_trio.RelayClient) -> dict[str, int]:
    return {
        "calls": len(client._calls),
        "requests": len(client._requests),
        "dials": len(client._dials),
        "connects": len(client._connects),
        "playbacks": len(client._playbacks),
        "core_calls": len(client._session._calls.calls),
    }


def sample(
    minute: float, fake: FakeRelayHandle, client: relay_trio.RelayClient, traced: bool
) -> Sample:
    gc.collect()
    server: FakeRelayServer = fake.server
    server_bytes = reachable_bytes(server, fake._outgoing)
    _trim_heap()
    return Sample(
        minute=minute,
        traced=tracemalloc.get_traced_memory()[0] if traced else 0,
        rss=rss_bytes(),
        server=server_bytes,
        client=reachable_bytes(
            client._session,
            client._calls,
            client._requests,
            client._dials,
            client._connects,
            client._playbacks,
        ),
        tables=server.table_sizes(),
        client_calls=len(client._calls),
    )


# -- the workload -------------------------------------------------------------------


async def _quietly(counts: Counts, work: Callable[[], Any]) -> None:
    try:
        await work()
    except (relay_trio.RelayError, trio.TooSlowError) as exc:
        counts.error(exc)


async def caller(
    client: relay_trio.RelayClient, fake: FakeRelayHandle, rng: random.Random, counts: Counts
) -> None:
    """Outbound work on the long-lived client: dials, connects, plays, hangups."""

    async def one_round() -> None:
        roll = rng.random()
        counts.dials += 1
        if roll < 0.1:  # rings out
            await client.dial([[phone(NO_ANSWER, timeout=3)]], dial_timeout=30)
            return
        if roll < 0.2:  # busy
            await client.dial([[phone(BUSY)]], dial_timeout=30)
            return
        call = await client.dial([[phone(NO_ANSWER, timeout=2)], [phone(ANSWERS)]])
        counts.plays += 1
        playback = await call.play(TTS)
        await playback.wait()
        if roll < 0.6:
            counts.connects += 1
            peer = await call.connect([[phone(ANSWERS)]])
            await trio.sleep(rng.uniform(1, 10))
            if roll < 0.4:
                # The peer hangs up: the caller is unbridged and stays up.
                fake.hangup_call(peer.call_id)
                await peer.wait_for_ended()
        await trio.sleep(rng.uniform(0, 5))
        await call.hangup()  # ends a still-bridged peer too
        await call.wait_for_ended()

    while True:
        await _quietly(counts, one_round)
        await trio.sleep(rng.uniform(1, 5))


async def answerer(client: relay_trio.RelayClient, rng: random.Random, counts: Counts) -> None:
    """Inbound calls on the long-lived client: answer, play, hang up (or refuse)."""

    async def handle(call: relay_trio.Call) -> None:
        async def work() -> None:
            if rng.random() < 0.2:
                await call.hangup("decline")
                return
            await call.answer()
            playback = await call.play(TTS)
            await playback.wait()
            await call.hangup()

        await _quietly(counts, work)

    await client.serve(handle)


async def inbound(fake: FakeRelayHandle, rng: random.Random, counts: Counts) -> None:
    """The phone network places calls into the client's context."""
    while True:
        await trio.sleep(rng.uniform(2, 12))
        counts.inbound += 1
        fake.inject_inbound_call(context=CONTEXT, from_number="+15553334444", to_number=FROM)


async def ephemeral(fake: FakeRelayHandle, rng: random.Random, counts: Counts) -> None:
    """Short-lived clients: connect, dial, leave without hanging up (never resumed)."""

    async def one(index: int) -> None:
        counts.ephemeral += 1
        async with relay_trio.open_relay_client(
            project="test-project", token="test-token", host=fake.url, contexts=("churn",)
        ) as client:
            protocol = client._session.protocol
            await client.dial([[phone(ANSWERS)]])
            if index % 3 == 0:
                # The server drops it once; it resumes, then leaves for good.
                for conn in fake.connections():
                    info = fake.server.session_of(conn)
                    if info is not None and info.protocol == protocol:
                        counts.drops += 1
                        fake.drop(conn)
                await trio.sleep(3)
            await trio.sleep(rng.uniform(0, 10))

    async with trio.open_nursery() as nursery:
        for index in itertools.count():
            nursery.start_soon(_quietly, counts, lambda i=index: one(i))
            await trio.sleep(rng.uniform(5, 15))


async def dropper(client: relay_trio.RelayClient, fake: FakeRelayHandle, counts: Counts) -> None:
    """Every few minutes the server drops the main client's socket (it resumes)."""
    while True:
        await trio.sleep(240)
        protocol = client._session.protocol
        for conn in fake.connections():
            info = fake.server.session_of(conn)
            if info is not None and info.protocol == protocol:
                counts.drops += 1
                fake.drop(conn)


async def soak(
    minutes: float,
    every: float,
    *,
    seed: int = 1,
    trace: bool = True,
    report: Callable[[Sample], None] | None = None,
) -> tuple[list[Sample], Counts, dict[str, int], dict[str, int]]:
    rng = random.Random(seed)
    counts = Counts()
    samples: list[Sample] = []
    async with (
        open_fake_relay_server() as fake,
        relay_trio.open_relay_client(
            project="test-project", token="test-token", host=fake.url, contexts=(CONTEXT,)
        ) as client,
    ):
        async with trio.open_nursery() as nursery:
            for _ in range(CALLERS):
                nursery.start_soon(caller, client, fake, random.Random(rng.random()), counts)
            nursery.start_soon(answerer, client, random.Random(rng.random()), counts)
            nursery.start_soon(inbound, fake, random.Random(rng.random()), counts)
            nursery.start_soon(ephemeral, fake, random.Random(rng.random()), counts)
            nursery.start_soon(dropper, client, fake, counts)
            start = trio.current_time()
            for step in itertools.count(1):
                await trio.sleep_until(start + step * every * 60)
                samples.append(sample(step * every, fake, client, trace))
                if report is not None:
                    report(samples[-1])
                if step * every >= minutes:
                    break
            nursery.cancel_scope.cancel()
        # Churn over: hang up what the workload left up; every leftover
        # session expires (resume window) and every offer rings out.
        for call in list(client._calls.values()):
            with contextlib.suppress(relay_trio.RelayError):
                await call.hangup()
        await trio.sleep(120)
        tables = fake.server.table_sizes()
        tables["expired_sessions"] = fake.server.expired_sessions
        return samples, counts, tables, client_tables(client)


def run(
    minutes: float = 60.0,
    every: float = 5.0,
    *,
    seed: int = 1,
    trace: bool = True,
    report: Callable[[Sample], None] | None = None,
) -> Result:
    """Run the soak in one ``trio.run`` on an autojump clock."""
    started = time.perf_counter()
    if trace:
        tracemalloc.start()
    try:
        samples, counts, tables, client = trio.run(
            lambda: soak(minutes, every, seed=seed, trace=trace, report=report),
            clock=trio.testing.MockClock(autojump_threshold=0),
        )
    finally:
        if trace:
            tracemalloc.stop()
    return Result(samples, counts, tables, client, time.perf_counter() - started)


# -- the report ---------------------------------------------------------------------

METRICS = ("traced", "rss", "server", "client")


def warm_up_index(samples: list[Sample], minutes: float) -> int:
    """The first sample at or after max(10 min, a quarter of the run)."""
    cutoff = max(10.0, minutes / 4)
    for index, item in enumerate(samples):
        if item.minute >= cutoff:
            return index
    return len(samples) - 1


#: Growth below this many bytes is noise, whatever the tolerance says.
NOISE_BYTES = 512 * 1024


def verdicts(
    samples: list[Sample], minutes: float, tolerance: float
) -> dict[str, tuple[float, bool]]:
    """Per metric: growth from warm-up to the end (0.05 = +5 %), and whether it is flat.

    Flat: the final value exceeds the warm-up value by at most ``tolerance``
    of it, or by at most :data:`NOISE_BYTES`.
    """
    base = samples[warm_up_index(samples, minutes)]
    last = samples[-1]
    out: dict[str, tuple[float, bool]] = {}
    for name in METRICS:
        before, after = getattr(base, name), getattr(last, name)
        growth = 0.0 if before == 0 else (after - before) / before
        out[name] = (growth, after - before <= max(tolerance * before, NOISE_BYTES))
    return out


def _mb(value: int) -> str:
    return f"{value / 1e6:8.2f}"


def header() -> str:
    return (
        f"{'min':>5} {'traced MB':>9} {'RSS MB':>8} {'server MB':>9} {'client MB':>9}"
        f" {'conns':>5} {'sess':>4} {'calls':>5} {'ended':>5} {'journal':>7} {'timers':>6}"
    )


def row(item: Sample) -> str:
    t = item.tables
    return (
        f"{item.minute:5.0f} {_mb(item.traced):>9} {_mb(item.rss):>8} {_mb(item.server):>9}"
        f" {_mb(item.client):>9} {t['connections']:5d} {t['sessions']:4d} {t['calls']:5d}"
        f" {t['ended_calls']:5d} {t['journal']:7d} {t['timers']:6d}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=60.0, help="simulated minutes (60)")
    parser.add_argument("--every", type=float, default=5.0, help="sample every N minutes (5)")
    parser.add_argument("--tolerance", type=float, default=0.10, help="flat within (0.10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-trace", action="store_true", help="no tracemalloc (faster; RSS without its overhead)"
    )
    args = parser.parse_args(argv)
    print(header(), flush=True)
    result = run(
        args.minutes,
        args.every,
        seed=args.seed,
        trace=not args.no_trace,
        report=lambda s: print(row(s), flush=True),
    )
    counts = result.counts
    print(
        f"\nsimulated {args.minutes:g} min in {result.real_seconds:.1f} s real: "
        f"{counts.dials} dials, {counts.connects} connects, {counts.plays} plays, "
        f"{counts.inbound} inbound, {counts.ephemeral} short-lived clients, "
        f"{counts.drops} dropped sockets; errors {counts.errors or 'none'}"
    )
    print(f"after the churn: server {result.final_tables}")
    print(f"                 client {result.final_client_tables}")
    growth = verdicts(result.samples, args.minutes, args.tolerance)
    base = result.samples[warm_up_index(result.samples, args.minutes)].minute
    flat = all(ok for _growth, ok in growth.values())
    detail = ", ".join(
        f"{name} {value:+.1%}{'' if ok else ' (!)'}" for name, (value, ok) in growth.items()
    )
    print(f"growth from minute {base:g} to the end: {detail}")
    print(f"verdict: {'FLAT' if flat else 'GROWING'} (tolerance {args.tolerance:.0%})")
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
