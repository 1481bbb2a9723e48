"""The messaging benchmark's arms run (tiny numbers), so the benchmark cannot rot."""

from __future__ import annotations

import pytest

from benchmarks.messaging import one_run


@pytest.mark.parametrize("arm", ["relay_trio", "relay_asyncio"])
def test_messaging_arm_sends_and_receives(arm: str) -> None:
    results = one_run(arm, [1, 5], [5, 10], 10, 0.0)
    assert [r["kind"] for r in results] == ["send", "send", "receive"]
    assert [r["messages"] for r in results] == [5, 10, 10]
    assert all(r["errors"] == 0 for r in results[:2])
