"""relay_asyncio's messaging (the official SDK's API) end to end over the served fake server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
import pytest_asyncio

from relay_asyncio import InvalidArgumentError, Message, RelayClient, RequestError
from relay_asyncio import SessionClosedError as ClosedError
from relay_asyncio.testing import FakeRelayHandle, open_fake_relay_server
from relay_core import MessageStateChanged
from relay_core.testing import (
    Delivered,
    FakeRelayServer,
    MessageDirectory,
    MessageFails,
    NeverConfirmed,
    Undelivered,
)

from .scripted import scenario
from .served import CREDENTIALS, fast_directory

OWN = "+15551111111"


def fast_messages() -> MessageDirectory:
    return MessageDirectory(
        {
            "+15553330000": Undelivered(reason="carrier_blocked", after=0.05),
            "+15553330001": MessageFails(reason="invalid_destination"),
            "+15553330002": NeverConfirmed(),
            "+15553330003": Delivered(after=0.05, before_reply=True),
        },
        default=Delivered(after=0.05),
    )


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeRelayHandle]:
    server = FakeRelayServer(
        directory=fast_directory(), credentials=CREDENTIALS, message_directory=fast_messages()
    )
    async with open_fake_relay_server(server) as handle:
        yield handle


def client_for(fake: FakeRelayHandle, **options: Any) -> RelayClient:
    options.setdefault("contexts", ["office"])
    return RelayClient(project="test-project", token="test-token", host=fake.url, **options)


@scenario()
async def test_two_way_sms_with_the_official_api(fake: FakeRelayHandle) -> None:
    client = client_for(fake)
    inbox: asyncio.Queue[Message] = asyncio.Queue()

    @client.on_message
    async def on_message(message: Message) -> None:
        await inbox.put(message)
        await client.send_message(
            to_number=message.from_number, from_number=message.to_number, body="Yes, 9 to 5"
        )

    async with client:
        completed: list[str] = []
        seen: list[str] = []
        message = await client.send_message(
            to_number="+15552222222",
            from_number=OWN,
            context="office",
            body="Your code is 4821",
            tags=["otp"],
            on_completed=lambda event: completed.append(event.message_state),
        )
        message.on(lambda event: seen.append(event.message_state))
        assert message.message_id and message.direction == "outbound"
        event = await message.wait(timeout=2)
        assert isinstance(event, MessageStateChanged)
        assert (
            event.message_state == "delivered" and event.params["message_id"] == message.message_id
        )
        assert message.state == "delivered" and message.is_done and message.result is event
        assert message.reason == "" and message.tags == ["otp"]
        fake.inject_inbound_message(
            context="office", from_number="+15553333333", to_number=OWN, body="Open today?"
        )
        inbound = await inbox.get()
        assert inbound.is_done and (await inbound.wait()).message_state == "received"
        assert (inbound.body, inbound.state, inbound.direction) == (
            "Open today?",
            "received",
            "inbound",
        )
        await fake.wait_until(
            lambda: any(m.body == "Yes, 9 to 5" for m in fake.server.messaging.messages())
        )
        await asyncio.sleep(0)
        assert completed == ["delivered"]
        assert seen[-1:] == ["delivered"]


@pytest.mark.parametrize(
    ("to_number", "state", "reason"),
    [
        ("+15553330000", "undelivered", "carrier_blocked"),
        ("+15553330001", "failed", "invalid_destination"),
        ("+15553330003", "delivered", ""),  # queued beats the reply
    ],
)
@scenario()
async def test_final_states_by_destination(
    fake: FakeRelayHandle, to_number: str, state: str, reason: str
) -> None:
    async with client_for(fake) as client:
        message = await client.send_message(
            to_number=to_number, from_number=OWN, context="office", media=["https://x/a.jpg"]
        )
        event = await message.wait(timeout=2)
        assert (event.message_state, message.state, message.reason) == (state, state, reason)
        assert client.statistics().live_messages == 0


@scenario()
async def test_wait_timeout_then_expiry_then_close(fake: FakeRelayHandle) -> None:
    client = client_for(fake)
    # RelayClient has the official SDK's arguments; the core's knob, set for a quick expiry.
    client._config = attrs.evolve(client._config, message_timeout=0.3)
    async with client:
        message = await client.send_message(to_number="+15553330002", from_number=OWN, body="x")
        with pytest.raises(TimeoutError):
            await message.wait(timeout=0.05)
        assert message.state == "sent" and not message.is_done
        event = await message.wait()
        assert event.expired and event.message_state == "sent" and message.expired
        pending = await client.send_message(to_number="+15553330002", from_number=OWN, body="y")
    with pytest.raises(ClosedError):
        await pending.wait()


@scenario()
async def test_bad_arguments_and_refusals(fake: FakeRelayHandle) -> None:
    async with client_for(fake) as client:
        with pytest.raises(ValueError, match=r"^body:"):
            await client.send_message(to_number="+15552222222", from_number=OWN)
        with pytest.raises(InvalidArgumentError, match=r"^to_number:"):
            await client.send_message(to_number="nope", from_number=OWN, body="x")
        fake.server.arm_response(
            "messaging.send", result={"code": "400", "message": "Invalid to_number"}
        )
        with pytest.raises(RequestError, match="Invalid to_number"):
            await client.send_message(to_number="+15552222222", from_number=OWN, body="x")
        assert client.statistics().live_messages == 0


@scenario()
async def test_inbound_without_handler_is_dropped_and_counted(fake: FakeRelayHandle) -> None:
    async with client_for(fake) as client:
        fake.inject_inbound_message(
            context="office", from_number="+15553333333", to_number=OWN, body="hello?"
        )
        await fake.wait_until(lambda: client.statistics().refused_messages == 1)
