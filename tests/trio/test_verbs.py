"""relay_trio's calling verbs end to end over the served fake server, scripted.

The server's replies and action events are scripted here (``arm_response``
and ``push_event``), frame for frame, so each test pins one client rule:
awaiting a verb returns its typed result, ``async with`` stops it on the
server when the block exits, and a cancelled one is stopped on the server
(``RelaySession.abandon_action``).  tests/trio/test_verbs_sim.py runs the
same verbs against the fake's own simulation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import trio

import relay_trio
from relay_core import (
    CallGoneError,
    CollectDigits,
    InvalidArgumentError,
    JSONObject,
    PlayState,
    TapDevice,
)
from relay_trio.testing import FakeRelayHandle

from ..helpers import sent

FROM = "+15550000000"
ANSWERS = "+15552222222"
OK: JSONObject = {"code": "200", "message": "OK"}


class Scene:
    """An answered call, and the scripting of the server's side of its verbs."""

    def __init__(self, fake: FakeRelayHandle, call: relay_trio.Call) -> None:
        self.fake = fake
        self.call = call

    def arm(self, *methods: str, result: JSONObject = OK) -> None:
        for method in methods:
            self.fake.server.arm_response(method, result=result)

    def event(self, event_type: str, control_id: str, **params: Any) -> None:
        ref = self.call.ref
        self.fake.push_event(
            self.fake.connections()[0],
            event_type,
            {"node_id": ref.node_id, "call_id": ref.call_id, "control_id": control_id, **params},
        )

    async def requested(self, method: str) -> dict[str, Any]:
        """Wait until the client sent ``method``; its params."""
        await self.fake.wait_until(lambda: bool(sent(self.fake, method)))
        params: dict[str, Any] = sent(self.fake, method)[-1]
        return params

    async def then(self, method: str, event_type: str, **params: Any) -> None:
        """Once ``method`` arrives, send its action's ``event_type`` event."""
        request = await self.requested(method)
        self.event(event_type, request["control_id"], **params)


@pytest.fixture
async def scene(fake: FakeRelayHandle) -> AsyncIterator[Scene]:
    with trio.fail_after(60):
        async with relay_trio.open_relay_client(
            project="test-project", token="test-token", host=fake.url
        ) as relay:
            call = await relay.dial(
                [[{"type": "phone", "params": {"to_number": ANSWERS, "from_number": FROM}}]]
            )
            yield Scene(fake, call)


RECORDED = {"url": "https://files.example/rec.mp3", "duration": 4.5, "size": 7200}


@pytest.mark.trio
async def test_record_block_stops_on_exit_and_keeps_the_url(
    scene: Scene, autojump_clock: Any
) -> None:
    scene.arm("calling.record", "calling.record.stop")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(
            lambda: scene.then("calling.record.stop", "calling.call.record",
                               state="finished", record={"audio": RECORDED}, **RECORDED)
        )  # fmt: skip
        async with scene.call.record(beep=True, format="mp3") as recording:
            assert not recording.done
            await trio.sleep(4)
    assert sent(scene.fake, "calling.record")[0]["record"] == {
        "audio": {"beep": True, "format": "mp3"}
    }
    assert recording.reason == "finished" and recording.succeeded
    assert (recording.url, recording.duration, recording.size) == (RECORDED["url"], 4.5, 7200)
    assert recording.result is not None and recording.result.url == RECORDED["url"]


@pytest.mark.trio
async def test_awaited_collect_returns_the_digits(scene: Scene, autojump_clock: Any) -> None:
    scene.arm("calling.collect")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(
            lambda: scene.then("calling.collect", "calling.call.collect", final=True,
                               result={"type": "digit", "params": {"digits": "12",
                                                                   "terminator": "#"}})
        )  # fmt: skip
        collection = await scene.call.collect(digits=CollectDigits(max=2, terminators="#"))
    assert (collection.type, collection.digits, collection.terminator) == ("digit", "12", "#")
    assert collection.succeeded and collection.reason == "finished"
    assert not sent(scene.fake, "calling.collect.stop")  # over by itself: nothing to stop


@pytest.mark.trio
async def test_cancelled_collect_is_stopped_on_the_server(
    scene: Scene, autojump_clock: Any
) -> None:
    scene.arm("calling.collect", "calling.collect.stop")
    pending = scene.call.collect(digits=CollectDigits(max=1))
    with trio.move_on_after(5) as scope:
        await pending
    assert scope.cancelled_caught
    stop = await scene.requested("calling.collect.stop")
    (start,) = sent(scene.fake, "calling.collect")
    assert stop["control_id"] == start["control_id"]
    assert pending._handle.reason == "abandoned"


@pytest.mark.trio
async def test_cancelling_the_nursery_stops_a_tap_block(scene: Scene, autojump_clock: Any) -> None:
    scene.arm("calling.tap", "calling.tap.stop")
    device = TapDevice(type="ws", uri="wss://tap.example")
    async with trio.open_nursery() as nursery:

        async def tap() -> None:
            async with scene.call.tap(device, direction="listen") as tapping:
                scene.event("calling.call.tap", tapping.control_id, state="tapping")
                await trio.sleep_forever()

        nursery.start_soon(tap)
        await scene.requested("calling.tap")
        await trio.sleep(1)
        nursery.cancel_scope.cancel()
    stop = await scene.requested("calling.tap.stop")
    assert stop["control_id"] == sent(scene.fake, "calling.tap")[0]["control_id"]


@pytest.mark.trio
async def test_an_exception_in_a_block_abandons_the_action(
    scene: Scene, autojump_clock: Any
) -> None:
    scene.arm("calling.transcribe", "calling.transcribe.stop")
    with pytest.raises(ZeroDivisionError):
        async with scene.call.transcribe() as transcription:
            1 / 0  # noqa: B018
    assert transcription.reason == "abandoned"
    await scene.requested("calling.transcribe.stop")


@pytest.mark.trio
async def test_answering_machine_decides_then_the_detector_is_stopped(
    scene: Scene, autojump_clock: Any
) -> None:
    scene.arm("calling.detect", "calling.detect.stop")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(
            lambda: scene.then("calling.detect", "calling.call.detect",
                               detect={"type": "machine", "params": {"event": "MACHINE"}})
        )  # fmt: skip
        detection = await scene.call.detect_answering_machine(initial_timeout=3)
    assert (detection.type, detection.event, detection.succeeded) == ("machine", "MACHINE", True)
    assert sent(scene.fake, "calling.detect")[0]["detect"] == {
        "type": "machine", "params": {"initial_timeout": 3}
    }  # fmt: skip
    await scene.requested("calling.detect.stop")  # decided: stop detecting


@pytest.mark.trio
async def test_wait_for_beep_waits_past_machine(scene: Scene, autojump_clock: Any) -> None:
    scene.arm("calling.detect", "calling.detect.stop")

    async def server() -> None:
        control_id = (await scene.requested("calling.detect"))["control_id"]
        for event in ("MACHINE", "READY"):
            await trio.sleep(2)
            scene.event("calling.call.detect", control_id,
                        detect={"type": "machine", "params": {"event": event}})  # fmt: skip

    async with trio.open_nursery() as nursery:
        nursery.start_soon(server)
        start = trio.current_time()
        detection = await scene.call.detect_answering_machine(wait_for_beep=True)
    assert detection.event == "READY"
    assert trio.current_time() - start == pytest.approx(4, abs=0.5)
    assert "wait_for_beep" not in str(sent(scene.fake, "calling.detect")[0])  # client-only


@pytest.mark.trio
async def test_send_digits_is_awaited_to_its_end(scene: Scene, autojump_clock: Any) -> None:
    scene.arm("calling.send_digits")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(
            lambda: scene.then("calling.send_digits", "calling.call.send_digits",
                               state="finished")
        )  # fmt: skip
        sending = await scene.call.send_digits("1w2#")
    assert sending.succeeded and sent(scene.fake, "calling.send_digits")[0]["digits"] == "1w2#"


@pytest.mark.trio
async def test_the_call_ending_mid_collect_raises_call_gone(
    scene: Scene, autojump_clock: Any
) -> None:
    scene.arm("calling.collect")

    async def hang_up() -> None:
        await scene.requested("calling.collect")
        await trio.sleep(1)
        scene.fake.hangup_call(scene.call.call_id)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(hang_up)
        with pytest.raises(CallGoneError):
            await scene.call.collect(digits=CollectDigits(max=1))
    assert not sent(scene.fake, "calling.collect.stop")


@pytest.mark.trio
async def test_a_refused_start_raises_call_gone_and_sends_no_stop(
    scene: Scene, autojump_clock: Any
) -> None:
    scene.arm("calling.record", result={"code": "404", "message": "Call not found"})
    with pytest.raises(CallGoneError):
        async with scene.call.record():
            pytest.fail("the block must not run")  # pragma: no cover
    assert not sent(scene.fake, "calling.record.stop")


@pytest.mark.trio
async def test_a_verb_on_an_ended_call_is_refused_before_sending(
    scene: Scene, autojump_clock: Any
) -> None:
    await scene.call.hangup()
    await scene.call.wait_for_ended()
    with pytest.raises(CallGoneError):
        await scene.call.send_digits("1")
    with pytest.raises(CallGoneError):
        await scene.call.hold()
    assert not sent(scene.fake, "calling.send_digits") and not sent(scene.fake, "calling.hold")


@pytest.mark.trio
async def test_bad_input_is_refused_before_sending(scene: Scene, autojump_clock: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="digits: 'xyz'"):
        scene.call.send_digits("xyz")
    with pytest.raises(InvalidArgumentError, match=r"format: .ogg."):
        await scene.call.record(format="ogg")
    with pytest.raises(InvalidArgumentError, match="dest"):
        await scene.call.transfer("")
    assert not any(
        sent(scene.fake, m) for m in ("calling.send_digits", "calling.record", "calling.transfer")
    )


@pytest.mark.trio
async def test_play_and_collect_ends_on_the_collect_not_the_prompt(
    scene: Scene, autojump_clock: Any
) -> None:
    scene.arm("calling.play_and_collect")

    async def server() -> None:
        control_id = (await scene.requested("calling.play_and_collect"))["control_id"]
        scene.event("calling.call.play", control_id, state="playing")
        scene.event("calling.call.play", control_id, state="finished")
        await trio.sleep(2)
        result = {"type": "digit", "params": {"digits": "2", "terminator": ""}}
        scene.event("calling.call.collect", control_id, final=True, result=result)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(server)
        prompt = await scene.call.prompt_tts(
            "Press 1 for sales, 2 for support", digits=CollectDigits(max=1)
        )
    assert prompt.digits == "2"
    (request,) = sent(scene.fake, "calling.play_and_collect")
    assert request["play"][0]["params"]["text"].startswith("Press 1")


@pytest.mark.trio
async def test_plain_verbs_send_their_requests(scene: Scene, autojump_clock: Any) -> None:
    scene.arm("calling.transfer", "calling.hold", "calling.unhold", "calling.user_event")
    scene.arm("calling.join_conference", result={**OK, "conference_id": "conf-1"})
    await scene.call.transfer("context:sales")
    await scene.call.hold()
    await scene.call.unhold()
    await scene.call.user_event({"hello": "world"})
    assert await scene.call.join_conference("standup", beep="onEnter") == "conf-1"
    assert sent(scene.fake, "calling.transfer")[0]["dest"] == "context:sales"
    assert sent(scene.fake, "calling.join_conference")[0]["beep"] == "onEnter"
    assert sent(scene.fake, "calling.user_event")[0]["event"] == {"hello": "world"}


@pytest.mark.trio
async def test_a_gone_call_raises_call_gone_from_a_plain_verb(
    scene: Scene, autojump_clock: Any
) -> None:
    scene.arm("calling.hold", result={"code": "410", "message": "Gone"})
    with pytest.raises(CallGoneError):
        await scene.call.hold()


@pytest.mark.trio
async def test_play_tts_plays_to_the_end(scene: Scene, autojump_clock: Any) -> None:
    assert await scene.call.play_tts("Hello") is PlayState.FINISHED
    assert await scene.call.play_silence(1) is PlayState.FINISHED


@pytest.mark.trio
async def test_a_cancelled_play_helper_stops_the_playback(
    scene: Scene, autojump_clock: Any
) -> None:
    scene.arm("calling.play")
    scene.arm("calling.play.stop")
    with trio.move_on_after(3):
        await scene.call.play_audio("https://files.example/hold.mp3")
    stop = await scene.requested("calling.play.stop")
    assert stop["control_id"] == sent(scene.fake, "calling.play")[0]["control_id"]


@pytest.mark.trio
async def test_continuous_collect_reports_each_result_until_the_block_ends(
    scene: Scene, autojump_clock: Any
) -> None:
    scene.arm("calling.collect", "calling.collect.stop")
    heard: list[str | None] = []
    pending = scene.call.collect(digits=CollectDigits(max=1), continuous=True)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(
            lambda: scene.then("calling.collect.stop", "calling.call.collect", state="finished")
        )
        async with pending as collection:
            updates = collection.events()
            for digit in "12":
                result = {"type": "digit", "params": {"digits": digit}}
                scene.event(
                    "calling.call.collect", collection.control_id, final=True, result=result
                )
                update = await updates.__anext__()
                heard.append(getattr(update.payload, "digits", None))
            assert not collection.done  # continuous: results do not end it
    assert heard == ["1", "2"]
    assert collection.reason == "finished"  # the end the stop brought, within the block's exit
    assert sent(scene.fake, "calling.collect")[0]["continuous"] is True


@pytest.mark.trio
async def test_recording_controls_and_ai_stop(scene: Scene, autojump_clock: Any) -> None:
    scene.arm("calling.record", "calling.record.pause", "calling.record.resume")
    scene.arm("calling.record.stop", "calling.ai", "calling.ai.stop")
    async with scene.call.record() as recording:
        await recording.pause("silence")
        await recording.resume()
        await recording.stop()
        scene.event("calling.call.record", recording.control_id, state="no_input")
        assert await recording.wait() is not None
    assert recording.reason == "finished" and not recording.succeeded  # no_input
    assert sent(scene.fake, "calling.record.pause")[0]["behavior"] == "silence"
    assert len(sent(scene.fake, "calling.record.stop")) == 1  # not again on exit
    async with scene.call.ai(prompt={"text": "You are helpful"}) as agent:
        pass  # leaving stops it; ai ends on the stop's reply (its event may never come)
    assert (agent.reason, agent.succeeded) == ("stopped", True)


@pytest.mark.trio
async def test_a_queue_block_leaves_the_queue(scene: Scene, autojump_clock: Any) -> None:
    scene.arm("calling.queue.enter", "calling.queue.leave")
    async with scene.call.queue_enter("support") as entry:
        scene.event("calling.call.queue", entry.control_id, status="enqueued", position=2)
        await trio.sleep(1)
    (leave,) = sent(scene.fake, "calling.queue.leave")
    assert (leave["queue_name"], leave["control_id"]) == ("support", entry.control_id)
    assert entry.reason == "stopped"


@pytest.mark.trio
async def test_a_pending_action_starts_once(scene: Scene, autojump_clock: Any) -> None:
    scene.arm("calling.transcribe", "calling.transcribe.stop")
    pending = scene.call.transcribe()
    async with pending:
        pass
    with pytest.raises(RuntimeError, match="already started"):
        await pending
    assert len(sent(scene.fake, "calling.transcribe")) == 1
