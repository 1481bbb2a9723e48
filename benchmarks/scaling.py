"""The flat-as-work-grows arms (issue 17, goal 3), run by ``python -m benchmarks``.

* events/s with ``live`` calls tracked (100 ... 100,000): the load server
  offers ``live`` calls first (untimed), then times the usual nine-frame
  mix over them (:mod:`benchmarks.scale_frames`);
* memory per live call at 10,000 and 100,000 calls (the memory arm, larger);
* RSS per live call beside tracemalloc (the memory arm reports both).

Dials at 1 ... 10,000 concurrent are the dial arm's levels (``Settings``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .runner import ArmFailed, Child

if TYPE_CHECKING:
    from .__main__ import Bench


def scale_key(arm: str, live: int) -> str:
    return f"scale/{arm}/{live}"


def scale_events(bench: Bench, round_index: int, arm: str, live: int) -> None:
    """One timed run of ``arm`` with ``live`` calls tracked (over wss)."""
    key = scale_key(arm, live)
    config = bench.config

    def run() -> None:
        args = ["-m", "benchmarks.arms", arm, "events", "--host", bench.host(arm, "tls")]
        child = Child(args, bench.env)
        try:
            child.expect(["ready"], timeout=60)
            bench.server.arm(
                mode="scale",
                live=live,
                n=config.events,
                pid=child.pid,
                window=config.window,
                batch=config.batch,
                settle=0.2,
            )
            child.tell("go")
            child.expect(["connected"], timeout=30)

            def server_done() -> dict[str, Any] | None:
                return bench.server.poll(["done", "aborted"])

            timeout = max(120.0, (config.events + live) / 300)
            done = child.expect([], timeout=timeout, also=server_done)
            if done.get("event") != "done":
                raise ArmFailed(f"connection dropped mid-run: {done}")
            child.tell("stop")
            stats = child.expect(["stats"], timeout=30)["stats"]
            child.finish()
        finally:
            child.kill()
        if done.get("requests"):
            bench.results.fail(key, f"client sent requests mid-run: {done['requests']}")
        if stats and stats.get("malformed_frames"):
            bench.results.fail(key, f"client rejected events: {stats}")
        if stats and stats.get("live_calls") is not None and stats["live_calls"] < live - 1:
            bench.results.fail(key, f"client tracks {stats['live_calls']} calls, not {live}")
        bench.results.add(f"{key}/rate", round_index, done["rate"])
        if done.get("client_cpu") is not None:
            bench.results.add(f"{key}/cpu", round_index, done["client_cpu"] / done["n"])

    bench._guard(key, run)


def clients_key(arm: str, count: int) -> str:
    return f"clients/{arm}/{count}"


def clients_memory(bench: Bench, arm: str, count: int) -> None:
    """Memory per idle connected client with ``count`` clients in one process (deterministic)."""
    key = clients_key(arm, count)

    def run() -> None:
        args = ["-m", "benchmarks.arms", arm, "clients", "--host", bench.host(arm, "tls")]
        # The official SDK refuses a second client per process unless told.
        env = {**bench.env, "RELAY_MAX_CONNECTIONS": str(count + 1)}
        child = Child([*args, "--clients", str(count)], env)
        try:
            child.expect(["ready"], timeout=60)
            child.tell("go")
            out = child.expect(["result"], timeout=60 + count)["result"]
            child.tell("stop")
            child.finish()
        finally:
            child.kill()
        bench.results.add(f"{key}/per_client", 0, out["per_client"])
        bench.results.add(f"{key}/rss_per_client", 0, out["rss_per_client"])
        bench.results.details[key] = [
            (size / count, blocks / count, where) for size, blocks, where in out.get("top", [])
        ]

    bench._guard(key, run)
