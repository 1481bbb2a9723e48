"""SMS/MMS throughput of one client against the fake server: messages/s sent and received.

    python -m benchmarks.messaging [--quick] [--rounds N] [--after SECONDS] [--budget S]

``python -m benchmarks`` runs it as a step of its rounds (:func:`messages`,
the report's Messaging table); run alone it prints its own table.

Per round and client arm (``relay_trio``, ``relay_asyncio``, ``sdk``: the
official ``signalwire-sdk``), a fresh fake server (``benchmarks.message_server``)
and the arm (``python -m benchmarks.arms ARM messages``) run in their own
processes on loopback (``wss://``, as the SDK requires).  Sent: ``send_message`` then a wait for the
final state, C at once (levels 1 and 50); received: N inbound messages
injected at once, counted by the client's inbound API.  Prints the median over
rounds (min-max) as a Markdown table.  Not a timed test: numbers, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable
from typing import Any, Protocol

from .runner import ArmFailed, ArmSkipped, Child, Results


class Bench(Protocol):
    """What :func:`messages` uses of ``benchmarks.__main__.Bench`` (not imported: the
    tests import this module, and type-checking them should not pull in the orchestrator)."""

    config: Any
    results: Results

    def _guard(self, key: str, run: Callable[[], None]) -> None: ...


ARMS = ["relay_trio", "relay_asyncio", "sdk"]


def one_run(
    arm: str,
    levels: list[int],
    totals: list[int],
    inbound: int,
    after: float,
    budget: float = 0.0,
    wait_timeout: float = 5.0,
) -> list[dict[str, Any]]:
    """One client run against a fresh fake server: a result per send level, then the inbound one.

    ``budget`` (seconds, 0 for none) stops starting sends once a level has run that
    long, so a client that loses sends (each waits ``wait_timeout`` s) stays bounded.
    """
    server = Child(["-m", "benchmarks.message_server", "--after", str(after)], server=True)
    try:
        listening = server.expect(["host"], timeout=20)
        child = Child(
            [
                "-m", "benchmarks.arms", arm, "messages", "--host", listening["host"],
                "--levels", *map(str, levels), "--totals", *map(str, totals),
                "--inbound", str(inbound), "--budget", str(budget),
                "--wait-timeout", str(wait_timeout),
            ],
            {"SIGNALWIRE_RELAY_CA_FILE": listening["ca"]},
        )  # fmt: skip
        try:
            child.expect(["ready"], timeout=30)
            child.tell("go")
            child.expect(["connected"], timeout=30)
            results = [child.expect(["result"], timeout=300)["result"] for _ in levels]
            child.expect(["inbound"], timeout=30)
            server.tell(json.dumps({"cmd": "inject", "n": inbound, "context": "office"}))
            results.append(child.expect(["result"], timeout=300)["result"])
            child.finish(timeout=20)
            return results
        finally:
            child.kill()
    finally:
        server.tell(json.dumps({"cmd": "quit"}))
        server.finish(timeout=10)


def messages_key(arm: str) -> str:
    return f"messages/{arm}"


def messages(bench: Bench, round_index: int, arm: str) -> None:
    """One round of ``arm``: sends at each level, then inbound, into ``bench.results``.

    Keys under ``messages/ARM``: ``send/C/rate`` (messages sent and waited to their
    final state per second at C concurrent), ``send/C/p50``, ``send/C/cpu`` (client
    CPU s per message sent), ``send/C/lost`` (waits that timed out), ``send/C/done``;
    ``receive/rate``, ``receive/cpu``.
    """
    key = messages_key(arm)
    config = bench.config

    def run() -> None:
        results = one_run(
            arm,
            config.messaging_levels,
            config.messaging_totals,
            config.messaging_inbound,
            0.0,
            config.messaging_budget,
            config.messaging_wait,
        )
        add = bench.results.add
        for result in results:
            messages_done = max(1, result["messages"])
            if result["kind"] == "send":
                base = f"{key}/send/{result['concurrency']}"
                add(f"{base}/rate", round_index, result["rate"])
                add(f"{base}/p50", round_index, result["p50"])
                add(f"{base}/cpu", round_index, result["cpu"] / messages_done)
                add(f"{base}/lost", round_index, result["errors"])
                add(f"{base}/done", round_index, result["messages"])
            else:
                if result["messages"] < config.messaging_inbound:
                    bench.results.fail(
                        key, f"received {result['messages']} of {config.messaging_inbound}"
                    )
                add(f"{key}/receive/rate", round_index, result["rate"])
                add(f"{key}/receive/cpu", round_index, result["cpu"] / messages_done)

    bench._guard(key, run)


def _cell(values: list[float], unit: str = "") -> str:
    if not values:
        return "-"
    middle = statistics.median(values)
    return f"{middle:,.0f}{unit} ({min(values):,.0f}-{max(values):,.0f})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--after", type=float, default=0.0, help="delivery receipt delay")
    parser.add_argument("--budget", type=float, default=0.0, help="seconds per send level")
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 5)
    levels = [1, 50]
    totals = [200, 1000] if args.quick else [500, 3000]
    inbound = 1000 if args.quick else 3000
    table: dict[str, dict[str, list[float]]] = {}
    notes: dict[str, str] = {}
    for round_index in range(rounds):
        order = ARMS[round_index % len(ARMS) :] + ARMS[: round_index % len(ARMS)]
        for arm in order:
            if arm in notes:
                continue
            try:
                results = one_run(arm, levels, totals, inbound, args.after, args.budget)
            except ArmSkipped as exc:
                notes[arm] = f"skipped: {exc}"
                continue
            except (ArmFailed, TimeoutError, RuntimeError) as exc:
                notes[arm] = f"failed: {str(exc)[:300]}"
                continue
            row = table.setdefault(arm, {})
            for result in results:
                if result["kind"] == "send":
                    key = f"send c={result['concurrency']}"
                    row.setdefault(f"{key} rate", []).append(result["rate"])
                    row.setdefault(f"{key} p50 ms", []).append(result["p50"] * 1000)
                    row.setdefault(f"{key} errors", []).append(result["errors"])
                    row.setdefault(f"{key} cpu us/msg", []).append(
                        1e6 * result["cpu"] / max(1, result["messages"])
                    )
                else:
                    row.setdefault("receive rate", []).append(result["rate"])
                    row.setdefault("receive cpu us/msg", []).append(
                        1e6 * result["cpu"] / max(1, result["messages"])
                    )
    columns = sorted({key for row in table.values() for key in row})
    print(f"messages/s, one client vs the fake server ({rounds} rounds, median (min-max))\n")
    print("| arm | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for arm in ARMS:
        if arm in table:
            print(f"| {arm} | " + " | ".join(_cell(table[arm].get(c, [])) for c in columns) + " |")
    for arm, note in notes.items():
        print(f"\n{arm}: {note}")


if __name__ == "__main__":
    main()
