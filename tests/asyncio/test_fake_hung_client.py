"""The asyncio-served fake server drops a client that stops reading (bounded memory)."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect

from relay_asyncio.testing import open_fake_relay_server

CONNECT = {
    "jsonrpc": "2.0",
    "id": "hs",
    "method": "signalwire.connect",
    "params": {
        "version": {"major": 2, "minor": 0, "revision": 0},
        "authentication": {"project": "test-project", "token": "test-token"},
    },
}
BLOB = {"blob": "x" * 100_000}


@pytest.mark.asyncio
async def test_a_client_that_stops_reading_is_dropped() -> None:
    async with open_fake_relay_server() as fake:
        fake.write_timeout = 0.2
        # max_queue=1: once a message waits, the client stops reading.
        async with connect(
            fake.url, max_queue=1, compression=None, max_size=None, close_timeout=0.1
        ) as ws:
            await ws.send(json.dumps(CONNECT))
            await ws.recv()
            [conn] = fake.connections()
            async with asyncio.timeout(10):
                await fake.wait_until(lambda: fake.server.session_of(conn) is not None)
                for _ in range(300):  # 30 MB: more than the socket buffers hold
                    fake.push_event(conn, "test.blob", BLOB)
                await fake.wait_until(lambda: not fake.connections())
            assert fake.server.table_sizes()["connections"] == 0
            [session] = fake.server.sessions()
            assert session.connection is None  # it waits for a resume, like any drop
