"""The asyncio arms: the official SDK and relay_asyncio share one API (``RelayClient``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tracemalloc
from typing import Any

from ._common import (
    DEVICES,
    DialLevel,
    _async_line,
    _statistics,
    _wait_for,
    client_kwargs,
    measure_clients,
    measure_memory,
    run_dial_levels,
    say,
    skip,
    summed_statistics,
)


def load_asyncio_client(arm: str) -> Any:
    """Import the ``RelayClient`` class of an asyncio arm; raise SystemExit to skip."""
    module_name = "signalwire.relay" if arm == "sdk" else "relay_asyncio"
    try:
        module = __import__(module_name, fromlist=["RelayClient"])
    except Exception as exc:  # any import failure means "not available"
        skip(f"{module_name} does not import: {type(exc).__name__}: {exc}")
    client_class = getattr(module, "RelayClient", None)
    if client_class is None:
        skip(f"{module_name}.RelayClient is missing (not available yet)")
    for attribute in ("on_call", "dial", "__aenter__", "__aexit__"):
        if not hasattr(client_class, attribute):
            skip(f"{module_name}.RelayClient has no {attribute} (not available yet)")
    return client_class


def _make_asyncio_client(client_class: Any, host: str) -> Any:
    caps = ("max_active_calls", "max_concurrent_handlers")
    client = client_class(**client_kwargs(host, client_class.__init__, caps))

    async def on_call(call: Any) -> None:
        del call

    client.on_call(on_call)
    return client


async def _asyncio_workers(level: DialLevel, concurrency: int) -> None:
    await asyncio.gather(*(level.worker() for _ in range(concurrency)))


async def run_asyncio_arm(arm: str, mode: str, args: argparse.Namespace) -> None:
    client_class = load_asyncio_client(arm)
    say({"ready": True})
    await _wait_for("go")
    if mode == "clients":
        async with contextlib.AsyncExitStack() as stack:

            async def open_one() -> Any:
                return await stack.enter_async_context(
                    _make_asyncio_client(client_class, args.host)
                )

            await measure_clients(open_one, args.clients, asyncio.sleep)
            await _wait_for("stop")
        return
    if mode == "multi":  # events pushed to --clients clients in this one process
        async with contextlib.AsyncExitStack() as stack:
            many = [
                await stack.enter_async_context(_make_asyncio_client(client_class, args.host))
                for _ in range(args.clients)
            ]
            say({"connected": True})
            await _wait_for("stop")
            say({"stats": summed_statistics(many)})
        return
    memory = mode == "memory"
    if memory:
        tracemalloc.start()
    client = _make_asyncio_client(client_class, args.host)
    async with client:
        say({"connected": True})
        if mode == "events":
            await _wait_for("stop")
            say({"stats": _statistics(client)})
        elif mode == "dials":

            async def dial() -> Any:
                return await client.dial(devices=DEVICES)

            await run_dial_levels(dial, args.levels, args.totals, _asyncio_workers)
        else:
            await measure_memory(client, asyncio.sleep, _async_line)
