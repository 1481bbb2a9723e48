"""The comparison table (Markdown, printed and written) and the chart."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from .runner import Results

DASH = "\u2013"  # en dash, for ranges
TIMES = "\u00d7"  # multiplication sign, for ratios
SDK = "events/sdk-tls"

#: (key, table label, transport, chart label)
EVENT_ROWS: list[tuple[str, str, str, str]] = [
    ("events/json-decode", "`json.loads` only (floor)", "no sockets", ""),
    ("events/orjson-decode", "`orjson.loads` only (floor)", "no sockets", ""),
    ("events/core-minimal", "**relay_core** `RelaySession`", "no sockets", ""),
    ("events/core-adapter_loop", "**relay_core** + `next_deadline()`", "no sockets", ""),
    (
        "events/raw_ws-tls",
        "floor: websockets `recv()`/`send()` per message, orjson",
        "wss",
        "floor: websockets per message",
    ),
    (
        "events/raw_sansio-tls",
        "floor: websockets sans-I/O on `asyncio.Protocol`, acks batched",
        "wss",
        "floor: websockets sans-I/O, batched",
    ),
    (
        "events/raw_trio-tls",
        "floor: trio-websocket `get_message()`/`send_message()`",
        "wss",
        "floor: trio-websocket per message",
    ),
    (
        "events/raw_wsproto-tls",
        "floor: wsproto on `trio.SSLStream`, acks batched",
        "wss",
        "floor: trio + wsproto, batched",
    ),
    ("events/relay_asyncio-tls", "**relay_asyncio**", "wss", "relay_asyncio"),
    ("events/relay_trio-tls", "**relay_trio**", "wss", "relay_trio"),
    ("events/sdk-tls", "official SDK `signalwire-sdk`", "wss", "official SDK"),
    (
        "events/raw_ws-ws",
        "floor: websockets `recv()`/`send()` per message, orjson",
        "ws",
        "floor: websockets per message (ws)",
    ),
    (
        "events/raw_trio-ws",
        "floor: trio-websocket `get_message()`/`send_message()`",
        "ws",
        "floor: trio-websocket (ws)",
    ),
    ("events/relay_asyncio-ws", "**relay_asyncio**", "ws", "relay_asyncio (ws)"),
    ("events/relay_trio-ws", "**relay_trio**", "ws", "relay_trio (ws)"),
]

DIAL_CLIENTS = [
    ("relay_asyncio", "**relay_asyncio**"),
    ("relay_trio", "**relay_trio**"),
    ("sdk", "official SDK"),
]

MEMORY_ROWS = [
    (
        "core",
        "**relay_core** `RelaySession`",
        "tracemalloc around feeding the offers to a ready session (events drained)",
    ),
    (
        "sdk-inproc",
        "official SDK, in-process",
        "tracemalloc around `json.loads` + `RelayClient._handle_message` per offer (its own "
        "receive path without a socket), no-op `on_call`",
    ),
    (
        "sdk",
        "official SDK, end to end",
        "tracemalloc in the client process: offers pushed over wss and acked, minus the "
        "connected baseline; no-op `on_call`",
    ),
    ("relay_asyncio", "**relay_asyncio**, end to end", "same, an `on_call` handler per call"),
    (
        "relay_trio",
        "**relay_trio**, end to end",
        "same, a task per call from `incoming_calls()`",
    ),
]


def _spread(values: list[float]) -> tuple[float, float, float] | None:
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def _num(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


def fmt(values: list[float], scale: float = 1.0, suffix: str = "") -> str:
    """``median (min-max)`` of ``values`` times ``scale``; ratios (suffix TIMES) get 2 decimals."""
    spread = _spread([value * scale for value in values])
    if spread is None:
        return DASH
    number = (lambda value: f"{value:.2f}") if suffix == TIMES else _num
    median, low, high = spread
    if len(values) == 1:
        return f"{number(median)}{suffix}"
    return f"{number(median)}{suffix} ({number(low)}{DASH}{number(high)})"


def ratios(results: Results, top: str, bottom: str, invert: bool = False) -> list[float]:
    """Per-round ``top / bottom`` (``bottom / top`` if ``invert``), rounds where both ran."""
    a = results.by_round(top)
    b = results.by_round(bottom)
    out = []
    for index in sorted(set(a) & set(b)):
        if a[index] > 0 and b[index] > 0:
            out.append(b[index] / a[index] if invert else a[index] / b[index])
    return out


def _note(results: Results, key: str, have_values: bool) -> str | None:
    """A skip note, or the last failure if the arm never produced a value."""
    if key in results.notes:
        return results.notes[key]
    if not have_values and key in results.failures:
        return "failed: " + results.failures[key][-1][:160]
    return None


def render(results: Results, meta: dict[str, Any]) -> str:
    from . import report_messaging, report_multi, report_scaling, report_targets

    lines: list[str] = []
    add = lines.append
    env = meta["env"]
    mix = meta["mix"]
    total = sum(mix.values())
    mix_text = ", ".join(f"{count * 100 / total:.0f} % `{kind}`" for kind, count in mix.items())
    add("# Benchmarks")
    add("")
    add(
        f"Generated by `{meta['command']}` on {meta['date']} ({meta['mode']} mode, "
        f"{meta['rounds']} rounds, {meta['elapsed']:.0f} s) at revision "
        f"{env.get('revision', '-')}.  Machine: {env['cpu']}, "
        f"{env['platform']}, Python {env['python']}; websockets {env['websockets']}, "
        f"trio {env['trio']}, trio-websocket {env['trio-websocket']}, wsproto "
        f"{env['wsproto']}, orjson {env['orjson']}, attrs {env['attrs']}, signalwire-sdk "
        f"{env['signalwire-sdk']}.  Loopback only; every end-to-end arm over TLS "
        "(`wss://`, the only transport the official SDK speaks) unless marked `ws`."
        + (f"  {meta['note']}" if meta.get("note") else "")
    )
    add("")
    add(
        f"Cells are **median (min{DASH}max) over rounds**.  Arms are interleaved "
        "round by round (the order rotates), and every ratio is computed *within* a round, "
        "then summarised the same way.  Each client arm runs in its own subprocess and the "
        "load server (`benchmarks/load_server.py`) in another.  Client CPU is the client "
        "process's on-CPU time, all threads (`/proc/PID/task/*/schedstat`), over exactly the "
        "server's measuring window; for dials it is `getrusage(RUSAGE_SELF)` around the dial "
        f"phase.  Placement: {meta['placement']}.  Rows marked *floor* are not products: "
        "they bound what a Python client on that I/O stack can do (decode + ack, nothing "
        "else)."
    )
    add("")
    add("<!-- chart -->")
    add("")

    # -- events ----------------------------------------------------------------
    flagged = "none was"
    if any(
        "mid-run" in message or "dropped" in message
        for messages in results.failures.values()
        for message in messages
    ):
        flagged = "see Notes"
    add("## Event throughput")
    add("")
    add(
        f"The load server pushes {meta['events']:,} `signalwire.event` frames (mean "
        f"{meta['frame_bytes']:.0f} B: {mix_text}) for 100 live inbound calls; each call walks "
        "receive → ringing → answered → two plays → ending → ended, then a fresh call takes "
        "its slot, so every frame is news to the client (the plays name control ids the "
        "client never started: they route by `call_id`).  The client just runs: a no-op "
        "`on_call` handler, or `incoming_calls()` drained.  The server keeps at most "
        f"{meta['window']} events unacknowledged ({meta['batch']} per write), checks every "
        "ack's id, and reports **events/s = N / (first push → last ack)**.  A run where the "
        f"client passed or dropped an offer is flagged ({flagged}).  The no-socket rows "
        f"run {meta['core_events']:,} of the same frames, as `str`, in one process."
    )
    add("")
    add(
        "| arm | transport | events/s | client CPU µs/event | events/s ÷ SDK | "
        "SDK CPU ÷ this | server CPU µs/event | server busy |"
    )
    add("|---|---|---|---|---|---|---|---|")
    for key, label, kind, _ in EVENT_ROWS:
        have = bool(results.values(f"{key}/rate"))
        note = _note(results, key, have)
        if note is None and not have:
            continue
        if note is not None:
            add(f"| {label} | {kind} | {note} | | | | | |")
            continue
        add(
            f"| {label} | {kind} | {fmt(results.values(f'{key}/rate'))} | "
            f"{fmt(results.values(f'{key}/cpu'), 1e6)} | "
            f"{fmt(ratios(results, f'{key}/rate', f'{SDK}/rate'), suffix=TIMES)} | "
            f"{fmt(ratios(results, f'{key}/cpu', f'{SDK}/cpu', invert=True), suffix=TIMES)} | "
            f"{fmt(results.values(f'{key}/server_cpu'), 1e6)} | "
            f"{fmt(results.values(f'{key}/server_util'), 100, '%')} |"
        )
    add("")

    # -- dials -----------------------------------------------------------------
    add("## Dials")
    add("")
    add(
        "Each client dials one phone device.  The load server answers `calling.dial` with "
        "`200` and, in the same write, the leg's `state(created)`, `state(answered)`, "
        "`dial(answered)` and `state(ended)` (a callee hang-up, so no client piles up live "
        "calls): latency is protocol round trips plus client overhead.  C concurrent = C "
        "tasks dialling back to back; dials per level: "
        f"{', '.join(f'{total:,}' for total in meta['totals'])} after 20 untimed warm-up "
        "dials, over wss."
    )
    add("")
    add(
        "| client | concurrent | dials/s | p50 ms | p99 ms | client CPU µs/dial | "
        "dials/s ÷ SDK | p99 ÷ SDK |"
    )
    add("|---|---|---|---|---|---|---|---|")
    for arm, label in DIAL_CLIENTS:
        key = f"dials/{arm}"
        have = any(results.values(f"{key}/{level}/rate") for level in meta["levels"])
        note = _note(results, key, have)
        if note is None and not have:
            continue
        if note is not None:
            add(f"| {label} | {DASH} | {note} | | | | | |")
            continue
        for level in meta["levels"]:
            base = f"{key}/{level}"
            sdk = f"dials/sdk/{level}"
            add(
                f"| {label} | {level} | {fmt(results.values(base + '/rate'))} | "
                f"{fmt(results.values(base + '/p50'), 1e3)} | "
                f"{fmt(results.values(base + '/p99'), 1e3)} | "
                f"{fmt(results.values(base + '/cpu'), 1e6)} | "
                f"{fmt(ratios(results, base + '/rate', sdk + '/rate'), suffix=TIMES)} | "
                f"{fmt(ratios(results, base + '/p99', sdk + '/p99'), suffix=TIMES)} |"
            )
    add("")

    # -- memory ----------------------------------------------------------------
    add("## Memory per live call")
    add("")
    add(
        f"Bytes per live call with {meta['memory_calls']:,} inbound calls offered "
        "(RELAY.md I's full `calling.call.receive`, each with its own `call_id`, "
        "`segment_id` and caller/callee numbers) and tracked; tracemalloc, "
        "`gc.collect()` before each reading; deterministic, so one run each."
    )
    add("")
    add("| client | bytes per live call | method | largest growth (B/call, site) |")
    add("|---|---|---|---|")
    for arm, label, method in MEMORY_ROWS:
        key = f"memory/{arm}"
        values = results.values(f"{key}/per_call")
        note = _note(results, key, bool(values))
        if note is None and not values:
            continue
        sites = "; ".join(
            f"{size:.0f} `{where}`" for size, _, where in results.details.get(key, [])[:4]
        )
        add(f"| {label} | {note or fmt(values)} | {method} | {sites} |")
    add("")

    lines.extend(report_multi.section(results, meta))
    lines.extend(report_scaling.section(results, meta))
    lines.extend(report_messaging.section(results, meta))

    # -- core breakdown --------------------------------------------------------
    core_profile = meta.get("core_profile")
    if core_profile:
        add("## Where the core spends its time")
        add("")
        add(
            "`python -m benchmarks.profile_core` (best of 5 over the same frames; the stage "
            "rows overlap: routing includes building the typed events, the whole loop "
            "includes everything):"
        )
        add("")
        add("| stage | µs/event |")
        add("|---|---|")
        for label, value in core_profile["stages"]:
            add(f"| {label} | {DASH if value is None else f'{value:.2f}'} |")
        add("")
        add("| unit cost | ns |")
        add("|---|---|")
        for label, value in core_profile["units"]:
            add(f"| {label} | {DASH if value is None else f'{value:.0f}'} |")
        add("")

    # -- targets ---------------------------------------------------------------
    add("## Targets")
    add("")
    add("| target | measured (median of per-round values) | status |")
    add("|---|---|---|")
    lines.extend(report_targets.targets(results, meta))
    add("")

    # -- server ----------------------------------------------------------------
    add("## Load-server headroom")
    add("")
    add(_headroom(results, meta))
    add("")

    if results.failures or results.notes:
        add("## Notes")
        add("")
        for key, note in sorted(results.notes.items()):
            add(f"- `{key}`: {note}")
        for key, messages in sorted(results.failures.items()):
            add(f"- `{key}`: {len(messages)} problem(s); last: {messages[-1][:300]}")
        add("")
    return "\n".join(lines)


def _headroom(results: Results, meta: dict[str, Any]) -> str:
    busiest: tuple[float, str, float, float] | None = None
    cheapest: float | None = None
    for key, label, kind, _ in EVENT_ROWS:
        busy = results.values(f"{key}/server_util")
        cost = results.values(f"{key}/server_cpu")
        if not busy or not cost:
            continue
        busy_median = statistics.median(busy)
        cost_median = statistics.median(cost)
        rate = statistics.median(results.values(f"{key}/rate"))
        if busiest is None or busy_median > busiest[0]:
            busiest = (busy_median, f"{label} ({kind})", rate, cost_median)
        cheapest = cost_median if cheapest is None else min(cheapest, cost_median)
    if busiest is None or cheapest is None:
        return "No end-to-end event arm ran, so there is no server measurement."
    server = meta["server"]
    return (
        f"The server was busiest serving {busiest[1]}: {busiest[0] * 100:.0f} % of one core "
        f"at {busiest[2]:,.0f} events/s ({busiest[3] * 1e6:.1f} µs per event pushed and "
        "acked).  Its cost per event falls as clients speed up, because acks then arrive "
        f"batched (down to {cheapest * 1e6:.1f} µs/event), so it is never the bottleneck: "
        "it has its own core of the two, and stays well below 100 % busy for every arm.  "
        f"Totals for the run: {server['connections']} connections, {server['dials']:,} dials "
        f"answered, {server['acks']:,} event acks checked, "
        f"{server['stray_responses']:,} other responses (acks of dial events)."
    )


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def chart(results: Results, meta: dict[str, Any], path: Path) -> str:
    """Draw the main figures into ``path``; returns a one-line note."""
    from . import report_multi, report_scaling  # they import this module

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: chart skipped (pip install matplotlib)"

    def color(label: str) -> str:
        if label.startswith("relay_"):
            return "tab:green"
        if label.startswith("official"):
            return "tab:orange"
        return "tab:gray"

    rows = [
        (key, short)
        for key, _, kind, short in EVENT_ROWS
        if short and results.values(f"{key}/rate")
    ]
    figure, axes = plt.subplots(4, 2, figsize=(13, 17))
    figure.suptitle(
        f"sansio-relay benchmarks ({meta['mode']} mode, {meta['rounds']} rounds, loopback; "
        f"bars: median, whiskers: min{DASH}max)"
    )

    def hbar(axis: Any, metric: str, scale: float, title: str) -> None:
        labels, medians, lows, highs = [], [], [], []
        for key, label in rows:
            values = [value * scale for value in results.values(f"{key}/{metric}")]
            if not values:
                continue
            median = statistics.median(values)
            labels.append(label)
            medians.append(median)
            lows.append(median - min(values))
            highs.append(max(values) - median)
        positions = list(range(len(labels)))
        axis.barh(
            positions,
            medians,
            xerr=[lows, highs],
            color=[color(label) for label in labels],
            capsize=3,
        )
        axis.set_yticks(positions, labels, fontsize=8)
        axis.invert_yaxis()
        axis.set_title(title, fontsize=10)
        right = max((m + h for m, h in zip(medians, highs, strict=True)), default=1.0)
        axis.set_xlim(0, right * 1.25)
        for position, median, high in zip(positions, medians, highs, strict=True):
            axis.text(median + high, position, f"  {median:,.0f}", va="center", fontsize=8)

    hbar(axes[0][0], "rate", 1.0, "events/s end to end, wss unless marked (higher is better)")
    axes[0][0].xaxis.set_major_formatter(lambda value, _: f"{value / 1000:.0f}k")
    sdk_rate = results.values(f"{SDK}/rate")
    if sdk_rate:
        for factor, style in ((2, ":"), (3, "--")):
            axes[0][0].axvline(
                factor * statistics.median(sdk_rate),
                color="tab:orange",
                linestyle=style,
                lw=1,
                label=f"{factor}{TIMES} the official SDK (targets)",
            )
        axes[0][0].legend(fontsize=7, loc="lower right")
    hbar(axes[0][1], "cpu", 1e6, "client CPU µs per event (lower is better)")

    levels = meta["levels"]
    width = 0.8 / len(DIAL_CLIENTS)
    palette = {"relay_asyncio": "tab:green", "relay_trio": "tab:olive", "sdk": "tab:orange"}
    for metric, axis, title, scale in (
        ("rate", axes[1][0], "dials/s by concurrency (higher is better)", 1.0),
        ("p99", axes[1][1], "dial p99 latency, ms, log scale (lower is better)", 1e3),
    ):
        for index, (arm, label) in enumerate(DIAL_CLIENTS):
            medians = []
            for level in levels:
                values = results.values(f"dials/{arm}/{level}/{metric}")
                medians.append(statistics.median(values) * scale if values else 0.0)
            offsets = [position + index * width for position in range(len(levels))]
            axis.bar(offsets, medians, width, label=label.replace("*", ""), color=palette[arm])
        axis.set_xticks(
            [position + width * (len(DIAL_CLIENTS) - 1) / 2 for position in range(len(levels))],
            [f"{level} concurrent" for level in levels],
        )
        axis.set_title(title, fontsize=10)
        if metric == "rate":
            axis.yaxis.set_major_formatter(lambda value, _: f"{value:,.0f}")
        if metric == "p99":
            axis.set_yscale("log")
        axis.legend(fontsize=8)
    report_scaling.draw(axes[2][0], axes[2][1], results, meta)
    report_multi.draw(axes[3][0], axes[3][1], results, meta)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return f"chart: wrote {path}"
