"""A burst of offers read in one go (issue 17): a free handler takes each before any is passed.

The server writes every offer in one TCP write, so the client reads them all
before any handler task has run once: the order of work within that read
decides, not timing.
"""

from __future__ import annotations

import asyncio
import json

from relay_asyncio import Call, RelayClient
from relay_asyncio._dispatch import SLICE

from .scripted import Peer, scenario, scripted_server

CALLER = {"type": "phone", "params": {"from_number": "+15553334444", "to_number": "+15551112222"}}


def offer(index: int) -> str:
    params = {"node_id": "n1", "call_id": f"in-{index}", "tag": "", "call_state": "created",
              "direction": "inbound", "context": "office", "segment_id": f"seg-{index}",
              "device": CALLER}  # fmt: skip
    envelope = {"event_type": "calling.call.receive", "params": params}
    frame = {
        "jsonrpc": "2.0",
        "id": f"ev-{index}",
        "method": "signalwire.event",
        "params": envelope,
    }
    return json.dumps(frame)


def burst(peer: Peer, count: int) -> None:
    """``count`` offers in one write (websockets' sans-I/O layer, one flush)."""
    for index in range(count):
        peer.ws.protocol.send_text(offer(index).encode())
    peer.ws.send_data()


async def acks(peer: Peer, count: int) -> None:
    for index in range(count):
        await peer.ack(f"ev-{index}")


@scenario(seconds=10)
async def test_handlers_that_return_at_once_take_a_whole_burst() -> None:
    handled: list[str] = []
    async with scripted_server() as server:
        client = RelayClient(project="p", token="t", host=server.url, contexts=["office"],
                             max_active_calls=600, max_concurrent_handlers=4)  # fmt: skip

        @client.on_call
        async def handle(call: Call) -> None:
            handled.append(call.call_id)

        async with client:
            peer = await server.accept()
            burst(peer, 500)
            await acks(peer, 500)
            await asyncio.sleep(0.05)
            assert peer.sent("calling.pass") == []
            assert sorted(handled) == sorted(f"in-{index}" for index in range(500))


@scenario(seconds=10)
async def test_handlers_that_do_not_return_get_the_overflow_policy() -> None:
    release = asyncio.Event()
    handled: list[str] = []
    async with scripted_server() as server:
        client = RelayClient(project="p", token="t", host=server.url, contexts=["office"],
                             max_concurrent_handlers=3)  # fmt: skip

        @client.on_call
        async def handle(call: Call) -> None:
            handled.append(call.call_id)
            await release.wait()

        async with client:
            peer = await server.accept()
            burst(peer, 10)
            await acks(peer, 10)
            for _ in range(7):
                request = await peer.request("calling.pass")
                await peer.reply(request)
            passed = [frame["params"]["call_id"] for frame in peer.sent("calling.pass")]
            assert handled == ["in-0", "in-1", "in-2"]
            assert passed == [f"in-{index}" for index in range(3, 10)]
            release.set()


def handler_tasks() -> list[asyncio.Task[object]]:
    """The client's ``on_call`` handler tasks not yet finished."""
    return [
        task
        for task in asyncio.all_tasks()
        if not task.done() and task.get_coro().__qualname__.endswith("._run_handler")  # type: ignore[union-attr]
    ]


@scenario(seconds=10)
async def test_a_burst_starts_its_handlers_a_slice_at_a_time() -> None:
    pending: list[int] = []
    async with scripted_server() as server:
        client = RelayClient(project="p", token="t", host=server.url, contexts=["office"],
                             max_active_calls=600, max_concurrent_handlers=600)  # fmt: skip

        @client.on_call
        async def handle(call: Call) -> None:
            pending.append(len(handler_tasks()))

        async with client:
            peer = await server.accept()
            burst(peer, 3 * SLICE + 5)
            await acks(peer, 3 * SLICE + 5)
            await asyncio.sleep(0.05)
            assert peer.sent("calling.pass") == []
    # Every offer got its handler; never more than a slice of them waiting to run.
    assert len(pending) == 3 * SLICE + 5
    assert max(pending) <= SLICE
    assert max(pending) == SLICE  # the read held more than a slice: one was full


@scenario(seconds=10)
async def test_closing_the_client_cancels_running_handlers() -> None:
    cancelled: list[str] = []
    started = asyncio.Event()
    async with scripted_server() as server:
        client = RelayClient(project="p", token="t", host=server.url, contexts=["office"])

        @client.on_call
        async def handle(call: Call) -> None:
            started.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(call.call_id)
                raise

        async with client:
            peer = await server.accept()
            burst(peer, 1)
            await started.wait()
        assert cancelled == ["in-0"]
        assert handler_tasks() == []
