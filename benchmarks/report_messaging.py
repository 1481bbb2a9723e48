"""The report's Messaging section (issue 17, goal 5): SMS sent and received per second."""

from __future__ import annotations

import statistics
from typing import Any

from .messaging import messages_key
from .report import DASH, TIMES, fmt
from .runner import Results

ARMS = [
    ("relay_asyncio", "**relay_asyncio**"),
    ("relay_trio", "**relay_trio**"),
    ("sdk", "official SDK"),
]
SDK = messages_key("sdk")
INFINITY = "\u221e"


def _versus(results: Results, key: str, metric: str) -> list[float]:
    """``key``'s ``metric`` ÷ the SDK's, per round; a round where only the SDK did none is inf."""
    ours = results.by_round(f"{key}/{metric}")
    sdk = results.by_round(f"{SDK}/{metric}")
    return [
        ours[index] / sdk[index] if sdk[index] > 0 else float("inf")
        for index in sorted(set(ours) & set(sdk))
        if ours[index] > 0
    ]


def _times(values: list[float]) -> str:
    return fmt(values, suffix=TIMES).replace("inf", INFINITY)


def _level_label(level: int) -> str:
    return "1 at a time" if level == 1 else f"{level:,} at once"


def _lost(results: Results, key: str, levels: list[int]) -> tuple[float, float]:
    """Sends lost (waits timed out) and sends tried, summed over rounds and levels."""
    lost = sum(sum(results.values(f"{key}/send/{level}/lost")) for level in levels)
    done = sum(sum(results.values(f"{key}/send/{level}/done")) for level in levels)
    return lost, lost + done


def section(results: Results, meta: dict[str, Any]) -> list[str]:
    """Markdown: messages/s sent per level and received, each ÷ the SDK within a round."""
    levels: list[int] = meta.get("messaging_levels") or []
    keys = [messages_key(arm) for arm, _ in ARMS]
    if not levels or not any(
        key in results.notes or key in results.failures or results.values(f"{key}/receive/rate")
        for key in keys
    ):
        return []
    out: list[str] = []
    add = out.append
    totals = meta.get("messaging_totals") or []
    budget = meta.get("messaging_budget") or 0
    add("## Messaging")
    add("")
    add(
        "SMS through `send_message` and inbound `messaging.receive`, each client against its "
        "own fake RELAY server (`benchmarks/message_server.py`: `relay_core`'s "
        "`FakeRelayServer` on relay_trio, in its own process, wss), every message delivered "
        "at once.  **Sent/s**: C tasks share "
        + " / ".join(f"{total:,}" for total in totals)
        + " sends (levels "
        + " / ".join(str(level) for level in levels)
        + "), each `send_message` then a wait for the final state "
        + f"({meta.get('messaging_wait', 5):g} s at most)"
        + (f", no send started after {budget:g} s of a level" if budget else "")
        + ", after 20 untimed warm-up sends; a message is five frames each way.  "
        f"**Received/s**: {meta.get('messaging_inbound', 0):,} inbound messages injected "
        "at once, first to last arrival at the client's inbound API (`on_message`, "
        "`incoming_messages()`).  The fake server is the slower side (one core): the rates "
        "measure it as much as the client; client CPU per message is the client's own "
        "(`getrusage`).  A *lost* send is a wait that timed out: the official SDK drops a "
        "state that arrives in the same read as its reply (RELAY.md K.39).  "
        f"{meta.get('messaging_rounds', 1)} round(s); *÷ SDK* is within a round."
    )
    add("")
    sent = [f"sent/s, {_level_label(level)}" for level in levels]
    versus = [f"sent ÷ SDK, {level}" for level in levels]
    top = levels[-1]
    add(
        "| client | "
        + " | ".join(sent)
        + " | received/s | "
        + " | ".join(versus)
        + f" | received ÷ SDK | p50 ms at {top} | client CPU µs per sent ({top}) | "
        "client CPU µs per received | sends lost |"
    )
    add("|---|" + "---|" * (2 * len(levels) + 6))
    for arm, label in ARMS:
        key = messages_key(arm)
        have = bool(results.values(f"{key}/receive/rate"))
        if not have:
            if key in results.notes:
                add(f"| {label} | {results.notes[key]} |" + " |" * (2 * len(levels) + 5))
            elif key in results.failures:
                add(f"| {label} | see Notes |" + " |" * (2 * len(levels) + 5))
            continue
        cells = [fmt(results.values(f"{key}/send/{level}/rate")) for level in levels]
        cells.append(fmt(results.values(f"{key}/receive/rate")))
        for level in levels:
            cells.append(_times(_versus(results, key, f"send/{level}/rate")))
        cells.append(_times(_versus(results, key, "receive/rate")))
        cells.append(fmt(results.values(f"{key}/send/{top}/p50"), 1e3))
        cells.append(fmt(results.values(f"{key}/send/{top}/cpu"), 1e6))
        cells.append(fmt(results.values(f"{key}/receive/cpu"), 1e6))
        lost, tried = _lost(results, key, levels)
        cells.append("0" if not lost else f"{lost:,.0f} of {tried:,.0f}")
        add(f"| {label} | " + " | ".join(cells) + " |")
    add("")
    return out


def targets(results: Results, meta: dict[str, Any]) -> list[str]:
    """Goal 5's rows: each adapter's messages/s sent and received, beside the SDK.

    Judged on what the client decides: sent/s at least the SDK's at every level (within
    a round) and no send lost.  Received/s is shown with its ratio but not judged: the
    fake server injecting the messages sets that pace for every client alike.
    """
    levels: list[int] = meta.get("messaging_levels") or []
    out = []
    for arm in ("relay_asyncio", "relay_trio"):
        key = messages_key(arm)
        parts = []
        medians = []
        for level in levels:
            ratio = _versus(results, key, f"send/{level}/rate")
            rate = results.values(f"{key}/send/{level}/rate")
            parts.append(f"sent {fmt(rate)}/s at {level} ({_times(ratio)} SDK)")
            medians.append(statistics.median(ratio) if ratio else None)
        ratio = _versus(results, key, "receive/rate")
        received = results.values(f"{key}/receive/rate")
        parts.append(f"received {fmt(received)}/s ({_times(ratio)} SDK)")
        lost, _ = _lost(results, key, levels)
        measured = bool(received) and all(value is not None for value in medians)
        ok = measured and all((value or 0) >= 1 for value in medians) and not lost
        status = "**met**" if ok else ("**not met**" if measured else "not measured")
        if lost:
            parts.append(f"{lost:,.0f} sends lost")
        text = "; ".join(parts) if received else DASH
        out.append(
            f"| {arm} messages/s sent and received, beside the SDK: sent/s ≥ the SDK's at "
            f"every level (within a round), no send lost (received/s shown, paced by the "
            f"fake server) | {text} | {status} |"
        )
    return out
