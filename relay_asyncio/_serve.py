"""``relay_asyncio.serve``: relay_trio.serve's drain for the official SDK's ``on_call`` model.

The same drain as relay_trio (its module docstring says why each step):
once ``drain`` is set, unreceive the client's contexts, pass back every
offer that still arrives, let the handlers running finish for at most
``grace`` seconds, then cancel the rest and hang up their calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from relay_core import (
    DEFAULT_GRACE,
    DRAIN_HANGUP_TIMEOUT,
    InvalidArgumentError,
    RelayError,
    ServeSummary,
    check_count,
    check_timeout,
)

from ._call import Call
from ._client import RelayClient

__all__ = ["serve"]

log = logging.getLogger("relay_asyncio")

Handler = Callable[[Call], Awaitable[object]]
#: Seconds, after the drain, to wait for the last calls' ended events.
LINGER = 1.0


class _Serving:
    """The ``on_call`` handler ``serve`` installs, and what its calls came to."""

    def __init__(self, handler: Handler, max_concurrent: int) -> None:
        self.handler = handler
        self.max_concurrent = max_concurrent
        self.running: dict[asyncio.Task[object], Call] = {}
        self.cutting: set[asyncio.Task[object]] = set()
        self.idle = asyncio.Event()
        self.idle.set()
        self.draining = False
        self.handled = self.finished = self.cut = self.passed = 0

    async def on_call(self, call: Call) -> None:
        task = asyncio.current_task()
        assert task is not None
        if self.draining or len(self.running) >= self.max_concurrent:
            await self.pass_back(call)
            return
        self.running[task] = call
        self.idle.clear()
        self.handled += 1
        try:
            await self.handler(call)
        except asyncio.CancelledError:
            if task not in self.cutting:
                raise
            task.uncancel()  # our own cancellation: the hangup below must run
            self.cut += 1
            await _hang_up(call)
            return
        except Exception:
            log.exception("the handler for call %s failed", call.call_id)
        finally:
            del self.running[task]
            if not self.running:
                self.idle.set()
        self.finished += 1

    async def pass_back(self, call: Call) -> None:
        try:
            await call.pass_()
        except RelayError as exc:  # it ended meanwhile, or the session is gone
            log.warning("could not pass call %s back: %s", call.call_id, exc)
            return
        if self.draining:
            self.passed += 1
            log.info("passed call %s back to the server (draining)", call.call_id)
        else:
            log.warning("passed call %s back: %d handlers busy", call.call_id, len(self.running))


async def _hang_up(call: Call) -> None:
    if call.state == "ended":
        return
    log.info("hanging up call %s: the drain's grace ran out", call.call_id)
    try:
        async with asyncio.timeout(DRAIN_HANGUP_TIMEOUT):
            await call.hangup()
    except (RelayError, TimeoutError) as exc:  # gone already, or the server is slow
        log.info("call %s: %s", call.call_id, exc or "hangup timed out")


async def _unreceive(client: RelayClient, contexts: list[str]) -> None:
    if not contexts:
        return
    try:
        await client.unreceive(contexts)
    except RelayError as exc:  # offers that still come are passed back
        log.warning("signalwire.unreceive failed: %s", exc)
    else:
        log.info("unreceived %s: no new offers", ", ".join(contexts))


async def serve(
    client: RelayClient,
    handler: Callable[[Call], Awaitable[object]],
    *,
    max_concurrent: int = 100,
    drain: asyncio.Event | None = None,
    grace: float = DEFAULT_GRACE,
) -> ServeSummary:
    """Open ``client``, run ``await handler(call)`` for every inbound call until drained, close it.

    As ``client.run()`` with a drain: ``serve`` sets the client's ``on_call``
    handler (before the session opens, so no offer finds it missing), then
    enters ``async with client:`` itself.  At most ``max_concurrent`` handlers run at once (and
    at most the client's ``max_concurrent_handlers``); an offer over either
    cap is passed to another client (``calling.pass``), as the official SDK.
    An exception from a handler is logged with its call id.

    Once ``drain`` is set (without one: until cancelled), the client
    unreceives its contexts, passes back every offer that still arrives,
    waits up to ``grace`` seconds for the handlers running, then cancels the
    rest and hangs up their calls; it waits (at most a second) for the
    calls' ended events, closes the client and returns.  relay_trio's
    ``serve`` does the same (but leaves its client open).

    Returns:
        What it did (:class:`relay_core.ServeSummary`).
    """
    check_count("max_concurrent", max_concurrent)
    grace = check_timeout("grace", grace, allow_zero=True)
    if not callable(handler):
        raise InvalidArgumentError(f"handler: {handler!r} is not callable")
    if drain is not None and not isinstance(drain, asyncio.Event):
        raise InvalidArgumentError(f"drain: {drain!r} is not an asyncio.Event")
    serving = _Serving(handler, max_concurrent)
    client.on_call(serving.on_call)
    async with client:
        await (asyncio.Event() if drain is None else drain).wait()
        serving.draining = True
        contexts = list(client.contexts)
        log.info(
            "draining: unreceiving %s; %d calls in progress, %g s grace",
            ", ".join(contexts) or "(no contexts)",
            len(serving.running),
            grace,
        )
        try:
            # Both within the grace: a drain with no call in progress still waits
            # for the unreceive, so no offer can reach this client after it leaves.
            async with asyncio.timeout(grace):
                await asyncio.gather(_unreceive(client, contexts), serving.idle.wait())
        except TimeoutError:
            pass
        if serving.running:
            tasks = list(serving.running)
            log.info("grace over: cutting %d calls in progress", len(tasks))
            serving.cutting.update(tasks)
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
        # The calls' ended events, for the handlers' listeners (bounded).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LINGER
        while client.statistics().live_calls and loop.time() < deadline:
            await asyncio.sleep(0.02)
    return ServeSummary(
        handled=serving.handled,
        finished=serving.finished,
        cut=serving.cut,
        passed=serving.passed,
        drained=True,
    )
