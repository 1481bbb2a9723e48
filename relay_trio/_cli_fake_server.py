"""``python -m relay_trio fake-server``: the fake RELAY server as a program.

Prints the URL to connect to (and the CA file with ``--tls``), then one
readable line per session change, call event and rejected request
(``_cli_log``) until Ctrl-C, while running the commands typed on its
standard input (``_cli_commands``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

import trio

from relay_core import FakeRelayServer, LocalProtocolError
from relay_core.testing import Directory

from ._cli_args import HelpFormatter, float_between, non_empty, port, prog
from ._cli_commands import COMMANDS_HELP, read_commands
from ._cli_log import Timeline, describe
from .testing import open_fake_relay_server

__all__ = ["describe", "load_directory", "main", "serve"]

#: RELAY.md A uses this port in its examples.
DEFAULT_PORT = 8773
DEFAULT_PROJECT = "test-project"
DEFAULT_TOKEN = "test-token"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog("fake-server"),
        description=(
            "Serve a fake SignalWire RELAY server on loopback: sessions, acks, pings and a\n"
            "simulated phone network (see the README's directory table).  It logs one line\n"
            "per session connect and disconnect, call event and rejected request, and runs\n"
            "the commands typed on its standard input."
        ),
        epilog=COMMANDS_HELP,
        formatter_class=_Formatter,
    )
    parser.add_argument("--host", type=non_empty, default="127.0.0.1", help="interface to bind")
    parser.add_argument(
        "--port", type=port, default=DEFAULT_PORT, help="TCP port; 0 picks a free one (printed)"
    )
    parser.add_argument(
        "--tls", action="store_true", help="serve wss:// with a throw-away test CA (trustme)"
    )
    parser.add_argument(
        "--directory",
        metavar="FILE",
        help="JSON file of destination behaviours, layered on the default directory",
    )
    parser.add_argument(
        "--project", type=non_empty, default=DEFAULT_PROJECT, help="the accepted project"
    )
    parser.add_argument("--token", type=non_empty, default=DEFAULT_TOKEN, help="its token")
    parser.add_argument(
        "--ping-interval",
        type=float_between(0, low_open=True),
        metavar="SECONDS",
        help="send signalwire.ping every SECONDS (> 0; default: never)",
    )
    parser.add_argument(
        "--accept-flat-media",
        action="store_true",
        help='accept {"type": "tts", "text": ...} media (the real server expects nested params)',
    )
    parser.add_argument("--quiet", action="store_true", help="do not log")
    parser.add_argument(
        "--no-commands", action="store_true", help="do not read commands from standard input"
    )
    return parser


class _Formatter(HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown; the epilog (the command list) keeps its layout."""


async def serve(args: argparse.Namespace, directory: Directory, out: TextIO) -> None:
    """Run the server until cancelled: address first, then the timeline and the commands."""
    timeline = None if args.quiet else Timeline(out, start=trio.current_time())
    server = FakeRelayServer(
        credentials={args.project: args.token},
        directory=directory,
        ping_interval=args.ping_interval,
        accept_flat_media=args.accept_flat_media,
        journal_limit=1000,
        on_journal=timeline,
    )
    async with open_fake_relay_server(server, tls=args.tls, port=args.port, host=args.host) as fake:
        # The URL ends the line (scripts take the last word); it has the port.
        print(f"fake RELAY server listening on {fake.url}", file=out, flush=True)
        if fake.ca_path is not None:
            print(f"CA certificate: {fake.ca_path}", file=out, flush=True)
        if (args.project, args.token) == (DEFAULT_PROJECT, DEFAULT_TOKEN):
            credentials = f"project={DEFAULT_PROJECT} token={DEFAULT_TOKEN}"
        else:
            credentials = "the --project and --token given"  # never echo a chosen token
        print(f"credentials: {credentials}", file=out, flush=True)
        async with trio.open_nursery() as nursery:
            if timeline is not None:
                timeline.server = server
                nursery.start_soon(timeline.watch_closes, fake)
            if not args.no_commands:
                print(
                    "type help for commands (call, hangup, calls, sessions)", file=out, flush=True
                )
                nursery.start_soon(read_commands, fake, out)
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
