"""The ``raw_wsproto`` floor: wsproto on trio streams, decode + ack and nothing else."""

from __future__ import annotations

import argparse
import json
import ssl
from typing import Any

from ._common import (
    HELLO,
    HELLO_ID,
    _trio_line,
    client_ssl_context,
    raw_floor_ready,
    say,
    skip,
    trio_serve_until_stop,
    ws_url,
)


def run_raw_wsproto(mode: str, args: argparse.Namespace) -> None:
    """A trio floor without trio-websocket: wsproto on a trio stream, acks batched.

    Reads up to 64 KiB at a time, answers every event in that read, and writes
    all the acks with one ``send_all``: what a trio client could reach if it
    did its own framing instead of one ``send_message`` per ack.
    """
    try:
        import trio
        from wsproto import ConnectionType, WSConnection
        from wsproto.events import (
            AcceptConnection,
            CloseConnection,
            Ping,
            Request,
            TextMessage,
        )
    except ImportError as exc:
        skip(f"wsproto does not import: {exc}")
    loads = raw_floor_ready("raw_wsproto", mode, args)

    async def main() -> None:
        await _trio_line()  # "go"
        url = ws_url(args.host)
        host_port = url.split("://", 1)[1].rstrip("/")
        host, _, port = host_port.rpartition(":")
        stream: Any = await trio.open_tcp_stream(host, int(port))
        if url.startswith("wss://"):
            context = client_ssl_context() or ssl.create_default_context()
            stream = trio.SSLStream(stream, context, server_hostname=host)
            await stream.do_handshake()
        ws = WSConnection(ConnectionType.CLIENT)
        await stream.send_all(ws.send(Request(host=host_port, target="/")))
        connected = False
        partial: list[str] = []

        async def pump() -> None:
            nonlocal connected
            while True:
                data = await stream.receive_some(65536)
                if not data:
                    return
                ws.receive_data(data)
                out = []
                for event in ws.events():
                    if isinstance(event, AcceptConnection):
                        out.append(ws.send(TextMessage(data=json.dumps(HELLO))))
                    elif isinstance(event, TextMessage):
                        partial.append(event.data)
                        if not event.message_finished:
                            continue
                        message = loads("".join(partial))
                        partial.clear()
                        if "method" in message and "id" in message:
                            ack = f'{{"jsonrpc":"2.0","id":"{message["id"]}","result":{{}}}}'
                            out.append(ws.send(TextMessage(data=ack)))
                        elif message.get("id") == HELLO_ID and not connected:
                            connected = True
                            say({"connected": True})
                    elif isinstance(event, Ping):
                        out.append(ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        return
                if out:
                    await stream.send_all(b"".join(out))

        await trio_serve_until_stop(pump)

    trio.run(main)
