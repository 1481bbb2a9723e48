"""One client arm per process, driven by the orchestrator over stdin/stdout.

    python -m benchmarks.arms ARM MODE --host 127.0.0.1:PORT [options]

Each arm is one module of this package (``raw_ws``, ``raw_sansio``,
``raw_trio``, ``raw_ws_trio``, ``raw_wsproto``, ``relay_trio``; the two asyncio
clients, ``relay_asyncio`` and ``sdk``, share ``_asyncio_api``); ``_common``
holds the protocol below.

ARM is a client (``relay_asyncio``, ``relay_trio``, ``sdk``: the official
``signalwire-sdk``) or a floor (``raw_ws``, ``raw_sansio``, ``raw_trio``,
``raw_ws_trio``, ``raw_wsproto``: decode + ack and nothing else); MODE is ``events``,
``dials``, ``memory``, ``clients``/``multi`` (``--clients`` clients in one process:
idle for memory, or each pushed events) or ``messages`` (the clients only, against
``benchmarks.message_server``: see ``messaging``).  ``--host`` is what a user
passes: ``127.0.0.1:PORT`` means ``wss://`` (trusting
``SIGNALWIRE_RELAY_CA_FILE``), a ``ws://`` URL means plain WebSocket.

Protocol (one JSON object per stdout line):

1. the arm imports its library and checks the API it needs, then prints
   ``{"ready": true}`` or ``{"skip": "why"}`` (and exits);
2. it waits for ``go`` on stdin, connects and prints ``{"connected": true}``;
3. ``events``: the client just runs (the load server pushes and counts acks)
   until ``stop``.  ``dials``: it runs the dial levels and prints
   ``{"result": ...}`` per level.  ``memory``: it takes a tracemalloc
   baseline, waits for ``snap`` (the server's offers are all acknowledged),
   prints ``{"result": {"bytes": ...}}``, then waits for ``stop``.

CPU time of the event window is read by the load server from ``/proc`` (so the
window matches the server's clock exactly); dial CPU is ``getrusage`` here.
"""

from __future__ import annotations

import argparse
import asyncio

from ._asyncio_api import run_asyncio_arm
from ._common import say
from .messaging import run_messaging_arm
from .raw_sansio import run_raw_sansio
from .raw_trio import run_raw_trio
from .raw_ws import run_raw_ws
from .raw_ws_trio import run_raw_ws_trio
from .raw_wsproto import run_raw_wsproto
from .relay_trio import run_trio_arm


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="one benchmark client arm")
    parser.add_argument(
        "arm",
        choices=[
            "raw_ws",
            "raw_sansio",
            "raw_trio",
            "raw_ws_trio",
            "raw_wsproto",
            "relay_asyncio",
            "relay_trio",
            "sdk",
        ],
    )
    parser.add_argument(
        "mode", choices=["events", "dials", "memory", "messages", "clients", "multi"]
    )
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--host", required=True)
    parser.add_argument("--levels", type=int, nargs="*", default=[1, 100])
    parser.add_argument("--totals", type=int, nargs="*", default=[200, 2000])
    parser.add_argument("--json", choices=["orjson", "json"], default="orjson")
    parser.add_argument("--inbound", type=int, default=2000, help="messages mode: inbound count")
    parser.add_argument(
        "--budget", type=float, default=0.0, help="messages mode: seconds per send level (0: none)"
    )
    parser.add_argument(
        "--wait-timeout", type=float, default=5.0, help="messages mode: longest wait per send (s)"
    )
    args = parser.parse_args(argv)
    if len(args.levels) != len(args.totals):
        parser.error("--levels and --totals need the same length")
    try:
        if args.mode == "messages":
            run_messaging_arm(args.arm, args)
        elif args.arm == "relay_trio":
            run_trio_arm(args.mode, args)
        elif args.arm == "raw_ws":
            asyncio.run(run_raw_ws(args.mode, args))
        elif args.arm == "raw_sansio":
            asyncio.run(run_raw_sansio(args.mode, args))
        elif args.arm == "raw_trio":
            run_raw_trio(args.mode, args)
        elif args.arm == "raw_ws_trio":
            run_raw_ws_trio(args.mode, args)
        elif args.arm == "raw_wsproto":
            run_raw_wsproto(args.mode, args)
        else:
            asyncio.run(run_asyncio_arm(args.arm, args.mode, args))
    except SystemExit:
        raise
    except BaseException as exc:
        say({"error": f"{type(exc).__name__}: {exc}"})
        raise


if __name__ == "__main__":
    main()
