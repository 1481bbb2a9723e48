"""A burst of offers read in one go (issue 17): a ready consumer takes each before any is passed.

The stand-in writes every offer in one write, so the client reads them all
before its consumer has run once: the order of work within that read
decides, not timing.
"""

from __future__ import annotations

from typing import Any

import pytest
import trio

import relay_trio
from tests.trio.standin import Frame, Peer, StandIn

from .test_client import CALLER, scripted, server

__all__ = ["server"]  # the fixture


def offer(index: int) -> Frame:
    params = {"node_id": "n1", "call_id": f"in-{index}", "tag": "", "call_state": "created",
              "direction": "inbound", "context": "office", "segment_id": f"seg-{index}",
              "device": CALLER}  # fmt: skip
    envelope = {"event_type": "calling.call.receive", "params": params}
    return {"jsonrpc": "2.0", "id": f"ev-{index}", "method": "signalwire.event", "params": envelope}


async def acked(peer: Peer, count: int) -> None:
    while any(f"ev-{index}" not in peer.acks for index in range(count)):
        await peer._acked.wait()


@pytest.mark.trio
async def test_a_consumer_that_starts_a_task_per_call_takes_a_whole_burst(
    server: StandIn,
) -> None:
    handled: list[str] = []

    async def handle(call: relay_trio.Call) -> None:
        handled.append(call.call_id)

    options: dict[str, Any] = {"contexts": ["office"], "max_calls": 600, "max_pending_calls": 4}
    async with scripted(server, **options) as relay, trio.open_nursery() as nursery:

        async def consume() -> None:
            async with relay.incoming_calls() as calls:
                async for call in calls:
                    nursery.start_soon(handle, call)

        nursery.start_soon(consume)
        await trio.testing.wait_all_tasks_blocked()
        peer = server.peers[0]
        await peer.send_together(*(offer(index) for index in range(500)))
        await acked(peer, 500)
        await peer.fence()
        await trio.testing.wait_all_tasks_blocked()
        assert [f for f in peer.received if f.get("method") == "calling.pass"] == []
        assert sorted(handled) == sorted(f"in-{index}" for index in range(500))
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_offers_nobody_takes_get_the_overflow_policy(server: StandIn) -> None:
    async with scripted(server, contexts=["office"], max_pending_calls=3) as relay:
        peer = server.peers[0]
        await peer.send_together(*(offer(index) for index in range(10)))
        for index in range(3, 10):
            request = await peer.request("calling.pass")
            assert request["params"]["call_id"] == f"in-{index}"
            await peer.reply(request)
        async with relay.incoming_calls() as calls:
            taken = [(await calls.receive()).call_id for _ in range(3)]
        assert taken == ["in-0", "in-1", "in-2"]
