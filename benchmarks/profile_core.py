"""Where relay_core spends its time on the event path.

    python -m benchmarks.profile_core [--n 45000] [--profile cprofile|pyinstrument|none]

Three views of the same frames the benchmarks push:

1. a stage breakdown (best of 5, µs per event): JSON decode, the core's
   decode with its checks, the ack encode, routing with event construction,
   and the whole ``receive_text`` → ``messages_to_send`` → ``next_event`` loop;
2. the unit costs of the pieces the routing builds per event (typed device
   parse, ``CallInfo`` snapshot, event objects);
3. a profiler run (cProfile by ``tottime``, or pyinstrument if installed).

The stage rows use private core functions (``relay_core.wire.decode``, the
session's ``decode_event``, ``RelaySession._on_event``); a row whose private
hook moved prints ``n/a`` (or is left out).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import timeit
from collections.abc import Callable
from typing import Any

import orjson

from . import frames
from .inproc import ready_session


def _best(loop: Callable[[], object], count: int, repeat: int = 5) -> float:
    """Best wall time of ``loop`` in µs per item."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        elapsed = timeit.timeit(loop, number=1)
        best = min(best, elapsed)
    return best / count * 1e6


def feed(session: Any, texts: list[str]) -> None:
    """The whole receive loop: each text in, acks flushed, events drained."""
    receive = session.receive_text
    flush = session.messages_to_send
    next_event = session.next_event
    for text in texts:
        receive(text, now=1.0)
        flush()
        while next_event() is not None:
            pass


def stages(count: int) -> list[tuple[str, float | None]]:
    """µs per event of each stage of the core's receive path."""
    texts = frames.stream_texts(count)
    rows: list[tuple[str, float | None]] = []
    loads = orjson.loads

    def json_only() -> None:
        for text in texts:
            loads(text)

    rows.append(("orjson.loads (the floor)", _best(json_only, count)))
    try:
        from relay_core import wire as _wire

        decode = _wire.decode
        encode_result = _wire.encode_result

        def core_decode() -> None:
            for text in texts:
                decode(text)

        rows.append(
            ("_wire.decode (orjson + JSON-RPC checks + Request)", _best(core_decode, count))
        )
        # The session's decode (not exported): reached like the other private hooks.
        decode_event = getattr(getattr(_wire, "_wire", None), "decode_event", None)
        if decode_event is not None:

            def core_decode_event() -> None:
                for text in texts:
                    decode_event(text)

            rows.append(
                (
                    "_wire.decode_event (the session's: checks + the ack, no Request)",
                    _best(core_decode_event, count),
                )
            )
        ids = [loads(text)["id"] for text in texts]

        def acks() -> None:
            for request_id in ids:
                encode_result(request_id)

        rows.append(("_wire.encode_result (the ack)", _best(acks, count)))
    except (ImportError, AttributeError):
        rows.append(("_wire.decode / encode_result", None))
    try:
        envelopes = [loads(text)["params"] for text in texts]
        session = ready_session()
        on_event = session._on_event
        next_event = session.next_event

        def route() -> None:
            for envelope in envelopes:
                on_event(envelope)
                while next_event() is not None:
                    pass

        rows.append(("routing + typed events (RelaySession._on_event)", _best(route, count, 1)))
    except AttributeError:
        rows.append(("routing + typed events", None))

    def whole() -> None:
        feed(ready_session(), texts)

    rows.append(("whole loop: receive_text + messages_to_send + next_event", _best(whole, count)))
    return rows


def unit_costs() -> list[tuple[str, float | None]]:
    """ns per construction of what routing builds for each event."""
    import relay_core as rc

    receive = orjson.loads(frames.stream_frame(0))["params"]["params"]
    device = receive["device"]
    ref = rc.CallRef(rc.CallId("c"), rc.NodeId("n"))
    info = rc.CallInfo(call_id=rc.CallId("c"), node_id=rc.NodeId("n"))
    cases: list[tuple[str, Callable[[], object]]] = [
        (
            "device_from_wire(device, strict=False)",
            lambda: rc.device_from_wire(device, strict=False),
        ),
        (
            "CallInfo(9 fields) (the snapshot per state event)",
            lambda: rc.CallInfo(
                call_id=rc.CallId("c"),
                node_id=rc.NodeId("n"),
                tag=None,
                direction="inbound",
                state=rc.CallState.ANSWERED,
                device=None,
                context="office",
                peer=None,
                end_reason=None,
            ),
        ),
        (
            "CallStateChanged(...)",
            lambda: rc.CallStateChanged(
                call=info, state=rc.CallState.ANSWERED, tag=None, end_reason=None
            ),
        ),
        (
            "PlayStateChanged(...)",
            lambda: rc.PlayStateChanged(
                call=ref, control_id=rc.ControlId("x"), state=rc.PlayState.PLAYING
            ),
        ),
        ("CallRef(...) (built per play event)", lambda: rc.CallRef(rc.CallId("c"), rc.NodeId("n"))),
    ]
    out: list[tuple[str, float | None]] = []
    for label, make in cases:
        try:
            number = 20_000
            best = min(timeit.repeat(make, number=number, repeat=5))
            out.append((label, best / number * 1e9))
        except Exception:
            out.append((label, None))
    return out


def profile(count: int, tool: str, top: int = 18) -> str:
    texts = frames.stream_texts(count)
    session = ready_session()

    def loop() -> None:
        feed(session, texts)

    if tool == "pyinstrument":
        try:
            from pyinstrument import Profiler
        except ImportError:
            tool = "cprofile"
        else:
            profiler = Profiler(interval=0.0002)
            profiler.start()
            loop()
            profiler.stop()
            return str(profiler.output_text(unicode=True, color=False, show_all=False))
    profiler_c = cProfile.Profile()
    profiler_c.enable()
    loop()
    profiler_c.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler_c, stream=buffer)
    stats.sort_stats("tottime").print_stats(top)
    return buffer.getvalue()


def render(count: int, tool: str) -> str:
    lines = [f"relay_core event path, {count:,} stream frames (mean "]
    lines[0] += f"{frames.mean_frame_bytes():.0f} B)\n"
    lines.append("Stage breakdown (best of 5), µs per event:")
    for label, value in stages(count):
        shown = "n/a" if value is None else f"{value:6.2f}"
        lines.append(f"  {shown}  {label}")
    lines.append("")
    lines.append("Unit costs, ns per construction:")
    for label, value in unit_costs():
        shown = "n/a" if value is None else f"{value:6.0f}"
        lines.append(f"  {shown}  {label}")
    if tool != "none":
        lines.append("")
        lines.append(f"Profile ({tool}):")
        lines.append(profile(count, tool))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="profile relay_core's event path")
    parser.add_argument("--n", type=int, default=45_000)
    parser.add_argument(
        "--profile", choices=["cprofile", "pyinstrument", "none"], default="cprofile"
    )
    args = parser.parse_args(argv)
    print(render(args.n, args.profile))


def summary(count: int) -> dict[str, Any]:
    """The stage breakdown and unit costs as data (for RESULTS.md)."""
    return {"stages": stages(count), "units": unit_costs()}


if __name__ == "__main__":
    main()
