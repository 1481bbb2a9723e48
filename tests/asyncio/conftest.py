"""Shared fixtures; every test fails if asyncio reports a lost exception or task."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from relay_asyncio.testing import FakeRelayHandle, open_fake_relay_server
from relay_core import RelaySession

from .served import fake_server


@pytest.fixture(autouse=True)
def no_lost_exceptions(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.ERROR, logger="asyncio")
    yield
    gc.collect()
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    lost = [r.getMessage() for r in records if r.name == "asyncio"]
    assert not lost, lost


@pytest.fixture
def fast_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the core's reconnect backoff 100x so resume tests stay quick."""
    original = RelaySession.reconnect_delay

    def quick(self: RelaySession) -> float | None:
        delay = original(self)
        return None if delay is None else delay / 100

    monkeypatch.setattr(RelaySession, "reconnect_delay", quick)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeRelayHandle]:
    """The fake RELAY server on loopback, with a quick phone directory."""
    async with open_fake_relay_server(fake_server()) as handle:
        yield handle
