"""``sansio-relay dial PLAN...``: place one call from a terminal or a script.

Each ``PLAN`` argument is one serial step; devices joined by commas in one
argument ring in parallel: ``dial +15551111111,sip:bob@example.com
+15552222222`` rings the first two together, then the third.  Once
answered: ``--say`` or ``--play``, then ``--connect-to`` (same syntax), then
``--hangup-after`` seconds on the line, then hang up.  The timeline is the
demo's (``--json``: one JSON object a line, ``_cli_dial_output``).

Without ``--host`` (or ``SIGNALWIRE_SPACE``) it dials the embedded fake
server's simulated network (README: the default directory).

Exit status: 0 answered, 1 failed (the reason is printed), 2 bad usage,
3 timeout (nobody answered within ``--timeout``), 4 no session or a request
refused, 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, Final, TextIO

import orjson
import trio
import trio.testing

from relay_core import (
    CallGoneError,
    CallState,
    ConnectError,
    DialError,
    DialTimeoutError,
    PlayState,
    RelayError,
)

from ._cli_args import HelpFormatter, add_connection_options, float_between, non_empty, prog
from ._cli_dial_output import JsonTimeline
from ._client import RelayClient, open_relay_client
from ._demo import FAKE_PROJECT, FAKE_TOKEN, MAX_SPEED, MIN_SPEED, REQUEST_TIMEOUT, Timeline

__all__ = ["EXIT", "build_parser", "main", "parse_plan"]

#: Exit status by outcome.
EXIT: Final = {
    "answered": 0,
    "failed": 1,
    "usage": 2,
    "timeout": 3,
    "error": 4,
    "interrupted": 130,
}

_PHONE = re.compile(r"\+[1-9][0-9]{1,14}")  # E.164
_SIP = re.compile(r"sips?:[^\s,]+@[^\s,]+")
#: Devices in one plan, across its steps (RELAY.md F.1 lets the server refuse more).
MAX_DEVICES: Final = 50


def device(text: str, from_: str, ring_timeout: float | None) -> dict[str, Any]:
    """One device of a plan: ``+E164`` is a phone, ``sip:user@host`` a SIP address.

    Raises:
        argparse.ArgumentTypeError: neither.
    """
    params: dict[str, Any]
    if _PHONE.fullmatch(text):
        kind, params = "phone", {"to_number": text, "from_number": from_}
    elif _SIP.fullmatch(text):
        sip_from = (
            from_ if _SIP.fullmatch(from_) else f"sip:{from_.lstrip('+')}@sansio-relay.invalid"
        )
        kind, params = "sip", {"to": text, "from": sip_from}
    else:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a phone number (+ and up to 15 digits) or a sip:user@host address"
        )
    if ring_timeout is not None:
        params["timeout"] = ring_timeout
    return {"type": kind, "params": params}


def parse_plan(
    steps: Sequence[str], from_: str, ring_timeout: float | None = None
) -> list[list[dict[str, Any]]]:
    """``["+1555...,sip:a@b", "+1555..."]`` → serial steps of parallel devices.

    Raises:
        argparse.ArgumentTypeError: an empty step or device, a bad device,
            or more than :data:`MAX_DEVICES` devices.
    """
    plan = []
    for step in steps:
        names = step.split(",")
        if not all(name.strip() for name in names):
            raise argparse.ArgumentTypeError(f"{step!r}: an empty device (stray comma?)")
        plan.append([device(name.strip(), from_, ring_timeout) for name in names])
    if not plan:
        raise argparse.ArgumentTypeError("no device to dial")
    if sum(map(len, plan)) > MAX_DEVICES:
        raise argparse.ArgumentTypeError(f"more than {MAX_DEVICES} devices")
    return plan


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog("dial"),
        description=(
            "Place a call and print its live timeline.  Each PLAN is one serial step; "
            "devices joined by commas ring together (e.g. `dial +15551111111,+15551234567 "
            "sip:bob@example.com`).  Once answered: --say or --play, then --connect-to, "
            "then --hangup-after seconds, then hang up.  Without --host it dials the "
            "embedded fake server's simulated network."
        ),
        epilog=(
            "exit status: 0 answered, 1 failed (reason printed), 2 bad usage, 3 timeout, "
            "4 no session or a request refused, 130 interrupted"
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "plan",
        metavar="PLAN",
        nargs="+",
        type=non_empty,
        help="+E164 number or sip:user@host; comma-joined devices ring in parallel",
    )
    parser.add_argument(
        "--from",
        dest="from_",
        metavar="NUMBER",
        type=non_empty,
        default="+15550000000",
        help="caller id (a number, or a sip: address for SIP devices)",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=float_between(0, low_open=True),
        default=60.0,
        help="give up (exit 3, every leg ended) if nobody answered by then (> 0)",
    )
    parser.add_argument(
        "--ring-timeout",
        metavar="SECONDS",
        type=float_between(0, low_open=True),
        help="seconds each device rings (> 0; default: the server's)",
    )
    media = parser.add_mutually_exclusive_group()
    media.add_argument("--say", metavar="TEXT", type=non_empty, help="speak TEXT once answered")
    media.add_argument("--play", metavar="URL", type=non_empty, help="play audio URL once answered")
    parser.add_argument(
        "--connect-to",
        metavar="PLAN",
        type=non_empty,
        action="append",
        help="then bridge the call to this plan (repeat for serial steps)",
    )
    parser.add_argument(
        "--hangup-after",
        metavar="SECONDS",
        type=float_between(0),
        default=0.0,
        help="seconds on the line after the prompt and the connect, then hang up (>= 0)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object a line, for scripts")
    add_connection_options(
        parser,
        host_help="Space host or ws(s):// URL (default: SIGNALWIRE_SPACE; without either "
        "the embedded fake server)",
    )
    parser.add_argument(
        "--open-timeout",
        metavar="SECONDS",
        type=float_between(0, low_open=True),
        default=15.0,
        help="seconds (wall clock) to wait for the session (> 0)",
    )
    parser.add_argument(
        "--speed",
        metavar="FACTOR",
        type=float_between(MIN_SPEED, MAX_SPEED),
        default=1.0,
        help=f"run the embedded server's clock faster ({MIN_SPEED:g} to {MAX_SPEED:g})",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log the client's internals")
    return parser


class _Outcome(Exception):
    """How the dial came out: its ``EXIT`` key and reason."""

    def __init__(self, outcome: str, reason: str | None = None, call_id: str | None = None):
        super().__init__(outcome)
        self.outcome, self.reason, self.call_id = outcome, reason, call_id


def _name(device: dict[str, Any]) -> str:
    params = device["params"]
    return str(params.get("to_number") or params.get("to"))


async def run_script(client: RelayClient, args: argparse.Namespace, timeline: Timeline) -> _Outcome:
    """Dial, then the prompt, the connect, the wait and the hangup."""
    plan = args.dial_plan
    shown = " then ".join(" and ".join(_name(d) for d in group) for group in plan)
    await timeline.step(f"dial {shown} (up to {args.timeout:g} s)")
    try:
        call = await client.dial(plan, dial_timeout=args.timeout)
    except DialTimeoutError:
        return _Outcome("timeout", f"nobody answered within {args.timeout:g} s")
    except DialError as exc:
        return _Outcome("failed", exc.reason or str(exc))
    await timeline.step(f"answered (call {call.call_id})")
    outcome = _Outcome("answered", call_id=call.call_id)
    peer = None
    try:
        if args.say is not None or args.play is not None:
            item = (
                {"type": "tts", "text": args.say}
                if args.say is not None
                else {"type": "audio", "url": args.play}
            )
            playback = await call.play([item])
            state = await playback.wait()
            await timeline.step(f"playback {state.value}")
            if state is PlayState.ERROR:
                outcome = _Outcome("failed", "the playback failed", call.call_id)
        if args.connect_plan is not None and outcome.outcome == "answered":
            await timeline.step("connect")
            try:
                peer = await call.connect(args.connect_plan)
            except ConnectError as exc:
                outcome = _Outcome("failed", f"connect: {exc.reason or exc}", call.call_id)
            else:
                await timeline.step(f"bridged to call {peer.call_id}")
        if outcome.outcome == "answered" and args.hangup_after:
            await timeline.step(f"on the line for {args.hangup_after:g} s")
            with trio.move_on_after(args.hangup_after):
                await call.wait_for_ended()
    except CallGoneError:
        await timeline.step("the far end hung up")
        return outcome
    await timeline.step("hang up")
    for leg in (call, peer):
        if leg is not None and leg.state is not CallState.ENDED:
            with contextlib.suppress(CallGoneError):  # the far end went first
                await leg.hangup()
    with trio.move_on_after(10):
        await call.wait_for_ended()
    return outcome


async def _amain(args: argparse.Namespace, out: TextIO, result: list[_Outcome]) -> None:
    async with contextlib.AsyncExitStack() as stack:
        start = trio.current_time()
        if args.host is None:
            from .testing import open_fake_relay_server

            fake = await stack.enter_async_context(open_fake_relay_server())
            host, project, token = fake.url, FAKE_PROJECT, FAKE_TOKEN
            if not args.json:
                print(f"embedded fake RELAY server on {fake.url}", file=out, flush=True)
        else:
            host, project, token = args.host, args.project, args.token
        if not args.json:
            print(f"connecting to {host} ...", file=out, flush=True)
        client = await stack.enter_async_context(
            open_relay_client(
                host=host,
                project=project,
                token=token,
                open_timeout=args.open_timeout * args.speed,
                request_timeout=REQUEST_TIMEOUT * args.speed,
            )
        )
        kind = JsonTimeline if args.json else Timeline
        timeline = kind(out, client.events(), start)
        timeline.line("session", f"authenticated on {client.url}")
        async with trio.open_nursery() as nursery:
            nursery.start_soon(timeline.show)
            outcome = await run_script(client, args, timeline)
            await timeline.step("done")
            timeline.close()
        result.append(outcome)


def _report(args: argparse.Namespace, outcome: _Outcome, out: TextIO) -> int:
    code = EXIT[outcome.outcome]
    if args.json:
        fields: dict[str, Any] = {"event": "outcome", "outcome": outcome.outcome}
        if outcome.reason:
            fields["reason"] = outcome.reason
        if outcome.call_id:
            fields["call_id"] = outcome.call_id
        fields["exit_code"] = code
        out.write(orjson.dumps(fields).decode() + "\n")
    else:
        text = outcome.outcome + (f": {outcome.reason}" if outcome.reason else "")
        print(f"{text} (exit {code})", file=out if code == 0 else sys.stderr)
    out.flush()
    return code


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Dial; returns the exit status (see :data:`EXIT`)."""
    out = sys.stdout if out is None else out
    parser = build_parser()
    args = parser.parse_intermixed_args(argv)  # PLAN steps around the options
    if args.host is None:
        args.host = os.environ.get("SIGNALWIRE_SPACE") or None
    if args.host is not None and args.speed != 1.0:
        parser.error("argument --speed: only the embedded fake server's clock can run faster")
    try:
        args.dial_plan = parse_plan(args.plan, args.from_, args.ring_timeout)
        args.connect_plan = (
            None if args.connect_to is None else parse_plan(args.connect_to, args.from_)
        )
    except argparse.ArgumentTypeError as exc:
        parser.error(f"argument PLAN: {exc}")
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    clock = trio.testing.MockClock(rate=args.speed) if args.speed != 1.0 else None
    result: list[_Outcome] = []
    try:
        trio.run(_amain, args, out, result, clock=clock)
    except KeyboardInterrupt:
        result.append(_Outcome("interrupted"))
    except (RelayError, trio.TooSlowError) as exc:
        result.append(_Outcome("error", f"{type(exc).__name__}: {exc}"))
    return _report(args, result[-1], out)
