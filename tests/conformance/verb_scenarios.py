"""Scenarios of issue 13's verbs (record, collect, detect, send_digits) for both adapters.

They run on the fake server's verb simulation (a callee that presses
digits, speaks, or is a machine).  The simulation runs at ``time_scale = 0.01`` so relay_asyncio's
real-time run stays well under a second.
"""

from __future__ import annotations

from typing import Any

from relay_core import Answers

from . import verb_ops
from .driver import Driver, methods, phone
from .scenarios import CONNECT, Scenario

CALLEE = "+15557770002"


def callee(fake: Any, **script: Any) -> list[list[dict[str, Any]]]:
    """Script the callee (and speed the simulation up); the plan that dials it."""
    fake.server.network.time_scale = 0.01
    fake.server.directory.set(CALLEE, Answers(after=0.02, input_after=0.02, **script))
    return [[phone(CALLEE)]]


async def record_gets_a_recording(d: Driver, fake: Any) -> None:
    plan = callee(fake, says="please call me back")
    async with d.client(fake) as client:
        call = await client.dial(plan)
        audio = {"beep": True, "format": "wav", "end_silence_timeout": 0.1}
        outcome = await verb_ops.record(client, call, audio)
        await client.hangup(call)
    assert outcome["state"] == "finished"
    assert str(outcome["url"]).endswith(".wav")
    assert outcome["duration"] > 0 and outcome["size"] > 44
    assert methods(fake) == [CONNECT, "calling.dial", "calling.record", "calling.end"]


async def collect_gets_the_pressed_digits(d: Driver, fake: Any) -> None:
    plan = callee(fake, presses=("42#",))
    async with d.client(fake) as client:
        call = await client.dial(plan)
        digits = {"max": 4, "terminators": "#"}
        outcome = await verb_ops.collect_digits(client, call, "Your code?", digits)
        await client.hangup(call)
    assert outcome == {"type": "digit", "digits": "42", "terminator": "#"}
    assert methods(fake) == [CONNECT, "calling.dial", "calling.play_and_collect", "calling.end"]


async def detect_tells_machine_from_human(d: Driver, fake: Any) -> None:
    async with d.client(fake) as client:
        seen = []
        for answered_by in ("machine", "human"):
            call = await client.dial(callee(fake, answered_by=answered_by))
            seen.append(await verb_ops.detect_machine(client, call))
            await client.hangup(call)
    assert seen == ["MACHINE", "HUMAN"]


async def send_digits_is_answered(d: Driver, fake: Any) -> None:
    plan = callee(fake)
    async with d.client(fake) as client:
        call = await client.dial(plan)
        assert await verb_ops.send_digits(client, call, "1w23#") == "200"
        await client.hangup(call)
    assert methods(fake) == [CONNECT, "calling.dial", "calling.send_digits", "calling.end"]


VERB_SCENARIOS: dict[str, Scenario] = {
    "record_gets_a_recording": record_gets_a_recording,
    "collect_gets_the_pressed_digits": collect_gets_the_pressed_digits,
    "detect_tells_machine_from_human": detect_tells_machine_from_human,
    "send_digits_is_answered": send_digits_is_answered,
}
