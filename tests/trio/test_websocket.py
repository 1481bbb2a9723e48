"""The trio WebSocket: websockets' sans-I/O protocol on a trio stream, one write per flush."""

from __future__ import annotations

import ssl

import pytest
import trio
import trio.testing
import trustme
from websockets.frames import Frame, Opcode
from websockets.server import ServerProtocol

from relay_trio._transport import WebSocket, _handshake


class Server:
    """The server end, driven by hand with websockets' sans-I/O server protocol."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.protocol = ServerProtocol()
        self.writes = 0

    async def accept(self, *after: Frame) -> None:
        while not (events := self.protocol.events_received()):
            self.protocol.receive_data(await self.stream.receive_some())
        self.protocol.send_response(self.protocol.accept(events[0]))  # type: ignore[arg-type]
        for frame in after:
            self.protocol.send_frame(frame)
        await self.flush()

    async def flush(self) -> None:
        data = b"".join(self.protocol.data_to_send())
        if data:
            await self.stream.send_all(data)

    async def frames(self) -> list[Frame]:
        self.protocol.receive_data(await self.stream.receive_some())
        self.writes += 1
        return [e for e in self.protocol.events_received() if isinstance(e, Frame)]


async def connected(*after: Frame) -> tuple[WebSocket, Server]:
    client_stream, server_stream = trio.testing.memory_stream_pair()
    server = Server(server_stream)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(server.accept, *after)
        ws = await _handshake(client_stream, "ws://relay.test/")
    return ws, server


@pytest.mark.trio
async def test_frames_in_the_upgrade_read_are_kept_and_fragments_joined() -> None:
    first = Frame(Opcode.TEXT, b'{"a":1}')
    ws, server = await connected(first)
    assert await ws.receive() == [b'{"a":1}']
    server.protocol.send_text(b'{"b":', fin=False)
    server.protocol.send_continuation(b"2}", fin=True)
    server.protocol.send_text(b"{}")
    await server.flush()
    assert await ws.receive() == [b'{"b":2}', b"{}"]


@pytest.mark.trio
async def test_a_flush_is_one_write_and_pings_are_answered() -> None:
    ws, server = await connected()
    async with ws.lock:
        assert await ws.send_texts(["one", "two", "three"])
    frames = await server.frames()
    assert [f.data for f in frames] == [b"one", b"two", b"three"]
    assert server.writes == 1
    server.protocol.send_ping(b"hi")
    server.protocol.send_text(b"x")
    await server.flush()
    assert await ws.receive() == [b"x"]
    (pong,) = await server.frames()
    assert pong.opcode is Opcode.PONG and pong.data == b"hi"


@pytest.mark.trio
async def test_the_server_closing_ends_the_reader() -> None:
    ws, server = await connected()
    server.protocol.send_close(1001, "bye")
    await server.flush()
    with trio.fail_after(1):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(ws.receive)
            (reply,) = await server.frames()  # the client answers the close
            assert reply.opcode is Opcode.CLOSE
            await server.stream.aclose()
    assert await ws.receive() is None
    assert "1001" in ws.close_reason and "bye" in ws.close_reason
    assert not ws.open
    async with ws.lock:
        assert not await ws.send_texts(["late"])
    await ws.aclose()


@pytest.mark.trio
async def test_tls_records_already_received_come_in_one_batch() -> None:
    # SSLStream.receive_some decrypts one TLS record per call; the reader
    # must still get every message the socket read brought in at once.
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("relay.test").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    client_raw, server_raw = trio.testing.memory_stream_pair()
    server_tls = trio.SSLStream(server_raw, server_context, server_side=True)
    client_tls = trio.SSLStream(client_raw, client_context, server_hostname="relay.test")
    server = Server(server_tls)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(server.accept)
        ws = await _handshake(client_tls, "wss://relay.test/")
    for text in (b"one", b"two", b"three"):  # one TLS record each
        server.protocol.send_text(text)
        await server.flush()
    assert await ws.receive() == [b"one", b"two", b"three"]
    server.protocol.send_text(b"four")
    await server.flush()
    assert await ws.receive() == [b"four"]
