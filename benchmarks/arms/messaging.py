"""The ``messages`` mode: SMS sent and received per second by one client (relay_trio,
relay_asyncio or the official SDK) against the fake server (``benchmarks.message_server``).

After ``go`` and ``connected``:

1. 20 untimed sends (warm-up), then per level C workers share ``total``
   sends; each is ``send_message`` then a wait for the final state (the fake
   delivers at once by default); with ``--budget S`` no new send starts once
   a level has run S seconds (so a client that loses sends cannot stretch the
   run); prints ``{"result": {"kind": "send", ...}}`` (``unsent``: sends the
   budget left out);
2. prints ``{"inbound": N}`` and counts inbound messages (``incoming_messages``
   / ``on_message``) until N arrived; prints ``{"result": {"kind": "receive",
   ...}}``: the wall time from the first to the last, and this process's CPU
   time over the same window (the fake server is the slower side on one
   core; CPU per message is the client's own cost).

A wait that outlives ``--wait-timeout`` (5 s by default) counts as an error (the
official SDK drops states that beat its ``send_message`` reply, RELAY.md K.39).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ._asyncio_api import load_asyncio_client
from ._common import (
    CONTEXTS,
    _trio_line,
    _wait_for,
    client_kwargs,
    cpu_seconds,
    percentile,
    say,
    skip,
)

TO = "+15552222222"
FROM = "+15550000000"


class Level:
    """C workers share a budget of sends."""

    def __init__(
        self, send: Callable[[], Awaitable[bool]], total: int, budget: float = 0.0
    ) -> None:
        self.send = send
        self.remaining = total
        self.errors = 0
        self.latencies: list[float] = []
        #: No send starts after this (perf_counter); ``inf`` without a budget.
        self.deadline = time.perf_counter() + budget if budget > 0 else float("inf")

    async def worker(self) -> None:
        while self.remaining > 0 and time.perf_counter() < self.deadline:
            self.remaining -= 1
            started = time.perf_counter()
            try:
                ok = await self.send()
            except Exception:
                ok = False
            if ok:
                self.latencies.append(time.perf_counter() - started)
            else:
                self.errors += 1


async def run_levels(
    send: Callable[[], Awaitable[bool]],
    args: argparse.Namespace,
    run_workers: Callable[[Level, int], Awaitable[Any]],
) -> None:
    # Warm-up, bounded too (at most 5 s with a budget): a client losing sends waits each out.
    await Level(send, 20, min(args.budget, 5.0)).worker()
    for concurrency, total in zip(args.levels, args.totals, strict=True):
        level = Level(send, total, args.budget)
        gc.collect()
        cpu0, wall0 = cpu_seconds(), time.perf_counter()
        await run_workers(level, concurrency)
        wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
        level.latencies.sort()
        done = len(level.latencies)
        say(
            {
                "result": {
                    "kind": "send",
                    "concurrency": concurrency,
                    "messages": done,
                    "errors": level.errors,
                    "unsent": level.remaining,
                    "seconds": wall,
                    "rate": done / wall if wall > 0 else 0.0,
                    "p50": percentile(level.latencies, 0.5),
                    "p99": percentile(level.latencies, 0.99),
                    "cpu": cpu,
                }
            }
        )


class Inbox:
    """Counts inbound messages; notes the first and the last arrival."""

    def __init__(self, want: int) -> None:
        self.want = want
        self.count = 0
        self.first = self.last = 0.0
        self.cpu_first = self.cpu_last = 0.0

    def got(self) -> bool:
        now = time.perf_counter()
        if self.count == 0:
            self.first, self.cpu_first = now, cpu_seconds()
        self.count += 1
        self.last = now
        if self.count >= self.want:
            self.cpu_last = cpu_seconds()
            return True
        return False

    def report(self) -> None:
        wall = self.last - self.first
        say(
            {
                "result": {
                    "kind": "receive",
                    "messages": self.count,
                    "seconds": wall,
                    "rate": (self.count - 1) / wall if wall > 0 else 0.0,
                    "cpu": self.cpu_last - self.cpu_first,
                }
            }
        )


def run_messaging_arm(arm: str, args: argparse.Namespace) -> None:
    if arm == "relay_trio":
        _run_trio(args)
    elif arm in ("relay_asyncio", "sdk"):
        asyncio.run(_run_asyncio(arm, args))
    else:
        skip(f"{arm} has no messaging")


def _run_trio(args: argparse.Namespace) -> None:
    try:
        import trio

        import relay_trio
    except Exception as exc:
        skip(f"relay_trio does not import: {type(exc).__name__}: {exc}")
    if not hasattr(relay_trio.RelayClient, "send_message"):
        skip("relay_trio.RelayClient.send_message is missing (not available yet)")
    say({"ready": True})

    async def main() -> None:
        await _wait_for("go", _trio_line)
        kwargs = client_kwargs(args.host, relay_trio.open_relay_client, ("max_pending_calls",))
        async with relay_trio.open_relay_client(**kwargs) as client:
            say({"connected": True})

            async def send() -> bool:
                message = await client.send_message(
                    to_number=TO, from_number=FROM, context=CONTEXTS[0], body="bench"
                )
                with trio.move_on_after(args.wait_timeout):
                    await message.wait()
                    return True
                return False

            async def run_workers(level: Level, concurrency: int) -> None:
                async with trio.open_nursery() as nursery:
                    for _ in range(concurrency):
                        nursery.start_soon(level.worker)

            await run_levels(send, args, run_workers)
            inbox = Inbox(args.inbound)
            async with client.incoming_messages() as messages:
                say({"inbound": args.inbound})
                async for _message in messages:
                    if inbox.got():
                        break
            inbox.report()

    trio.run(main)


async def _run_asyncio(arm: str, args: argparse.Namespace) -> None:
    client_class = load_asyncio_client(arm)
    if not hasattr(client_class, "send_message"):
        skip(f"{arm}: RelayClient.send_message is missing (not available yet)")
    say({"ready": True})
    await _wait_for("go")
    caps = ("max_active_calls", "max_concurrent_handlers")
    client = client_class(**client_kwargs(args.host, client_class.__init__, caps))
    inbox = Inbox(args.inbound)
    done = asyncio.Event()

    async def on_message(message: Any) -> None:
        del message
        if inbox.got():
            done.set()

    client.on_message(on_message)
    async with client:
        say({"connected": True})

        async def send() -> bool:
            message = await client.send_message(
                to_number=TO, from_number=FROM, context=CONTEXTS[0], body="bench"
            )
            try:
                await message.wait(timeout=args.wait_timeout)
            except TimeoutError:
                return False
            return True

        async def run_workers(level: Level, concurrency: int) -> None:
            await asyncio.gather(*(level.worker() for _ in range(concurrency)))

        await run_levels(send, args, run_workers)
        say({"inbound": args.inbound})
        await done.wait()
        inbox.report()


__all__ = ["run_messaging_arm"]
