"""The fake server's listening verbs, collect, play_and_collect, detect (H.5.3-5)."""

from __future__ import annotations

from typing import Any

import pytest

from relay_core.fake._collect_sim import DIGIT_SECONDS
from relay_core.fake._detect_sim import (
    GREETING_SECONDS,
    HUMAN_SECONDS,
    MACHINE_SECONDS,
    TONE_SECONDS,
)
from relay_core.testing import Answers

from .wire_client import WireClient

PIN_PROMPT = [{"type": "tts", "params": {"text": "Enter your PIN, then press pound."}}]
PROMPT_SECONDS = len("Enter your PIN, then press pound.") / 15.0


def collects(client: WireClient) -> list[tuple[float, Any, Any, Any]]:
    """(time, final, state, result) of every collect event, cleared."""
    return [
        (round(when, 3), p.get("final"), p.get("state"), p.get("result"))
        for when, _kind, p in client.take("calling.call.collect")
    ]


def digit(digits: str, terminator: str = "") -> dict[str, Any]:
    return {"type": "digit", "params": {"digits": digits, "terminator": terminator}}


# -- play_and_collect ------------------------------------------------------------------


def test_play_and_collect_h53_transcript() -> None:
    """RELAY.md H.5.3: prompt, then the caller keys 4821# → digit result with terminator."""
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1, presses="4821#", input_after=1))
    start = client.now
    params = {
        **call,
        "control_id": "pac-1",
        "play": PIN_PROMPT,
        "collect": {
            "initial_timeout": 5,
            "digits": {"max": 5, "digit_timeout": 3, "terminators": "#"},
        },
    }
    assert client.result("calling.play_and_collect", params) == {
        "code": "200",
        "message": "Playing and collecting",
        **{"call_id": call["call_id"]},
        "control_id": "pac-1",
    }
    client.advance(20)
    events = [(round(w - start, 3), k, p.get("state")) for w, k, p in client.events]
    prompt_end = round(PROMPT_SECONDS, 3)
    answer_at = round(PROMPT_SECONDS + 1 + 4 * DIGIT_SECONDS, 3)
    assert events == [
        (0.0, "calling.call.play", "playing"),
        (prompt_end, "calling.call.play", "finished"),
        (answer_at, "calling.call.collect", "finished"),
    ]
    [(_, final, state, result)] = collects(client)
    assert (final, state, result) == (True, "finished", digit("4821", "#"))


def test_play_and_collect_no_input_after_the_prompt() -> None:
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1))  # a silent human
    start = client.now
    params = {
        **call,
        "control_id": "pac-2",
        "play": PIN_PROMPT,
        "collect": {"initial_timeout": 5, "digits": {"max": 4}},
    }
    client.result("calling.play_and_collect", params)
    client.advance(30)
    [(when, final, state, result)] = collects(client)
    assert when == round(start + PROMPT_SECONDS + 5, 3)
    assert (final, state, result) == (True, "finished", {"type": "no_input"})


def test_play_and_collect_caller_slower_than_initial_timeout_is_no_input() -> None:
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1, presses="1", input_after=6))
    client.result(
        "calling.play_and_collect",
        {
            **call,
            "control_id": "p",
            "play": PIN_PROMPT,
            "collect": {"initial_timeout": 5, "digits": {"max": 1}},
        },
    )
    client.advance(30)
    assert [r for *_, r in collects(client)] == [{"type": "no_input"}]


def test_play_and_collect_prompt_that_fails_to_load_still_collects() -> None:
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1, presses="7"))
    play = [{"type": "audio", "params": {"url": "https://media.invalid/x.mp3"}}]
    client.result(
        "calling.play_and_collect",
        {**call, "control_id": "p", "play": play, "collect": {"digits": {"max": 1}}},
    )
    client.advance(10)
    kinds = [(k, p.get("state")) for _, k, p in client.events]
    assert kinds == [
        ("calling.call.play", "playing"),
        ("calling.call.play", "error"),
        ("calling.call.collect", "finished"),
    ]
    assert collects(client)[0][3] == digit("7")


def test_play_and_collect_stop_mid_prompt_and_volume() -> None:
    client = WireClient()
    call = client.dial()
    ids = {**call, "control_id": "p"}
    client.result(
        "calling.play_and_collect", {**ids, "play": PIN_PROMPT, "collect": {"digits": {"max": 1}}}
    )
    client.advance(0.5)
    assert client.result("calling.play_and_collect.volume", {**ids, "volume": 6})["code"] == "200"
    bad = client.result("calling.play_and_collect.volume", {**ids, "volume": 99})
    assert bad["code"] == "400" and "volume" in bad["message"]
    assert client.result("calling.play_and_collect.stop", ids)["message"] == "Stopped"
    client.advance(0)
    tail = [(k, p.get("state"), p.get("result")) for _, k, p in client.events[-2:]]
    assert tail == [
        ("calling.call.play", "finished", None),
        ("calling.call.collect", "finished", None),
    ]
    # Stopped: it is gone, a second stop is a 404.
    assert client.result("calling.play_and_collect.stop", ids)["code"] == "404"


# -- collect -----------------------------------------------------------------------


def test_collect_speech_with_start_of_input_and_partials_h54() -> None:
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1, says="sales please", input_after=0.5))
    start = client.now
    params = {
        **call,
        "control_id": "col-1",
        "initial_timeout": 5,
        "partial_results": True,
        "send_start_of_input": True,
        "start_input_timers": True,
        "speech": {"end_silence_timeout": 1, "language": "en-US", "hints": ["sales"]},
    }
    assert client.result("calling.collect", params)["message"] == "Collecting"
    client.advance(10)
    spoken = 2 / 2.5
    assert collects(client) == [
        (start + 0.5, None, "collecting", {"type": "start_of_input"}),
        (
            round(start + 0.5 + spoken / 2, 3),
            False,
            "collecting",
            {"type": "speech", "params": {"text": "sales", "confidence": 60.0}},
        ),
        (
            round(start + 0.5 + spoken + 1, 3),
            True,
            "finished",
            {"type": "speech", "params": {"text": "sales please", "confidence": 90.0}},
        ),
    ]


def test_collect_continuous_then_stop_h54() -> None:
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1, presses="1", says="operator"))
    ids = {**call, "control_id": "col-2"}
    client.result(
        "calling.collect",
        {
            **ids,
            "digits": {"max": 1},
            "speech": {},
            "continuous": True,
            "start_input_timers": False,
        },
    )
    client.advance(20)
    got = collects(client)
    assert [(f, s, r) for _, f, s, r in got] == [
        (True, "collecting", digit("1")),
        (
            True,
            "collecting",
            {"type": "speech", "params": {"text": "operator", "confidence": 90.0}},
        ),
    ]
    assert client.result("calling.collect.stop", ids)["message"] == "Stopped"
    client.advance(0)
    assert [(f, s, r) for _, f, s, r in collects(client)] == [(True, "finished", None)]


def test_collect_digit_timeout_partials_and_max() -> None:
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1, presses=("12", "98765"), input_after=1))
    start = client.now
    params = {
        **call,
        "control_id": "c",
        "partial_results": True,
        "start_input_timers": True,
        "digits": {"max": 4, "digit_timeout": 2},
    }
    client.result("calling.collect", params)
    client.advance(10)
    assert collects(client) == [
        (start + 1, False, "collecting", digit("1")),
        (start + 1 + DIGIT_SECONDS, False, "collecting", digit("12")),
        (start + 1 + DIGIT_SECONDS + 2, True, "finished", digit("12")),
    ]
    # The next collect takes the next turn; the 4th digit is the max (the 5th is lost).
    client.result("calling.collect", {**params, "control_id": "c2", "partial_results": False})
    client.advance(10)
    assert [r for *_, r in collects(client)] == [digit("9876")]


def test_collect_without_input_timers_waits_until_start_input_timers() -> None:
    client = WireClient()
    call = client.dial()  # silent
    ids = {**call, "control_id": "c"}
    client.result("calling.collect", {**ids, "initial_timeout": 3, "digits": {"max": 1}})
    client.advance(60)
    assert collects(client) == []  # start_input_timers defaults to false: no clock
    started = client.now
    assert client.result("calling.collect.start_input_timers", ids)["code"] == "200"
    client.advance(10)
    assert collects(client) == [(started + 3, True, "finished", {"type": "no_input"})]


def test_collect_needs_digits_or_speech() -> None:
    client = WireClient()
    call = client.dial()
    result = client.result("calling.collect", {**call, "control_id": "c", "initial_timeout": 3})
    assert result["code"] == "400" and "digits" in result["message"]
    bad = client.result("calling.collect", {**call, "control_id": "c", "digits": {"max": 0}})
    assert bad["code"] == "400" and "digits.max" in bad["message"]


def test_collect_on_inbound_call_uses_the_injected_script() -> None:
    client = WireClient()
    call = client.inbound(presses=("2", "1234#"))
    for control_id, digits in (("menu", {"max": 1}), ("pin", {"max": 8, "terminators": "#"})):
        client.result("calling.collect", {**call, "control_id": control_id, "digits": digits})
        client.advance(10)
    assert [r for *_, r in collects(client)] == [digit("2"), digit("1234", "#")]


def test_collect_ends_with_the_call_before_ending() -> None:
    client = WireClient()
    call = client.dial()
    client.result(
        "calling.play_and_collect",
        {**call, "control_id": "p", "play": PIN_PROMPT, "collect": {"digits": {"max": 1}}},
    )
    client.advance(0.5)
    client.hangup(call)
    client.advance(1)
    seen = [(k, p.get("state") or p.get("call_state")) for _, k, p in client.events]
    assert seen == [
        ("calling.call.play", "playing"),
        ("calling.call.play", "finished"),
        ("calling.call.collect", "error"),
        ("calling.call.state", "ending"),
        ("calling.call.state", "ended"),
    ]
    assert client.server.network._sims == {}


# -- detect -------------------------------------------------------------------------


def detects(client: WireClient) -> list[tuple[float, Any]]:
    return [(round(w, 3), p["detect"]["params"]) for w, _k, p in client.take("calling.call.detect")]


@pytest.mark.parametrize(
    ("answered_by", "expected"),
    [
        (
            "human",
            [
                (HUMAN_SECONDS, {"event": "HUMAN", "beep": False}),
                (HUMAN_SECONDS, {"event": "finished"}),
            ],
        ),
        (
            "machine",
            [
                (MACHINE_SECONDS, {"event": "MACHINE", "beep": False}),
                (MACHINE_SECONDS + GREETING_SECONDS, {"event": "READY", "beep": True}),
                (MACHINE_SECONDS + GREETING_SECONDS, {"event": "finished"}),
            ],
        ),
        ("fax", [(MACHINE_SECONDS, {"event": "FAX"}), (MACHINE_SECONDS, {"event": "finished"})]),
    ],
)
def test_answering_machine_detection_by_destination(answered_by: str, expected: list[Any]) -> None:
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1, answered_by=answered_by))
    start = client.now
    params = {
        **call,
        "control_id": "det-1",
        "timeout": 45,
        "detect": {"type": "machine", "params": {"initial_timeout": 4.5}},
    }
    assert client.result("calling.detect", params)["message"] == "Detecting"
    client.advance(60)
    assert detects(client) == [(start + at, event) for at, event in expected]


def test_detect_timeout_stop_and_fax_tone() -> None:
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1))
    start = client.now
    client.result(
        "calling.detect",
        {**call, "control_id": "f", "timeout": 5, "detect": {"type": "fax", "params": {}}},
    )
    client.advance(10)
    assert detects(client) == [
        (start + 5, {"event": "finished"})
    ]  # a human: no tone, then the timeout
    client.result("calling.detect", {**call, "control_id": "m", "detect": {"type": "machine"}})
    assert client.result("calling.detect.stop", {**call, "control_id": "m"})["message"] == "Stopped"
    client.advance(0)
    assert detects(client) == [(client.now, {"event": "finished"})]
    fax = client.dial("+15557654321", Answers(after=1, answered_by="fax"))
    start = client.now
    client.result(
        "calling.detect",
        {**fax, "control_id": "t", "detect": {"type": "fax", "params": {"tone": "CNG"}}},
    )
    client.advance(10)
    assert detects(client) == [
        (start + TONE_SECONDS, {"event": "CNG"}),
        (start + TONE_SECONDS, {"event": "finished"}),
    ]


def test_detect_digits() -> None:
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1, presses="5#9", input_after=1))
    start = client.now
    client.result(
        "calling.detect",
        {
            **call,
            "control_id": "d",
            "timeout": 4,
            "detect": {"type": "digit", "params": {"digits": "0123456789"}},
        },
    )
    client.advance(10)
    assert detects(client) == [
        (start + 1, {"event": "5"}),
        (start + 1 + 2 * DIGIT_SECONDS, {"event": "9"}),
        (start + 4, {"event": "finished"}),
    ]
    bad = client.result("calling.detect", {**call, "control_id": "x", "detect": {"type": "voice"}})
    assert bad["code"] == "400" and "detect.type" in bad["message"]


def test_an_empty_turn_is_silence_that_time() -> None:
    client = WireClient()
    call = client.dial(behaviour=Answers(after=1, presses=("", "5")))
    for control_id in ("first", "second"):
        params = {
            **call,
            "control_id": control_id,
            "initial_timeout": 3,
            "start_input_timers": True,
            "digits": {"max": 1},
        }
        client.result("calling.collect", params)
        client.advance(10)
    assert [r for *_, r in collects(client)] == [{"type": "no_input"}, digit("5")]


def test_collect_start_input_timers_reaches_a_play_and_collect() -> None:
    """[PY]'s CollectAction.start_input_timers sends calling.collect.start_input_timers."""
    client = WireClient()
    call = client.dial()
    ids = {**call, "control_id": "pac"}
    client.result(
        "calling.play_and_collect", {**ids, "play": PIN_PROMPT, "collect": {"digits": {"max": 1}}}
    )
    assert client.result("calling.collect.start_input_timers", ids)["code"] == "200"
    assert client.result("calling.collect.stop", ids)["code"] == "404"  # only the timers
