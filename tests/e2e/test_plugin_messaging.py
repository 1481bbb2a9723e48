"""The pytest plugin's messaging fixtures, used as an application's tests would."""

from __future__ import annotations

from typing import Any

import pytest
import trio

import relay_trio
from relay_core import MessageState
from relay_core.testing import MessageDirectory, MessageFails
from relay_trio.testing import FakeRelayHandle


@pytest.fixture
def fake_relay_message_directory(
    fake_relay_message_directory: MessageDirectory,
) -> MessageDirectory:
    fake_relay_message_directory.set("+15557654321", MessageFails(reason="blocked"))
    return fake_relay_message_directory


@pytest.mark.trio
async def test_scripted_outcome_and_injected_inbound(
    fake_relay_server: FakeRelayHandle, autojump_clock: Any
) -> None:
    async with relay_trio.open_relay_client(
        project="test-project", token="test-token", host=fake_relay_server.url, contexts=["office"]
    ) as client:
        message = await client.send_message(
            to_number="+15557654321", from_number="+15551111111", body="hi"
        )
        assert await message.wait() is MessageState.FAILED and message.reason == "blocked"
        async with client.incoming_messages() as inbox:
            fake_relay_server.inject_inbound_message(
                context="office", from_number="+15557654321", to_number="+15551111111", body="yo"
            )
            with trio.fail_after(5):
                assert (await inbox.receive()).body == "yo"
