"""A call's listener queue is bounded: a listener that never returns costs a fixed amount."""

from __future__ import annotations

import asyncio
import logging

import pytest

from relay_asyncio import RelayClient
from relay_asyncio.testing import FakeRelayHandle
from relay_core import CALL_EVENT_BUFFER, JSONObject

from .scripted import scenario
from .served import phone


@scenario(10)
async def test_a_stuck_listener_keeps_the_newest_events_and_counts_the_rest(
    fake: FakeRelayHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="relay_asyncio")
    pushed = 3 * CALL_EVENT_BUFFER
    async with RelayClient(project="test-project", token="test-token", host=fake.url) as client:
        call = await client.dial([[phone("+15552222222")]])
        stuck = asyncio.Event()
        seen: list[object] = []

        async def never_returns(event: object) -> None:
            seen.append(event)
            await stuck.wait()

        call.on("calling.call.custom", never_returns)
        conn = fake.connections()[0]
        for n in range(pushed):
            params: JSONObject = {"call_id": call.call_id, "node_id": call.node_id, "n": n}
            fake.push_event(conn, "calling.call.custom", params)
        await fake.wait_until(lambda: not fake.server.unacked_events())
        await asyncio.sleep(0)
        # The first event is in the stuck listener; the buffer holds the newest.
        assert len(seen) == 1
        assert call._inbox is not None and len(call._inbox) == CALL_EVENT_BUFFER
        assert call.dropped_events == pushed - 1 - CALL_EVENT_BUFFER
        assert call._inbox[-1][1].params["n"] == pushed - 1
        warnings = [r for r in caplog.records if "fall behind" in r.getMessage()]
        assert len(warnings) == 1 and call.call_id in warnings[0].getMessage()
        stuck.set()  # the listener catches up with what is left
        while len(seen) < 1 + CALL_EVENT_BUFFER:  # listeners are not the server's news
            await asyncio.sleep(0.01)
        await call.hangup()
