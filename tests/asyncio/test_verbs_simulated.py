"""relay_asyncio's verbs against the fake server's simulation (no scripted replies).

The callee behaves as its directory entry says (``Answers(presses="1#")``,
``says=...``, ``answered_by="machine"``); the simulation runs at
``time_scale = 0.01``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from relay_asyncio import Call, RelayClient
from relay_asyncio.testing import FakeRelayHandle
from relay_core import Answers

from .scripted import scenario
from .served import phone

CALLEE = "+15557770002"


@asynccontextmanager
async def calling(fake: FakeRelayHandle, **script: Any) -> AsyncIterator[Call]:
    """An answered call to a callee following ``script``."""
    fake.server.network.time_scale = 0.01
    fake.server.directory.set(CALLEE, Answers(after=0.02, input_after=0.02, **script))
    async with RelayClient(project="test-project", token="test-token", host=fake.url) as client:
        call = await client.dial([[phone(CALLEE)]])
        yield call
        if call.state != "ended":
            await call.hangup()


@scenario()
async def test_record_gets_a_url_duration_and_size(fake: FakeRelayHandle) -> None:
    async with calling(fake, says="please call me back") as call:
        done: list[Any] = []
        action = await call.record(
            {"format": "mp3", "end_silence_timeout": 0.1}, on_completed=done.append
        )
        finished = await action.wait(timeout=3)
    assert finished.succeeded and finished.result.state == "finished"
    assert action.url is not None and action.url.endswith(f"{action.control_id}.mp3")
    assert action.duration is not None and action.duration > 0
    assert action.size is not None and action.size > 0
    assert done == [finished]


@scenario()
async def test_collect_gets_the_digits_the_caller_presses(fake: FakeRelayHandle) -> None:
    async with calling(fake, presses=("1#", "77")) as call:
        prompt = await call.prompt_tts("Press 1", {"digits": {"max": 3, "terminators": "#"}})
        first = await prompt.wait(timeout=3)
        standalone = await call.collect(digits={"max": 2}, initial_timeout=5)
        second = await standalone.wait(timeout=3)
    assert (first.result.result_type, first.result.digits) == ("digit", "1")
    assert first.result.terminator == "#"
    assert second.succeeded and second.result.digits == "77"


@scenario()
async def test_collect_gets_the_words_the_caller_says(fake: FakeRelayHandle) -> None:
    async with calling(fake, says="sales") as call:
        action = await call.collect(speech={"end_silence_timeout": 0.05}, initial_timeout=5)
        finished = await action.wait(timeout=3)
    assert finished.result.result_type == "speech" and finished.result.text == "sales"


@pytest.mark.parametrize(
    ("answered_by", "detector", "event"),
    [("machine", "machine", "MACHINE"), ("human", "machine", "HUMAN"), ("fax", "fax", "CED")],
)
@scenario()
async def test_detect_answers_by_the_callees_behaviour(
    fake: FakeRelayHandle, answered_by: str, detector: str, event: str
) -> None:
    async with calling(fake, answered_by=answered_by) as call:
        if detector == "machine":
            action = await call.detect_answering_machine(timeout=30)
        else:
            action = await call.detect_fax()
        finished = await action.wait(timeout=3)
    assert finished.succeeded and finished.result.event == event


@scenario()
async def test_detect_waits_for_the_machines_beep(fake: FakeRelayHandle) -> None:
    async with calling(fake, answered_by="machine") as call:
        action = await call.detect_answering_machine(wait_for_beep=True, timeout=30)
        finished = await action.wait(timeout=3)
    assert finished.succeeded and finished.result.event in ("READY", "MACHINE")
    assert finished.result.event == "READY" or finished.result.beep is True


@scenario()
async def test_send_digits_and_long_running_actions_end_with_the_call(
    fake: FakeRelayHandle,
) -> None:
    async with calling(fake) as call:
        assert (await call.send_digits("1w2#"))["code"] == "200"
        tap = await call.tap(
            {"type": "audio", "params": {"direction": "both"}},
            {"type": "ws", "params": {"uri": "wss://tap.example.com"}},
        )
        stream = await call.stream("wss://stream.example.com")
        record = await call.record()
        await call.hangup()
        for action in (tap, stream, record):
            finished = await action.wait(timeout=3)
            assert finished.reason in ("finished", "call_ended"), finished


@scenario()
async def test_a_stopped_record_still_gets_its_recording(fake: FakeRelayHandle) -> None:
    async with calling(fake, says="a long message " * 20) as call:
        action = await call.record({"format": "wav"})
        await action.stop()
        finished = await action.wait(timeout=3)
    assert finished.result.state == "finished" and action.url is not None
