"""Every numeric (and other checked) argument of relay_trio's public calls.

A bad value raises ``InvalidArgumentError`` (a ``ValueError`` too) that
names the argument and shows the value, and the fake server's journal shows
that nothing was sent for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio

import relay_trio
from relay_core import CollectDigits, InvalidArgumentError
from relay_core.testing import CLIENT_TO_SERVER
from relay_trio.testing import FakeRelayHandle
from tests.argument_cases import (
    COUNT,
    COUNT_OR_ZERO,
    POSITIVE_OR_NONE,
    SECONDS,
    SECONDS_OR_NONE,
    TEXT,
    TEXT_OR_NONE,
    VOLUME,
    VOLUME_OR_NONE,
    names_the_value,
)

ANSWERS = {"type": "phone", "params": {"to_number": "+15552222222", "from_number": "+15550000"}}
PLAN = [[ANSWERS]]
TTS = [{"type": "tts", "text": "hello"}]
DIGIT = CollectDigits(max=1)

Target = Callable[[Any, object], Awaitable[object]]

#: (group, argument, bad values, how to pass the value to the target).
CASES: dict[str, list[tuple[str, list[object], Target]]] = {
    "client": [
        ("dial_timeout", SECONDS_OR_NONE, lambda h, v: h.client.dial(PLAN, dial_timeout=v)),
        ("max_duration", POSITIVE_OR_NONE, lambda h, v: h.client.dial(PLAN, max_duration=v)),
        (
            "max_price_per_minute",
            POSITIVE_OR_NONE,
            lambda h, v: h.client.dial(PLAN, max_price_per_minute=v),
        ),
        ("region", TEXT_OR_NONE, lambda h, v: h.client.dial(PLAN, region=v)),
        ("tag", TEXT_OR_NONE, lambda h, v: h.client.dial(PLAN, tag=v)),
        ("maxlen", COUNT, lambda h, v: _sync(h.client.events, maxlen=v)),
        ("contexts", [5, [""], [None]], lambda h, v: h.client.receive(v)),
        ("params", [5, "x"], lambda h, v: h.client.execute("calling.record", v)),
        ("max_concurrent", COUNT, lambda h, v: _serve(h.client, max_concurrent=v)),
    ],
    "call": [
        ("max_duration", POSITIVE_OR_NONE, lambda h, v: h.call.answer(max_duration=v)),
        ("reason", ["bye", 5, None], lambda h, v: h.call.hangup(v)),
        ("max_duration", POSITIVE_OR_NONE, lambda h, v: h.call.connect(PLAN, max_duration=v)),
        (
            "max_price_per_minute",
            POSITIVE_OR_NONE,
            lambda h, v: h.call.connect(PLAN, max_price_per_minute=v),
        ),
        ("status_url", TEXT_OR_NONE, lambda h, v: h.call.connect(PLAN, status_url=v)),
        ("volume", VOLUME_OR_NONE, lambda h, v: h.call.play(TTS, volume=v)),
        ("loop", COUNT_OR_ZERO[:-1], lambda h, v: h.call.play(TTS, loop=v)),
        ("direction", ["up", 5], lambda h, v: h.call.play(TTS, direction=v)),
        ("maxlen", COUNT, lambda h, v: _sync(h.call.events, maxlen=v)),
        ("states", ["ringin", 5], lambda h, v: h.call.wait_for(v)),
        ("volume", VOLUME, lambda h, v: h.playback.volume(v)),
        ("behavior", TEXT_OR_NONE, lambda h, v: h.playback.pause(v)),
    ],
    # issue 13: the calling verbs (the command names the wire field)
    "verbs": [
        ("digits", ["xyz", "", 5, None], lambda h, v: h.call.send_digits(v)),
        ("dest", TEXT, lambda h, v: h.call.transfer(v)),
        ("record.audio.format", ["ogg", 5], lambda h, v: h.call.record(format=v)),
        ("volume", VOLUME_OR_NONE, lambda h, v: h.call.prompt_tts("hi", digits=DIGIT, volume=v)),
        ("name", TEXT, lambda h, v: h.call.join_conference(v)),
        ("queue_name", TEXT, lambda h, v: h.call.queue_enter(v)),
        ("url", TEXT, lambda h, v: h.call.stream(v)),
        ("document", TEXT, lambda h, v: h.call.send_fax(v)),
        ("timeout", [-1, "5", True], lambda h, v: h.call.detect_fax(timeout=v)),
    ],
}

OPEN_CASES: list[tuple[str, list[object]]] = [
    ("open_timeout", SECONDS_OR_NONE),
    ("close_timeout", SECONDS),
    ("max_pending_calls", COUNT_OR_ZERO),
    ("request_timeout", SECONDS),
    ("ping_interval", SECONDS_OR_NONE),
    ("max_calls", COUNT),
    ("host", [5, b"x"]),
    ("project", [5]),
    ("token", [5, ["t"]]),
]


async def _sync(function: Callable[..., object], **kwargs: object) -> object:
    return function(**kwargs)


async def _serve(client: relay_trio.RelayClient, **kwargs: Any) -> None:
    await client.serve(lambda call: trio.sleep(0), **kwargs)


class Handles:
    client: relay_trio.RelayClient
    call: relay_trio.Call
    playback: relay_trio.Playback


def requests(fake: FakeRelayHandle) -> list[str | None]:
    """Methods of every request the client sent so far."""
    return [e.method for e in fake.server.journal if e.direction == CLIENT_TO_SERVER and e.method]


def opened(fake: FakeRelayHandle, **options: Any) -> Any:
    options = {"project": "test-project", "token": "test-token", "host": fake.url, **options}
    return relay_trio.open_relay_client(**options)


async def refused(target: Target, handles: Any, name: str, values: list[object]) -> list[str]:
    """Problems seen while passing each bad value (empty: all refused as they should be)."""
    problems = []
    for value in values:
        try:
            await target(handles, value)
        except InvalidArgumentError as exc:
            assert isinstance(exc, ValueError)
            if not names_the_value(exc.message, name, value):
                problems.append(f"{name}={value!r}: message {exc.message!r}")
        except Exception as exc:
            problems.append(f"{name}={value!r}: {exc!r}")
        else:
            problems.append(f"{name}={value!r}: accepted")
    return problems


@pytest.mark.trio
@pytest.mark.parametrize("group", sorted(CASES))
async def test_bad_arguments_are_refused_before_anything_is_sent(
    fake: FakeRelayHandle, autojump_clock: Any, group: str
) -> None:
    with trio.fail_after(60):
        async with opened(fake) as relay:
            handles = Handles()
            handles.client = relay
            handles.call = await relay.dial(PLAN)
            handles.playback = await handles.call.play(TTS)
            before = requests(fake)
            problems = []
            for name, values, target in CASES[group]:
                problems += await refused(target, handles, name, values)
            await relay.receive(["office"])  # a frame queued before it would show up first
            assert requests(fake)[len(before) :] == ["signalwire.receive"]
            assert not problems, "\n".join(problems)


@pytest.mark.trio
@pytest.mark.parametrize(("name", "values"), OPEN_CASES, ids=[name for name, _ in OPEN_CASES])
async def test_bad_client_options_are_refused_before_connecting(
    fake: FakeRelayHandle, name: str, values: list[object]
) -> None:
    async def target(_: object, value: object) -> None:
        async with opened(fake, **{name: value}):
            pytest.fail("opened")

    assert not await refused(target, None, name, values)
    assert fake.server.journal == [] and fake.connections() == []
