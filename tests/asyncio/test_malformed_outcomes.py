"""relay_asyncio end to end: a malformed dial or connect outcome fails the waiter
at once with ``malformed_event`` and its legs are ended (issue "Hostile input and
long life", item 3; no adapter change: the core reports a failed outcome)."""

from __future__ import annotations

import asyncio

import pytest

from relay_asyncio import ConnectError, DialError

from .scripted import PLAN, ScriptedServer, scenario
from .test_client import client_for, connect_event, dialed, ringing_leg, server

__all__ = ["server"]  # the fixture, shared


@scenario()
async def test_a_dial_answered_without_a_winner_fails_and_ends_its_leg(
    server: ScriptedServer,
) -> None:
    async with client_for(server) as client:
        peer = await server.accept()

        async def serve() -> None:
            tag = await ringing_leg(peer)
            await peer.event("calling.call.dial", {"node_id": "n1", "tag": tag,
                                                   "dial_state": "answered"})  # fmt: skip

        script = asyncio.create_task(serve())
        with pytest.raises(DialError) as caught:
            await client.dial(PLAN)
        await script
        assert caught.value.reason == "malformed_event"
        end = await peer.request("calling.end")
        assert end["params"]["call_id"] == "leg-1"
        await peer.reply(end)


@scenario()
async def test_a_connect_connected_without_a_peer_fails_and_ends_its_leg(
    server: ScriptedServer,
) -> None:
    async with client_for(server) as client:
        peer = await server.accept()
        call = await dialed(client, peer, "call-A")

        async def serve() -> None:
            request = await peer.request("calling.connect")
            await peer.reply(request, {"code": "200", "message": "Connecting"})
            await peer.state("peer-1", "ringing", tag="ct-1")
            await peer.event("calling.call.connect",
                             connect_event("call-A", "ct-1", "connected", peer=None))  # fmt: skip

        script = asyncio.create_task(serve())
        with pytest.raises(ConnectError) as caught:
            await call.connect(PLAN, tag="ct-1")
        await script
        assert caught.value.reason == "malformed_event"
        end = await peer.request("calling.end")
        assert end["params"]["call_id"] == "peer-1"
        await peer.reply(end)
