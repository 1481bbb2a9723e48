"""The official SDK's action verbs (signalwire-sdk 3.7.5) against our fake server, over TLS.

record, play_and_collect (prompt_tts), collect, detect_answering_machine and
send_digits, each answered by a scripted callee.  The simulation runs at
``time_scale = 0.01`` and the callees react in 20 ms, so each test takes well
under a second of real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import signalwire.relay as relay

from relay_asyncio.testing import FakeRelayHandle, open_fake_relay_server
from relay_core.testing import Answers, FakeRelayServer

from .test_official_sdk import PROJECT, TOKEN, all_acked, client, directory, events, phone

pytestmark = [pytest.mark.interop, pytest.mark.asyncio]

CALLEE = "+15557770001"


@pytest_asyncio.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeRelayHandle]:
    server = FakeRelayServer(credentials={PROJECT: TOKEN}, directory=directory())
    server.network.time_scale = 0.01
    async with open_fake_relay_server(server, tls=True) as handle:
        assert handle.ca_path is not None
        monkeypatch.setenv("SIGNALWIRE_RELAY_CA_FILE", handle.ca_path)
        yield handle


def callee(fake: FakeRelayHandle, **script: Any) -> list[list[dict[str, Any]]]:
    """Script the callee; returns the device plan that dials it."""
    fake.server.directory.set(CALLEE, Answers(after=0.05, input_after=0.02, **script))
    return [[phone(CALLEE)]]


async def test_record_gets_a_url_duration_and_size(fake: FakeRelayHandle) -> None:
    devices = callee(fake, says="please call me back")
    async with asyncio.timeout(5):
        async with client(fake) as sdk:
            call = await sdk.dial(devices=devices)
            action = await call.record({"beep": True, "format": "wav", "end_silence_timeout": 0.1})
            assert isinstance(action, relay.RecordAction)
            event = await action.wait()
            await call.hangup()
            await all_acked(fake)
    params = event.params
    assert params["state"] == "finished"
    assert params["url"] == f"https://files.example.com/recordings/{action.control_id}.wav"
    assert params["duration"] > 0 and params["size"] > 44


async def test_record_of_a_silent_callee_is_no_input(fake: FakeRelayHandle) -> None:
    devices = callee(fake)
    async with asyncio.timeout(5):
        async with client(fake) as sdk:
            call = await sdk.dial(devices=devices)
            action = await call.record({"initial_timeout": 0.2})
            event = await action.wait()
            await call.hangup()
    assert event.params["state"] == "no_input"


async def test_prompt_tts_collects_the_pressed_digits(fake: FakeRelayHandle) -> None:
    devices = callee(fake, presses=("42#",))
    async with asyncio.timeout(5):
        async with client(fake) as sdk:
            call = await sdk.dial(devices=devices)
            collect = {"initial_timeout": 5, "digits": {"max": 4, "terminators": "#"}}
            action = await call.prompt_tts("Hi!", collect)
            assert isinstance(action, relay.CollectAction)
            event = await action.wait()
            await call.hangup()
            await all_acked(fake)
    assert event.event_type == "calling.call.collect"
    assert event.params["result"] == {
        "type": "digit",
        "params": {"digits": "42", "terminator": "#"},
    }
    # The prompt played first, on the same control_id.
    plays = [e.event_params for e in fake.server.journal if e.event_type == "calling.call.play"]
    assert [p["state"] for p in plays] == ["playing", "finished"]
    assert {p["control_id"] for p in plays} == {action.control_id}


async def test_play_and_collect_speech_and_standalone_collect(fake: FakeRelayHandle) -> None:
    devices = callee(fake, says=("sales", "yes please"))
    async with asyncio.timeout(5):
        async with client(fake) as sdk:
            call = await sdk.dial(devices=devices)
            media = [{"type": "tts", "params": {"text": "Which?"}}]
            speech = {"speech": {"end_silence_timeout": 0.05}}
            first = await (await call.play_and_collect(media, speech)).wait()
            action = await call.collect(speech={"end_silence_timeout": 0.05}, initial_timeout=5)
            assert isinstance(action, relay.StandaloneCollectAction)
            second = await action.wait()
            await call.hangup()
    assert first.params["result"]["params"]["text"] == "sales"
    assert second.params["result"] == {
        "type": "speech",
        "params": {"text": "yes please", "confidence": 90.0},
    }


@pytest.mark.parametrize(("answered_by", "event"), [("machine", "MACHINE"), ("human", "HUMAN")])
async def test_detect_answering_machine(
    fake: FakeRelayHandle, answered_by: str, event: str
) -> None:
    devices = callee(fake, answered_by=answered_by)
    async with asyncio.timeout(5):
        async with client(fake) as sdk:
            call = await sdk.dial(devices=devices)
            action = await call.detect_answering_machine(initial_timeout=4.5, timeout=30)
            assert isinstance(action, relay.DetectAction)
            result = await action.wait()  # [PY] resolves on the first result (RELAY.md K.22)
            assert result.params["detect"]["params"]["event"] == event
            # The machine's greeting ends with the beep.
            await fake.wait_until(
                lambda: "finished" in [d["params"]["event"] for d in detects(fake)]
            )
            await call.hangup()
    seen = [d["params"]["event"] for d in detects(fake)]
    expected = (
        ["MACHINE", "READY", "finished"] if answered_by == "machine" else ["HUMAN", "finished"]
    )
    assert seen == expected


def detects(fake: FakeRelayHandle) -> list[dict[str, Any]]:
    return events(fake, "calling.call.detect", "detect")


async def test_send_digits(fake: FakeRelayHandle) -> None:
    devices = callee(fake)
    async with asyncio.timeout(5):
        async with client(fake) as sdk:
            call = await sdk.dial(devices=devices)
            reply = await call.send_digits("1w234#")
            await fake.wait_until(lambda: events(fake, "calling.call.send_digits", "state") != [])
            with pytest.raises(relay.RelayError) as info:
                await call.send_digits("12x")
            await call.hangup()
    assert reply["code"] == "200" and reply["message"] == "Sending Digits"
    assert events(fake, "calling.call.send_digits", "state") == ["finished"]
    assert info.value.code == 400 and "digits" in info.value.message
