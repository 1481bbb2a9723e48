"""The fake-server CLI's ``message`` command and the timeline's message lines."""

from __future__ import annotations

import io

import pytest
import trio

from relay_trio._cli_log import Timeline

from .test_cli_commands import client, served


@pytest.mark.trio
async def test_message_command_reaches_the_client_and_the_timeline_tells() -> None:
    out = io.StringIO()
    timeline = Timeline(out, start=trio.current_time())
    async with served(timeline) as (handle, commands), client(handle, "office") as relay:
        async with relay.incoming_messages() as inbox:
            said, err = await commands.run(
                "message --media https://x/p.jpg +15553334444 +15550001111 is it open?"
            )
            assert err == []
            with trio.fail_after(5):
                inbound = await inbox.receive()
        assert (inbound.body, inbound.media) == ("is it open?", ["https://x/p.jpg"])
        assert said == [
            f"message {inbound.message_id} from +15553334444 to +15550001111 sent on office"
        ]
        sent = await relay.send_message(
            to_number="+15553330000", from_number="+15550001111", body="secret text"
        )
        with trio.fail_after(5):
            await sent.wait()
        said, _ = await commands.run("message --context nobody +1 +2 hi")
        assert said == ["no session receives context 'nobody': message from +1 dropped"]
    lines = [line.split("] ", 1)[1] for line in out.getvalue().splitlines()]
    assert (
        f"inbound message {inbound.message_id} from +15553334444 to +15550001111 "
        "on context office (1 media)"
    ) in lines
    states = [line for line in lines if line.startswith(f"message {sent.message_id} ")]
    assert states == [
        f"message {sent.message_id} to +15553330000 {state}"
        for state in ("queued", "initiated", "sent", "undelivered (carrier_blocked)")
    ]
    assert "secret text" not in out.getvalue()
