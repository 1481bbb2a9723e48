"""The ``relay_trio`` arm: this library's trio adapter."""

from __future__ import annotations

import argparse
import contextlib
import tracemalloc
from typing import Any

from ._common import (
    DEVICES,
    DialLevel,
    _accepts,
    _statistics,
    _trio_line,
    _wait_for,
    client_kwargs,
    measure_clients,
    measure_memory,
    run_dial_levels,
    say,
    skip,
    summed_statistics,
)


def run_trio_arm(mode: str, args: argparse.Namespace) -> None:
    try:
        import trio

        import relay_trio
    except Exception as exc:  # any import failure means "not available"
        skip(f"relay_trio does not import: {type(exc).__name__}: {exc}")
    opener = getattr(relay_trio, "open_relay_client", None)
    if opener is None:
        skip("relay_trio.open_relay_client is missing (not available yet)")
    say({"ready": True})

    async def handle(call: Any) -> None:
        del call  # returns at once, as the asyncio arms' on_call does

    async def consume_calls(client: Any, handlers: Any) -> None:
        # What a user writes: one handler task per offered call.
        incoming = client.incoming_calls()
        if hasattr(incoming, "__aenter__"):
            async with incoming as calls:
                async for call in calls:
                    handlers.start_soon(handle, call)
        else:
            async for call in incoming:
                handlers.start_soon(handle, call)

    async def clients() -> None:
        await _wait_for("go", _trio_line)
        async with contextlib.AsyncExitStack() as stack:

            async def open_one() -> Any:
                kwargs = client_kwargs(args.host, opener, ("max_pending_calls", "max_calls"))
                return await stack.enter_async_context(opener(**kwargs))

            await measure_clients(open_one, args.clients, trio.sleep)
            await _wait_for("stop", _trio_line)

    async def multi() -> None:  # events pushed to --clients clients in this one process
        await _wait_for("go", _trio_line)
        kwargs = client_kwargs(args.host, opener, ("max_pending_calls", "max_calls"))
        async with contextlib.AsyncExitStack() as stack:
            many = [await stack.enter_async_context(opener(**kwargs)) for _ in range(args.clients)]
            nursery = await stack.enter_async_context(trio.open_nursery())  # closes first
            for client in many:
                if hasattr(client, "incoming_calls"):
                    nursery.start_soon(consume_calls, client, nursery)
            say({"connected": True})
            await _wait_for("stop", _trio_line)
            say({"stats": summed_statistics(many)})
            nursery.cancel_scope.cancel()

    async def main() -> None:
        await _wait_for("go", _trio_line)
        memory = mode == "memory"
        if memory:
            tracemalloc.start()
        kwargs = client_kwargs(args.host, opener, ("max_pending_calls", "max_calls"))
        async with opener(**kwargs) as client, trio.open_nursery() as nursery:
            say({"connected": True})
            if hasattr(client, "incoming_calls"):
                nursery.start_soon(consume_calls, client, nursery)
            if mode == "events":
                await _wait_for("stop", _trio_line)
                say({"stats": _statistics(client)})
            elif mode == "dials":
                await trio_dials(client)
            else:
                await measure_memory(client, trio.sleep, _trio_line)
            nursery.cancel_scope.cancel()

    async def trio_dials(client: Any) -> None:
        dial_takes_keyword = _accepts(client.dial, "devices")

        async def dial() -> Any:
            if dial_takes_keyword:
                return await client.dial(devices=DEVICES)
            return await client.dial(DEVICES)

        async def run_workers(level: DialLevel, concurrency: int) -> None:
            async with trio.open_nursery() as workers:
                for _ in range(concurrency):
                    workers.start_soon(level.worker)

        await run_dial_levels(dial, args.levels, args.totals, run_workers)

    trio.run({"clients": clients, "multi": multi}.get(mode, main))
