"""The report's record/collect mix and multi-client sections, and their chart row."""

from __future__ import annotations

import statistics
from typing import Any

from .multi import multi_key
from .report import DASH, TIMES, fmt, ratios
from .runner import Results

ARMS = [
    ("relay_asyncio", "**relay_asyncio**", "tab:green"),
    ("relay_trio", "**relay_trio**", "tab:olive"),
    ("sdk", "official SDK", "tab:orange"),
]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _plain(label: str) -> str:
    return label.replace("*", "").replace("`", "")


def section(results: Results, meta: dict[str, Any]) -> list[str]:
    """Markdown: the record/collect mix rows, then events/s summed over N clients."""
    out: list[str] = []
    add = out.append
    mix = meta.get("verb_mix") or {}
    if any(results.values(f"mix/{arm}-tls/rate") for arm, _, _ in ARMS):
        total = sum(mix.values()) or 1
        text = ", ".join(f"{count * 100 / total:.0f} % `{kind}`" for kind, count in mix.items())
        add("## Event throughput, record/collect mix")
        add("")
        add(
            f"The same run as the event-throughput table, over the verbs' stream "
            f"(`benchmarks/mix_frames.py`; mean {meta.get('verb_frame_bytes', 0):.0f} B: {text}): "
            "the two plays of each lifecycle become a record (`recording`, then `finished` with "
            "`url`, `duration`, `size`) and a collect (`start_of_input`, then a final `digit` "
            "result), on control ids the client never started, so they route by `call_id`.  "
            "Its own rows, so the table above stays comparable with earlier runs; "
            "*÷ base* divides by the same arm's events/s on the base stream in the same round."
        )
        add("")
        add("| client | events/s | client CPU µs/event | ÷ base stream | ÷ SDK (mix) |")
        add("|---|---|---|---|---|")
        for arm, label, _ in ARMS:
            key = f"mix/{arm}-tls"
            values = results.values(f"{key}/rate")
            if not values:
                if key in results.notes or key in results.failures:
                    add(f"| {label} | see Notes | | | |")
                continue
            add(
                f"| {label} | {fmt(values)} | {fmt(results.values(f'{key}/cpu'), 1e6)} | "
                f"{fmt(ratios(results, f'{key}/rate', f'events/{arm}-tls/rate'), suffix=TIMES)} | "
                f"{fmt(ratios(results, f'{key}/rate', 'mix/sdk-tls/rate'), suffix=TIMES)} |"
            )
        add("")
    counts: list[int] = meta.get("client_counts") or []
    have = any(results.values(f"{multi_key(arm, n)}/rate") for arm, _, _ in ARMS for n in counts)
    if counts and have:
        each = meta.get("multi_events") or {}
        add("## Events/s summed over clients in one process")
        add("")
        add(
            "*N* clients of one library in one process, each connected to the load server, "
            "which pushes the base stream to every one of them at once (one start for all); "
            "**summed events/s = all clients' events ÷ (first push → last ack)**.  Events per "
            "client: "
            + ", ".join(f"{each.get(n, each.get(str(n), '?')):,} at {n}" for n in counts)
            + f"; wss; {meta.get('scale_rounds', 1)} round(s).  *÷ SDK* is within a round."
        )
        add("")
        add("| client | " + " | ".join(f"{n} client(s)" for n in counts) + " |")
        add("|---|" + "---|" * len(counts))
        for arm, label, _ in ARMS:
            cells = []
            for n in counts:
                key = multi_key(arm, n)
                values = results.values(f"{key}/rate")
                if not values:
                    noted = key in results.notes or key in results.failures
                    cells.append("see Notes" if noted else DASH)
                    continue
                cell = fmt(values)
                if arm != "sdk":
                    versus = ratios(results, f"{key}/rate", f"{multi_key('sdk', n)}/rate")
                    if versus:
                        cell += f" ({fmt(versus, suffix=TIMES)} SDK)"
                cells.append(cell)
            if not all(cell == DASH for cell in cells):
                add(f"| {label} | " + " | ".join(cells) + " |")
        add("")
    return out


def draw(clients_axis: Any, mix_axis: Any, results: Results, meta: dict[str, Any]) -> None:
    """The chart's last row: summed events/s by clients; base stream vs record/collect mix."""
    counts: list[int] = meta.get("client_counts") or []
    for arm, label, color in ARMS:
        points = [(n, _median(results.values(f"{multi_key(arm, n)}/rate"))) for n in counts]
        points = [(n, value) for n, value in points if value]
        if points:
            xs, ys = zip(*points, strict=True)
            clients_axis.plot(xs, ys, marker="o", color=color, label=_plain(label))
    clients_axis.set_xscale("log")
    if counts:
        clients_axis.set_xticks(counts, [str(n) for n in counts])
    clients_axis.set_ylim(bottom=0)
    clients_axis.set_xlabel("clients in one process")
    clients_axis.set_title("events/s summed over clients, wss (higher is better)", fontsize=10)
    clients_axis.yaxis.set_major_formatter(lambda value, _: f"{value / 1000:.0f}k")
    clients_axis.legend(fontsize=8)
    labels, base, verbs, colors = [], [], [], []
    for arm, label, color in ARMS:
        mix = _median(results.values(f"mix/{arm}-tls/rate"))
        if mix is None:
            continue
        labels.append(_plain(label))
        base.append(_median(results.values(f"events/{arm}-tls/rate")) or 0.0)
        verbs.append(mix)
        colors.append(color)
    positions = list(range(len(labels)))
    mix_axis.bar([p - 0.2 for p in positions], base, 0.4, color=colors, alpha=0.5)
    mix_axis.bar([p + 0.2 for p in positions], verbs, 0.4, color=colors, hatch="//")
    mix_axis.set_xticks(positions, labels, fontsize=8)
    mix_axis.set_title(
        "events/s: base stream (light) vs record/collect mix (hatched), wss", fontsize=10
    )
    mix_axis.yaxis.set_major_formatter(lambda value, _: f"{value / 1000:.0f}k")
