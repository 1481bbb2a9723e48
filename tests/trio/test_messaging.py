"""relay_trio's messaging end to end over the served fake server, in virtual time."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
import trio

import relay_trio
from relay_core import (
    InvalidArgumentError,
    MessageState,
    RelayConfig,
    RequestError,
    SessionClosedError,
)
from relay_core.testing import FakeRelayServer, MessageDirectory, NeverConfirmed
from relay_trio.testing import FakeRelayHandle, open_fake_relay_server

OWN = "+15551111111"


def client(fake: FakeRelayHandle, **options: Any) -> Any:
    return relay_trio.open_relay_client(
        project="test-project", token="test-token", host=fake.url, contexts=["office"], **options
    )


@pytest.mark.trio
async def test_two_way_sms(fake: FakeRelayHandle, autojump_clock: Any) -> None:
    async with client(fake) as relay:
        message = await relay.send_message(
            to_number="+15552222222", from_number=OWN, context="office", body="Your code is 4821"
        )
        assert message.message_id and message.direction == "outbound"
        assert await message.wait() is MessageState.DELIVERED
        assert message.segments == 1 and message.done and not message.expired
        async with relay.incoming_messages() as inbox:
            fake.inject_inbound_message(
                context="office", from_number="+15553333333", to_number=OWN, body="Open today?"
            )
            with trio.fail_after(5):
                inbound = await inbox.receive()
        assert (inbound.body, inbound.from_number, inbound.state) == (
            "Open today?",
            "+15553333333",
            MessageState.RECEIVED,
        )
        reply = await relay.send_message(
            to_number=inbound.from_number, from_number=inbound.to_number, body="Yes, 9 to 5"
        )
        assert await reply.delivered()
        assert relay.statistics().live_messages == 0


@pytest.mark.trio
@pytest.mark.parametrize(
    ("to_number", "state", "reason"),
    [
        ("+15553330000", MessageState.UNDELIVERED, "carrier_blocked"),
        ("+15553330001", MessageState.FAILED, "invalid_destination"),
        ("+15553330003", MessageState.DELIVERED, None),  # queued beats the reply
    ],
)
async def test_final_states_by_destination(
    fake: FakeRelayHandle, autojump_clock: Any, to_number: str, state: MessageState, reason: str
) -> None:
    async with client(fake) as relay:
        message = await relay.send_message(
            to_number=to_number, from_number=OWN, context="office", media=["https://x/a.jpg"]
        )
        assert await message.wait() is state
        assert message.reason == reason
        assert not await message.delivered() or state is MessageState.DELIVERED


@pytest.mark.trio
async def test_never_confirmed_expires(autojump_clock: Any) -> None:
    server = FakeRelayServer(message_directory=MessageDirectory(default=NeverConfirmed()))
    async with open_fake_relay_server(server) as fake, client(fake, message_timeout=30) as relay:
        message = await relay.send_message(to_number="+15552222222", from_number=OWN, body="x")
        start = trio.current_time()
        assert await message.wait() is MessageState.SENT
        assert message.expired and trio.current_time() - start == pytest.approx(30, abs=1)


@pytest.mark.trio
async def test_refused_and_invalid_sends(fake: FakeRelayHandle, autojump_clock: Any) -> None:
    async with client(fake) as relay:
        with pytest.raises(InvalidArgumentError, match=r"^to_number:"):
            await relay.send_message(to_number="555", from_number=OWN, body="x")
        fake.server.arm_response(
            "messaging.send", result={"code": "400", "message": "Invalid to_number"}
        )
        with pytest.raises(RequestError, match="Invalid to_number"):
            await relay.send_message(to_number="+15552222222", from_number=OWN, body="x")
        assert relay.statistics().live_messages == 0


@pytest.mark.trio
async def test_waiting_message_raises_when_the_client_closes(
    autojump_clock: Any,
) -> None:
    server = FakeRelayServer(message_directory=MessageDirectory(default=NeverConfirmed()))
    async with open_fake_relay_server(server) as fake:
        async with client(fake) as relay:
            message = await relay.send_message(to_number="+15552222222", from_number=OWN, body="x")
        with pytest.raises(SessionClosedError):
            await message.wait()


@pytest.mark.trio
async def test_serve_runs_the_message_handler(fake: FakeRelayHandle, autojump_clock: Any) -> None:
    got: list[str] = []

    async def on_message(message: relay_trio.Message) -> None:
        got.append(message.body)
        await relay.send_message(
            to_number=message.from_number, from_number=message.to_number, body="ack"
        )

    async with client(fake) as relay, trio.open_nursery() as nursery:
        await nursery.start(partial(relay_trio.serve, relay, None, message_handler=on_message))
        for text in ("one", "two"):
            fake.inject_inbound_message(
                context="office", from_number="+15553333333", to_number=OWN, body=text
            )
        with trio.fail_after(5):
            while len([m for m in fake.server.messaging.messages() if m.body == "ack"]) < 2:
                await trio.sleep(0.1)
        assert sorted(got) == ["one", "two"]
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_inbound_overflow_drops_the_newest(autojump_clock: Any) -> None:
    async with open_fake_relay_server() as fake, client(fake, max_pending_calls=1) as relay:
        for text in ("kept", "dropped"):
            fake.inject_inbound_message(
                context="office", from_number="+15553333333", to_number=OWN, body=text
            )
        with trio.fail_after(5):
            while relay.statistics().refused_messages < 1:
                await trio.sleep(0.1)
        async with relay.incoming_messages() as inbox:
            assert (await inbox.receive()).body == "kept"


def test_config_carries_the_message_knobs() -> None:
    config = RelayConfig(project="p", token="t", max_messages=5, message_timeout=9)
    assert (config.max_messages, config.message_timeout) == (5, 9.0)
