"""The ``raw_ws`` floor: websockets' asyncio client, decode + ack and nothing else."""

from __future__ import annotations

import argparse
import asyncio

from ._common import _wait_for, raw_floor_ready, say, say_hello, skip, websockets_options, ws_url


async def run_raw_ws(mode: str, args: argparse.Namespace) -> None:
    try:
        from websockets.asyncio.client import connect
    except ImportError as exc:
        skip(f"websockets does not import: {exc}")
    loads = raw_floor_ready("raw_ws", mode, args)
    await _wait_for("go")
    url = ws_url(args.host)
    async with connect(url, **websockets_options(url)) as ws:
        await say_hello(ws.send, ws.recv, loads)

        async def reader() -> None:
            async for raw in ws:
                message = loads(raw)
                if "method" in message and "id" in message:
                    await ws.send(f'{{"jsonrpc":"2.0","id":"{message["id"]}","result":{{}}}}')

        task = asyncio.ensure_future(reader())
        await _wait_for("stop")
        say({"stats": None})
        task.cancel()
