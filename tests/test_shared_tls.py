"""Both adapters share one default TLS context per process (issue 17: memory per idle client).

Each context loads the system trust store (~900 KB of RSS); building one per
client (relay_trio) or per connection (asyncio's default) made ten idle
clients cost ~9 MB.
"""

from __future__ import annotations

import pytest

from relay_asyncio import _transport as asyncio_transport
from relay_trio import _transport as trio_transport


def test_relay_trio_builds_one_default_context_per_ca_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SIGNALWIRE_RELAY_CA_FILE", raising=False)
    first = trio_transport.tls_context("wss://example.signalwire.com")
    assert first is not None
    assert trio_transport.tls_context("wss://example.signalwire.com") is first
    assert trio_transport.tls_context("ws://127.0.0.1:1") is None


def test_relay_asyncio_shares_its_default_context() -> None:
    assert asyncio_transport._default_context() is asyncio_transport._default_context()
