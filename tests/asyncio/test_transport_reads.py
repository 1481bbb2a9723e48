"""relay_asyncio's socket hands the core every message of a read at once (issue 17).

``RelayConnection`` replaces websockets' per-message ``recv()``: these pin
what that path must still do (fragments, binary frames, a malformed frame
dropped, not fatal) and the flow control it adds (reading pauses while the
replies cannot leave).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from relay_asyncio import RelayClient
from relay_asyncio._transport import RelayConnection

from .scripted import Peer, scenario, scripted_server


def state(index: int) -> dict[str, str]:
    return {"node_id": "n1", "call_id": f"c-{index}", "call_state": "ringing", "tag": "t"}


def event(index: int) -> bytes:
    envelope = {"event_type": "calling.call.state", "params": state(index)}
    frame = {"jsonrpc": "2.0", "id": f"ev-{index}", "method": "signalwire.event",
             "params": envelope}  # fmt: skip
    return json.dumps(frame).encode()


async def acked(peer: Peer, *indexes: int) -> None:
    for index in indexes:
        ack = await peer.ack(f"ev-{index}")
        assert ack == {"jsonrpc": "2.0", "id": f"ev-{index}", "result": {}}


@asynccontextmanager
async def connected() -> AsyncIterator[tuple[RelayClient, Peer]]:
    async with scripted_server() as server:
        client = RelayClient(project="p", token="t", host=server.url, contexts=[])
        async with client:
            yield client, await server.accept()


@scenario()
async def test_one_read_with_fragments_binary_and_invalid_utf8() -> None:
    async with connected() as (client, peer):
        protocol = peer.ws.protocol
        first = event(1)
        protocol.send_text(first[:20], fin=False)  # one message in three frames
        protocol.send_continuation(first[20:40], fin=False)
        protocol.send_continuation(first[40:], fin=True)
        protocol.send_binary(event(2))  # RELAY speaks text, but a binary JSON frame works too
        protocol.send_text(b'{"jsonrpc": "2.0", "bad": "\xff\xfe"}')  # not UTF-8: dropped
        protocol.send_text(event(3))
        peer.ws.send_data()  # all of it in one write
        await acked(peer, 1, 2, 3)
        assert client.statistics().malformed_frames == 1
        # The session goes on: a later read is handled as usual.
        await peer.event("calling.call.state", state(4))


@scenario(seconds=30)
async def test_reading_pauses_while_the_replies_cannot_leave() -> None:
    async with connected() as (client, peer):
        ws = client._ws
        assert isinstance(ws, RelayConnection)
        # A small kernel send buffer, and a server that stops reading: the
        # client's acks soon back up into its transport's write buffer.
        ws.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        peer.ws.transport.pause_reading()
        limit = ws.transport.get_write_buffer_limits()[1]  # the high-water mark
        backed_up = asyncio.Event()
        pushed = asyncio.create_task(push(peer, backed_up))
        while ws.transport.get_write_buffer_size() <= limit:
            assert not pushed.done()
            await asyncio.sleep(0.001)
        backed_up.set()
        await asyncio.sleep(0.2)
        # Paused: what it read since is not acknowledged into an ever-growing buffer,
        # and the server's writes wait in the kernel, not in the client.
        assert ws.transport.get_write_buffer_size() < limit + 64 * 1024
        received = client.statistics().events_received
        await asyncio.sleep(0.2)
        assert client.statistics().events_received == received
        assert not pushed.done()
        peer.ws.transport.resume_reading()  # the server reads again: everything flows
        count = await pushed
        await acked(peer, count - 1)
        assert client.statistics().events_received == count


async def push(peer: Peer, stop: asyncio.Event) -> int:
    """Events, 100 a write, each write waiting for the socket to take it, until ``stop``."""
    count = 0
    while not stop.is_set():
        for _ in range(100):
            peer.ws.protocol.send_text(event(count))
            count += 1
        peer.ws.send_data()
        await peer.ws.drain()
    return count
