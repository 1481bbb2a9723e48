"""Dials, arm against arm: interleaved pairs at 100 and 1,000 concurrent dials.

    python -m benchmarks.dial_ab relay_asyncio,sdk [--pairs 3] [--totals 3000 6000]
    python -m benchmarks.dial_ab /tmp/base:relay_trio,relay_trio   # a checkout vs this tree

A quick A/B for work on the dial path, lighter than ``python -m benchmarks``:
one load server (as the full run starts it, over wss), then each arm in turn,
``--pairs`` times, so a busy machine hurts every arm alike.  ``DIR:ARM`` runs
the arm from another checkout (``git archive REV | tar -x -C DIR``).  Per
level it prints dials/s, p99, the client's CPU µs per dial (``getrusage`` in
the arm) and the load server's CPU per dial and utilisation (from ``/proc``:
a server near 1.0 means the run measured the server), then the medians and,
with ``sdk`` among the arms, each arm's ratios to it in the same pair.  CPU
per dial is the figure to trust on a shared machine; wall-clock rates are not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from . import runner
from .__main__ import make_certificates
from .runner import Child, LoadServerProcess, Placement

LEVELS = (100, 1000)


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_arm(
    spec: str, server: LoadServerProcess, env: dict[str, str], totals: list[int]
) -> list[dict[str, Any]]:
    checkout, _, arm = spec.rpartition(":")
    args = ["-m", "benchmarks.arms", arm, "dials", "--host", f"127.0.0.1:{server.tls_port}"]
    args += ["--levels", *map(str, LEVELS), "--totals", *map(str, totals)]
    home = runner.ROOT
    runner.ROOT = Path(checkout) if checkout else home  # Child runs from (and imports) ROOT
    try:
        child = Child(args, env)
    finally:
        runner.ROOT = home
    rows = []
    try:
        child.expect(["ready"], timeout=60)
        child.tell("go")
        child.expect(["connected"], timeout=30)
        for _ in LEVELS:
            before = _cpu_seconds(server.child.pid)
            out = child.expect(["result"], timeout=300)["result"]
            server_cpu = _cpu_seconds(server.child.pid) - before
            dials = max(out["dials"], 1)
            rows.append(
                {
                    "level": out["concurrency"],
                    "rate": out["rate"],
                    "p99": out["p99"] * 1000,
                    "cpu": out["cpu"] / dials * 1e6,
                    "server": server_cpu / dials * 1e6,
                    "util": server_cpu / out["seconds"],
                    "errors": out["errors"],
                }
            )
        child.finish()
    finally:
        child.kill()
    return rows


def _line(name: str, row: dict[str, Any]) -> str:
    return (
        f"{name:28s} c={row['level']:5d} {row['rate']:7.0f}/s p99 {row['p99']:8.1f} ms "
        f"cpu {row['cpu']:5.0f} µs/dial  server {row['server']:4.0f} µs/dial util "
        f"{row['util']:.2f}" + (f"  {row['errors']} errors" if row["errors"] else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("arms", help="comma-separated: relay_asyncio, relay_trio, sdk, DIR:ARM")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--totals", type=int, nargs=2, default=[3000, 6000])
    args = parser.parse_args()
    arms: list[str] = args.arms.split(",")
    Placement.configure(pin=True)
    ca_file, cert_file, key_file = make_certificates(tempfile.mkdtemp())
    server = LoadServerProcess(cert_file, key_file)
    env = {"SIGNALWIRE_RELAY_CA_FILE": ca_file}
    runs: dict[str, list[list[dict[str, Any]]]] = {arm: [] for arm in arms}
    try:
        for pair in range(args.pairs):
            for arm in arms:
                rows = _run_arm(arm, server, env, args.totals)
                runs[arm].append(rows)
                for row in rows:
                    print(f"pair {pair} " + _line(arm, row), flush=True)
    finally:
        server.close()
    print("medians")
    for index, level in enumerate(LEVELS):
        for arm in arms:
            rows = [run[index] for run in runs[arm]]
            median = {k: statistics.median(r[k] for r in rows) for k in rows[0] if k != "level"}
            line = _line(arm, {**median, "level": level, "errors": sum(r["errors"] for r in rows)})
            if "sdk" in runs and arm != "sdk":
                sdk = [run[index] for run in runs["sdk"]]
                rate = statistics.median(
                    a["rate"] / b["rate"] for a, b in zip(rows, sdk, strict=True)
                )
                p99 = statistics.median(a["p99"] / b["p99"] for a, b in zip(rows, sdk, strict=True))
                cpu = statistics.median(b["cpu"] / a["cpu"] for a, b in zip(rows, sdk, strict=True))
                line += f"  ÷ SDK: rate {rate:.2f}x, p99 {p99:.2f}x, SDK cpu ÷ ours {cpu:.2f}x"
            print(line)


if __name__ == "__main__":
    main()
