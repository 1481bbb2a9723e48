"""The report's Messaging table and Targets rows read the samples the arms record."""

from __future__ import annotations

import importlib
from typing import Any

# Imported by name: the benchmarks are scripts outside mypy's --strict run of tests/.
Results: Any = importlib.import_module("benchmarks.runner").Results
report_messaging: Any = importlib.import_module("benchmarks.report_messaging")
report_targets: Any = importlib.import_module("benchmarks.report_targets")
D, X = report_messaging.DASH, report_messaging.TIMES  # en dash, multiplication sign

META: dict[str, Any] = {
    "messaging_levels": [1, 50], "messaging_totals": [50, 300], "messaging_inbound": 500,
    "messaging_budget": 3.0, "messaging_wait": 2.0, "messaging_rounds": 2,
    "memory_calls": 10_000, "scale_live": [100, 10_000], "levels": [1, 100],
}  # fmt: skip


def _messaging(results: Any, arm: str, round_index: int, sent: tuple[float, float],
               received: float, lost: int = 0) -> None:  # fmt: skip
    for level, rate in zip((1, 50), sent, strict=True):
        base = f"messages/{arm}/send/{level}"
        for metric, value in (("rate", rate), ("p50", 0.05), ("cpu", 7e-4), ("lost", lost),
                              ("done", 10)):  # fmt: skip
            results.add(f"{base}/{metric}", round_index, value)
    results.add(f"messages/{arm}/receive/rate", round_index, received)
    results.add(f"messages/{arm}/receive/cpu", round_index, 1e-4)


def _row(lines: list[str], start: str) -> list[str]:
    [line] = [line for line in lines if line.startswith(start)]
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_messaging_table_divides_by_the_sdk_within_a_round() -> None:
    results = Results()
    for round_index, sdk_sent in enumerate((0.0, 2.0, 4.0)):  # round 0: the SDK sent nothing
        _messaging(results, "sdk", round_index, (sdk_sent, 100.0), 1000.0, lost=5)
        _messaging(results, "relay_asyncio", round_index, (400.0, 600.0), 3000.0)
    results.notes["messages/relay_trio"] = "not available yet (no send_message)"
    lines = report_messaging.section(results, META)
    assert lines[0] == "## Messaging"
    ours = _row(lines, "| **relay_asyncio** |")
    # sent/s at 1 and 50, received/s, then ÷ SDK at 1 (∞ when the SDK sent none), 50, received
    assert ours[1:4] == [f"400 (400{D}400)", f"600 (600{D}600)", f"3,000 (3,000{D}3,000)"]
    assert ours[4:7] == [
        f"200.00{X} (100.00{D}∞)",
        f"6.00{X} (6.00{D}6.00)",
        f"3.00{X} (3.00{D}3.00)",
    ]
    assert ours[-1] == "0"
    assert _row(lines, "| official SDK |")[-1] == "30 of 90"  # 5 lost per level and round
    assert _row(lines, "| **relay_trio** |")[1] == "not available yet (no send_message)"


def test_targets_list_every_goal_with_a_status() -> None:
    results = Results()
    for round_index in range(2):
        results.add("events/relay_asyncio-tls/rate", round_index, 30_000)
        results.add("events/raw_sansio-tls/rate", round_index, 40_000)
        results.add("events/core-minimal/rate", round_index, 100_000)
        results.add("events/orjson-decode/rate", round_index, 300_000)
        _messaging(results, "sdk", round_index, (2.0, 100.0), 1000.0)
        _messaging(results, "relay_trio", round_index, (400.0, 600.0), 900.0)
        _messaging(results, "relay_asyncio", round_index, (400.0, 600.0), 3000.0, lost=1)
    results.add("memory/relay_trio/per_call", 0, 760)
    results.add("memory/relay_trio/rss_per_call", 0, 1300)
    rows = report_targets.targets(results, META)
    status = {row.strip("|").split("|")[0].strip(): row.rsplit("|", 2)[1].strip() for row in rows}
    assert len(rows) == 16
    assert status["relay_asyncio ≥ 100,000 events/s (wss)"] == "**not met**"
    floor = [target for target in status if target.startswith("relay_asyncio events/s within")]
    assert [status[target] for target in floor] == ["**met**"]  # 40k ÷ 30k = 1.33 ≤ 1.5
    core = [target for target in status if target.startswith("relay_core ÷")]
    assert [status[target] for target in core] == ["**met**"]  # 1/3 ≥ 0.32
    memory = [target for target in status if target.startswith("relay_trio: ≤ 800 B")]
    assert [status[target] for target in memory] == ["**met**"]
    dials = [target for target in status if "dials at 1,000 concurrent" in target]
    assert [status[target] for target in dials] == ["not measured", "not measured"]
    trio = [target for target in status if target.startswith("relay_trio messages/s")]
    assert [status[target] for target in trio] == ["**met**"]  # received/s is not judged
    asyncio = [target for target in status if target.startswith("relay_asyncio messages/s")]
    assert [status[target] for target in asyncio] == ["**not met**"]  # a send was lost
