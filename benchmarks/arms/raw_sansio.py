"""The ``raw_sansio`` floor: websockets' sans-IO protocol on asyncio streams, decode + ack."""

from __future__ import annotations

import argparse
import asyncio
import json

from ._common import (
    HELLO,
    HELLO_ID,
    MAX_MESSAGE_BYTES,
    _wait_for,
    client_ssl_context,
    raw_floor_ready,
    say,
    skip,
    ws_url,
)


async def run_raw_sansio(mode: str, args: argparse.Namespace) -> None:
    """An asyncio floor with batched acks: websockets' sans-I/O protocol on a Protocol.

    Every ``data_received`` answers all the events it completed and writes the
    acks with one ``transport.write``.
    """
    try:
        from websockets.client import ClientProtocol
        from websockets.frames import Frame, Opcode
        from websockets.uri import parse_uri
    except ImportError as exc:
        skip(f"websockets' sans-I/O layer does not import: {exc}")
    loads = raw_floor_ready("raw_sansio", mode, args)
    await _wait_for("go")
    url = ws_url(args.host)
    uri = parse_uri(url)
    protocol = ClientProtocol(uri, max_size=MAX_MESSAGE_BYTES)
    connected = asyncio.Event()
    closed = asyncio.Event()

    class Client(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            self.transport = transport
            self.handshake_done = False
            self.parts: list[bytes] = []
            protocol.send_request(protocol.connect())
            self.flush()

        def flush(self) -> None:
            data = protocol.data_to_send()
            if data:
                self.transport.write(b"".join(data))

        def data_received(self, data: bytes) -> None:
            protocol.receive_data(data)
            for event in protocol.events_received():
                if not self.handshake_done:  # the handshake response
                    self.handshake_done = True
                    protocol.send_text(json.dumps(HELLO).encode())
                    continue
                assert isinstance(event, Frame)
                if event.opcode in (Opcode.TEXT, Opcode.CONT):
                    self.parts.append(event.data)
                    if not event.fin:
                        continue
                    message = loads(b"".join(self.parts))
                    self.parts.clear()
                    if "method" in message and "id" in message:
                        ack = f'{{"jsonrpc":"2.0","id":"{message["id"]}","result":{{}}}}'
                        protocol.send_text(ack.encode())
                    elif message.get("id") == HELLO_ID:
                        connected.set()
            self.flush()

        def connection_lost(self, exc: Exception | None) -> None:
            closed.set()

    loop = asyncio.get_running_loop()
    context = client_ssl_context() if uri.secure else None
    transport, _ = await loop.create_connection(
        Client, uri.host, uri.port, ssl=context, server_hostname=uri.host if context else None
    )
    await connected.wait()
    say({"connected": True})
    await _wait_for("stop")
    say({"stats": None})
    transport.close()
