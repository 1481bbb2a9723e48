"""relay_trio end to end: a malformed dial or connect outcome fails the waiter at
once with ``malformed_event`` and its legs are ended (issue "Hostile input and
long life", item 3; no adapter change: the core reports a failed outcome)."""

from __future__ import annotations

import pytest

from relay_core import ConnectError, DialError
from tests.trio.standin import StandIn
from tests.trio.test_client import A, B, dial_until_ringing, on_a_call, scripted, server

__all__ = ["server"]  # the fixture, shared


@pytest.mark.trio
async def test_a_dial_answered_without_a_winner_fails_and_ends_its_leg(server: StandIn) -> None:
    async def script() -> None:
        peer = await server.accept_session()
        tag = await dial_until_ringing(peer, "leg-1")
        await peer.event("calling.call.dial", node_id="n1", tag=tag, dial_state="answered")
        end = await peer.request("calling.end")
        await peer.reply(end)

    async with scripted(server, script) as relay:
        with pytest.raises(DialError) as caught:
            await relay.dial([[A]])
    assert caught.value.reason == "malformed_event"
    assert server.ends() == {"leg-1": "cancel"}


@pytest.mark.trio
async def test_a_connect_connected_without_a_peer_fails_and_ends_its_leg(server: StandIn) -> None:
    async def script() -> None:
        peer = server.peers[0]
        request = await peer.request("calling.connect")
        tag = request["params"]["tag"]
        await peer.reply(request)
        await peer.state("peer-1", "ringing", tag=tag)
        await peer.event("calling.call.connect", node_id="n1", call_id="leg-1", tag=tag,
                         connect_state="connected", peer="peer-1")  # fmt: skip
        end = await peer.request("calling.end")
        await peer.reply(end)

    async with on_a_call(server, script) as call:
        with pytest.raises(ConnectError) as caught:
            await call.connect([[B]])
    assert caught.value.reason == "malformed_event"
    assert server.ends() == {"peer-1": "cancel"}
