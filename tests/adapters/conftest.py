"""Fixtures for tests that run one body on both adapters."""

from __future__ import annotations

import pytest

from relay_core import RelaySession

from .harness import ENVS, Env


@pytest.fixture(params=sorted(ENVS))
def env(request: pytest.FixtureRequest) -> Env:
    """Each adapter in turn."""
    return ENVS[request.param]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials, Space or CA file from the machine running the tests."""
    for name in (
        "SIGNALWIRE_PROJECT_ID",
        "SIGNALWIRE_API_TOKEN",
        "SIGNALWIRE_JWT_TOKEN",
        "SIGNALWIRE_SPACE",
        "SIGNALWIRE_RELAY_CA_FILE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fast_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the core's reconnect backoff 20x in both adapters alike."""
    original = RelaySession.reconnect_delay

    def quick(self: RelaySession) -> float | None:
        delay = original(self)
        return None if delay is None else delay / 20

    monkeypatch.setattr(RelaySession, "reconnect_delay", quick)
