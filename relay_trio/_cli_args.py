"""argparse ``type=`` functions shared by the command-line programs.

Each one turns the option's text into a value or raises
``argparse.ArgumentTypeError`` with a short reason; argparse then prints
``usage ... error: argument --speed: 0 is not a number > 0`` and exits with
status 2.  So a bad value is a one-line usage error, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable

__all__ = [
    "HelpFormatter",
    "add_connection_options",
    "count",
    "float_between",
    "non_empty",
    "port",
    "prog",
]

#: The console script's name (``[project.scripts]`` in pyproject.toml).
SCRIPT = "sansio-relay"


def prog(command: str) -> str:
    """``command``'s program name: ``sansio-relay dial``, or ``python -m relay_trio dial``."""
    invoked = os.path.basename(sys.argv[0]) if sys.argv else ""
    return f"{SCRIPT if invoked == SCRIPT else 'python -m relay_trio'} {command}"


def count(low: int) -> Callable[[str], int]:
    """An integer >= ``low``."""

    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer >= {low}")
        return value

    parse.__name__ = "integer"
    return parse


def add_connection_options(parser: argparse.ArgumentParser, *, host_help: str) -> None:
    """``--host``, ``--project``, ``--token``: a Space and its credentials (env defaults)."""
    parser.add_argument("--host", metavar="HOST", type=non_empty, help=host_help)
    parser.add_argument(
        "--project",
        metavar="ID",
        type=non_empty,
        help="project id (default: SIGNALWIRE_PROJECT_ID)",
    )
    parser.add_argument(
        "--token", metavar="TOKEN", type=non_empty, help="API token (default: SIGNALWIRE_API_TOKEN)"
    )


def float_between(
    low: float, high: float = math.inf, *, low_open: bool = False
) -> Callable[[str], float]:
    """A finite float in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    if low_open and high == math.inf:
        wanted = f"a number > {low:g}"
    elif high == math.inf:
        wanted = f"a number >= {low:g}"
    else:
        wanted = f"a number from {low:g} to {high:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {wanted}") from None
        too_low = value <= low if low_open else value < low
        # NaN fails every comparison, so test finiteness first.
        if not math.isfinite(value) or too_low or value > high:
            raise argparse.ArgumentTypeError(f"{text!r} is not {wanted}")
        return value

    parse.__name__ = "number"  # argparse names the type in some messages
    return parse


def port(text: str) -> int:
    """A TCP port: an integer from 0 (any free port) to 65535."""
    try:
        value = int(text, 10)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port number from 0 to 65535 (0 = any free port)"
        )
    return value


def non_empty(text: str) -> str:
    """Any text but the empty string."""
    if not text:
        raise argparse.ArgumentTypeError("must not be empty")
    return text


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows ``(default: X)`` after each option's help, except for no default or a flag."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)
