"""The core's cost per dial, no sockets: a ready session fed each dial's frames.

    python -m benchmarks.dial_core [--n 20000] [--batch 100] [--profile cprofile|none]
    valgrind --tool=callgrind python -m benchmarks.dial_core --n 2000 --profile none

Per dial, what an adapter makes the core do: build a ``Dial`` (the benchmark's
phone device), ``send`` it, flush, then feed the load server's answer (the
``calling.dial`` reply, ``state(created)``, ``state(answered)``,
``dial(answered)`` with the winning leg, ``state(ended)``: the same payloads
``benchmarks/load_server.py`` writes, as bytes, in one read as the server
writes them), then flush the acks, drain the events and ask
``next_deadline()``, as the adapters do after each read.  Dials go in
batches of ``--batch`` (all sent, then all answered), so the request table,
the timer heap and the dial table hold as many entries as at that
concurrency.

It prints CPU µs per dial (``process_time``, best of 3) and the part of it
the driver itself spends filling the server's frames (``server_us``), so the
core's share is the difference.  Under callgrind, run once with
``--profile none``; ``--server-only`` runs the same loop without the core, to
subtract its instructions.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

from relay_core.wire import encode_payload

from . import frames
from .arms._common import DEVICES
from .inproc import ready_session

_TAG = "@TAG@".ljust(36, "#")
_CALL = "@CALL@".ljust(36, "#")
_REQ = "@REQ@".ljust(36, "#")


def _event(event_type: str, params: dict[str, Any], seq: int) -> bytes:
    outer = frames.envelope(event_type, params, stamp=1715012345.5 + seq)
    return orjson.dumps(frames.event_request(f"dial-ev-{seq:028d}", outer))


def _templates() -> list[bytes]:
    """The reply and the four events of one dial, with holes for tag, call id, request id."""
    answer = frames.dial_answer(_CALL, _TAG, DEVICES[0][0], "5e9e0000-2c1d-4e8f-9a0b-000000000000")
    reply = orjson.dumps(
        {"jsonrpc": "2.0", "id": _REQ, "result": {"code": "200", "message": "Dialing"}}
    )
    events = [
        _event(event.event_type, encode_payload(event), seq)
        for seq, event in enumerate(answer, start=1)
    ]
    return [reply, *events]


_TEMPLATES = _templates()


def _answer(request_id: str, tag: str, index: int) -> list[bytes]:
    """The load server's frames for one dial (each a ``bytes.replace`` or three)."""
    call = frames.dial_call_id(index).encode()
    tag_b = tag.encode()
    reply, *events = _TEMPLATES
    out = [reply.replace(_REQ.encode(), request_id.encode())]
    for event in events:
        out.append(event.replace(_CALL.encode(), call).replace(_TAG.encode(), tag_b))
    return out


def run(count: int, batch: int, *, core: bool = True, upto: int = 5) -> Callable[[], int]:
    """A loop over ``count`` dials; returns how many dials it saw answered.

    ``upto`` < 5 feeds only the first ``upto`` frames of each answer, so
    differences of instruction counts between runs price each stage.
    """
    from relay_core import Dial, DialStateChanged

    session = ready_session(max_calls=max(batch * 2, 1000))
    send = session.send
    receive = session.receive_text
    flush = session.messages_to_send
    next_event = session.next_event
    deadline = session.next_deadline
    devices = DEVICES

    def loop() -> int:
        answered = 0
        index = 0
        while index < count:
            size = min(batch, count - index)
            started = []
            for _ in range(size):
                if core:
                    command = Dial(devices=devices)
                    request_id = send(command, now=1.0)
                    flush()
                    deadline()
                    started.append((request_id, command.tag))
                else:
                    started.append(("4d1a7c2e-0b0b-4c0e-8d1f-5a5a5a5a5a5a", _TAG))
            for request_id, tag in started:
                texts = _answer(request_id, tag, index)
                index += 1
                if not core:
                    continue
                # One read: the server writes a dial's five frames at once.
                for text in texts[:upto]:
                    receive(text, now=1.5)
                flush()
                while (event := next_event()) is not None:
                    if type(event) is DialStateChanged:
                        answered += 1
                deadline()
        return answered

    return loop


def measure(count: int, batch: int) -> dict[str, Any]:
    """CPU µs per dial, best of 3, with and without the core."""
    out: dict[str, Any] = {"n": count, "batch": batch}
    for label, core in (("total_us", True), ("server_us", False)):
        best = float("inf")
        for _ in range(3):
            loop = run(count, batch, core=core)
            gc.collect()
            start = time.process_time()
            answered = loop()
            best = min(best, time.process_time() - start)
            if core and answered != count:
                raise SystemExit(f"{answered} of {count} dials answered")
        out[label] = best / count * 1e6
    out["core_us"] = out["total_us"] - out["server_us"]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the core's cost per dial, no sockets")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--profile", choices=["cprofile", "none"], default=None)
    parser.add_argument("--server-only", action="store_true")
    parser.add_argument("--upto", type=int, default=5, help="answer frames fed per dial (0..5)")
    args = parser.parse_args(argv)
    if args.profile is None:
        sys.stdout.write(json.dumps(measure(args.n, args.batch)) + "\n")
        return
    loop = run(args.n, args.batch, core=not args.server_only, upto=args.upto)
    run(min(args.n, 200), args.batch, core=not args.server_only, upto=args.upto)()  # warm caches
    if args.profile == "none":
        loop()
        return
    profiler = cProfile.Profile()
    profiler.runcall(loop)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
