"""relay_asyncio's action verbs end to end over the served fake: record, collect, detect, play.

The requests are the official SDK's shape (its dicts, renamed arguments and
``**kwargs``), validated by the core before anything is sent; each action
settles from the core's ``ActionFinished``; ``wait()`` returns the official
class of the deciding event (``RecordEvent``...), the ``ActionFinished`` as
its ``.core`` (``relay_asyncio._actions._terminal_event``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from relay_asyncio import (
    CallGoneError,
    CollectAction,
    DetectAction,
    LocalProtocolError,
    RecordAction,
    RecordEvent,
    StandaloneCollectAction,
)
from relay_asyncio.testing import FakeRelayHandle
from relay_core import ActionFinished

from .scripted import scenario
from .served import sent
from .verbs_support import arm, dialled, params_of, push


@scenario()
async def test_record_sends_the_sdk_shape_and_settles_with_the_recording(
    fake: FakeRelayHandle,
) -> None:
    async with dialled(fake) as (_, call):
        arm(fake, "calling.record", "calling.record.pause", "calling.record.resume")
        arm(fake, "calling.record.stop")
        done: list[Any] = []
        action = await call.record(
            {"beep": True, "format": "wav"},
            status_url="https://status",
            future_flag=1,
            on_completed=done.append,
        )
        assert isinstance(action, RecordAction) and not action.is_done
        (params,) = params_of(fake, "calling.record")
        assert params["record"] == {"audio": {"beep": True, "format": "wav"}}
        assert params["control_id"] == action.control_id
        assert params["status_url"] == "https://status" and params["future_flag"] == 1
        push(fake, call, "calling.call.record", control_id=action.control_id, state="recording")
        await action.pause("silence")
        await action.resume()
        await action.stop()
        assert action.state == "recording"
        assert params_of(fake, "calling.record.pause")[0]["behavior"] == "silence"
        for method in ("calling.record.resume", "calling.record.stop"):
            assert params_of(fake, method)[0]["control_id"] == action.control_id
        push(
            fake,
            call,
            "calling.call.record",
            control_id=action.control_id,
            state="finished",
            url="https://rec/1.wav",
            duration=2.5,
            size=4096,
        )
        finished = await action.wait(timeout=2)
        assert isinstance(finished, RecordEvent) and finished.state == "finished"
        assert isinstance(finished.core, ActionFinished) and finished.succeeded
        assert finished.reason == "finished" and action.completed and action.result is finished
        assert (action.url, action.duration, action.size) == ("https://rec/1.wav", 2.5, 4096)
        assert done == [finished]


@scenario()
async def test_prompt_tts_settles_on_the_collect_result_not_the_prompts_end(
    fake: FakeRelayHandle,
) -> None:
    async with dialled(fake) as (_, call):
        arm(
            fake, "calling.play_and_collect", "calling.play_and_collect.volume",
            "calling.collect.start_input_timers",
        )  # fmt: skip
        action = await call.prompt_tts(
            "Press 1", {"digits": {"max": 1, "terminators": "#"}}, voice="en-US", volume=2
        )
        assert isinstance(action, CollectAction)
        (params,) = params_of(fake, "calling.play_and_collect")
        assert params["play"] == [{"type": "tts", "params": {"text": "Press 1", "voice": "en-US"}}]
        assert params["collect"] == {"digits": {"max": 1, "terminators": "#"}}
        assert params["volume"] == 2
        await action.volume(-3)
        # RELAY.md H.5.15: collect.start_input_timers with the play_and_collect's control_id.
        await action.start_input_timers()
        [timers] = params_of(fake, "calling.collect.start_input_timers")
        assert timers["control_id"] == action.control_id
        control_id = action.control_id
        push(fake, call, "calling.call.play", control_id=control_id, state="finished")
        await asyncio.sleep(0.05)
        assert not action.completed  # the prompt ended; the collect goes on
        result = {"type": "digit", "params": {"digits": "1", "terminator": "#"}}
        push(fake, call, "calling.call.collect", control_id=control_id, final=True, result=result)
        finished = await action.wait(timeout=2)
        assert finished.succeeded and finished.core.result.digits == "1"
        assert finished.core.result.terminator == "#"


@scenario()
async def test_collect_settles_on_no_input_and_a_coroutine_on_completed_runs(
    fake: FakeRelayHandle,
) -> None:
    async with dialled(fake) as (_, call):
        arm(fake, "calling.collect")
        ran = asyncio.Event()

        async def completed(event: ActionFinished) -> None:
            assert not event.succeeded
            ran.set()

        action = await call.collect(
            digits={"max": 4}, speech={"hints": ["yes"]}, initial_timeout=5, on_completed=completed
        )
        assert isinstance(action, StandaloneCollectAction)
        (params,) = params_of(fake, "calling.collect")
        assert params["digits"] == {"max": 4} and params["speech"] == {"hints": ["yes"]}
        push(
            fake, call, "calling.call.collect", control_id=action.control_id,
            result={"type": "no_input"},
        )  # fmt: skip
        finished = await action.wait(timeout=2)
        assert finished.core.result.result_type == "no_input"
        await asyncio.wait_for(ran.wait(), 1)


@scenario()
async def test_detect_answering_machine_settles_on_the_beep_when_asked(
    fake: FakeRelayHandle,
) -> None:
    async with dialled(fake) as (_, call):
        arm(fake, "calling.detect", "calling.detect")
        quick = await call.detect_answering_machine(initial_timeout=3, timeout=20)
        beep = await call.detect_answering_machine(wait_for_beep=True)
        assert isinstance(beep, DetectAction)
        first, second = params_of(fake, "calling.detect")
        assert first["detect"] == {"type": "machine", "params": {"initial_timeout": 3}}
        assert first["timeout"] == 20
        assert "wait_for_beep" not in second  # client-only
        machine = {"type": "machine", "params": {"event": "MACHINE"}}
        push(fake, call, "calling.call.detect", control_id=quick.control_id, detect=machine)
        push(fake, call, "calling.call.detect", control_id=beep.control_id, detect=machine)
        assert (await quick.wait(timeout=2)).result.event == "MACHINE"
        await asyncio.sleep(0.05)
        assert not beep.completed  # waits for the beep
        ready = {"type": "machine", "params": {"event": "READY", "beep": True}}
        push(fake, call, "calling.call.detect", control_id=beep.control_id, detect=ready)
        assert (await beep.wait(timeout=2)).result.beep is True


@scenario()
async def test_play_helpers_build_the_media_and_take_on_completed(fake: FakeRelayHandle) -> None:
    async with dialled(fake) as (_, call):
        done: list[Any] = []
        played = [
            await call.play_tts("Hi", language="en-US", on_completed=done.append),
            await call.play_audio("https://a/b.mp3", volume=3),
            await call.play_silence(0.1),
            await call.play_ringtone("us", duration=0.1),
        ]
        media = [p["play"][0] for p in params_of(fake, "calling.play")]
        assert media == [
            {"type": "tts", "params": {"text": "Hi", "language": "en-US"}},
            {"type": "audio", "params": {"url": "https://a/b.mp3"}},
            {"type": "silence", "params": {"duration": 0.1}},
            {"type": "ringtone", "params": {"name": "us", "duration": 0.1}},
        ]
        flagged = await call.play([{"type": "silence", "duration": 0.05}], future_flag=True)
        assert params_of(fake, "calling.play")[-1]["future_flag"] is True  # **kwargs: top level
        await flagged.wait(timeout=2)
        await played[2].wait(timeout=2)
        await played[0].stop()
        await played[0].wait(timeout=2)
        assert len(done) == 1 and done[0].is_final


@scenario()
async def test_actions_settle_when_the_call_ends(fake: FakeRelayHandle) -> None:
    async with dialled(fake) as (_, call):
        arm(fake, "calling.record", "calling.detect")
        record = await call.record()
        detect = await call.detect({"type": "fax", "params": {}})
        fake.hangup_call(call.call_id)
        for action in (record, detect):
            finished = await action.wait(timeout=2)
            assert finished.reason == "call_ended" and not finished.succeeded


@scenario()
async def test_a_gone_call_raises_call_gone_and_the_action_is_settled(
    fake: FakeRelayHandle,
) -> None:
    async with dialled(fake) as (client, call):
        arm(fake, "calling.record", result={"code": "404", "message": "Call not found"})
        done: list[Any] = []
        with pytest.raises(CallGoneError):
            await call.record(on_completed=done.append)
        assert client.statistics().live_actions == 0
        await asyncio.sleep(0.05)
        assert done == []  # the start raised: it never ran for the caller


@scenario()
async def test_bad_input_is_refused_before_anything_is_sent(fake: FakeRelayHandle) -> None:
    async with dialled(fake) as (_, call):
        cases: list[tuple[Callable[[], Awaitable[Any]], str]] = [
            (lambda: call.record({"format": "ogg"}), "record.audio.format: 'ogg'"),
            (lambda: call.record({"colour": "red"}), "record.audio.colour: "),
            (lambda: call.record(record={"audio": {}}), "record: "),
            (lambda: call.collect(), "digits: None"),
            (lambda: call.collect(digits={"max": 0}), "digits.max: 0"),
            (lambda: call.detect({"type": "voice"}), "detect.type: 'voice'"),
            (lambda: call.detect({"type": "fax"}, wait_for_beep=1), "wait_for_beep: 1"),  # type: ignore[arg-type]
            (lambda: call.play_and_collect([], {"digits": {"max": 1}}), "play"),
            (lambda: call.record(on_completed=42), "on_completed: 42"),  # type: ignore[arg-type]
            (lambda: call.pay("https://pay", input_method="dtmf", input="voice"), "input: 'voice'"),
        ]
        for starter, message in cases:
            with pytest.raises(LocalProtocolError) as refused:  # InvalidArgumentError's base
                await starter()
            assert refused.value.message.startswith(message), refused.value
        for method in ("calling.record", "calling.collect", "calling.detect", "calling.pay"):
            assert sent(fake, method) == []


@scenario()
async def test_a_timed_out_wait_does_not_stop_the_action_but_a_cancelled_start_does(
    fake: FakeRelayHandle,
) -> None:
    async with dialled(fake) as (_, call):
        arm(fake, "calling.record")
        action = await call.record()
        with pytest.raises(TimeoutError):
            await action.wait(timeout=0.05)
        assert sent(fake, "calling.record.stop") == [] and not action.completed
        fake.server.arm_response("calling.collect", withhold=True)
        arm(fake, "calling.collect.stop")
        start = asyncio.create_task(call.collect(digits={"max": 1}))
        await fake.wait_until(lambda: bool(sent(fake, "calling.collect")))
        start.cancel()
        with pytest.raises(asyncio.CancelledError):
            await start
        await fake.wait_until(lambda: bool(sent(fake, "calling.collect.stop")))
        (stop,) = params_of(fake, "calling.collect.stop")
        assert stop["control_id"] == params_of(fake, "calling.collect")[0]["control_id"]


@scenario()
async def test_actions_settle_when_the_client_closes(fake: FakeRelayHandle) -> None:
    async with dialled(fake) as (_, call):
        arm(fake, "calling.record")
        action = await call.record()
    finished = await action.wait(timeout=1)  # no hang once the client is gone
    assert not finished.succeeded and finished.reason in ("session_closed", "call_ended")
