"""The fake server served by relay_trio.testing, over real loopback sockets."""

from __future__ import annotations

import json
from typing import Any

import pytest
import trio
import trio_websocket

from relay_core import Dial, DialState, DialStateChanged, RelayConfig
from relay_core.testing import FakeRelayServer
from relay_trio.testing import FakeRelayHandle, open_fake_relay_server

from ..fake.helpers import Counter
from .peers import TrioPeer
from .scenarios import CONFIG, SCENARIOS, fast_server, has, phone, started


class TrioHarness:
    def __init__(self, handle: FakeRelayHandle, nursery: trio.Nursery, config: RelayConfig) -> None:
        self.handle = handle
        self.nursery = nursery
        self.peer = TrioPeer(config, handle.url, handle.ca_path)

    async def start(self) -> None:
        await self.nursery.start(self.peer.run)

    async def reconnect(self) -> None:
        await self.start()

    async def wait_closed(self) -> int | None:
        await self.peer.closed.wait()
        return self.peer.close_code


@pytest.mark.trio
@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_scenario(name: str) -> None:
    scenario, tls = SCENARIOS[name]
    with trio.fail_after(10):
        async with (
            open_fake_relay_server(fast_server(), tls=tls) as handle,
            trio.open_nursery() as nursery,
        ):
            assert handle.url.startswith("wss://" if tls else "ws://")
            harness = TrioHarness(handle, nursery, CONFIG)
            await harness.start()
            await scenario(harness)  # type: ignore[arg-type]
            nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_virtual_time_with_the_default_directory(autojump_clock: Any) -> None:
    """Thirty simulated seconds of ringing take no real time under autojump_clock."""
    del autojump_clock
    config = RelayConfig(project="test-project", token="test-token", request_timeout=100.0)
    server = FakeRelayServer(new_id=Counter("s"))
    with trio.fail_after(120):
        async with open_fake_relay_server(server) as handle, trio.open_nursery() as nursery:
            harness = TrioHarness(handle, nursery, config)
            await harness.start()
            await started(harness)  # type: ignore[arg-type]
            t0 = trio.current_time()
            dial = Dial(devices=[[phone("+15551111111")], [phone("+15552222222")]])
            await harness.peer.send(dial)
            await harness.peer.wait_for(has(DialStateChanged, state=DialState.ANSWERED))
            assert 31.0 <= trio.current_time() - t0 < 32.0
            nursery.cancel_scope.cancel()


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
                assert info.value.reason.code == 1003
            await handle.wait_until(lambda: handle.connections() == [])


@pytest.mark.trio
async def test_leaving_the_block_closes_client_sockets() -> None:
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            async with open_fake_relay_server() as handle:
                harness = TrioHarness(handle, nursery, CONFIG)
                await harness.start()
                await started(harness)  # type: ignore[arg-type]
            await harness.peer.closed.wait()
