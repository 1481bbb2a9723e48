"""Both adapters run issue 13's verb scenarios (tests/conformance/verb_scenarios.py).

Like ``test_conformance``: each on relay_trio (virtual time) and
relay_asyncio (real time) over the served fake; afterwards the server holds
no live leg and no unacknowledged or buffered event.  Skipped on an adapter
whose op is not written yet (relay_trio's: the trio engineer's).
"""

from __future__ import annotations

from typing import Any

import pytest

from .driver import Driver, fast_server
from .verb_scenarios import VERB_SCENARIOS


@pytest.mark.parametrize("name", sorted(VERB_SCENARIOS))
def test_verb_scenario(driver: Driver, name: str) -> None:
    scenario = VERB_SCENARIOS[name]
    left: dict[str, Any] = {}

    async def body(d: Driver) -> None:
        server = fast_server()
        async with d.serve(server, tls=False) as fake:
            await scenario(d, fake)
            await d.wait_until(lambda: not server.calls() and not server.unacked_events())
            left["live"] = [c.call_id for c in server.calls()]
            left["unacked"] = server.unacked_events()
            left["buffered"] = sum(info.buffered_events for info in server.sessions())

    try:
        driver.run(body, limit=10)
    except NotImplementedError as exc:
        pytest.skip(str(exc))
    assert left == {"live": [], "unacked": [], "buffered": 0}
