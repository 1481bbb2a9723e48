"""The fake server served by relay_trio.testing, over real loopback sockets.

The scenarios with a real client are tests/conformance (both adapters);
here, what only a raw socket shows.
"""

from __future__ import annotations

import json

import pytest
import trio
import trio_websocket

from relay_trio.testing import open_fake_relay_server


@pytest.mark.trio
async def test_binary_frames_close_the_socket_and_bad_json_gets_an_error() -> None:
    with trio.fail_after(5):
        async with open_fake_relay_server() as handle:
            async with trio_websocket.open_websocket_url(handle.url) as ws:
                await ws.send_message("{nope")
                reply = json.loads(await ws.get_message())
                assert reply["error"]["code"] == -32700
                await ws.send_message(b"\x00\x01")
                with pytest.raises(trio_websocket.ConnectionClosed) as info:
                    await ws.get_message()
                assert info.value.reason is not None and info.value.reason.code == 1003
            await handle.wait_until(lambda: handle.connections() == [])


@pytest.mark.trio
async def test_leaving_the_block_closes_client_sockets() -> None:
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            async with open_fake_relay_server() as handle:
                ws = await trio_websocket.connect_websocket_url(nursery, handle.url)
                await handle.wait_until(lambda: len(handle.connections()) == 1)
            with pytest.raises(trio_websocket.ConnectionClosed):
                await ws.get_message()
