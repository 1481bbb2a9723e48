"""``sansio-relay <command> [options]`` (or ``python -m relay_trio <command> ...``).

Commands:
    demo          the README demo (provided by ``relay_trio._demo``)
    fake-server   serve the fake RELAY server on loopback (``--help`` for options)
    dial          place a call and print its timeline (``relay_trio._cli_dial``)
    serve         run an app's handler for every inbound call (``relay_trio._cli_serve``)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from ._cli_args import prog


def _fake_server(argv: Sequence[str]) -> int:
    from ._cli_fake_server import main

    return main(argv)


def _demo(argv: Sequence[str]) -> int:
    # The demo subcommand lives in relay_trio/_demo.py (its own owner); it
    # must define ``main(argv: Sequence[str]) -> int``.
    try:
        from ._demo import main  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}._demo":
            raise
        print("the demo is not available in this build", file=sys.stderr)
        return 2
    result: int = main(argv)
    return result


def _dial(argv: Sequence[str]) -> int:
    from ._cli_dial import main

    return main(argv)


def _serve(argv: Sequence[str]) -> int:
    from ._cli_serve import main

    return main(argv)


#: Subcommands: name → (runner, one-line help).  Add new ones here.
COMMANDS: dict[str, tuple[Callable[[Sequence[str]], int], str]] = {
    "demo": (_demo, "run the README demo"),
    "fake-server": (_fake_server, "serve a fake RELAY server on loopback for offline tests"),
    "dial": (_dial, "place a call (serial/parallel plan) and print its live timeline"),
    "serve": (_serve, "run an app's handler for every inbound call, with graceful drain"),
}


def _usage() -> str:
    lines = [f"usage: {prog('<command>')} [options]", "", "commands:"]
    lines += [f"  {name:<12}  {text}" for name, (_, text) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch on the first argument; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_usage(), file=sys.stderr if not args else sys.stdout)
        return 0 if args else 2
    entry = COMMANDS.get(args[0])
    if entry is None:
        print(f"unknown command {args[0]!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    return entry[0](args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
