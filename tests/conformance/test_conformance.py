"""Both adapters pass one scenario suite (tests/conformance/scenarios.py).

Every scenario runs on relay_trio (virtual time) and relay_asyncio (real
time), against the served FakeRelayServer.  After each, the server holds
nothing: no live leg, no unacknowledged event, no buffered event.
"""

from __future__ import annotations

from typing import Any

import pytest

from .driver import Driver, fast_server
from .scenarios import SCENARIOS

#: Scenarios served over ``wss://`` (the rest over ``ws://``): TLS end to end on both.
TLS = {"serial_failover_dial"}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(driver: Driver, name: str) -> None:
    scenario = SCENARIOS[name]
    left: dict[str, Any] = {}

    async def body(d: Driver) -> None:
        server = fast_server()
        async with d.serve(server, tls=name in TLS) as fake:
            assert fake.url.startswith("wss://" if name in TLS else "ws://")
            await scenario(d, fake)
            # The client is closed: nothing may be left on the server.
            await d.wait_until(lambda: not server.calls() and not server.unacked_events())
            left["live"] = [c.call_id for c in server.calls()]
            left["unacked"] = server.unacked_events()
            left["buffered"] = sum(info.buffered_events for info in server.sessions())

    driver.run(body, limit=10)
    assert left == {"live": [], "unacked": [], "buffered": 0}
