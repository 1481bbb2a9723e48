"""Run every benchmark on loopback and print the comparison table.

    python -m benchmarks [--quick] [--rounds N] [--scale-rounds N] [--note TEXT]
                         [--out benchmarks/RESULTS.md]

Arms are interleaved round by round (the order rotates each round) so drift
on the machine hits every arm alike; the table shows the median and the
min-max over rounds, and each ratio is computed within a round and then
summarised the same way.  Every client arm runs in its own subprocess; the
load server runs in another (``benchmarks/load_server.py``), with TLS from a
throw-away ``trustme`` CA that clients trust through
``SIGNALWIRE_RELAY_CA_FILE``.  ``--quick`` is what CI runs (about two
minutes on a shared 2-core machine); the full run, with the scaling arms (100,000
live calls, 10,000 concurrent dials, 100 clients in one process), takes about
half an hour there at the default 7 rounds (3 of them for the scaling,
multi-client and messaging arms): ``--rounds`` and ``--scale-rounds`` trim it,
``--note`` says so in the report.  Messaging (SMS sent and received, each
client against its own fake server: ``benchmarks.messaging``) is a step of the
rounds like the others.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import frames, messaging, mix_frames, multi, report, scaling
from .runner import (
    ArmFailed,
    ArmSkipped,
    Child,
    LoadServerProcess,
    Placement,
    Results,
    run_inproc,
)
from .settings import Settings, settings


class Bench:
    def __init__(self, config: Settings, server: LoadServerProcess, ca_file: str) -> None:
        self.config = config
        self.server = server
        self.env = {"SIGNALWIRE_RELAY_CA_FILE": ca_file}
        self.results = Results()

    def host(self, arm: str, transport: str) -> str:
        if transport == "tls":
            return f"127.0.0.1:{self.server.tls_port}"
        return f"ws://127.0.0.1:{self.server.plain_port}"

    def _guard(self, key: str, run: Callable[[], None]) -> None:
        if key in self.results.notes:  # skipped once: the library is not there
            return
        try:
            run()
        except ArmSkipped as exc:
            self.results.notes[key] = f"not available yet ({exc})"
        except (ArmFailed, TimeoutError, RuntimeError) as exc:
            self.results.fail(key, str(exc)[:400])
            with contextlib.suppress(TimeoutError, RuntimeError):
                self.server.clear()

    # -- in-process --------------------------------------------------------

    def floors_and_core(self, round_index: int) -> None:
        def floors() -> None:
            out = run_inproc(["floors", "--n", str(self.config.core_events)])
            for name in ("json", "orjson"):
                self.results.add(f"events/{name}-decode/rate", round_index, out[name]["rate"])
                cpu = out[name]["cpu"] / out[name]["n"]
                self.results.add(f"events/{name}-decode/cpu", round_index, cpu)

        def core() -> None:
            out = run_inproc(["core", "--n", str(self.config.core_events)])
            for label in ("minimal", "adapter_loop"):
                part = out[label]
                if part["events"] != part["n"] or part["acks"] != part["n"]:
                    raise ArmFailed(f"core {label}: {part}")
                self.results.add(f"events/core-{label}/rate", round_index, part["rate"])
                self.results.add(f"events/core-{label}/cpu", round_index, part["cpu"] / part["n"])

        self._guard("events/floors", floors)
        self._guard("events/core", core)

    # -- end to end --------------------------------------------------------

    def events(self, round_index: int, arm: str, transport: str, mode: str = "events") -> None:
        """One timed run of the event stream (``mode="mix"``: the record/collect mix)."""
        key = event_key(arm, transport) if mode == "events" else mix_key(arm, transport)
        config = self.config

        def run() -> None:
            args = ["-m", "benchmarks.arms", arm, "events", "--host", self.host(arm, transport)]
            # Plain ws:// arms run without the CA variable: it only concerns wss://.
            env = self.env if transport == "tls" else {"SIGNALWIRE_RELAY_CA_FILE": ""}
            child = Child(args, env)
            try:
                child.expect(["ready"], timeout=60)
                self.server.arm(
                    mode=mode,
                    n=config.events,
                    pid=child.pid,
                    window=config.window,
                    batch=config.batch,
                    settle=0.2,
                )
                child.tell("go")
                child.expect(["connected"], timeout=30)

                def server_done() -> dict[str, Any] | None:
                    return self.server.poll(["done", "aborted"])

                done = child.expect([], timeout=max(60.0, config.events / 500), also=server_done)
                if done.get("event") != "done":
                    raise ArmFailed(f"connection dropped mid-run: {done}")
                child.tell("stop")
                stats = child.expect(["stats"], timeout=10)["stats"]
                child.finish()
            finally:
                child.kill()
            if done.get("requests"):
                self.results.fail(key, f"client sent requests mid-run: {done['requests']}")
            if stats and (stats.get("dropped_events") or stats.get("malformed_frames")):
                self.results.fail(key, f"client dropped or rejected events: {stats}")
            self.results.add(f"{key}/rate", round_index, done["rate"])
            if done.get("client_cpu") is not None:
                self.results.add(f"{key}/cpu", round_index, done["client_cpu"] / done["n"])
            self.results.add(f"{key}/server_cpu", round_index, done["server_cpu"] / done["n"])
            self.results.add(
                f"{key}/server_util", round_index, done["server_cpu"] / done["seconds"]
            )

        self._guard(key, run)

    def dials(self, round_index: int, arm: str) -> None:
        key = f"dials/{arm}"
        config = self.config

        def run() -> None:
            args = ["-m", "benchmarks.arms", arm, "dials", "--host", self.host(arm, "tls")]
            args += ["--levels", *map(str, config.levels), "--totals", *map(str, config.totals)]
            child = Child(args, self.env)
            try:
                child.expect(["ready"], timeout=60)
                child.tell("go")
                child.expect(["connected"], timeout=30)
                for _ in config.levels:
                    out = child.expect(["result"], timeout=180)["result"]
                    level = f"{key}/{out['concurrency']}"
                    if out["errors"]:
                        self.results.fail(key, f"{out['errors']} dials failed at {level}")
                    self.results.add(f"{level}/rate", round_index, out["rate"])
                    self.results.add(f"{level}/p50", round_index, out["p50"])
                    self.results.add(f"{level}/p99", round_index, out["p99"])
                    self.results.add(f"{level}/cpu", round_index, out["cpu"] / max(out["dials"], 1))
                child.finish()
            finally:
                child.kill()

        self._guard(key, run)

    def memory(self, arm: str, calls: int | None = None) -> None:
        main = calls is None or calls == self.config.memory_calls
        calls = self.config.memory_calls if calls is None else calls
        key = f"memory/{arm}" if main else f"memory/{arm}@{calls}"

        def inproc(what: str) -> None:
            out = run_inproc([what, "--calls", str(calls)])
            if out["live"] != calls:
                raise ArmFailed(f"{what}: {out['live']} live calls, expected {calls}")
            self.results.add(f"{key}/per_call", 0, out["per_call"])
            self.results.details[key] = [
                (size / calls, count / calls, where) for size, count, where in out.get("top", [])
            ]

        def end_to_end() -> None:
            args = ["-m", "benchmarks.arms", arm, "memory", "--host", self.host(arm, "tls")]
            child = Child(args, self.env)
            try:
                child.expect(["ready"], timeout=60)
                self.server.arm(mode="offers", n=calls, pid=child.pid, settle=1.5)
                child.tell("go")
                child.expect(["baseline"], timeout=30)
                self.server.wait(["done"], timeout=180 + calls / 200)
                child.tell("snap")
                out = child.expect(["result"], timeout=60)["result"]
                child.tell("stop")
                child.finish()
            finally:
                child.kill()
            tracked = out.get("tracked")
            if tracked is not None and tracked != calls:
                raise ArmFailed(f"{arm} tracks {tracked} calls, expected {calls}")
            self.results.add(f"{key}/per_call", 0, out["bytes"] / calls)
            if out.get("rss") is not None:
                self.results.add(f"{key}/rss_per_call", 0, out["rss"] / calls)
            self.results.details[key] = [
                (size / calls, count / calls, where) for size, count, where in out.get("top", [])
            ]

        if arm == "core":
            self._guard(key, lambda: inproc("memory-core"))
        elif arm == "sdk-inproc":
            self._guard(key, lambda: inproc("memory-sdk"))
        else:
            self._guard(key, end_to_end)


def event_key(arm: str, transport: str) -> str:
    return f"events/{arm}-{transport}"


def mix_key(arm: str, transport: str) -> str:
    return f"mix/{arm}-{transport}"


def make_certificates(directory: str) -> tuple[str, str, str]:
    import trustme

    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1", "localhost")
    ca_file = os.path.join(directory, "ca.pem")
    cert_file = os.path.join(directory, "server.pem")
    key_file = os.path.join(directory, "server.key")
    authority.cert_pem.write_to_path(ca_file)
    issued.private_key_pem.write_to_path(key_file)
    with open(cert_file, "wb") as out:
        for blob in issued.cert_chain_pems:
            out.write(blob.bytes())
    return ca_file, cert_file, key_file


def environment() -> dict[str, str]:
    versions = {}
    names = ("websockets", "trio", "trio-websocket", "wsproto", "orjson", "attrs", "signalwire-sdk")
    for name in names:
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # informational
            versions[name] = "-"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    revision = "-"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "relay_core", "relay_trio", "relay_asyncio"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        revision = head + (" + uncommitted library changes" if dirty else "")
    return {
        "revision": revision,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpu": f"{cpu} ({os.cpu_count()} cores)",
        **versions,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="the CI run: small, well under 60 s")
    parser.add_argument("--rounds", type=int, help="rounds (default 5 quick, 7 full)")
    parser.add_argument(
        "--scale-rounds",
        type=int,
        help="rounds of the scaling, multi-client and messaging arms (default 1 quick, 3 full)",
    )
    parser.add_argument("--note", default="", help="a sentence for the report's header")
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin clients and server to separate CPUs"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 if an arm failed (skipped arms are fine)"
    )
    parser.add_argument(
        "--out",
        default=str(Path(__file__).with_name("RESULTS.md")),
        help="where to write the Markdown report (the chart goes next to it as .png)",
    )
    args = parser.parse_args(argv)
    if args.rounds is not None and args.rounds < 1:
        parser.error("--rounds must be at least 1")
    config = settings(args.quick, args.rounds)
    if args.scale_rounds is not None:
        config.scale_rounds = max(1, args.scale_rounds)
        config.messaging_rounds = config.scale_rounds
    placement = Placement.configure(pin=not args.no_pin)
    started = time.perf_counter()
    print(
        f"benchmarks: {'quick' if config.quick else 'full'} mode, {config.rounds} rounds, "
        f"{config.events} events per end-to-end run, mean frame "
        f"{frames.mean_frame_bytes():.0f} B; {placement}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="relay-bench-") as directory:
        ca_file, cert_file, key_file = make_certificates(directory)
        server = LoadServerProcess(cert_file, key_file)
        try:
            bench = Bench(config, server, ca_file)
            steps: list[tuple[str, Callable[[int], None]]] = [
                ("floors + core", bench.floors_and_core)
            ]
            for arm, transport in config.event_arms:
                steps.append(
                    (event_key(arm, transport), lambda r, a=arm, t=transport: bench.events(r, a, t))
                )
            for arm in config.dial_arms:
                steps.append((f"dials/{arm}", lambda r, a=arm: bench.dials(r, a)))
            steps += multi.steps(bench)
            for arm in config.messaging_arms:
                steps.append(
                    (
                        messaging.messages_key(arm),
                        lambda r, a=arm: (
                            messaging.messages(bench, r, a) if r < config.messaging_rounds else None
                        ),
                    )
                )
            for arm in config.scale_arms:
                for live in config.scale_live:
                    steps.append(
                        (
                            scaling.scale_key(arm, live),
                            lambda r, a=arm, n=live: (
                                scaling.scale_events(bench, r, a, n)
                                if r < config.scale_rounds
                                else None
                            ),
                        )
                    )
            for round_index in range(config.rounds):
                shift = round_index % len(steps)
                order = steps[shift:] + steps[:shift]
                round_started = time.perf_counter()
                for _, step in order:
                    step(round_index)
                print(
                    f"  round {round_index + 1}/{config.rounds} "
                    f"done in {time.perf_counter() - round_started:.1f} s",
                    flush=True,
                )
            for arm in config.memory_arms:
                bench.memory(arm)
            for count in config.client_counts:
                for arm in config.scale_arms:
                    scaling.clients_memory(bench, arm, count)
            for calls in config.memory_more:
                for arm in config.memory_arms:
                    if arm != "sdk-inproc":
                        bench.memory(arm, calls)
            core_profile = None
            if not config.quick:
                try:
                    core_profile = run_inproc(["core-stages", "--n", "45000"])
                except (ArmFailed, ArmSkipped) as exc:
                    bench.results.fail("core-stages", str(exc))
            server_stats = server.stats()
        finally:
            server.close()
    elapsed = time.perf_counter() - started
    meta = {
        "mode": "quick" if config.quick else "full",
        "rounds": config.rounds,
        "events": config.events,
        "core_events": config.core_events,
        "window": config.window,
        "batch": config.batch,
        "levels": config.levels,
        "totals": config.totals,
        "memory_calls": config.memory_calls,
        "memory_more": config.memory_more,
        "scale_live": config.scale_live,
        "client_counts": config.client_counts,
        "scale_rounds": min(config.scale_rounds, config.rounds),
        "messaging_levels": config.messaging_levels,
        "messaging_totals": config.messaging_totals,
        "messaging_inbound": config.messaging_inbound,
        "messaging_budget": config.messaging_budget,
        "messaging_wait": config.messaging_wait,
        "messaging_rounds": min(config.messaging_rounds, config.rounds),
        "frame_bytes": frames.mean_frame_bytes(),
        "mix": frames.stream_mix(frames.CYCLE),
        "verb_mix": mix_frames.stream_mix(),
        "verb_frame_bytes": mix_frames.mean_frame_bytes(),
        "multi_events": {
            n: multi.per_client_events(config.events, n) for n in config.client_counts
        },
        "elapsed": elapsed,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "env": environment(),
        "server": server_stats,
        "command": "python -m benchmarks" + (" --quick" if config.quick else ""),
        "note": args.note,
        "core_profile": core_profile,
        "placement": placement,
    }
    text = report.render(bench.results, meta)
    print()
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    chart_path = out.with_suffix(".png")
    chart_note = report.chart(bench.results, meta, chart_path)
    if chart_note.startswith("chart:"):
        text = text.replace("<!-- chart -->", f"![main figures]({chart_path.name})")
    else:
        text = text.replace("<!-- chart -->", f"_{chart_note}_")
    out.write_text(text)
    print(chart_note)
    print(f"wrote {out} in {elapsed:.0f} s total")
    if args.strict and bench.results.failures:
        print(f"--strict: {len(bench.results.failures)} arm(s) had problems", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
