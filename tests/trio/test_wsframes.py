"""The WebSocket fast path (relay_trio._wsframes): same messages and replies as websockets' own.

The server end is websockets' sans-I/O server protocol (tests/trio/test_websocket.py),
so every frame the client writes is checked by a real parser.
"""

from __future__ import annotations

import logging

import pytest
import trio
import trio.testing
from websockets.frames import Frame, Opcode
from websockets.server import ServerProtocol

from relay_trio._transport import MAX_MESSAGE_SIZE, WebSocket, _handshake

from .test_websocket import Server, connected


async def dribble(stream: trio.abc.Stream, data: bytes, size: int) -> None:
    """Send ``data`` in pieces of ``size`` bytes, letting the reader run after each."""
    for at in range(0, len(data), size):
        await stream.send_all(data[at : at + size])
        await trio.testing.wait_all_tasks_blocked()


async def read_messages(ws: WebSocket, count: int) -> list[bytes]:
    got: list[bytes] = []
    while len(got) < count:
        messages = await ws.receive()
        assert messages is not None
        got += messages
    return got


def mixed_stream(protocol: ServerProtocol) -> list[bytes]:
    """Every length encoding, a ping and a fragmented message between whole frames."""
    protocol.send_text(b"a")
    protocol.send_text(b"b" * 200)  # 16-bit length
    protocol.send_ping(b"p")
    protocol.send_text(b"c" * 70_000)  # 64-bit length
    protocol.send_text(b'{"d":', fin=False)
    protocol.send_ping(b"q")  # a control frame between fragments
    protocol.send_continuation(b"1}", fin=True)
    protocol.send_binary(b"\x00e")
    protocol.send_text(b"")
    return [b"a", b"b" * 200, b"c" * 70_000, b'{"d":1}', b"\x00e", b""]


@pytest.mark.trio
@pytest.mark.parametrize("size", [1, 3, 7, 130, 4096, 1 << 20])
async def test_messages_survive_any_split_and_pings_are_answered(size: int) -> None:
    ws, server = await connected()
    expected = mixed_stream(server.protocol)
    data = b"".join(server.protocol.data_to_send())
    async with trio.open_nursery() as nursery:
        nursery.start_soon(dribble, server.stream, data, size)
        assert await read_messages(ws, len(expected)) == expected
    pongs: list[Frame] = []
    while len(pongs) < 2:
        pongs += await server.frames()
    assert [(f.opcode, f.data) for f in pongs] == [(Opcode.PONG, b"p"), (Opcode.PONG, b"q")]
    assert server.protocol.parser_exc is None


@pytest.mark.trio
async def test_sent_texts_are_valid_masked_frames() -> None:
    ws, server = await connected()
    texts = ["x", "é" * 100, "y" * 70_000]
    async with ws.lock:
        assert await ws.send_texts(texts)
    frames: list[Frame] = []
    while len(frames) < len(texts):
        frames += await server.frames()  # the server's parser requires masking
    assert [(f.opcode, f.fin, bytes(f.data).decode()) for f in frames] == [
        (Opcode.TEXT, True, text) for text in texts
    ]
    assert server.protocol.parser_exc is None


async def expect_failure(ws: WebSocket, server: Server, code: int) -> None:
    """The client fails the connection with ``code``; its reader then ends."""
    with trio.fail_after(2):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(ws.receive)
            closes: list[Frame] = []
            while not closes:
                closes = [f for f in await server.frames() if f.opcode is Opcode.CLOSE]
            assert int.from_bytes(closes[0].data[:2], "big") == code
            await server.stream.aclose()
    assert await ws.receive() is None
    assert not ws.open


@pytest.mark.trio
async def test_an_oversize_frame_fails_the_connection_before_its_payload() -> None:
    ws, server = await connected()
    header = bytes((0x81, 127)) + (MAX_MESSAGE_SIZE + 1).to_bytes(8, "big")
    await server.stream.send_all(header)
    await expect_failure(ws, server, 1009)


@pytest.mark.trio
async def test_a_masked_server_frame_is_a_protocol_error() -> None:
    ws, server = await connected()
    await server.stream.send_all(bytes((0x81, 0x81)) + b"\x00\x00\x00\x00" + b"x")
    await expect_failure(ws, server, 1002)


@pytest.mark.trio
async def test_a_whole_frame_inside_a_fragmented_message_is_a_protocol_error() -> None:
    ws, server = await connected()
    server.protocol.send_text(b"part", fin=False)
    await server.flush()
    await server.stream.send_all(bytes((0x81, 1)) + b"x")  # not a continuation
    await expect_failure(ws, server, 1002)


@pytest.mark.trio
async def test_reserved_bits_are_a_protocol_error() -> None:
    ws, server = await connected()
    await server.stream.send_all(bytes((0xC1, 1)) + b"x")  # RSV1 without an extension
    await expect_failure(ws, server, 1002)


@pytest.mark.trio
@pytest.mark.parametrize("size", [1, 2, 5])
async def test_the_upgrade_split_anywhere_keeps_the_frames_after_it(size: int) -> None:
    client_stream, server_stream = trio.testing.memory_stream_pair()
    protocol = ServerProtocol()

    async def serve() -> None:
        while not (events := protocol.events_received()):
            protocol.receive_data(await server_stream.receive_some())
        protocol.send_response(protocol.accept(events[0]))  # type: ignore[arg-type]
        protocol.send_text(b"first")
        protocol.send_text(b"second" * 30)
        await dribble(server_stream, b"".join(protocol.data_to_send()), size)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(serve)
        ws = await _handshake(client_stream, "ws://relay.test/")
        assert await read_messages(ws, 2) == [b"first", b"second" * 30]


@pytest.mark.trio
async def test_frames_logged_at_debug_take_websockets_own_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="websockets.client")
    ws, server = await connected()
    expected = mixed_stream(server.protocol)
    await server.flush()
    assert await read_messages(ws, len(expected)) == expected
    async with ws.lock:
        assert await ws.send_texts(["out"])
    assert [f.data for f in await server.frames() if f.opcode is Opcode.TEXT] == [b"out"]
    logged = caplog.text
    assert "< TEXT" in logged and "> TEXT" in logged
