"""relay_trio takes issue 13's action rules from the core (served fake, simulated callee).

``stop()`` on an ended action is a no-op (nothing sent, returns ``None``);
other controls on it raise ``LocalProtocolError``; a prompt takes
``start_input_timers`` (RELAY.md H.5.15).
"""

from __future__ import annotations

from typing import Any

import pytest

from relay_core import ActionEndedError, CollectDigits
from relay_trio.testing import FakeRelayHandle

from ..helpers import sent
from .test_verbs_sim import HUMAN, client, fake, phone

__all__ = ["fake"]  # the served fake with its simulated callees (a fixture)


@pytest.mark.trio
async def test_stop_on_an_ended_action_sends_nothing(
    fake: FakeRelayHandle, autojump_clock: Any
) -> None:
    async with client(fake) as relay:
        call = await relay.dial([[phone(HUMAN)]])
        collection = await call.collect(digits=CollectDigits(max=1))
        assert collection.digits == "1"
        assert await collection.stop() is None
        assert await collection.stop() is None
        recording = await call.record(end_silence_timeout=1)
        assert await recording.stop() is None
        with pytest.raises(ActionEndedError, match="the action is over"):
            await recording.pause()  # another control is still an error
        await call.hangup()
    assert sent(fake, "calling.collect.stop") == sent(fake, "calling.record.stop") == []
    assert sent(fake, "calling.record.pause") == []


@pytest.mark.trio
async def test_start_input_timers_on_a_prompt(fake: FakeRelayHandle, autojump_clock: Any) -> None:
    async with client(fake) as relay:
        call = await relay.dial([[phone(HUMAN)]])
        async with call.prompt_tts("Your code?", digits=CollectDigits(max=1)) as prompt:
            await prompt.start_input_timers()
            await prompt.wait()
        await call.hangup()
    assert prompt.digits == "1"
    [timers] = sent(fake, "calling.collect.start_input_timers")
    assert timers["control_id"] == prompt.control_id
