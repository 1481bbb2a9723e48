"""The report's flat-as-work-grows section and the chart's curves row."""

from __future__ import annotations

import statistics
from typing import Any

from .report import DASH, fmt
from .runner import Results
from .scaling import clients_key, scale_key

SCALE_ARMS = [
    ("relay_asyncio", "**relay_asyncio**", "tab:green"),
    ("relay_trio", "**relay_trio**", "tab:olive"),
    ("sdk", "official SDK", "tab:orange"),
]
MEMORY_ARMS = [
    ("core", "**relay_core** `RelaySession`"),
    ("relay_asyncio", "**relay_asyncio**, end to end"),
    ("relay_trio", "**relay_trio**, end to end"),
    ("sdk", "official SDK, end to end"),
]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _memory_key(meta: dict[str, Any], arm: str, calls: int) -> str:
    return f"memory/{arm}" if calls == meta["memory_calls"] else f"memory/{arm}@{calls}"


def flat_spread(results: Results, arm: str, levels: list[int]) -> float | None:
    """(max - min) / min of the per-level medians: how far from flat."""
    medians = [_median(results.values(f"{scale_key(arm, live)}/rate")) for live in levels]
    have = [value for value in medians if value]
    if len(have) < 2:
        return None
    return (max(have) - min(have)) / min(have)


def section(results: Results, meta: dict[str, Any]) -> list[str]:
    """Markdown: events/s by live calls, memory by live calls (traced and RSS)."""
    out: list[str] = []
    add = out.append
    levels: list[int] = meta.get("scale_live") or []
    if levels:
        add("## Flat as work grows: events/s by live calls")
        add("")
        add(
            "The load server first offers *L* calls (untimed) and the client tracks them all; "
            f"then it times {meta['events']:,} frames of the same nine-frame mix over them, "
            "one call's lifecycle after another (each ended call's slot gets a fresh offer), "
            f"so *L* calls stay live.  wss; {meta.get('scale_rounds', 1)} round(s); "
            "*spread* is (max - min) / min of the per-level medians."
        )
        add("")
        add("| client | " + " | ".join(f"{live:,} live" for live in levels) + " | spread |")
        add("|---|" + "---|" * (len(levels) + 1))
        for arm, label, _ in SCALE_ARMS:
            cells = [fmt(results.values(f"{scale_key(arm, live)}/rate")) for live in levels]
            if all(cell == DASH for cell in cells):
                continue
            spread = flat_spread(results, arm, levels)
            add(
                f"| {label} | "
                + " | ".join(cells)
                + f" | {DASH if spread is None else f'{spread * 100:.0f} %'} |"
            )
        add("")
    counts: list[int] = meta.get("client_counts") or []
    if counts:
        add("## Clients in one process: memory per idle client")
        add("")
        add(
            "One warm-up client, then *N* more connected to the load server in the same "
            "process, idle; tracemalloc growth ÷ *N* (and RSS growth less tracemalloc's own)."
        )
        add("")
        add("| client | " + " | ".join(f"{n} clients: traced B | RSS B" for n in counts) + " |")
        add("|---|" + "---|---|" * len(counts))
        for arm, label, _ in SCALE_ARMS:
            cells = []
            for count in counts:
                key = clients_key(arm, count)
                cells.append(fmt(results.values(f"{key}/per_client")))
                cells.append(fmt(results.values(f"{key}/rss_per_client")))
            if not all(cell == DASH for cell in cells):
                add(f"| {label} | " + " | ".join(cells) + " |")
        add("")
    sizes = [meta["memory_calls"], *meta.get("memory_more", [])]
    add("## Memory per live call by live calls (traced and RSS)")
    add("")
    add(
        "Each offer is RELAY.md I's full `calling.call.receive` (`segment_id`, `tag`, `context`, "
        "a phone device) with its own caller and callee numbers; a handler per call "
        "(`on_call`, or a task per call from `incoming_calls()`), returning at once; caps "
        "raised so that every offer is taken.  RSS is the process's growth less "
        "tracemalloc's own."
    )
    add("")
    header = " | ".join(f"{calls:,} calls: traced B | RSS B" for calls in sizes)
    add(f"| client | {header} |")
    add("|---|" + "---|---|" * len(sizes))
    for arm, label in MEMORY_ARMS:
        cells = []
        for calls in sizes:
            key = _memory_key(meta, arm, calls)
            cells.append(fmt(results.values(f"{key}/per_call")))
            cells.append(fmt(results.values(f"{key}/rss_per_call")))
        if all(cell == DASH for cell in cells):
            continue
        add(f"| {label} | " + " | ".join(cells) + " |")
    add("")
    return out


def draw(events_axis: Any, memory_axis: Any, results: Results, meta: dict[str, Any]) -> None:
    """The curves row: events/s by live calls, memory per call by live calls."""
    levels = meta.get("scale_live") or []
    for arm, label, color in SCALE_ARMS:
        points = [
            (live, _median(results.values(f"{scale_key(arm, live)}/rate"))) for live in levels
        ]
        points = [(live, value) for live, value in points if value]
        if points:
            xs, ys = zip(*points, strict=True)
            events_axis.plot(
                xs, ys, marker="o", color=color, label=label.replace("*", "").replace("`", "")
            )
    events_axis.set_xscale("log")
    events_axis.set_ylim(bottom=0)
    events_axis.set_xlabel("live calls")
    events_axis.set_title("events/s by live calls, wss (flat is the goal)", fontsize=10)
    events_axis.yaxis.set_major_formatter(lambda value, _: f"{value / 1000:.0f}k")
    events_axis.legend(fontsize=8)
    sizes = [meta["memory_calls"], *meta.get("memory_more", [])]
    colors = {"core": "tab:blue", "relay_asyncio": "tab:green", "relay_trio": "tab:olive"}
    colors["sdk"] = "tab:orange"
    for arm, label in MEMORY_ARMS:
        points = [
            (calls, _median(results.values(f"{_memory_key(meta, arm, calls)}/per_call")))
            for calls in sizes
        ]
        points = [(calls, value) for calls, value in points if value]
        if points:
            xs, ys = zip(*points, strict=True)
            memory_axis.plot(
                xs, ys, marker="o", color=colors[arm], label=label.replace("*", "").replace("`", "")
            )
    memory_axis.axhline(800, color="gray", linestyle=":", lw=1, label="goal: 800 B")
    memory_axis.set_xscale("log")
    memory_axis.set_ylim(bottom=0)
    memory_axis.set_xlabel("live calls")
    memory_axis.set_title("traced bytes per live call (lower is better)", fontsize=10)
    memory_axis.legend(fontsize=8)
