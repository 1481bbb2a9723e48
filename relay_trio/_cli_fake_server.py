"""``python -m relay_trio fake-server``: the fake RELAY server as a program.

Prints the URL to connect to (and the CA file with ``--tls``), then one
readable line per call event until Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

import trio

from relay_core import JSONObject, JSONValue, LocalProtocolError
from relay_core._fake_server import SERVER_TO_CLIENT, FakeRelayServer, JournalEntry
from relay_core._telephony import Directory

from .testing import open_fake_relay_server

#: RELAY.md A uses this port in its examples.
DEFAULT_PORT = 8773


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m relay_trio fake-server",
        description=(
            "Serve a fake SignalWire RELAY server on loopback: sessions, acks, pings and a "
            "simulated phone network (see the README's directory table)."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port, 0 = any free one ({DEFAULT_PORT})"
    )
    parser.add_argument(
        "--tls", action="store_true", help="serve wss:// with a throw-away test CA (trustme)"
    )
    parser.add_argument(
        "--directory",
        metavar="FILE",
        help="JSON file of destination behaviours, layered on the default directory",
    )
    parser.add_argument("--project", default="test-project", help="accepted project (test-project)")
    parser.add_argument("--token", default="test-token", help="accepted token (test-token)")
    parser.add_argument(
        "--ping-interval", type=float, default=None, help="send signalwire.ping every N seconds"
    )
    parser.add_argument(
        "--accept-flat-media",
        action="store_true",
        help='accept {"type": "tts", "text": ...} media (the real server expects nested params)',
    )
    parser.add_argument("--quiet", action="store_true", help="do not log call events")
    return parser


def _destination(device: JSONValue, *, inbound: bool = False) -> str:
    if not isinstance(device, Mapping):
        return "?"
    params = device.get("params")
    if not isinstance(params, Mapping):
        return "?"
    keys = ("from_number", "from") if inbound else ("to_number", "to")
    for key in keys:
        value = params.get(key)
        if isinstance(value, str):
            return value
    return "?"


def _text(params: JSONObject, key: str) -> str:
    value = params.get(key)
    return "" if value is None else str(value)


def describe(entry: JournalEntry) -> str | None:
    """One line for a call event or a session change, ``None`` for other frames."""
    if entry.direction != SERVER_TO_CLIENT:
        return None
    result = entry.result
    if result is not None and "protocol" in result and "sessionid" in result:
        restored = " (resumed)" if result.get("session_restored") is True else ""
        return f"session {_text(result, 'protocol')} connected{restored}"
    if entry.error_code == -32002:
        return "authentication failed"
    params = entry.event_params
    match entry.event_type:
        case "calling.call.state":
            inbound = params.get("direction") == "inbound"
            where = _destination(params.get("device"), inbound=inbound)
            line = (
                f"call {_text(params, 'call_id')} {'from' if inbound else 'to'} {where}"
                f" {_text(params, 'call_state')}"
            )
            if "end_reason" in params:
                line += f" ({_text(params, 'end_reason')})"
            if params.get("tag"):
                line += f" [tag {_text(params, 'tag')}]"
            return line
        case "calling.call.dial":
            line = f"dial {_text(params, 'tag')} {_text(params, 'dial_state')}"
            call = params.get("call")
            if isinstance(call, Mapping):
                line += f": call {_text(call, 'call_id')} to {_destination(call.get('device'))}"
            if "reason" in params:
                line += f" ({_text(params, 'reason')})"
            return line
        case "calling.call.connect":
            line = f"connect {_text(params, 'call_id')} {_text(params, 'connect_state')}"
            peer = params.get("peer")
            if isinstance(peer, Mapping):
                line += f" with {_text(peer, 'call_id')}"
            if "failed_reason" in params:
                line += f" ({_text(params, 'failed_reason')})"
            return line
        case "calling.call.play":
            return (
                f"play {_text(params, 'control_id')} on call {_text(params, 'call_id')} "
                f"{_text(params, 'state')}"
            )
        case "calling.call.receive":
            return (
                f"inbound call {_text(params, 'call_id')} from "
                f"{_destination(params.get('device'), inbound=True)} offered on context "
                f"{_text(params, 'context')}"
            )
        case _:
            return None


class _Log:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.start: float | None = None

    def __call__(self, entry: JournalEntry) -> None:
        line = describe(entry)
        if line is None:
            return
        if self.start is None:
            self.start = entry.time
        print(f"[{entry.time - self.start:9.3f}] {line}", file=self.out, flush=True)


async def serve(args: argparse.Namespace, directory: Directory, out: TextIO) -> None:
    """Run the server until cancelled, printing its address first."""
    server = FakeRelayServer(
        credentials={args.project: args.token},
        directory=directory,
        ping_interval=args.ping_interval,
        accept_flat_media=args.accept_flat_media,
        journal_limit=1000,
        on_journal=None if args.quiet else _Log(out),
    )
    async with open_fake_relay_server(server, tls=args.tls, port=args.port, host=args.host) as fake:
        print(f"fake RELAY server listening on {fake.url}", file=out, flush=True)
        if fake.ca_path is not None:
            print(f"CA certificate: {fake.ca_path}", file=out, flush=True)
        print(f"credentials: project={args.project} token={args.token}", file=out, flush=True)
        await trio.sleep_forever()


def load_directory(path: str | None) -> Directory:
    """The default directory, with the entries of ``path`` (JSON) on top.

    Raises:
        OSError: the file cannot be read.
        ValueError: it is not valid JSON or not a valid directory.
    """
    base = Directory.default()
    if path is None:
        return base
    with open(path, encoding="utf-8") as file:
        document = json.load(file)
    try:
        return Directory.from_json(document, base=base)
    except LocalProtocolError as exc:
        raise ValueError(exc.message) from exc


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fake server until Ctrl-C; returns the exit code (0, or 2 for bad options)."""
    args = _parser().parse_args(argv)
    try:
        directory = load_directory(args.directory)
    except (OSError, ValueError) as exc:
        print(f"fake-server: --directory {args.directory}: {exc}", file=sys.stderr)
        return 2
    status = 0
    try:
        trio.run(serve, args, directory, sys.stdout)
    except* KeyboardInterrupt:
        print("fake RELAY server stopped", file=sys.stderr)
    except* OSError as group:  # e.g. the port is taken
        for error in group.exceptions:
            print(f"fake-server: {error}", file=sys.stderr)
        status = 1
    return status
