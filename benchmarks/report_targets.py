"""The report's Targets table: every goal of issue 17, its measured value and status."""

from __future__ import annotations

import statistics
from typing import Any

from . import report_messaging
from .report import DASH, TIMES, fmt, ratios
from .report_scaling import flat_spread
from .runner import Results

#: Each adapter's batched sans-I/O floor: decode + ack on the same I/O stack, acks batched.
FLOORS = {
    "relay_asyncio": ("raw_sansio", "websockets sans-I/O on `asyncio.Protocol`"),
    # The "raw batched-websockets floor" for both adapters: relay_trio
    # runs the same websockets sans-I/O protocol (on trio streams).
    "relay_trio": ("raw_sansio", "websockets sans-I/O on `asyncio.Protocol`"),
}
#: relay_core ÷ the orjson floor: the original goal's ratio, 300,000 / 932,000 events/s.
CORE_FLOOR_RATIO = 0.32


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def targets(results: Results, meta: dict[str, Any]) -> list[str]:
    """Markdown rows ``| target | measured | status |``, one per goal; unmeasured ones say so."""
    out = []

    def row(target: str, value: float | None, text: str, ok: bool) -> None:
        status = "not measured" if value is None else ("**met**" if ok else "**not met**")
        out.append(f"| {target} | {text if value is not None else DASH} | {status} |")

    # Goal 1: events/s, absolute and against the floors.
    for arm in ("relay_asyncio", "relay_trio"):
        values = results.values(f"events/{arm}-tls/rate")
        value = _median(values)
        row(f"{arm} ≥ 100,000 events/s (wss)", value, fmt(values), (value or 0) >= 100_000)
    for arm, (floor, label) in FLOORS.items():
        behind = ratios(results, f"events/{arm}-tls/rate", f"events/{floor}-tls/rate", invert=True)
        value = _median(behind)
        row(
            f"{arm} events/s within 1.5{TIMES} of the batched websockets sans-I/O floor "
            f"({label}, wss): floor ÷ {arm} ≤ 1.5",
            value,
            f"floor ÷ {arm} = {fmt(behind, suffix=TIMES)}",
            value is not None and value <= 1.5,
        )
    core = results.values("events/core-minimal/rate")
    row("relay_core ≥ 300,000 events/s", _median(core), fmt(core), (_median(core) or 0) >= 300_000)
    share = ratios(results, "events/core-minimal/rate", "events/orjson-decode/rate")
    row(
        f"relay_core ÷ `orjson.loads` floor ≥ {CORE_FLOOR_RATIO} (the goal's 300,000 / 932,000)",
        _median(share),
        fmt(share, suffix=TIMES),
        (_median(share) or 0) >= CORE_FLOOR_RATIO,
    )
    # Goal 2: memory per live call.
    for arm in ("relay_asyncio", "relay_trio"):
        traced = results.values(f"memory/{arm}/per_call")
        rss = results.values(f"memory/{arm}/rss_per_call")
        ok = (_median(traced) or 1e9) <= 800 and (_median(rss) or 1e9) <= 1536
        row(
            f"{arm}: ≤ 800 B traced and ≤ 1.5 KB RSS per live call (realistic offers, "
            f"{meta['memory_calls']:,} calls)",
            _median(traced),
            f"{fmt(traced)} B traced, {fmt(rss)} B RSS",
            ok,
        )
    # Goal 3: flat as live calls grow.
    levels = meta.get("scale_live") or []
    for arm in ("relay_asyncio", "relay_trio"):
        spread = flat_spread(results, arm, levels)
        row(
            f"{arm} events/s flat within 10 % from {levels[0]:,} to {levels[-1]:,} live calls"
            if levels
            else f"{arm} events/s flat within 10 % as live calls grow",
            spread,
            f"spread {spread * 100:.0f} %" if spread is not None else DASH,
            spread is not None and spread <= 0.10,
        )
    # Goal 4: dials.
    for arm in ("relay_asyncio", "relay_trio"):
        for level in (100, 1000):
            rate = ratios(results, f"dials/{arm}/{level}/rate", f"dials/sdk/{level}/rate")
            p99 = ratios(results, f"dials/{arm}/{level}/p99", f"dials/sdk/{level}/p99")
            ok = (_median(rate) or 0) >= 3 and (_median(p99) or 9) <= 1 / 3
            row(
                f"{arm} dials at {level:,} concurrent: ≥ 3{TIMES} the SDK's dials/s, p99 ≤ ⅓",
                _median(rate),
                f"{fmt(rate, suffix=TIMES)} the dials/s; p99 {fmt(p99, suffix=TIMES)}",
                ok,
            )
    # Goal 5: messaging beside the SDK.
    out.extend(report_messaging.targets(results, meta))
    return out
