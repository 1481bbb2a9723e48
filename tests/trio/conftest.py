"""Fixtures the trio tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from relay_trio.testing import FakeRelayHandle, open_fake_relay_server


@pytest.fixture
async def fake() -> AsyncIterator[FakeRelayHandle]:
    """A served fake RELAY server for one test (a module may define its own ``fake``)."""
    async with open_fake_relay_server() as handle:
        yield handle
