"""Events pushed to 1, 10 and 100 clients in one process, summed (issue 17, goal 3).

The arm opens ``count`` clients in one process (``python -m benchmarks.arms
ARM multi --clients N``); the load server gives each connection its own push
job of the usual stream (:mod:`benchmarks.frames`), all in one start group, so
every connection starts pushing at the same moment.  **Summed events/s** is
every client's events over the wall time from the first push to the last ack
(a slow client drags the figure down; nothing is averaged away).  The event
total grows with the clients (at least one whole 900-frame cycle each) and the
in-flight window is shared out (at least two batches per connection) so the
server never has more than about ``window`` x 25 events in flight.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import frames
from .runner import ArmFailed, Child

if TYPE_CHECKING:
    from .__main__ import Bench


def multi_key(arm: str, count: int) -> str:
    return f"multi/{arm}/{count}"


def per_client_events(total: int, count: int) -> int:
    """Events pushed to each of ``count`` clients: ``total`` shared out, a cycle at least."""
    return max(total // count, frames.CYCLE)


def multi_events(bench: Bench, round_index: int, arm: str, count: int) -> None:
    """One timed run: ``count`` clients of ``arm`` in one process, events to every one."""
    key = multi_key(arm, count)
    config = bench.config
    each = per_client_events(config.events, count)
    window = max(2 * config.batch, config.window // count)

    def run() -> None:
        args = ["-m", "benchmarks.arms", arm, "multi", "--host", bench.host(arm, "tls")]
        # The official SDK refuses a second client per process unless told.
        env = {**bench.env, "RELAY_MAX_CONNECTIONS": str(count + 1)}
        child = Child([*args, "--clients", str(count)], env)
        group = f"{key}/{round_index}"
        try:
            child.expect(["ready"], timeout=60)
            for _ in range(count):
                bench.server.arm(
                    mode="events", n=each, pid=child.pid, window=window, batch=config.batch,
                    settle=0.2, group=group, group_size=count,
                )  # fmt: skip
            child.tell("go")
            child.expect(["connected"], timeout=60 + count)

            def server_done() -> dict[str, Any] | None:
                return bench.server.poll(["done", "aborted"])

            dones = []
            for _ in range(count):
                done = child.expect([], timeout=max(60.0, each * count / 500), also=server_done)
                if done.get("event") != "done":
                    raise ArmFailed(f"a connection dropped mid-run: {done}")
                dones.append(done)
            child.tell("stop")
            stats = child.expect(["stats"], timeout=30)["stats"]
            child.finish()
        finally:
            child.kill()
        requests: dict[str, int] = {}
        for done in dones:
            for method, times in (done.get("requests") or {}).items():
                requests[method] = requests.get(method, 0) + times
        if requests:
            bench.results.fail(key, f"clients sent requests mid-run: {requests}")
        if stats and (stats.get("dropped_events") or stats.get("malformed_frames")):
            bench.results.fail(key, f"clients dropped or rejected events: {stats}")
        wall = max(d["t_end"] for d in dones) - min(d["t_start"] for d in dones)
        total = sum(d["n"] for d in dones)
        bench.results.add(f"{key}/rate", round_index, total / wall)
        bench.results.add(f"{key}/events", round_index, total)

    bench._guard(key, run)


def steps(bench: Bench) -> list[tuple[str, Callable[[int], None]]]:
    """Round steps: the record/collect mix (every round), multi-client runs (scale rounds)."""
    config = bench.config
    out: list[tuple[str, Callable[[int], None]]] = []
    for arm in config.mix_arms:

        def mix(r: int, a: str = arm) -> None:
            if r < config.mix_rounds:
                bench.events(r, a, "tls", "mix")

        out.append((f"mix/{arm}-tls", mix))
    for arm in config.scale_arms:
        for count in config.client_counts:

            def step(r: int, a: str = arm, n: int = count) -> None:
                if r < config.scale_rounds:
                    multi_events(bench, r, a, n)

            out.append((multi_key(arm, count), step))
    return out
