"""Every numeric (and other checked) argument of relay_asyncio's public calls.

A bad value raises ``InvalidArgumentError`` (a ``ValueError`` too) that
names the argument and shows the value, and the fake server's journal shows
that nothing was sent for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from relay_asyncio import Call, InvalidArgumentError, PlayAction, RelayClient
from relay_asyncio.testing import FakeRelayHandle
from relay_core.testing import CLIENT_TO_SERVER
from tests.argument_cases import (
    COUNT,
    POSITIVE_OR_NONE,
    SECONDS,
    SECONDS_OR_NONE,
    TEXT_OR_NONE,
    VOLUME,
    VOLUME_OR_NONE,
    names_the_value,
)

from .scripted import scenario
from .served import phone

PLAN = [[phone("+15552222222")]]
TTS = [{"type": "tts", "text": "hello"}]

Target = Callable[[Any, object], Awaitable[object]]


async def _sync(function: Callable[..., object], *args: object, **kwargs: object) -> object:
    return function(*args, **kwargs)


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
        ("contexts", [5, [""], [None]], lambda h, v: h.client.receive(v)),
        ("params", [5, "x"], lambda h, v: h.client.execute("calling.record", v)),
        (
            "timeout",
            SECONDS_OR_NONE,
            lambda h, v: h.client.execute("calling.record", {}, timeout=v),
        ),
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
        ("wait", [1, "yes", None], lambda h, v: h.call.connect(PLAN, wait=v)),
        ("volume", VOLUME_OR_NONE, lambda h, v: h.call.play(TTS, volume=v)),
        ("loop", [-1, "5", True, 1.5], lambda h, v: h.call.play(TTS, loop=v)),
        ("direction", ["up", 5], lambda h, v: h.call.play(TTS, direction=v)),
        ("control_id", [""], lambda h, v: h.call.play(TTS, control_id=v)),
        ("event_type", ["", 5], lambda h, v: _sync(h.call.on, v, print)),
        ("handler", [5, None], lambda h, v: _sync(h.call.on, "calling.call.state", v)),
        ("timeout", SECONDS_OR_NONE, lambda h, v: h.call.wait_for("calling.call.state", timeout=v)),
        ("timeout", SECONDS_OR_NONE, lambda h, v: h.call.wait_for_ended(timeout=v)),
        ("timeout", SECONDS_OR_NONE, lambda h, v: h.call.wait_for_ringing(timeout=v)),
        ("timeout", SECONDS_OR_NONE, lambda h, v: h.action.wait(timeout=v)),
        ("volume", VOLUME, lambda h, v: h.action.volume(v)),
        ("behavior", TEXT_OR_NONE, lambda h, v: h.action.pause(v)),
    ],
}

CONSTRUCTOR_CASES: list[tuple[str, list[object]]] = [
    ("request_timeout", SECONDS),
    ("max_active_calls", [0, -1, "5", True, 1.5]),
    ("max_concurrent_handlers", [value for value in COUNT if value is not None]),
    ("host", [5, b"x"]),
    ("project", [5]),
    ("token", [5, ["t"]]),
    ("contexts", [5, [""]]),
    ("ssl", ["yes"]),
]


class Handles:
    client: RelayClient
    call: Call
    action: PlayAction


def requests(fake: FakeRelayHandle) -> list[str]:
    """Methods of every request the client sent so far."""
    return [e.method for e in fake.server.journal if e.direction == CLIENT_TO_SERVER and e.method]


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


@pytest.mark.parametrize("group", sorted(CASES))
@scenario()
async def test_bad_arguments_are_refused_before_anything_is_sent(
    fake: FakeRelayHandle, group: str
) -> None:
    async with RelayClient(project="test-project", token="test-token", host=fake.url) as client:
        handles = Handles()
        handles.client = client
        handles.call = await client.dial(PLAN)
        handles.action = await handles.call.play(TTS)
        before = requests(fake)
        problems = []
        for name, values, target in CASES[group]:
            problems += await refused(target, handles, name, values)
        await client.receive(["office"])  # a frame queued before it would show up first
        assert requests(fake)[len(before) :] == ["signalwire.receive"]
        assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("name", "values"), CONSTRUCTOR_CASES, ids=[name for name, _ in CONSTRUCTOR_CASES]
)
@scenario()
async def test_bad_client_options_are_refused_before_connecting(
    fake: FakeRelayHandle, name: str, values: list[object]
) -> None:
    async def target(_: object, value: object) -> None:
        options: dict[str, Any] = {
            "project": "test-project",
            "token": "test-token",
            "host": fake.url,
        }
        RelayClient(**{**options, name: value})

    assert not await refused(target, None, name, values)
    assert fake.server.journal == []
