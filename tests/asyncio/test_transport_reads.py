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

from websockets.asyncio.server import serve
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import OPEN
from websockets.speedups import apply_mask
from websockets.streams import StreamReader
from websockets.uri import parse_uri

from relay_asyncio import RelayClient
from relay_asyncio._transport import RelayConnection
from relay_core.wire import frame_texts

from .scripted import Peer, ScriptedServer, scenario


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
async def connected(receive_buffer: int | None = None) -> AsyncIterator[tuple[RelayClient, Peer]]:
    """A client and its server end; ``receive_buffer``: the server socket's SO_RCVBUF."""
    server = ScriptedServer()
    async with serve(server.handler, "127.0.0.1", 0, ping_interval=None) as listening:
        (sock,) = listening.sockets
        if receive_buffer is not None:  # set before accepting: the window is sized by it
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        url = f"ws://127.0.0.1:{sock.getsockname()[1]}"
        async with RelayClient(project="p", token="t", host=url, contexts=[]) as client:
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
    async with connected(receive_buffer=16 * 1024) as (client, peer):
        ws = client._ws
        assert isinstance(ws, RelayConnection)
        # Small kernel buffers, and a server that stops reading: the client's
        # acks soon back up into its transport's write buffer.
        ws.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        peer.ws.transport.pause_reading()
        limit = ws.transport.get_write_buffer_limits()[1]  # the high-water mark
        count = 10_000  # the acks of ~2,000 fill every buffer on the way
        pushed = asyncio.create_task(push(peer, count))
        while not ws.paused:  # the write buffer went over its high-water mark
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.2)
        # Reading paused: what came in since is not acknowledged into an
        # ever-growing buffer; the rest waits in the kernel, not in the client.
        assert ws.transport.get_write_buffer_size() < limit + 64 * 1024
        received = client.statistics().events_received
        assert received < count
        await asyncio.sleep(0.2)
        assert client.statistics().events_received == received
        peer.ws.transport.resume_reading()  # the server reads again: everything flows
        await pushed
        await acked(peer, count - 1)
        assert client.statistics().events_received == count


async def push(peer: Peer, count: int) -> None:
    """``count`` events, 100 a write, each write waiting for the socket to take it."""
    for start in range(0, count, 100):
        for index in range(start, start + 100):
            peer.ws.protocol.send_text(event(index))
        peer.ws.send_data()
        await peer.ws.drain()


def frames_of(data: bytes) -> list[tuple[bytes, Frame]]:
    """Parse client frames (as a server does): each frame's header but the mask, and the frame."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    out = []
    while reader.buffer:
        start = len(data) - len(reader.buffer)
        try:
            next(Frame.parse(reader.read_exact, mask=True))
        except StopIteration as done:
            frame: Frame = done.value
        end = len(data) - len(reader.buffer)
        out.append((data[start : end - len(frame.data) - 4], frame))
    return out


def test_frame_texts_writes_what_websockets_writes_but_the_masks() -> None:
    texts = ["", "{}", "é" * 62, "x" * 125, "x" * 126, "x" * 65535, "x" * 65536, '{"a":1}']
    ours = b"".join(frame_texts(texts, apply_mask))
    client = ClientProtocol(parse_uri("ws://relay.test/"))
    client.state = OPEN
    for text in texts:
        client.send_text(text.encode())
    theirs = frames_of(b"".join(client.data_to_send()))
    parsed = frames_of(ours)
    assert [header for header, _ in parsed] == [header for header, _ in theirs]
    assert [(f.opcode, f.fin, f.data) for _, f in parsed] == [
        (Opcode.TEXT, True, text.encode()) for text in texts
    ]
    masks = [ours[len(h) : len(h) + 4] for h, _ in parsed[:1]]
    assert masks != [b"\0\0\0\0"]  # masked for real (RFC 6455 5.3)
