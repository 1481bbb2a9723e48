"""relay_trio's calling verbs against the fake server's own simulation (virtual time).

The callee's behaviour (``Answers(presses=..., says=..., answered_by=...)``)
and the inbound caller's script decide what the network reports; nothing
here scripts a frame.  ``ivr`` is the README's "Calling verbs" example,
verbatim, so the README stays true.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio

import relay_trio
from relay_core import CallGoneError, CallState, CollectDigits, PhoneDevice, TapDevice
from relay_core.testing import Answers, Directory, FakeRelayServer
from relay_trio.testing import FakeRelayHandle, open_fake_relay_server

from ..helpers import sent

FROM = "+15550000000"
HUMAN = "+15557770001"
MACHINE = "+15557770002"
SALES = "+15551110002"


def phone(number: str) -> dict[str, Any]:
    return {"type": "phone", "params": {"to_number": number, "from_number": FROM}}


@pytest.fixture
async def fake() -> AsyncIterator[FakeRelayHandle]:
    directory = Directory.default()
    directory.set(HUMAN, Answers(after=1, presses=("1", "42#"), says="call me back"))
    directory.set(MACHINE, Answers(after=1, answered_by="machine"))
    async with open_fake_relay_server(FakeRelayServer(directory=directory)) as handle:
        yield handle


def client(fake: FakeRelayHandle) -> Any:
    return relay_trio.open_relay_client(
        project="test-project", token="test-token", host=fake.url, contexts=["office"]
    )


# -- the README's "Calling verbs" example ------------------------------------------------


async def ivr(call: relay_trio.Call) -> str:
    """Answer, ask for a digit, branch on it: sales, or a voicemail."""
    await call.answer()
    menu = await call.prompt_tts(
        "Press 1 for sales, 2 to leave a message.",
        digits=CollectDigits(max=1, digit_timeout=5),
    )
    if menu.digits == "1":
        sales = PhoneDevice(to_number="+15551110002", from_number="+15550000000")
        async with call.record(direction="both") as recording:  # stopped when the block ends
            await call.connect([[sales]])
            await trio.sleep(30)  # the conversation
        await call.hangup()
        return f"sales, recorded at {recording.url} ({recording.duration} s)"
    if menu.digits == "2":
        await call.play_tts("Leave a message after the beep.")
        message = await call.record(beep=True, end_silence_timeout=2)  # ends by itself
        await call.hangup()
        return f"message at {message.url}"
    await call.play_tts("Goodbye.")
    await call.hangup()
    return f"no choice ({menu.type})"


@pytest.mark.trio
@pytest.mark.parametrize(
    ("presses", "expected"),
    [("1", "sales, recorded at https://"), ("2", "message at https://"), ("", "no choice")],
)
async def test_the_readme_ivr(
    fake: FakeRelayHandle, autojump_clock: Any, presses: str, expected: str
) -> None:
    with trio.fail_after(120):
        async with client(fake) as relay:
            fake.inject_inbound_call(
                context="office", from_number="+15553334444", to_number="+15551112222",
                presses=presses, says="please call me back",
            )  # fmt: skip
            call = await relay.incoming_calls().receive()
            outcome = await ivr(call)
    assert outcome.startswith(expected), outcome
    assert not fake.server.calls()  # every leg ended


def test_the_readme_shows_this_ivr() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("An IVR with trio") :]
    block = section[section.index("```python\n") + 10 : section.index("```\n", 10)]
    assert inspect.getsource(ivr) in block


# -- each verb against the simulation ---------------------------------------------------


@pytest.mark.trio
async def test_collect_takes_the_callees_turns_in_order(
    fake: FakeRelayHandle, autojump_clock: Any
) -> None:
    async with client(fake) as relay:
        call = await relay.dial([[phone(HUMAN)]])
        first = await call.prompt_tts("Menu", digits=CollectDigits(max=1))
        second = await call.collect(digits=CollectDigits(max=4, terminators="#"))
        await call.hangup()
    assert (first.type, first.digits) == ("digit", "1")
    assert (second.digits, second.terminator) == ("42", "#")


@pytest.mark.trio
async def test_answering_machine_detection_by_destination(
    fake: FakeRelayHandle, autojump_clock: Any
) -> None:
    async with client(fake) as relay:
        human = await relay.dial([[phone(HUMAN)]])
        machine = await relay.dial([[phone(MACHINE)]])
        assert (await human.detect_answering_machine()).event == "HUMAN"
        assert (await machine.detect_answering_machine()).event == "MACHINE"
        beep = await machine.detect_answering_machine(wait_for_beep=True)
        assert beep.event == "READY" and beep.succeeded
        for call in (human, machine):
            await call.hangup()
    assert len(sent(fake, "calling.detect.stop")) == 3  # each decided detector stopped


@pytest.mark.trio
async def test_send_digits_and_fax_finish(fake: FakeRelayHandle, autojump_clock: Any) -> None:
    async with client(fake) as relay:
        call = await relay.dial([[phone(HUMAN)]])
        assert (await call.send_digits("1w2#")).succeeded
        fax = await call.send_fax("https://files.example/doc.pdf")
        assert fax.succeeded and fax.pages == 1
        await call.hangup()


@pytest.mark.trio
async def test_a_tap_runs_until_its_block_ends(fake: FakeRelayHandle, autojump_clock: Any) -> None:
    async with client(fake) as relay:
        call = await relay.dial([[phone(HUMAN)]])
        async with call.tap(TapDevice(type="ws", uri="wss://tap.example")) as tapping:
            await trio.sleep(10)
            assert not tapping.done
        assert tapping.reason == "finished" and tapping.succeeded
        await call.hangup()
    assert len(sent(fake, "calling.tap.stop")) == 1


@pytest.mark.trio
async def test_the_call_ending_ends_its_actions(fake: FakeRelayHandle, autojump_clock: Any) -> None:
    async with client(fake) as relay:
        call = await relay.dial([[phone(HUMAN)]])
        async with call.transcribe() as transcription:
            fake.hangup_call(call.call_id)
            await call.wait_for(CallState.ENDED)
            await transcription.wait()
        # The server reports its end with the call's, or the core ends it with the call.
        assert transcription.reason in ("finished", "call_ended")
        with pytest.raises(CallGoneError):
            await call.collect(digits=CollectDigits(max=1))
    assert not sent(fake, "calling.transcribe.stop")  # nothing to stop: the call is gone


@pytest.mark.trio
async def test_a_verb_awaited_past_the_clients_close_raises_instead_of_hanging(
    fake: FakeRelayHandle, autojump_clock: Any
) -> None:
    caught: list[BaseException] = []

    async def collect(call: relay_trio.Call) -> None:
        try:
            await call.collect(digits=CollectDigits(max=1), initial_timeout=600)
        except relay_trio.RelayError as exc:
            caught.append(exc)

    with trio.fail_after(60):
        async with trio.open_nursery() as outer, client(fake) as relay:
            call = await relay.dial([[phone("+15557770009")]])  # presses nothing
            outer.start_soon(collect, call)
            await fake.wait_until(lambda: bool(sent(fake, "calling.collect")))
    assert len(caught) == 1 and isinstance(caught[0], relay_trio.SessionClosedError), caught
