"""relay_asyncio.serve's drain against the served fake server (relay_trio's twin).

Real time, so the waits are short: a handler of 0.3 s, a grace of 0.5 s.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

import relay_asyncio
from relay_asyncio.testing import FakeRelayHandle, open_fake_relay_server
from relay_core import ServeSummary

from ..helpers import requests


def client(fake: FakeRelayHandle) -> relay_asyncio.RelayClient:
    return relay_asyncio.RelayClient(
        project="test-project", token="test-token", host=fake.url, contexts=["office"]
    )


async def receiving(fake: FakeRelayHandle, count: int) -> None:
    await fake.wait_until(
        lambda: (
            sum("office" in s.contexts and s.connection is not None for s in fake.server.sessions())
            >= count
        )
    )


def inject(fake: FakeRelayHandle, count: int) -> None:
    for n in range(count):
        fake.inject_inbound_call(context="office", from_number=f"+1555000{n:04}", to_number="+1")


@pytest.mark.asyncio
async def test_drain_lets_the_call_finish_then_offers_go_to_the_other_client() -> None:
    finished: list[str] = []

    async def handler(call: relay_asyncio.Call) -> None:
        await call.answer()
        await asyncio.sleep(0.3)
        await call.hangup()
        finished.append(call.call_id)

    drain = asyncio.Event()
    async with asyncio.timeout(20), open_fake_relay_server(tls=False) as fake:
        serving = asyncio.create_task(
            relay_asyncio.serve(client(fake), handler, drain=drain, grace=5)
        )
        await receiving(fake, 1)
        inject(fake, 1)
        await fake.wait_until(lambda: len(requests(fake, "calling.answer")) == 1)
        drain.set()
        # A second client in the same process.
        other = asyncio.create_task(relay_asyncio.serve(client(fake), handler))
        summary = await serving
        await receiving(fake, 1)
        inject(fake, 2)  # after the drain: B only
        await fake.wait_until(lambda: len(finished) == 3 and not fake.server.calls())
        other.cancel()
    assert summary == ServeSummary(handled=1, finished=1, cut=0, passed=0, drained=True)
    answered = Counter(requests(fake, "calling.answer"))
    assert len(answered) == 3 and set(answered.values()) == {1}
    assert finished[0] == requests(fake, "calling.answer")[0]


@pytest.mark.asyncio
async def test_grace_running_out_cuts_the_handler_and_hangs_up_its_call() -> None:
    cancelled: list[str] = []

    async def forever(call: relay_asyncio.Call) -> None:
        await call.answer()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(call.call_id)
            raise

    drain = asyncio.Event()
    async with asyncio.timeout(20), open_fake_relay_server(tls=False) as fake:
        serving = asyncio.create_task(
            relay_asyncio.serve(client(fake), forever, drain=drain, grace=0.5)
        )
        await receiving(fake, 1)
        inject(fake, 1)
        await fake.wait_until(lambda: len(requests(fake, "calling.answer")) == 1)
        started = asyncio.get_running_loop().time()
        drain.set()
        summary = await serving
        elapsed = asyncio.get_running_loop().time() - started
        await fake.wait_until(lambda: not fake.server.calls())
    assert summary == ServeSummary(handled=1, finished=0, cut=1, passed=0, drained=True)
    assert 0.5 <= elapsed < 3
    assert requests(fake, "calling.end") == cancelled


@pytest.mark.asyncio
async def test_an_offer_during_the_drain_is_passed_back() -> None:
    async def handler(call: relay_asyncio.Call) -> None:
        await call.answer()
        await asyncio.sleep(0.5)
        await call.hangup()

    drain = asyncio.Event()
    async with asyncio.timeout(20), open_fake_relay_server(tls=False) as fake:
        a = client(fake)
        serving = asyncio.create_task(relay_asyncio.serve(a, handler, drain=drain, grace=5))
        await receiving(fake, 1)
        inject(fake, 1)
        await fake.wait_until(lambda: len(requests(fake, "calling.answer")) == 1)
        drain.set()
        await fake.wait_until(
            lambda: "signalwire.unreceive" in [e.method for e in fake.server.journal]
        )
        # An offer the server sent before it read the unreceive: made here by hand.
        await a.receive(["office"])
        inject(fake, 1)
        await fake.wait_until(lambda: len(requests(fake, "calling.pass")) == 1)
        summary = await serving
    assert summary.passed == 1 and summary.finished == 1


@pytest.mark.asyncio
async def test_serve_refuses_a_bad_grace_or_drain_before_opening() -> None:
    async def handler(call: relay_asyncio.Call) -> None: ...

    async with open_fake_relay_server(tls=False) as fake:
        with pytest.raises(relay_asyncio.InvalidArgumentError, match="grace"):
            await relay_asyncio.serve(client(fake), handler, grace=-1)
        with pytest.raises(relay_asyncio.InvalidArgumentError, match="drain"):
            await relay_asyncio.serve(client(fake), handler, drain=True)  # type: ignore[arg-type]
        assert fake.connections() == []
