"""Conformance scenarios for the calling verbs (issue 13): record, collect, detect, send_digits.

The two adapters spell the verbs differently (relay_trio: ``await`` / ``async
with``; relay_asyncio: the official SDK's names and Action classes), so a
scenario calls them through its adapter's *verb set*, ``VERB_SETS[d.name]``:
the same functions, arguments and return values on both (:class:`TrioVerbs`,
:class:`AsyncioVerbs`).  Every scenario runs on both adapters.

The callee's behaviour comes from the fake's simulation (``Answers(presses=...,
answered_by=...)``), its made-up durations scaled down (``time_scale``) so the
real-time asyncio run stays fast.
"""

from __future__ import annotations

from typing import Any, Protocol

from relay_core import CollectDigits
from relay_core.testing import Answers

from .driver import Driver, methods, phone

#: Destinations these scenarios add to the fast directory.
PRESSES = "+15557770101"  # presses "1", then "42#"
MACHINE = "+15557770102"  # a voicemail greeting, then the beep
SILENT = "+15557770103"  # presses nothing
HANGS_UP = "+15557770104"  # presses nothing, hangs up (real seconds, not scaled)
#: The simulation's made-up durations (prompts, greetings, input delays) times this.
TIME_SCALE = 0.02


class Verbs(Protocol):
    """One adapter's calling verbs, as the scenarios use them."""

    async def record_for(
        self, d: Driver, call: Any, seconds: float
    ) -> tuple[str | None, float | None, int | None]:
        """Record for ``seconds``, then stop: ``(url, duration, size)``."""
        ...

    async def prompt_digits(self, call: Any, text: str) -> tuple[str | None, str | None]:
        """TTS ``text`` then collect one digit: ``(result type, digits)``."""
        ...

    async def collect_digits(
        self, call: Any, max_digits: int, terminators: str
    ) -> tuple[str | None, str | None, str | None]:
        """Collect digits (no prompt): ``(result type, digits, terminator)``."""
        ...

    async def detect_machine(self, call: Any, *, wait_for_beep: bool) -> str | None:
        """Answering-machine detection: the deciding event (``HUMAN``, ``MACHINE``, ``READY``)."""
        ...

    async def send_digits(self, call: Any, digits: str) -> bool:
        """Send DTMF and wait until sent: whether it succeeded."""
        ...

    async def start_collect_then_give_up(self, d: Driver, call: Any, seconds: float) -> None:
        """Start a collect, and give up on it after ``seconds`` (trio: cancel; asyncio: stop)."""
        ...

    async def record_until_call_ends(self, call: Any) -> tuple[bool, str | None]:
        """Record until the call ends under it: ``(done, url)``."""
        ...

    async def stop_after_end(self, call: Any) -> object:
        """Run a collect to its result, then ``stop()`` it: what ``stop()`` returned."""
        ...


class TrioVerbs:
    """relay_trio's verbs: awaited results and action blocks."""

    async def record_for(
        self, d: Driver, call: Any, seconds: float
    ) -> tuple[str | None, float | None, int | None]:
        async with call.record() as recording:
            await d.sleep(seconds)
        return recording.url, recording.duration, recording.size

    async def prompt_digits(self, call: Any, text: str) -> tuple[str | None, str | None]:
        prompt = await call.prompt_tts(text, digits=CollectDigits(max=1))
        return prompt.type, prompt.digits

    async def collect_digits(
        self, call: Any, max_digits: int, terminators: str
    ) -> tuple[str | None, str | None, str | None]:
        digits = CollectDigits(max=max_digits, terminators=terminators)
        collection = await call.collect(digits=digits)
        return collection.type, collection.digits, collection.terminator

    async def detect_machine(self, call: Any, *, wait_for_beep: bool) -> str | None:
        detection = await call.detect_answering_machine(wait_for_beep=wait_for_beep)
        event: str | None = detection.event
        return event

    async def send_digits(self, call: Any, digits: str) -> bool:
        sending = await call.send_digits(digits)
        return bool(sending.succeeded)

    async def start_collect_then_give_up(self, d: Driver, call: Any, seconds: float) -> None:
        async with d.give_up_after(seconds):
            await call.collect(digits=CollectDigits(max=1), initial_timeout=60)

    async def record_until_call_ends(self, call: Any) -> tuple[bool, str | None]:
        async with call.record(end_silence_timeout=0) as recording:  # no end by silence
            await recording.wait()
        return recording.done, recording.url

    async def stop_after_end(self, call: Any) -> object:
        collection = await call.collect(digits=CollectDigits(max=1))
        return await collection.stop()


def _collect_fields(event: Any) -> tuple[str | None, str | None, str | None]:
    """(type, digits, terminator) of relay_asyncio's terminal collect event.

    ``wait()`` returns the core's ``ActionFinished`` (its ``result`` the typed
    payload) or an official event class (``params``: the wire dict).
    """
    payload: Any = getattr(event, "result", None)
    if hasattr(payload, "result_type"):
        return payload.result_type, payload.digits, payload.terminator
    result = getattr(event, "params", {}).get("result", {})
    params = result.get("params", {})
    return result.get("type"), params.get("digits"), params.get("terminator")


class AsyncioVerbs:
    """relay_asyncio's verbs: the official SDK's Call methods and Action handles."""

    async def record_for(
        self, d: Driver, call: Any, seconds: float
    ) -> tuple[str | None, float | None, int | None]:
        recording = await call.record({})
        await d.sleep(seconds)
        await recording.stop()
        await recording.wait()
        return recording.url, recording.duration, recording.size

    async def prompt_digits(self, call: Any, text: str) -> tuple[str | None, str | None]:
        prompt = await call.prompt_tts(text, {"digits": {"max": 1}})
        kind, digits, _ = _collect_fields(await prompt.wait())
        return kind, digits

    async def collect_digits(
        self, call: Any, max_digits: int, terminators: str
    ) -> tuple[str | None, str | None, str | None]:
        digits = {"max": max_digits, "terminators": terminators}
        return _collect_fields(await (await call.collect(digits=digits)).wait())

    async def detect_machine(self, call: Any, *, wait_for_beep: bool) -> str | None:
        detection = await call.detect_answering_machine(wait_for_beep=wait_for_beep)
        event = await detection.wait()
        payload: Any = getattr(event, "result", None)
        if hasattr(payload, "event"):
            decided: str | None = payload.event
            return decided
        wire: Any = getattr(event, "params", {})  # an official event class: the wire dict
        decided = wire.get("detect", {}).get("params", {}).get("event")
        return decided

    async def send_digits(self, call: Any, digits: str) -> bool:
        reply = await call.send_digits(digits)
        return bool(reply.get("code") == "200")

    async def start_collect_then_give_up(self, d: Driver, call: Any, seconds: float) -> None:
        # The official semantics: leaving a wait leaves the action running; stop() ends it.
        collection = await call.collect(digits={"max": 1}, initial_timeout=60)
        try:
            await collection.wait(timeout=seconds)
        except TimeoutError:
            await collection.stop()

    async def record_until_call_ends(self, call: Any) -> tuple[bool, str | None]:
        recording = await call.record({"end_silence_timeout": 0})  # no end by silence
        await recording.wait()
        return recording.completed, recording.url

    async def stop_after_end(self, call: Any) -> object:
        collection = await call.collect(digits={"max": 1})
        await collection.wait()
        return await collection.stop()


#: Each driver's verb set.
VERB_SETS: dict[str, Verbs] = {"trio": TrioVerbs(), "asyncio": AsyncioVerbs()}


def verbs(d: Driver, fake: Any) -> Verbs:
    """The driver's verb set, after scripting the callees."""
    verb_set = VERB_SETS[d.name]
    fake.server.network.time_scale = TIME_SCALE
    directory = fake.server.directory
    directory.set(PRESSES, Answers(after=0.02, input_after=0.05, presses=("1", "42#")))
    directory.set(MACHINE, Answers(after=0.02, input_after=0.05, answered_by="machine"))
    directory.set(SILENT, Answers(after=0.02, input_after=0.05))
    directory.set(HANGS_UP, Answers(after=0.02, input_after=0.05, hangup_after=0.3))
    return verb_set


async def verbs_record_then_stop(d: Driver, fake: Any) -> None:
    v = verbs(d, fake)
    async with d.client(fake) as client:
        call = await client.dial([[phone(PRESSES)]])
        url, duration, size = await v.record_for(d, call, 0.3)
        await client.hangup(call)
    assert url is not None and url.startswith("https://")
    assert duration is not None and duration > 0 and size is not None and size > 0
    record = [m for m in methods(fake) if m.startswith("calling.record")]
    assert record == ["calling.record", "calling.record.stop"]


async def verbs_collect_digits(d: Driver, fake: Any) -> None:
    v = verbs(d, fake)
    async with d.client(fake) as client:
        call = await client.dial([[phone(PRESSES)]])
        assert await v.prompt_digits(call, "Press 1 for sales") == ("digit", "1")
        assert await v.collect_digits(call, 4, "#") == ("digit", "42", "#")
        await client.hangup(call)
    assert [m for m in methods(fake) if "collect" in m] == [
        "calling.play_and_collect", "calling.collect"
    ]  # fmt: skip


async def verbs_detect_answering_machine(d: Driver, fake: Any) -> None:
    v = verbs(d, fake)
    async with d.client(fake) as client:
        human = await client.dial([[phone(PRESSES)]])
        machine = await client.dial([[phone(MACHINE)]])
        assert await v.detect_machine(human, wait_for_beep=False) == "HUMAN"
        assert await v.detect_machine(machine, wait_for_beep=False) == "MACHINE"
        assert await v.detect_machine(machine, wait_for_beep=True) == "READY"
        for call in (human, machine):
            await client.hangup(call)
    detects = [e.params["detect"] for e in fake.server.journal if e.method == "calling.detect"]
    assert [detect["type"] for detect in detects] == ["machine"] * 3


async def verbs_send_digits(d: Driver, fake: Any) -> None:
    v = verbs(d, fake)
    async with d.client(fake) as client:
        call = await client.dial([[phone(PRESSES)]])
        assert await v.send_digits(call, "1w2#") is True
        await client.hangup(call)
    sent = [e.params["digits"] for e in fake.server.journal if e.method == "calling.send_digits"]
    assert sent == ["1w2#"]


async def verbs_abandoned_collect_is_stopped(d: Driver, fake: Any) -> None:
    v = verbs(d, fake)
    async with d.client(fake) as client:
        call = await client.dial([[phone(SILENT)]])
        await v.start_collect_then_give_up(d, call, 0.2)
        assert await d.wait_until(lambda: "calling.collect.stop" in methods(fake))
        await client.hangup(call)
    collects = [m for m in methods(fake) if m.startswith("calling.collect")]
    assert collects == ["calling.collect", "calling.collect.stop"]


async def verbs_action_ends_with_its_call(d: Driver, fake: Any) -> None:
    v = verbs(d, fake)
    async with d.client(fake) as client:
        call = await client.dial([[phone(HANGS_UP)]])
        done, url = await v.record_until_call_ends(call)
    # The far end's hangup ended the recording (what was recorded is kept);
    # nothing was sent to stop it.
    assert done and url is not None and url.startswith("https://")
    assert [m for m in methods(fake) if m.startswith("calling.record")] == ["calling.record"]


async def verbs_stop_after_the_end_sends_nothing(d: Driver, fake: Any) -> None:
    v = verbs(d, fake)
    async with d.client(fake) as client:
        call = await client.dial([[phone(PRESSES)]])
        returned = await v.stop_after_end(call)
        await client.hangup(call)
    assert returned in (None, {})  # trio: None; asyncio: {} (the official SDK's "gone")
    assert [m for m in methods(fake) if m.startswith("calling.collect")] == ["calling.collect"]


#: Registered in :data:`tests.conformance.scenarios.SCENARIOS`.
VERB_SCENARIOS = {
    "verbs_record_then_stop": verbs_record_then_stop,
    "verbs_collect_digits": verbs_collect_digits,
    "verbs_detect_answering_machine": verbs_detect_answering_machine,
    "verbs_send_digits": verbs_send_digits,
    "verbs_abandoned_collect_is_stopped": verbs_abandoned_collect_is_stopped,
    "verbs_action_ends_with_its_call": verbs_action_ends_with_its_call,
    "verbs_stop_after_the_end_sends_nothing": verbs_stop_after_the_end_sends_nothing,
}
