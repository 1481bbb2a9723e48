"""A dial or connect that fails at any await point leaves no live leg behind.

Every future ``dial()`` and ``connect()`` await after the request was queued
(the request's answer, the outcome) is made to fail in turn, before and
after it completes: with an exception, with a cancellation, or by the client
closing while the verb still waits.  Each time, the fake server must end up
with no live leg but the ones the user was given.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator
from typing import Any

import pytest

from relay_asyncio import Call, ConnectResult, RelayClient, SessionClosedError
from relay_asyncio import _client as client_module
from relay_asyncio._base import _consume
from relay_asyncio.testing import FakeRelayHandle

from .scripted import scenario
from .served import RINGS_ON, SLOW_ANSWER, phone

#: Two legs ring at once: one never answers, one answers after 0.3 s.
PLAN = [[phone(RINGS_ON, timeout=30), phone(SLOW_ANSWER, timeout=5)]]


class Injected(Exception):
    """The failure the test injects."""


class Fault:
    """Makes the ``target``-th await of a client future (in one task) fail, once."""

    def __init__(self, target: int, when: str, kind: str) -> None:
        self.target, self.when, self.kind = target, when, kind
        self.count = 0
        self.task: asyncio.Task[Any] | None = None
        self.fired = False
        self.reached = asyncio.Event()

    def hit(self, when: str) -> None:
        if self.fired or asyncio.current_task() is not self.task or when != self.when:
            return
        self.count += 1
        if self.count != self.target:
            return
        self.fired = True
        if self.kind == "close":
            self.reached.set()  # the client closes while the verb goes on waiting
        elif self.kind == "cancel":
            raise asyncio.CancelledError
        else:
            raise Injected(f"injected {when} await #{self.target}")


def faulty_future_class(fault: Fault) -> type[asyncio.Future[Any]]:
    class FaultyFuture(asyncio.Future[Any]):
        def __await__(self) -> Generator[Any, None, Any]:
            fault.hit("before")
            result = yield from super().__await__()
            fault.hit("after")
            return result

    return FaultyFuture


def others(fake: FakeRelayHandle, owned: set[str]) -> list[str]:
    """Live legs on the server, but the ``owned`` ones the user was given."""
    return [c.call_id for c in fake.server.calls() if c.call_id not in owned]


async def run_once(
    fake: FakeRelayHandle, monkeypatch: pytest.MonkeyPatch, verb: str, fault: Fault
) -> None:
    future_class = faulty_future_class(fault)
    original = client_module.RelayClient._future

    def make_future(self: RelayClient) -> asyncio.Future[Any]:
        future = future_class(loop=self._loop)
        future.add_done_callback(_consume)
        return future

    owned: set[str] = set()
    async with RelayClient(project="test-project", token="test-token", host=fake.url) as client:
        if verb == "connect":
            call = await client.dial([[phone("+15552222222")]])
            owned.add(call.call_id)
            start: Callable[[], Awaitable[object]] = lambda: call.connect(PLAN)  # noqa: E731
        else:
            start = lambda: client.dial(PLAN)  # noqa: E731
        monkeypatch.setattr(client_module.RelayClient, "_future", make_future)

        async def verb_task() -> None:
            fault.task = asyncio.current_task()
            try:
                result = await start()
            except (Injected, asyncio.CancelledError):
                assert fault.kind in ("error", "cancel")
                return
            except SessionClosedError:
                assert fault.kind == "close"  # the client closed under it
                return
            peer = result.call if isinstance(result, ConnectResult) else result
            assert isinstance(peer, Call)
            owned.add(peer.call_id)

        task = asyncio.create_task(verb_task())
        if fault.kind == "close":
            done = asyncio.create_task(fault.reached.wait())
            await asyncio.wait([task, done], return_when=asyncio.FIRST_COMPLETED)
            done.cancel()
        else:
            await task
    await task
    monkeypatch.setattr(client_module.RelayClient, "_future", original)
    try:
        async with asyncio.timeout(1.5):  # the never-answering leg would ring 30 s
            await fake.wait_until(lambda: not others(fake, owned))
    except TimeoutError:
        live = [(c.call_id, c.state.value, c.destination) for c in fake.server.calls()]
        pytest.fail(f"live legs after {fault.when} await #{fault.target} ({fault.kind}): {live}")
    # The user's calls, so the next round starts clean.  Ending a caller ends its
    # bridged peer too (as the real network does), so look again before each one.
    for call_id in sorted(owned):
        if call_id in {c.call_id for c in fake.server.calls()}:
            fake.hangup_call(call_id)


@pytest.mark.parametrize("kind", ["error", "cancel", "close"])
@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("verb", ["dial", "connect"])
@scenario(8)
async def test_a_failure_at_any_await_point_leaves_no_live_leg(
    fake: FakeRelayHandle, monkeypatch: pytest.MonkeyPatch, verb: str, when: str, kind: str
) -> None:
    fired = 0
    for target in range(1, 20):
        fault = Fault(target, when, kind)
        await run_once(fake, monkeypatch, verb, fault)
        if not fault.fired:
            break
        fired += 1
    else:
        pytest.fail("the verb never ran to completion")
    assert fired >= (2 if verb == "connect" else 1)
