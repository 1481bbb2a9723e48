"""The trio-served fake server drops a client that stops reading (bounded memory)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import trio
from trio_websocket import open_websocket_url

from relay_trio.testing import open_fake_relay_server

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

pytestmark = pytest.mark.trio


async def test_a_client_that_stops_reading_is_dropped(autojump_clock: Any) -> None:
    # message_queue_size=1: once one message waits, the client stops reading.
    async with (
        open_fake_relay_server() as fake,
        open_websocket_url(fake.url, message_queue_size=1) as ws,
    ):
        await ws.send_message(json.dumps(CONNECT))
        await ws.get_message()
        [conn] = fake.connections()
        with trio.fail_after(300):
            await fake.wait_until(lambda: fake.server.session_of(conn) is not None)
            for _ in range(300):  # 30 MB: more than the socket buffers hold
                fake.push_event(conn, "test.blob", BLOB)
            await fake.wait_until(lambda: not fake.connections())
        assert trio.current_time() >= fake.write_timeout
        assert fake.server.table_sizes()["connections"] == 0
        [session] = fake.server.sessions()
        assert session.connection is None  # it waits for a resume, like any drop
