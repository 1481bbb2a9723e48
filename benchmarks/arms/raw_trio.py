"""The ``raw_trio`` floor: trio-websocket, decode + ack and nothing else."""

from __future__ import annotations

import argparse

from ._common import (
    MAX_MESSAGE_BYTES,
    _trio_line,
    client_ssl_context,
    raw_floor_ready,
    say_hello,
    skip,
    trio_serve_until_stop,
    ws_url,
)


def run_raw_trio(mode: str, args: argparse.Namespace) -> None:
    """The trio floor: trio-websocket receive + decode + ack, nothing else."""
    try:
        import trio
        from trio_websocket import open_websocket_url
    except ImportError as exc:
        skip(f"trio-websocket does not import: {exc}")
    loads = raw_floor_ready("raw_trio", mode, args)

    async def main() -> None:
        await _trio_line()  # "go"
        url = ws_url(args.host)
        context = client_ssl_context() if url.startswith("wss://") else None
        async with open_websocket_url(url, context, max_message_size=MAX_MESSAGE_BYTES) as ws:
            await say_hello(ws.send_message, ws.get_message, loads)

            async def reader() -> None:
                while True:
                    message = loads(await ws.get_message())
                    if "method" in message and "id" in message:
                        ack = f'{{"jsonrpc":"2.0","id":"{message["id"]}","result":{{}}}}'
                        await ws.send_message(ack)

            await trio_serve_until_stop(reader)

    trio.run(main)
