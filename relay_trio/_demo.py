"""``python -m relay_trio demo``: a serial-failover dial, an IVR menu, a parallel-ring
connect and a hangup, printed as a live timeline.

Without ``--host`` it starts the embedded fake RELAY server (its simulated
phone network: the first number never answers, the others answer after
1 s; the second presses ``--press`` at the menu: 1 is sales, which connects,
anything else gets a goodbye).  With ``--host`` and credentials (``--project``/``--token`` or the
``SIGNALWIRE_*`` variables) it runs the same script against a real Space:
then give real numbers with ``--from``, ``--first``, ``--second``,
``--connect-to``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

import trio
import trio.testing

from relay_core import (
    ActionFinished,
    CallErrorReported,
    CallGoneError,
    CallInfo,
    CallReceived,
    CallState,
    CallStateChanged,
    CollectDigits,
    ConnectStateChanged,
    DialStateChanged,
    Event,
    PhoneDevice,
    PlayStateChanged,
    RelayError,
    SessionStarted,
    SipDevice,
    UnknownEvent,
)

from ._cli_args import HelpFormatter, float_between, non_empty, prog
from ._client import RelayClient, open_relay_client
from ._sync import EventStream

if TYPE_CHECKING:
    from relay_core.testing import FakeRelayServer

__all__ = ["main"]

FAKE_PROJECT = "test-project"
FAKE_TOKEN = "test-token"


def _short(call_id: str) -> str:
    return call_id[:8]


def _destination(info: CallInfo | None) -> str:
    device = None if info is None else info.device
    if isinstance(device, PhoneDevice):
        return device.to_number
    if isinstance(device, SipDevice):
        return device.to
    return "?"


class Timeline:
    """Prints one line per thing that happened: elapsed time, who, what.

    Events come from the client's event tap through :meth:`show`; the
    script's own notes wait until the tap is drained, so lines stay in order.
    """

    def __init__(self, out: TextIO, events: EventStream[Event], start: float) -> None:
        self._out = out
        self._events = events
        self._start = start

    def line(self, who: str, what: str) -> None:
        elapsed = trio.current_time() - self._start
        print(f"{elapsed:8.3f}s  {who:<14} {what}", file=self._out, flush=True)

    async def step(self, what: str) -> None:
        while len(self._events):
            await trio.sleep(0)
        print(f"{'':10}-- {what}", file=self._out, flush=True)

    async def show(self) -> None:
        async for event in self._events:
            self.event(event)

    def close(self) -> None:
        self._events.close()

    def event(self, event: Event) -> None:
        match event:
            case SessionStarted(restored=restored):
                self.line("session", "resumed" if restored else "authenticated")
            case CallStateChanged(call=info, state=state, end_reason=reason):
                detail = f" ({reason})" if reason and state is CallState.ENDED else ""
                to = f" -> {_destination(info)}" if state is CallState.CREATED else ""
                self.line(f"call {_short(info.call_id)}", f"{state.value}{to}{detail}")
            case DialStateChanged(tag=tag, state=state, call=info, reason=reason):
                who = f"dial {_short(tag)}"
                if info is not None:
                    won = f"call {_short(info.call_id)} ({_destination(info)}) won"
                    self.line(who, f"{state.value}: {won}")
                else:
                    self.line(who, state.value + (f" ({reason})" if reason else ""))
            case ConnectStateChanged(call=ref, state=state, peer=peer, failed_reason=reason):
                detail = ""
                if peer is not None:
                    detail = f" to call {_short(peer.call_id)} ({_destination(peer)})"
                detail += f" ({reason})" if reason else ""
                self.line(f"call {_short(ref.call_id)}", f"connect {state.value}{detail}")
            case PlayStateChanged(call=ref, state=state):
                self.line(f"call {_short(ref.call_id)}", f"play {state.value}")
            case ActionFinished(call=ref, kind=kind, reason=reason, result=result):
                what = getattr(result, "result_type", None) or reason
                digits = getattr(result, "digits", None)
                detail = f" {digits}" if digits else ""
                self.line(f"call {_short(ref.call_id)}", f"{kind.value} {what}{detail}")
            case CallErrorReported(message=message):
                self.line("error", message)
            case CallReceived(call=info):
                self.line(f"call {_short(info.call_id)}", "offered (inbound)")
            case UnknownEvent(event_type=event_type):
                self.line("event", event_type)
            case _:
                pass


def _phone(to: str, from_: str, timeout: float | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"to_number": to, "from_number": from_}
    if timeout is not None:
        params["timeout"] = timeout
    return {"type": "phone", "params": params}


async def run_script(client: RelayClient, args: argparse.Namespace, timeline: Timeline) -> None:
    """The demo itself: dial with failover, play, connect, hang up."""
    await timeline.step(f"dial {args.first} (rings {args.ring_timeout:g} s), then {args.second}")
    call = await client.dial(
        [[_phone(args.first, args.from_, args.ring_timeout)], [_phone(args.second, args.from_)]],
        dial_timeout=120,
    )
    await timeline.step(f"answered by {_destination(call.info)}; IVR menu: {args.say!r}")
    prompt = await call.prompt_tts(
        args.say, digits=CollectDigits(max=1, digit_timeout=5), initial_timeout=10
    )
    choice = prompt.digits if prompt.type == "digit" else None
    if choice != "1":
        branch = "support" if choice == "2" else "no valid choice"
        await timeline.step(f"pressed {choice or 'nothing'}: {branch}; say goodbye, hang up")
        await call.play_tts("Thank you for calling. Goodbye.")
        await call.hangup()
        with trio.move_on_after(10):
            await call.wait_for_ended()
        return

    first, second = args.connect_to
    await timeline.step(f"pressed 1: sales; connect: ring {first} and {second} together")
    peer = await call.connect(
        [[_phone(first, args.from_, args.ring_timeout), _phone(second, args.from_)]],
        ringback=[{"type": "ringtone", "name": "us"}],
    )
    await timeline.step(f"bridged to {_destination(peer.info)}; talk {args.talk:g} s")
    await trio.sleep(args.talk)
    await timeline.step("hang up both legs")
    for leg in (call, peer):
        if leg.state is not CallState.ENDED:
            with contextlib.suppress(CallGoneError):  # the far end went first
                await leg.hangup()
    with trio.move_on_after(10):
        await call.wait_for_ended()
        await peer.wait_for_ended()


def _demo_server(args: argparse.Namespace) -> FakeRelayServer:
    """The embedded server: the default network, the callee pressing ``--press``."""
    from relay_core.testing import Answers, Directory, FakeRelayServer

    directory = Directory.default()
    directory.set(args.second, Answers(after=1, presses=args.press, input_after=0.5))
    return FakeRelayServer(directory=directory)


async def _amain(args: argparse.Namespace, out: TextIO) -> int:
    async with contextlib.AsyncExitStack() as stack:
        if args.host is None:
            from .testing import open_fake_relay_server

            fake = await stack.enter_async_context(open_fake_relay_server(_demo_server(args)))
            host, project, token = fake.url, FAKE_PROJECT, FAKE_TOKEN
            print(f"embedded fake RELAY server on {fake.url}", file=out, flush=True)
        else:
            host, project, token = args.host, args.project, args.token
        start = trio.current_time()
        print(f"connecting to {host} ...", file=out, flush=True)
        client = await stack.enter_async_context(
            open_relay_client(
                host=host,
                project=project,
                token=token,
                # The client's own deadlines are wall-clock seconds: only the
                # simulated network should run faster (--speed).
                open_timeout=args.open_timeout * args.speed,
                request_timeout=REQUEST_TIMEOUT * args.speed,
            )
        )
        timeline = Timeline(out, client.events(), start)
        timeline.line("session", f"authenticated on {client.url}")
        async with trio.open_nursery() as nursery:
            nursery.start_soon(timeline.show)
            await run_script(client, args, timeline)
            await timeline.step("done")
            timeline.close()
    print(f"demo finished in {trio.current_time() - start:.3f} s", file=out, flush=True)
    return 0


#: The embedded server's clock rate bounds.  Rate 0 froze the virtual clock
#: (trio's MockClock), so no ring or answer timer ever fired: the demo hung.
#: The client shares that clock: its open and request deadlines are scaled
#: back to wall-clock seconds, but far above 100 the rest of its timers and
#: real loopback I/O no longer keep pace.
MIN_SPEED = 0.1
MAX_SPEED = 100.0
#: Seconds (wall clock) each request may take: RelayConfig's default.
REQUEST_TIMEOUT = 10.0


def _dtmf(value: str) -> str:
    if not value or not set(value) <= set("0123456789*#"):
        raise argparse.ArgumentTypeError(f"{value!r} is not DTMF digits (0-9, *, #)")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog("demo"),
        description=(
            "The README demo: a serial-failover dial, an IVR menu (press 1 for sales), a "
            "parallel-ring connect and a hangup, printed as a live timeline.  Without --host "
            "it runs against the embedded fake RELAY server."
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--host",
        metavar="HOST",
        type=non_empty,
        help="a Space host; without it the demo starts the embedded fake server",
    )
    parser.add_argument(
        "--project",
        metavar="ID",
        type=non_empty,
        help="project id (default: SIGNALWIRE_PROJECT_ID)",
    )
    parser.add_argument(
        "--token", metavar="TOKEN", type=non_empty, help="API token (default: SIGNALWIRE_API_TOKEN)"
    )
    parser.add_argument(
        "--from",
        dest="from_",
        metavar="NUMBER",
        type=non_empty,
        default="+15550000000",
        help="caller id",
    )
    parser.add_argument(
        "--first",
        metavar="NUMBER",
        type=non_empty,
        default="+15551111111",
        help="dialled first (no answer)",
    )
    parser.add_argument(
        "--second",
        metavar="NUMBER",
        type=non_empty,
        default="+15552222222",
        help="dialled if the first fails",
    )
    parser.add_argument(
        "--connect-to",
        nargs=2,
        type=non_empty,
        default=["+15551110001", "+15551110002"],
        metavar=("A", "B"),
        help="rung in parallel by the connect (the second answers)",
    )
    parser.add_argument(
        "--ring-timeout",
        metavar="SECONDS",
        type=float_between(0, low_open=True),
        default=3.0,
        help="seconds a dialled device rings before giving up (> 0)",
    )
    parser.add_argument(
        "--say",
        metavar="TEXT",
        type=non_empty,
        default="Hello from sansio-relay. Press 1 for sales, 2 for support.",
        help="text of the IVR menu prompt",
    )
    parser.add_argument(
        "--press",
        metavar="DIGITS",
        type=_dtmf,
        default="1",
        help=(
            "what the simulated callee presses at the menu (embedded server only): "
            "1 connects to sales, anything else hears a goodbye"
        ),
    )
    parser.add_argument(
        "--talk",
        metavar="SECONDS",
        type=float_between(0),
        default=1.0,
        help="seconds bridged before hangup (>= 0)",
    )
    parser.add_argument(
        "--speed",
        metavar="FACTOR",
        type=float_between(MIN_SPEED, MAX_SPEED),
        default=1.0,
        help=(
            f"run the embedded server's clock this much faster ({MIN_SPEED:g} to {MAX_SPEED:g}; "
            "not with --host)"
        ),
    )
    parser.add_argument(
        "--open-timeout",
        metavar="SECONDS",
        type=float_between(0, low_open=True),
        default=15.0,
        help="seconds (wall clock) to wait for the session (> 0)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log the client's internals")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["demo"]:
        args_list = args_list[1:]
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.host is not None and args.speed != 1.0:
        parser.error("argument --speed: only the embedded fake server's clock can run faster")
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    clock = None
    if args.host is None and args.speed != 1.0:
        clock = trio.testing.MockClock(rate=args.speed)
    try:
        return trio.run(_amain, args, sys.stdout, clock=clock)
    except (RelayError, trio.TooSlowError) as exc:
        print(f"demo failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
