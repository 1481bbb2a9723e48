"""Differential tests: one program, two libraries, the same wire and the same output.

Each program in ``tests/interop/programs/`` uses only the official SDK's
public API.  It runs twice against a fresh fake server (TLS, as the SDK
insists on ``wss://``): as written, and with its ``from signalwire.relay
import`` line pointing at relay_asyncio.  The test compares

* the journals: every request the client sent (method, params, order), ids
  replaced by the order they first appeared in (``<id1>``...), pings and the
  handshake's own fields aside (``HANDSHAKE_DIFFERENCES``);
* what the program printed.

A deliberate difference is written into its :class:`Family`: output lines
(``differences``), request params (``only_ours``) or whole requests
(``only_ours_requests``) with what each side does instead, so the test states
it rather than hides it; each must still happen, or the test fails.

To add a family: drop a program in ``programs/`` and add a :class:`Family`
(with a ``setup`` if it needs the fake server prepared, e.g. an inbound call,
or a ``during`` that runs beside the program).  A family whose ``Call``
methods relay_asyncio does not have yet (``requires``: issue 13's verbs) runs
the official side only, then skips saying what is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import relay_asyncio
from relay_asyncio.testing import FakeRelayHandle, open_fake_relay_server
from relay_core.testing import (
    CLIENT_TO_SERVER,
    Answers,
    Busy,
    Delivered,
    FakeRelayServer,
    MessageDirectory,
)

from .test_official_sdk import PROJECT, TOKEN, directory

pytestmark = [pytest.mark.interop, pytest.mark.asyncio]

PROGRAMS = Path(__file__).parent / "programs"
#: The number the verb programs dial; each family scripts what it does.
CALLEE = "+15557770001"
OFFICIAL_IMPORT = "from signalwire.relay import "
OURS_IMPORT = "from relay_asyncio import "

#: Keys whose values are ids: compared by the order they first appear, not by value
#: (so is the session's protocol string, wherever it is used).
ID_KEYS = frozenset({"call_id", "node_id", "control_id", "tag", "protocol", "message_id"})
#: Requests left out of the comparison: keep-alives come whenever each library's timer says.
UNCOMPARED = frozenset({"signalwire.ping"})
#: The handshake fields each library fills with its own values (on purpose).
HANDSHAKE_DIFFERENCES = {
    "agent": "each library names itself (the SDK: signalwire-agents-python/1.0)",
}

Setup = Callable[[FakeRelayHandle], Coroutine[Any, Any, None]]


async def _no_setup(fake: FakeRelayHandle) -> None:
    del fake


async def _busy(fake: FakeRelayHandle) -> None:
    fake.server.directory.set("+15550000486", Busy())


async def _sms_once_receiving(fake: FakeRelayHandle) -> None:
    # A message to a context nobody receives is dropped (RELAY.md J.5): wait for the client.
    await fake.wait_until(
        lambda: any(s.connection is not None and "office" in s.contexts
                    for s in fake.server.sessions())
    )  # fmt: skip
    fake.inject_inbound_message(
        context="office", from_number="+15553334444", to_number="+15551111111", body="Thanks!"
    )


def _callee(**script: Any) -> Setup:
    """Script the number the verb programs dial (+15557770001), at 100x speed."""

    async def setup(fake: FakeRelayHandle) -> None:
        fake.server.network.time_scale = 0.01
        fake.server.directory.set(CALLEE, Answers(after=0.05, input_after=0.02, **script))

    return setup


async def _offer_one_call(fake: FakeRelayHandle) -> None:
    # Offered once a session receives "office" (RELAY.md I): the program's client.
    fake.inject_inbound_call(context="office", from_number="+15553334444", to_number="+15551234567")


@dataclass(frozen=True)
class Family:
    """One verb family: its program, what the fake needs first, and the known differences."""

    program: str
    setup: Setup = _no_setup
    #: Run beside the program (an inbound SMS once the client receives, say).
    during: Setup = _no_setup
    #: ``Call`` methods relay_asyncio needs for it; until it has them (issue 13's verbs,
    #: in test_parity's PENDING_OTHER_ISSUES), only the official run is checked.
    requires: tuple[str, ...] = ()
    #: Output lines that differ on purpose: {official line: our line}, each with a comment.
    differences: dict[str, str] = field(default_factory=dict)
    #: Request params only relay_asyncio sends, on purpose: {(method, key): why}.
    only_ours: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Whole requests only relay_asyncio sends, on purpose: {method: why}.
    only_ours_requests: dict[str, str] = field(default_factory=dict)


FAMILIES = {
    "dial": Family("dial.py"),
    # Both raise a RelayError with code -1; ours is the DialError / DialTimeoutError subclass
    # and says why (the server's reason), the SDK's says "Dial failed" / "Dial timed out".
    "dial_failure": Family(
        "dial_failure.py",
        setup=_busy,
        only_ours_requests={
            "calling.end": (
                "a dial given up on (dial_timeout) ends its ringing leg (reason cancel); the "
                "SDK leaves it ringing until the far end gives up"
            ),
        },
    ),
    "play": Family("play.py"),
    "connect": Family(
        "connect.py",
        # The official connect() returns on the server's ack; ours waits for the bridge and
        # returns the ack plus the outcome (same "code"; "state", "peer" added).  A waiter
        # started before connect() sees the bridge event in both (the program does that).
        differences={
            # ... and the server echoes that tag in the peer it reports.
            "peer: ['call_id', 'device', 'node_id']": (
                "peer: ['call_id', 'device', 'node_id', 'tag']"
            ),
        },
        only_ours={
            ("calling.connect", "tag"): (
                "the core tags every connect, so the peer legs' events route to it before the "
                "bridge is reported (RELAY.md E.2.6) and an abandoned connect's legs are ended"
            ),
        },
    ),
    "inbound": Family("inbound.py", setup=_offer_one_call),
    # -- the verbs (issue 13): run on relay_asyncio once Call has them --------------------
    "record": Family("record.py", setup=_callee(says="please call me back"), requires=("record",)),
    "collect": Family("collect.py", setup=_callee(presses=("42#",)), requires=("prompt_tts",)),
    "detect": Family(
        "detect.py",
        setup=_callee(answered_by="machine"),
        requires=("detect_answering_machine",),
    ),
    "send_digits": Family("send_digits.py", setup=_callee(), requires=("send_digits",)),
    "messaging": Family(
        "messaging.py",
        during=_sms_once_receiving,
        differences={
            # The states that come with send's reply are the message's here; the SDK
            # registers the message only after the reply and drops them (RELAY.md K.39).
            "sent: outbound queued Your code is 4821": "sent: outbound sent Your code is 4821",
        },
    ),
}


@dataclass
class Run:
    output: list[str]
    requests: list[tuple[str, Any]]
    handshake: dict[str, Any]


class _Ids:
    """Replace each id by its order of first appearance, so two runs compare."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def name(self, value: str) -> str:
        return self.seen.setdefault(value, f"<id{len(self.seen) + 1}>")

    def scrub(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self.scrub(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, str) and (key in ID_KEYS or value in self.seen):
            return self.name(value)
        return value


def _source(family: Family, library: str) -> str:
    text = (PROGRAMS / family.program).read_text()
    assert text.count(OFFICIAL_IMPORT) == 1, f"{family.program}: one official import line"
    return text if library == "official" else text.replace(OFFICIAL_IMPORT, OURS_IMPORT)


@contextlib.contextmanager
def _environment(monkeypatch: pytest.MonkeyPatch, fake: FakeRelayHandle) -> Iterator[None]:
    assert fake.ca_path is not None
    with monkeypatch.context() as env:
        env.setenv("SIGNALWIRE_PROJECT_ID", PROJECT)
        env.setenv("SIGNALWIRE_API_TOKEN", TOKEN)
        env.setenv("SIGNALWIRE_SPACE", fake.host)
        env.setenv("SIGNALWIRE_RELAY_CA_FILE", fake.ca_path)
        env.delenv("SIGNALWIRE_JWT_TOKEN", raising=False)
        env.delenv("RELAY_MAX_ACTIVE_CALLS", raising=False)
        yield


async def run_program(family: Family, library: str, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run one family's program with one library against a fresh fake server."""
    # Final message states 50 ms after the reply: the SDK drops states that beat it
    # (RELAY.md K.39; tests/interop/test_official_sdk_messaging.py).
    messages = MessageDirectory({}, default=Delivered(after=0.05))
    server = FakeRelayServer(
        credentials={PROJECT: TOKEN}, directory=directory(), message_directory=messages
    )
    async with open_fake_relay_server(server, tls=True) as fake:
        with _environment(monkeypatch, fake):
            await family.setup(fake)
            namespace: dict[str, Any] = {"__name__": f"program_{library}"}
            exec(compile(_source(family, library), family.program, "exec"), namespace)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                async with asyncio.timeout(10), asyncio.TaskGroup() as beside:
                    beside.create_task(family.during(fake))
                    await namespace["main"]()
            await fake.wait_until(lambda: fake.server.unacked_events() == [])
        ids = _Ids()
        requests: list[tuple[str, Any]] = []
        handshake: dict[str, Any] = {}
        for entry in fake.server.journal:
            result = getattr(entry.message, "result", None)
            if isinstance(result, dict) and isinstance(result.get("protocol"), str):
                ids.name(result["protocol"])  # the session's: a message's default context
            method = entry.method
            if entry.direction != CLIENT_TO_SERVER or method is None or method in UNCOMPARED:
                continue
            params = ids.scrub(dict(entry.params))
            if method == "signalwire.connect":
                handshake = {k: params.pop(k, None) for k in HANDSHAKE_DIFFERENCES}
            requests.append((method, params))
        text = out.getvalue()
        for value in sorted(ids.seen, key=len, reverse=True):  # ids printed: by name too
            text = text.replace(value, ids.seen[value])
        return Run(text.splitlines(), requests, handshake)


@pytest.mark.parametrize("name", sorted(FAMILIES))
async def test_same_wire_and_output_as_the_official_sdk(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    family = FAMILIES[name]
    theirs = await run_program(family, "official", monkeypatch)
    assert theirs.output, "the program printed nothing: nothing was compared"
    missing = [verb for verb in family.requires if not hasattr(relay_asyncio.Call, verb)]
    if missing:
        pytest.skip(f"relay_asyncio.Call has no {', '.join(missing)} yet (issue 13)")
    ours = await run_program(family, "ours", monkeypatch)
    for method in family.only_ours_requests:
        assert any(m == method for m, _ in ours.requests), f"we no longer send {method}"
        assert all(m != method for m, _ in theirs.requests)
    mine = []
    for method, params in ours.requests:
        if method in family.only_ours_requests:
            continue
        for key in [k for m, k in family.only_ours if m == method]:
            assert key in params, f"{method}: we no longer send {key}; drop the difference"
            params = {k: v for k, v in params.items() if k != key}
        mine.append((method, params))
    for method, key in family.only_ours:
        assert all(key not in p for m, p in theirs.requests if m == method)
    assert mine == theirs.requests
    # Every stated difference still happens (else it is stale: remove it).
    assert sorted(set(family.differences) - set(theirs.output)) == []
    expected = [family.differences.get(line, line) for line in theirs.output]
    assert ours.output == expected
    # The handshake's own fields differ on purpose, and only those.
    assert set(ours.handshake) == set(HANDSHAKE_DIFFERENCES)
    assert ours.handshake["agent"] != theirs.handshake["agent"]
