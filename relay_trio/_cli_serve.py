"""``sansio-relay serve module:handler --context office``: an app's handler as a service.

Runs ``await handler(call)`` for every inbound call of the contexts, on
relay_trio (``--loop trio``, the default: :func:`relay_trio.serve`) or
relay_asyncio (``--loop asyncio``: :func:`relay_asyncio.serve`), with
bounded concurrency; the clients reconnect and resume by themselves.  Logs
one line per call event, naming the call id.

SIGTERM or SIGINT drains (the serves' docstrings say how) and exits 0; a
second signal exits at once with ``128 + signal``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import trio

from relay_core import (
    DEFAULT_GRACE,
    AuthenticationError,
    Event,
    RelayError,
    ServeSummary,
    SessionStarted,
)

from ._cli_args import HelpFormatter, add_connection_options, count, float_between, non_empty, prog
from ._cli_log import describe_event

__all__ = ["build_parser", "load_handler", "main"]

#: The logger of the per-call-event lines.
calls_log = logging.getLogger("sansio_relay.calls")
log = logging.getLogger("sansio_relay.serve")

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SIGNALS = (signal.SIGTERM, signal.SIGINT)
#: Seconds, after the drain, that the log waits for the last calls' ended events.
LINGER = 1.0


class UsageError(Exception):
    """The app cannot be loaded; the text says why (exit status 2)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog("serve"),
        description=(
            "Run an app's async handler for every inbound call on the contexts, until "
            "SIGTERM or SIGINT: then stop receiving (signalwire.unreceive), pass back the "
            "offers not started, let the calls in progress finish for --grace seconds, hang "
            "up the rest and exit 0.  A second signal exits at once.  Run several to share "
            "a context's calls."
        ),
        epilog=(
            "The handler is `async def handler(call)`: a relay_trio.Call (--loop trio) or a "
            "relay_asyncio.Call (--loop asyncio).  SIGNALWIRE_RELAY_CA_FILE adds a CA for wss://."
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "app", metavar="MODULE:HANDLER", type=non_empty, help="the handler, e.g. myapp.calls:handle"
    )
    parser.add_argument(
        "--context",
        dest="contexts",
        metavar="CONTEXT",
        type=non_empty,
        action="append",
        required=True,
        help="a context to receive calls on (repeat for more)",
    )
    add_connection_options(
        parser,
        host_help=(
            "Space host or ws(s):// URL (default: SIGNALWIRE_SPACE, else relay.signalwire.com)"
        ),
    )
    parser.add_argument(
        "--loop", choices=("trio", "asyncio"), default="trio", help="the adapter to run on"
    )
    parser.add_argument(
        "--max-concurrent",
        metavar="N",
        type=count(1),
        default=100,
        help="handlers running at once; further offers wait, then are passed to other workers",
    )
    parser.add_argument(
        "--grace",
        metavar="SECONDS",
        type=float_between(0),
        default=DEFAULT_GRACE,
        help="on SIGTERM/SIGINT, seconds the calls in progress may take to finish (>= 0)",
    )
    parser.add_argument(
        "--open-timeout",
        metavar="SECONDS",
        type=float_between(0, low_open=True),
        default=30.0,
        help="seconds to wait for the first session (> 0)",
    )
    parser.add_argument(
        "--app-dir",
        metavar="DIR",
        default=".",
        help="directory put first on the import path to find MODULE",
    )
    parser.add_argument(
        "--log-level", choices=LOG_LEVELS, default="INFO", help="the lowest level logged"
    )
    return parser


def load_handler(spec: str, app_dir: str) -> Callable[[Any], Awaitable[object]]:
    """Import ``module:attr`` (``attr`` may be dotted) and check it is an async callable.

    Raises:
        UsageError: the spec is malformed, the module or attribute missing,
            or the handler not an async function.
    """
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"app {spec!r} is not MODULE:HANDLER (e.g. myapp.calls:handle)")
    path = os.path.abspath(app_dir)
    if path not in sys.path:
        sys.path.insert(0, path)
    try:
        target: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):
            raise  # the app imports something missing: its traceback helps
        raise UsageError(f"app {spec!r}: no module {exc.name!r} (in {path}?)") from None
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise UsageError(f"app {spec!r}: {module_name} has no {attr!r}") from None
    is_async = inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(
        getattr(target, "__call__", None)  # noqa: B004  (an object with an async __call__)
    )
    if not callable(target) or not is_async:
        raise UsageError(f"app {spec!r}: {target!r} is not an async function (async def)")
    return target  # type: ignore[no-any-return]


def _log_event(event: Event) -> None:
    if isinstance(event, SessionStarted):
        log.info("RELAY session %s", "resumed" if event.restored else "started")
        return
    line = describe_event(event)
    if line is not None:
        calls_log.info("%s", line)


def _log_summary(summary: ServeSummary) -> None:
    log.info(
        "drained: %d calls handled (%d finished, %d cut at the grace), %d offers passed back",
        summary.handled,
        summary.finished,
        summary.cut,
        summary.passed,
    )


# -- trio -------------------------------------------------------------------------------


async def _serve_trio(args: argparse.Namespace, handler: Any, forced: list[int]) -> None:
    from ._client import open_relay_client
    from ._serve import serve

    drain = trio.Event()
    with trio.open_signal_receiver(*SIGNALS) as signals:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_watch_signals, signals, drain, nursery.cancel_scope, forced)
            async with (
                open_relay_client(
                    host=args.host,
                    project=args.project,
                    token=args.token,
                    contexts=args.contexts,
                    open_timeout=args.open_timeout,
                    max_pending_calls=args.max_concurrent,
                ) as client,
                trio.open_nursery() as logging_nursery,
            ):
                logging_nursery.start_soon(_log_events, client)
                log.info(
                    "serving %s on %s (trio, %d calls at once, pid %d)",
                    args.app,
                    ", ".join(args.contexts),
                    args.max_concurrent,
                    os.getpid(),
                )
                summary = await serve(
                    client,
                    handler,
                    max_concurrent=args.max_concurrent,
                    drain=drain,
                    grace=args.grace,
                )
                _log_summary(summary)
                # The last calls' ended events, for the log (bounded).
                with trio.move_on_after(LINGER):
                    while client.statistics().live_calls:
                        await trio.sleep(0.02)
                logging_nursery.cancel_scope.cancel()
            nursery.cancel_scope.cancel()


async def _log_events(client: Any) -> None:
    async for event in client.events():
        _log_event(event)


async def _watch_signals(
    signals: Any, drain: trio.Event, scope: trio.CancelScope, forced: list[int]
) -> None:
    async for signum in signals:
        if drain.is_set():
            log.warning("second signal (%s): exiting now", signal.Signals(signum).name)
            forced.append(signum)
            scope.cancel()
            return
        log.info("%s: draining", signal.Signals(signum).name)
        drain.set()


# -- asyncio ----------------------------------------------------------------------------


async def _serve_asyncio(args: argparse.Namespace, handler: Any, forced: list[int]) -> None:
    import relay_asyncio

    loop = asyncio.get_running_loop()
    drain = asyncio.Event()
    main_task = asyncio.current_task()
    assert main_task is not None

    def on_signal(signum: int) -> None:
        if drain.is_set():
            log.warning("second signal (%s): exiting now", signal.Signals(signum).name)
            forced.append(signum)
            main_task.cancel()
        else:
            log.info("%s: draining", signal.Signals(signum).name)
            drain.set()

    for signum in SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)

    async def logged(call: relay_asyncio.Call) -> None:
        # relay_asyncio has no client-wide event tap: follow each call.
        for event_type in ("calling.call.state", "calling.call.connect", "calling.call.play"):
            call.on(event_type, _log_event)
        calls_log.info(
            "inbound call %s offered on context %s", call.call_id, call.context or "(none)"
        )
        await handler(call)

    client = relay_asyncio.RelayClient(
        project=args.project,
        token=args.token,
        host=args.host,
        contexts=args.contexts,
        max_concurrent_handlers=args.max_concurrent,
        open_timeout=args.open_timeout,
    )
    log.info(
        "serving %s on %s (asyncio, %d calls at once, pid %d)",
        args.app,
        ", ".join(args.contexts),
        args.max_concurrent,
        os.getpid(),
    )
    summary = await relay_asyncio.serve(
        client, logged, max_concurrent=args.max_concurrent, drain=drain, grace=args.grace
    )
    _log_summary(summary)


# -- main -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until drained; returns the exit code (0; 1 if no session; 2 bad usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format=LOG_FORMAT, stream=sys.stderr, force=True)
    try:
        handler = load_handler(args.app, args.app_dir)
    except UsageError as exc:
        parser.error(str(exc))
    forced: list[int] = []
    status = 0
    try:
        if args.loop == "trio":
            trio.run(_serve_trio, args, handler, forced)
        else:
            asyncio.run(_serve_asyncio(args, handler, forced))
    except* AuthenticationError as group:
        log.error("authentication failed: %s", group.exceptions[0])
        status = 1
    except* RelayError as group:  # no session within --open-timeout, or the client failed
        error = group.exceptions[0]
        log.error("%s: %s", type(error).__name__, error)
        status = 1
    except* asyncio.CancelledError:
        pass  # the second signal (asyncio)
    except* KeyboardInterrupt:  # before the signal handlers were in place
        status = 128 + signal.SIGINT
    if forced:
        return 128 + forced[0]
    if status == 0:
        log.info("exiting")
    return status
