"""relay_asyncio takes issue 13's action rules from the core (served fake, simulated callee).

``stop()`` on an ended action is a no-op returning ``{}`` (nothing sent);
other controls on it raise ``LocalProtocolError``; ``start_input_timers``
works on a play_and_collect (RELAY.md H.5.15); ``CollectAction.pause`` /
``resume`` are refused before sending (RELAY.md K.32).
"""

from __future__ import annotations

import pytest

from relay_asyncio.testing import FakeRelayHandle
from relay_core import ActionEndedError, LocalProtocolError

from .scripted import scenario
from .test_verbs_simulated import calling


def sent(fake: FakeRelayHandle, prefix: str) -> list[str]:
    return [
        e.method or "" for e in fake.server.journal
        if e.direction == "C→S" and (e.method or "").startswith(prefix)
    ]  # fmt: skip


@scenario()
async def test_stop_on_an_ended_action_sends_nothing_and_returns_empty(
    fake: FakeRelayHandle,
) -> None:
    async with calling(fake, presses="1", says="hello") as call:
        collect = await call.collect(digits={"max": 1}, initial_timeout=5)
        await collect.wait(timeout=3)
        assert await collect.stop() == {}
        assert await collect.stop() == {}  # and again
        record = await call.record({"end_silence_timeout": 0.05})
        await record.wait(timeout=3)
        assert await record.stop() == {}
        with pytest.raises(ActionEndedError, match="the action is over"):
            await record.pause()  # another control is still an error
    assert sent(fake, "calling.collect.stop") == sent(fake, "calling.record.stop") == []
    assert sent(fake, "calling.record.pause") == []


@scenario()
async def test_start_input_timers_on_a_prompt(fake: FakeRelayHandle) -> None:
    async with calling(fake, presses="7") as call:
        prompt = await call.prompt_tts("Your code?", {"digits": {"max": 1}})
        assert (await prompt.start_input_timers())["code"] == "200"
        finished = await prompt.wait(timeout=3)
    assert finished.result["params"]["digits"] == "7"
    [timers] = [
        e.params for e in fake.server.journal
        if e.method == "calling.collect.start_input_timers"
    ]  # fmt: skip
    assert timers["control_id"] == prompt.control_id


@pytest.mark.parametrize("control", ["pause", "resume"])
@scenario()
async def test_collect_action_pause_and_resume_are_refused(
    fake: FakeRelayHandle, control: str
) -> None:
    async with calling(fake, presses="1") as call:
        prompt = await call.prompt_tts("Menu", {"digits": {"max": 1}})
        with pytest.raises(LocalProtocolError, match=rf"play_and_collect\.{control} .*K\.32"):
            await getattr(prompt, control)()
        await prompt.wait(timeout=3)
    assert sent(fake, "calling.play_and_collect") == ["calling.play_and_collect"]
