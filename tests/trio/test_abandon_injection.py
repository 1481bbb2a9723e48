"""A dial or connect that fails at any await point leaves no live leg behind.

Every await of ``dial()`` and ``connect()`` after the request was queued
(the flushes and the waits on the outcome) is made to fail in turn, before
and after it runs: with an exception, with a cancellation, or by the client
closing while the verb still waits.  Each time, the fake server must end up
with no live leg but the A leg of a connect.  Virtual time (autojump clock).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio

import relay_trio
from relay_core import SessionClosedError
from relay_trio import _client as client_module
from relay_trio._sync import Waiter
from relay_trio.testing import FakeRelayHandle

FROM = "+15550000000"
ANSWERS = "+15552222222"  # answers after 1 s
NO_ANSWER = "+15551111111"


def phone(number: str, timeout: float | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"to_number": number, "from_number": FROM}
    if timeout is not None:
        params["timeout"] = timeout
    return {"type": "phone", "params": params}


#: Two legs ring at once: one never answers, one answers after 1 s.
PLAN = [[phone(NO_ANSWER, 30), phone(ANSWERS)]]


class Injected(Exception):
    """The failure the test injects."""


class Fault:
    """Makes the ``target``-th await (counted in one task) fail, once."""

    def __init__(self, target: int, when: str, kind: str) -> None:
        self.target, self.when, self.kind = target, when, kind
        self.count = 0
        self.task: trio.lowlevel.Task | None = None
        self.scope: trio.CancelScope | None = None
        self.fired = False
        self.reached = trio.Event()

    async def hit(self, when: str) -> None:
        if self.fired or trio.lowlevel.current_task() is not self.task or when != self.when:
            return
        self.count += 1
        if self.count != self.target:
            return
        self.fired = True
        if self.kind == "close":
            self.reached.set()  # the client closes while the verb goes on waiting
        elif self.kind == "cancel":
            assert self.scope is not None
            self.scope.cancel()
            await trio.lowlevel.checkpoint()
        else:
            raise Injected(f"injected {when} await #{self.target}")

    def wrap(self, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            await self.hit("before")
            result = await method(*args, **kwargs)
            await self.hit("after")
            return result

        return wrapper


def others(fake: FakeRelayHandle, owned: set[str]) -> list[str]:
    """Live legs on the server, but the ``owned`` ones the user was given."""
    return [c.call_id for c in fake.server.calls() if c.call_id not in owned]


async def run_once(
    fake: FakeRelayHandle, monkeypatch: pytest.MonkeyPatch, verb: str, fault: Fault
) -> None:
    monkeypatch.setattr(client_module.RelayClient, "_flush", fault.wrap(_FLUSH))
    monkeypatch.setattr(Waiter, "wait", fault.wrap(_WAIT))
    # Calls the user was given (the A leg; the peer or winner of a verb that
    # completed): ending those is the user's business, not the client's.
    owned: set[str] = set()
    try:
        async with (
            trio.open_nursery() as nursery,
            relay_trio.open_relay_client(
                project="test-project", token="test-token", host=fake.url
            ) as relay,
        ):
            if verb == "connect":
                call = await relay.dial([[phone(ANSWERS)]])
                owned.add(call.call_id)
                start: Callable[[], Awaitable[object]] = lambda: call.connect(PLAN)  # noqa: E731
            else:
                start = lambda: relay.dial(PLAN)  # noqa: E731

            async def verb_task() -> None:
                with trio.CancelScope() as scope:
                    fault.task, fault.scope = trio.lowlevel.current_task(), scope
                    try:
                        peer = await start()
                    except SessionClosedError:
                        assert fault.kind == "close"  # the client closed under it
                        return
                    assert isinstance(peer, relay_trio.Call)
                    owned.add(peer.call_id)

            if fault.kind == "close":
                nursery.start_soon(verb_task)
                with trio.move_on_after(5):  # never reached: the verb completed
                    await fault.reached.wait()
            else:
                await verb_task()
    except* Injected:
        pass
    with trio.move_on_after(20):  # the never-answering leg would ring 30 s
        await fake.wait_until(lambda: not others(fake, owned))
    live = [(c.call_id, c.state.value, c.destination) for c in fake.server.calls()]
    assert not others(fake, owned), (fault.when, fault.kind, fault.target, live)
    # The user's calls, so the next round starts clean.  Ending a caller ends its
    # bridged peer too (as the real network does), so look again before each one.
    for call_id in sorted(owned):
        if call_id in {c.call_id for c in fake.server.calls()}:
            fake.hangup_call(call_id)


_FLUSH = client_module.RelayClient._flush
_WAIT = Waiter.wait


@pytest.mark.trio
@pytest.mark.parametrize("kind", ["error", "cancel", "close"])
@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("verb", ["dial", "connect"])
async def test_a_failure_at_any_await_point_leaves_no_live_leg(
    fake: FakeRelayHandle,
    autojump_clock: Any,
    monkeypatch: pytest.MonkeyPatch,
    verb: str,
    when: str,
    kind: str,
) -> None:
    fired = 0
    for target in range(1, 20):
        fault = Fault(target, when, kind)
        await run_once(fake, monkeypatch, verb, fault)
        monkeypatch.undo()
        if not fault.fired:
            break
        fired += 1
    else:
        pytest.fail("the verb never ran to completion")
    assert fired >= 2  # at least the first flush and the wait on the outcome
