"""Fixtures for the conformance suite: each scenario on each adapter."""

from __future__ import annotations

import pytest

# The scenarios' asserts should explain themselves like a test module's.
pytest.register_assert_rewrite("tests.conformance.scenarios", "tests.conformance.driver")

from relay_core import RelaySession  # noqa: E402

from .driver import DRIVERS, Driver  # noqa: E402


@pytest.fixture(params=sorted(DRIVERS))
def driver(request: pytest.FixtureRequest) -> Driver:
    """Each adapter in turn."""
    return DRIVERS[request.param]


@pytest.fixture(autouse=True)
def fast_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the core's reconnect backoff 20x (asyncio runs in real time)."""
    original = RelaySession.reconnect_delay

    def quick(self: RelaySession) -> float | None:
        delay = original(self)
        return None if delay is None else delay / 20

    monkeypatch.setattr(RelaySession, "reconnect_delay", quick)
