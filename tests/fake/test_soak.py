"""A few simulated minutes of ``benchmarks.soak``: after the churn, the tables are empty again."""

from __future__ import annotations

from benchmarks import soak
from relay_core.testing import DEFAULT_JOURNAL_LIMIT


def test_after_churn_the_server_and_client_tables_are_back_to_empty() -> None:
    result = soak.run(minutes=3, every=1, trace=False)
    counts = result.counts
    assert counts.dials > 10 and counts.inbound > 5 and counts.ephemeral > 5 and counts.drops > 0
    tables = result.final_tables
    # Only the long-lived client's socket and session are left; every
    # short-lived client's session expired and its calls ended.
    assert tables["connections"] == 1 and tables["sessions"] == 1
    assert tables["expired_sessions"] >= counts.ephemeral
    for name in ("calls", "pending_offers", "dial_tags", "buffered_events", "unacked_events"):
        assert tables[name] == 0, name
    assert tables["journal"] <= DEFAULT_JOURNAL_LIMIT * 21 // 20
    assert tables["timers"] <= 64
    assert set(result.final_client_tables.values()) == {0}
    assert [sample.minute for sample in result.samples] == [1, 2, 3]
