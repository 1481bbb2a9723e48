"""The fake server served by relay_asyncio.testing, over real loopback sockets."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
import websockets
from websockets.asyncio.client import connect

from relay_asyncio.testing import FakeRelayHandle, open_fake_relay_server
from relay_core import RelayConfig

from .peers import AsyncioPeer
from .scenarios import CONFIG, SCENARIOS, fast_server, started


class AsyncioHarness:
    def __init__(self, handle: FakeRelayHandle, config: RelayConfig) -> None:
        self.handle = handle
        self.peer = AsyncioPeer(config, handle.url, handle.ca_path)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        ready = asyncio.Event()
        self.task = asyncio.create_task(self.peer.run(ready))
        await ready.wait()

    async def reconnect(self) -> None:
        await self.start()

    async def wait_closed(self) -> int | None:
        await self.peer.closed.wait()
        assert self.task is not None
        await self.task
        return self.peer.close_code

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


@pytest.mark.asyncio
@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_scenario(name: str) -> None:
    scenario, tls = SCENARIOS[name]
    async with asyncio.timeout(10), open_fake_relay_server(fast_server(), tls=tls) as handle:
        assert handle.url.startswith("wss://" if tls else "ws://")
        harness = AsyncioHarness(handle, CONFIG)
        await harness.start()
        try:
            await scenario(harness)  # type: ignore[arg-type]
        finally:
            await harness.stop()


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
            harness = AsyncioHarness(handle, CONFIG)
            await harness.start()
            await started(harness)  # type: ignore[arg-type]
        await harness.peer.closed.wait()
        await harness.stop()
