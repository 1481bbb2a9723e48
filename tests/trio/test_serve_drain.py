"""relay_trio.serve's drain against the served fake server, in virtual time.

Several clients in one process (no singleton): a draining client passes
back the offers it had not started, another client answers them, and each
call is answered exactly once.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import trio

import relay_trio
from relay_core import ServeSummary
from relay_trio.testing import FakeRelayHandle

from ..helpers import requests


def client(fake: FakeRelayHandle, **options: Any) -> Any:
    return relay_trio.open_relay_client(
        project="test-project", token="test-token", host=fake.url, contexts=["office"], **options
    )


def offers(fake: FakeRelayHandle) -> int:
    return sum(entry.event_type == "calling.call.receive" for entry in fake.server.journal)


def inject(fake: FakeRelayHandle, count: int) -> None:
    for n in range(count):
        fake.inject_inbound_call(context="office", from_number=f"+1555000{n:04}", to_number="+1")


@pytest.mark.trio
async def test_drain_finishes_the_call_in_progress_and_passes_the_waiting_offers(
    fake: FakeRelayHandle, autojump_clock: Any
) -> None:
    finished: list[str] = []

    async def slow(call: relay_trio.Call) -> None:
        await call.answer()
        await trio.sleep(5)
        await call.hangup()
        finished.append(call.call_id)

    async def quick(call: relay_trio.Call) -> None:
        await call.answer()
        await call.hangup()
        finished.append(call.call_id)

    drain = trio.Event()
    summary: list[ServeSummary] = []

    async def run_a(task_status: trio.TaskStatus[None]) -> None:
        async with client(fake) as a:
            summary.append(
                await a.serve(
                    slow, max_concurrent=1, drain=drain, grace=30, task_status=task_status
                )
            )

    with trio.fail_after(120):
        async with trio.open_nursery() as nursery:
            await nursery.start(run_a)
            inject(fake, 3)  # one runs on A, two wait in A's buffer
            await fake.wait_until(
                lambda: offers(fake) == 3 and len(requests(fake, "calling.answer")) == 1
            )
            started = trio.current_time()
            drain.set()
            async with client(fake) as b:  # a second client in the same process
                nursery.start_soon(b.serve, quick)
                await fake.wait_until(lambda: len(finished) == 3)
                inject(fake, 2)  # after the drain: B only
                await fake.wait_until(lambda: len(finished) == 5 and not fake.server.calls())
                nursery.cancel_scope.cancel()
    (done,) = summary
    assert done == ServeSummary(handled=1, finished=1, cut=0, passed=2, drained=True)
    assert trio.current_time() - started < 30  # it waited for the call, not the grace
    answered = Counter(requests(fake, "calling.answer"))
    assert len(answered) == 5 and set(answered.values()) == {1}
    assert len(requests(fake, "calling.pass")) == 2
    assert "signalwire.unreceive" in [e.method for e in fake.server.journal]


@pytest.mark.trio
async def test_grace_running_out_cuts_the_handler_and_hangs_up_its_call(
    fake: FakeRelayHandle, autojump_clock: Any
) -> None:
    cancelled: list[str] = []

    async def forever(call: relay_trio.Call) -> None:
        await call.answer()
        try:
            await trio.sleep_forever()
        except trio.Cancelled:
            cancelled.append(call.call_id)
            raise

    drain = trio.Event()
    summary: list[ServeSummary] = []
    with trio.fail_after(60):
        async with client(fake) as a:

            async def run(task_status: trio.TaskStatus[None]) -> None:
                summary.append(
                    await a.serve(forever, drain=drain, grace=2, task_status=task_status)
                )

            async with trio.open_nursery() as nursery:
                await nursery.start(run)
                inject(fake, 1)
                await fake.wait_until(lambda: len(requests(fake, "calling.answer")) == 1)
                started = trio.current_time()
                drain.set()
            elapsed = trio.current_time() - started
            await fake.wait_until(lambda: not fake.server.calls())
    assert summary == [ServeSummary(handled=1, finished=0, cut=1, passed=0, drained=True)]
    assert 2 <= elapsed < 3
    assert len(cancelled) == 1
    assert requests(fake, "calling.end") == cancelled


@pytest.mark.trio
async def test_serve_refuses_a_bad_grace_or_drain(fake: FakeRelayHandle) -> None:
    async with client(fake) as a:

        async def handler(call: relay_trio.Call) -> None: ...

        with pytest.raises(relay_trio.InvalidArgumentError, match="grace"):
            await a.serve(handler, grace=-1)
        with pytest.raises(relay_trio.InvalidArgumentError, match="drain"):
            await a.serve(handler, drain=True)


@pytest.mark.trio
async def test_serve_carries_on_through_a_dropped_socket_then_drains(
    fake: FakeRelayHandle, autojump_clock: Any
) -> None:
    finished: list[str] = []

    async def handler(call: relay_trio.Call) -> None:
        await call.answer()
        await trio.sleep(5)
        await call.hangup()
        finished.append(call.call_id)

    drain = trio.Event()
    summary: list[ServeSummary] = []
    with trio.fail_after(120):
        async with client(fake) as a:

            async def run(task_status: trio.TaskStatus[None]) -> None:
                summary.append(await a.serve(handler, drain=drain, task_status=task_status))

            async with trio.open_nursery() as nursery:
                await nursery.start(run)
                inject(fake, 1)
                await fake.wait_until(lambda: len(requests(fake, "calling.answer")) == 1)
                (conn,) = fake.connections()
                fake.drop(conn)  # the session resumes on a new socket
                await fake.wait_until(lambda: fake.connections() not in ([], [conn]))
                inject(fake, 1)
                await fake.wait_until(lambda: len(finished) == 2)
                drain.set()
    assert summary == [ServeSummary(handled=2, finished=2, cut=0, passed=0, drained=True)]
    assert not fake.server.calls()
    resumed = [e for e in fake.server.journal if e.method == "signalwire.connect"]
    assert len(resumed) == 2
