"""The ``raw_ws_trio`` floor: websockets' sans-IO protocol on trio streams, decode + ack."""

from __future__ import annotations

import argparse

from ._common import (
    _trio_line,
    raw_floor_ready,
    say_hello,
    skip,
    trio_serve_until_stop,
    websockets_options,
    ws_url,
)


def run_raw_ws_trio(mode: str, args: argparse.Namespace) -> None:
    """The websockets.trio floor: ``recv()`` + decode + ``send()`` per message, nothing else."""
    try:
        import trio
        from websockets.trio.client import connect as trio_connect
    except ImportError as exc:
        skip(f"websockets.trio does not import: {exc}")
    loads = raw_floor_ready("raw_ws_trio", mode, args)

    async def main() -> None:
        await _trio_line()  # "go"
        url = ws_url(args.host)
        async with trio_connect(url, **websockets_options(url)) as ws:
            await say_hello(ws.send, ws.recv, loads)

            async def reader() -> None:
                while True:
                    message = loads(await ws.recv())
                    if "method" in message and "id" in message:
                        await ws.send(f'{{"jsonrpc":"2.0","id":"{message["id"]}","result":{{}}}}')

            await trio_serve_until_stop(reader)

    trio.run(main)
