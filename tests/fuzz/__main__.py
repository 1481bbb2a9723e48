"""The long fuzz run of both roles against hostile frames.

    python -m tests.fuzz --frames 1000000 [--role client|server|both] [--seed N]

Feeds seeded hostile frames to each role (see :mod:`tests.fuzz.roles` for the
contract checked) and prints, per role, the frames fed, how many were refused
the documented way, escapes by exception type, contract breaches, and the
rate.  Exits 1 if anything escaped or the contract broke; the first frame of
each kind is printed to reproduce it.
"""

from __future__ import annotations

import argparse
import sys
import time

from .roles import ROLES, Tally, run


def _report(role: str, tally: Tally, seconds: float) -> None:
    rate = tally.frames / seconds if seconds else 0.0
    escapes = ", ".join(f"{name}: {count}" for name, count in tally.escapes.most_common())
    breaches = ", ".join(f"{name}: {count}" for name, count in tally.breaches.most_common())
    print(
        f"{role:6}  {tally.frames:,} frames in {seconds:.1f} s ({rate:,.0f} frames/s); "
        f"refused as documented: {tally.refused:,}; "
        f"escapes: {sum(tally.escapes.values())} ({escapes or 'none'}); "
        f"contract breaches: {sum(tally.breaches.values())} ({breaches or 'none'})"
    )
    for kind, example in tally.examples.items():
        print(f"        first {kind}: {example}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fuzz", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--frames", type=int, default=100_000, help="frames per role")
    parser.add_argument("--role", choices=[*ROLES, "both"], default="both")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quiesce-every", type=int, default=2000, help="end everything and check every N frames"
    )
    args = parser.parse_args(argv)
    roles = list(ROLES) if args.role == "both" else [args.role]
    print(f"fuzz: seed {args.seed}, {args.frames:,} frames per role")
    clean = True
    for role in roles:
        started = time.perf_counter()
        tally = run(role, args.frames, args.seed, quiesce_every=args.quiesce_every)
        _report(role, tally, time.perf_counter() - started)
        clean = clean and tally.clean
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
