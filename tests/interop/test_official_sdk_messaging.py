"""The official SDK's (3.7.5) send_message and on_message against our fake server, over TLS.

The final states come 50 ms after the reply: the SDK registers a message only
once ``send_message`` resumes, so states read in the same batch as the reply
are dropped by it (RELAY.md K.39; relay_asyncio replays them, see
tests/asyncio/test_messaging.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import signalwire.relay as relay

from relay_asyncio.testing import FakeRelayHandle, open_fake_relay_server
from relay_core.testing import (
    Delivered,
    FakeRelayServer,
    MessageDirectory,
    MessageFails,
    Undelivered,
)

pytestmark = [pytest.mark.interop, pytest.mark.asyncio]

PROJECT = "your-project-id"
TOKEN = "your-api-token"


@pytest_asyncio.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeRelayHandle]:
    messages = MessageDirectory(
        {
            "+15553330000": Undelivered(reason="carrier_blocked", after=0.05),
            "+15553330001": MessageFails(reason="invalid_destination", after=0.05),
        },
        default=Delivered(after=0.05),
    )
    server = FakeRelayServer(credentials={PROJECT: TOKEN}, message_directory=messages)
    async with open_fake_relay_server(server, tls=True) as handle:
        assert handle.ca_path is not None
        monkeypatch.setenv("SIGNALWIRE_RELAY_CA_FILE", handle.ca_path)
        yield handle


def client(fake: FakeRelayHandle) -> Any:
    return relay.RelayClient(project=PROJECT, token=TOKEN, host=fake.host, contexts=["office"])


@pytest.mark.parametrize(
    ("to_number", "state", "reason"),
    [
        ("+15552222222", "delivered", ""),
        ("+15553330000", "undelivered", "carrier_blocked"),
        ("+15553330001", "failed", "invalid_destination"),
    ],
)
async def test_send_message_reaches_its_final_state(
    fake: FakeRelayHandle, to_number: str, state: str, reason: str
) -> None:
    async with asyncio.timeout(5):
        async with client(fake) as sdk:
            completed: list[str] = []
            message = await sdk.send_message(
                to_number=to_number,
                from_number="+15551111111",
                body="Your code is 4821",
                tags=["otp"],
                on_completed=lambda event: completed.append(event.params["message_state"]),
            )
            assert message.message_id == fake.server.messaging.messages()[-1].message_id
            event = await message.wait(timeout=2)
            assert event.event_type == "messaging.state"
            assert (message.state, message.reason) == (state, reason)
            assert completed == [state]
    (sent,) = [e for e in fake.server.journal if e.method == "messaging.send"]
    # The SDK's default context is its protocol; the fake routed the states back to it.
    assert str(sent.params["context"]).startswith("signalwire_")
    assert list(sent.params) == ["context", "to_number", "from_number", "body", "tags"]


async def test_on_message_gets_an_inbound_mms_and_replies(fake: FakeRelayHandle) -> None:
    async with asyncio.timeout(5):
        sdk = client(fake)
        got: asyncio.Queue[Any] = asyncio.Queue()

        async def on_message(message: Any) -> None:
            await got.put(message)
            reply = await sdk.send_message(
                to_number=message.from_number,
                from_number=message.to_number,
                context="office",
                body="Thanks!",
            )
            await reply.wait(timeout=2)

        sdk.on_message(on_message)

        async with sdk:
            await fake.wait_until(lambda: bool(fake.server.sessions()))
            fake.inject_inbound_message(
                context="office",
                from_number="+15553333333",
                to_number="+15551111111",
                media=("https://files.example.com/mms/photo.jpg",),
            )
            message = await got.get()
            assert (message.direction, message.state, message.body) == ("inbound", "received", "")
            assert message.media == ["https://files.example.com/mms/photo.jpg"]
            assert message.context == "office" and message.segments == 1
            await fake.wait_until(
                lambda: any(
                    m.body == "Thanks!" and m.state == "delivered"
                    for m in fake.server.messaging.messages()
                )
            )
            await fake.wait_until(lambda: fake.server.unacked_events() == [])
