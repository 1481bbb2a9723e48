"""The fake server served by relay_asyncio.testing, over real loopback sockets.

The scenarios with a real client are tests/conformance (both adapters);
here, what only a raw socket shows.
"""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from websockets.asyncio.client import connect

from relay_asyncio.testing import open_fake_relay_server


@pytest.mark.asyncio
async def test_binary_frames_close_the_socket_and_bad_json_gets_an_error() -> None:
    async with asyncio.timeout(5), open_fake_relay_server() as handle:
        async with connect(handle.url) as ws:
            await ws.send("{nope")
            reply = json.loads(await ws.recv())
            assert reply["error"]["code"] == -32700
            await ws.send(b"\x00\x01")
            with pytest.raises(websockets.ConnectionClosed) as info:
                await ws.recv()
            assert info.value.rcvd is not None and info.value.rcvd.code == 1003
        await handle.wait_until(lambda: handle.connections() == [])


@pytest.mark.asyncio
async def test_leaving_the_block_closes_client_sockets() -> None:
    async with asyncio.timeout(5):
        async with open_fake_relay_server() as handle:
            ws = await connect(handle.url)
            await handle.wait_until(lambda: len(handle.connections()) == 1)
        try:
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
        finally:
            await ws.close()
