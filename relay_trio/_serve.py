"""Run a handler for every inbound call, with bounded concurrency and a graceful drain.

The drain, once ``drain`` is set:

1. stop taking offers, and ``signalwire.unreceive`` every context of the
   client, so the server offers this client nothing new (the core forgets
   them: a resume does not receive them again);
2. pass back (``calling.pass``) every offer that waits in the client's
   buffer or still arrives (sent before the server read the unreceive),
   so another client of the context answers it: none is lost;
3. let the handlers running finish, for at most ``grace`` seconds;
4. cancel the handlers still running and hang up their calls.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import trio

from relay_core import (
    DEFAULT_GRACE,
    DRAIN_HANGUP_TIMEOUT,
    CallState,
    InvalidArgumentError,
    RelayError,
    ServeSummary,
    check_count,
    check_timeout,
)

if TYPE_CHECKING:
    from ._call import Call
    from ._client import RelayClient
    from ._message import Message

__all__ = ["serve"]

log = logging.getLogger("relay_trio")

Handler = Callable[["Call"], Awaitable[object]]


class _Serving:
    """The handlers running: their cancel scopes, and what they came to."""

    def __init__(self, max_concurrent: int) -> None:
        self.limiter = trio.CapacityLimiter(max_concurrent)
        self.running: dict[Call, trio.CancelScope] = {}
        self.idle = trio.Event()
        self.idle.set()
        self.handled = self.finished = self.cut = self.passed = 0

    def start(self, call: Call) -> trio.CancelScope:
        """Count ``call`` as running from now (before its task first runs)."""
        self.handled += 1
        scope = self.running[call] = trio.CancelScope()
        self.idle = trio.Event() if self.idle.is_set() else self.idle
        return scope

    async def run(self, handler: Handler, call: Call, scope: trio.CancelScope) -> None:
        try:
            with scope:
                try:
                    await handler(call)
                except Exception:
                    log.exception("the handler for call %s failed", call.call_id)
            if scope.cancelled_caught:
                self.cut += 1
                await _hang_up(call)
            else:
                self.finished += 1
        finally:
            del self.running[call]
            self.limiter.release_on_behalf_of(call)
            if not self.running:
                self.idle.set()

    async def pass_back(self, call: Call) -> None:
        try:
            # Shielded: the pass of an offer taken from the buffer must be sent.
            with trio.CancelScope(shield=True), trio.fail_after(DRAIN_HANGUP_TIMEOUT):
                await call.pass_()
        except (RelayError, trio.TooSlowError) as exc:  # it ended meanwhile, or the session is gone
            log.warning("could not pass call %s back: %s", call.call_id, exc)
        else:
            self.passed += 1
            log.info("passed call %s back to the server (draining)", call.call_id)


async def _hang_up(call: Call) -> None:
    if call.state is CallState.ENDED:
        return
    log.info("hanging up call %s: the drain's grace ran out", call.call_id)
    with trio.move_on_after(DRAIN_HANGUP_TIMEOUT):
        try:
            await call.hangup()
        except RelayError as exc:  # gone already: nothing left to end
            log.info("call %s: %s", call.call_id, exc)


async def serve(
    client: RelayClient,
    handler: Callable[[Call], Awaitable[object]] | None,
    *,
    max_concurrent: int = 100,
    drain: trio.Event | None = None,
    grace: float = DEFAULT_GRACE,
    message_handler: Callable[[Message], Awaitable[object]] | None = None,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> ServeSummary:
    """Run ``await handler(call)`` for each inbound call until drained or the client closes.

    With ``message_handler``, also ``await message_handler(message)`` for each
    inbound SMS/MMS (``handler`` may then be ``None``: calls are left to
    others); both kinds share the ``max_concurrent`` bound.

    Handlers run in a nursery owned by this function, at most
    ``max_concurrent`` at once; further offers wait in the client's buffer
    (and past ``max_pending_calls`` are passed back to the server).  An
    exception from a handler is logged with its call id and does not stop
    the others; cancellation (of ``serve`` or the client) cancels them all.
    Use ``await nursery.start(serve, client, handler)`` to know when it
    listens.

    Once ``drain`` is set, the client unreceives its contexts, passes back
    every offer it has not started, waits up to ``grace`` seconds for the
    handlers running, then cancels the rest and hangs up their calls; then
    ``serve`` returns (the client stays open).  Several clients, each with
    its own ``serve``, may run in one process.

    Returns:
        What it did (:class:`relay_core.ServeSummary`).
    """
    check_count("max_concurrent", max_concurrent)
    grace = check_timeout("grace", grace, allow_zero=True)
    if handler is None and message_handler is None:
        raise InvalidArgumentError("handler: None, and no message_handler: nothing to serve")
    if handler is not None and not callable(handler):
        raise InvalidArgumentError(f"handler: {handler!r} is not callable")
    if message_handler is not None and not callable(message_handler):
        raise InvalidArgumentError(f"message_handler: {message_handler!r} is not callable")
    if drain is not None and not isinstance(drain, trio.Event):
        raise InvalidArgumentError(f"drain: {drain!r} is not a trio.Event")
    serving = _Serving(max_concurrent)
    held: list[Call] = []  # an offer taken but not started when the drain began
    drained = False
    async with trio.open_nursery() as handlers:
        if message_handler is not None:
            # Messages share the calls' bound; they stop with the drain (an
            # acked message cannot be passed back, so none is taken after it).
            handlers.start_soon(_serve_messages, client, message_handler, serving.limiter, drain)
        if handler is None:
            task_status.started()
        else:
            async with client.incoming_calls() as calls:
                async with trio.open_nursery() as intake:
                    if drain is not None:
                        intake.start_soon(_cancel_when_set, drain, intake.cancel_scope)
                    task_status.started()
                    async for call in calls:
                        held.append(call)
                        await serving.limiter.acquire_on_behalf_of(call)
                        held.remove(call)
                        scope = serving.start(call)
                        handlers.start_soon(
                            serving.run, handler, call, scope, name=f"relay call {call.call_id}"
                        )
                    intake.cancel_scope.cancel()  # the client closed: no drain
                if drain is not None and drain.is_set():
                    drained = True
                    await _drain(client, serving, calls, held, grace)
    drained = drained or (drain is not None and drain.is_set())
    return ServeSummary(
        handled=serving.handled,
        finished=serving.finished,
        cut=serving.cut,
        passed=serving.passed,
        drained=drained,
    )


async def _serve_messages(
    client: RelayClient,
    handler: Callable[[Message], Awaitable[object]],
    limiter: trio.CapacityLimiter,
    drain: trio.Event | None,
) -> None:
    async with (
        trio.open_nursery() as running,
        client.incoming_messages() as messages,
        trio.open_nursery() as intake,  # the drain stops the intake only
    ):
        if drain is not None:
            intake.start_soon(_cancel_when_set, drain, intake.cancel_scope)
        async for message in messages:
            await limiter.acquire_on_behalf_of(message)
            running.start_soon(
                _handle_message,
                handler,
                message,
                limiter,
                name=f"relay message {message.message_id}",
            )
        intake.cancel_scope.cancel()


async def _handle_message(
    handler: Callable[[Message], Awaitable[object]],
    message: Message,
    limiter: trio.CapacityLimiter,
) -> None:
    try:
        await handler(message)
    except Exception:
        log.exception("the handler for message %s failed", message.message_id)
    finally:
        limiter.release_on_behalf_of(message)


async def _cancel_when_set(event: trio.Event, scope: trio.CancelScope) -> None:
    await event.wait()
    scope.cancel()


async def _drain(
    client: RelayClient,
    serving: _Serving,
    calls: trio.MemoryReceiveChannel[Call],
    held: list[Call],
    grace: float,
) -> None:
    contexts = client.contexts
    log.info(
        "draining: unreceiving %s; %d calls in progress, %g s grace",
        ", ".join(contexts) or "(no contexts)",
        len(serving.running),
        grace,
    )
    async with trio.open_nursery() as passing:
        passing.start_soon(_pass_offers, serving, calls, held)
        # Both within the grace: a drain with no call in progress still waits
        # for the unreceive, so no offer can reach this client after it leaves.
        with trio.move_on_after(grace):
            async with trio.open_nursery() as waits:
                waits.start_soon(_unreceive, client, contexts)
                waits.start_soon(serving.idle.wait)
        passing.cancel_scope.cancel()
    while True:  # what arrived while the last pass was sent
        try:
            call = calls.receive_nowait()
        except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
            break
        await serving.pass_back(call)
    if serving.running:
        log.info("grace over: cutting %d calls in progress", len(serving.running))
        for scope in serving.running.values():
            scope.cancel()


async def _unreceive(client: RelayClient, contexts: tuple[str, ...]) -> None:
    if not contexts:
        return
    try:
        await client.unreceive(contexts)
    except RelayError as exc:  # offers that still come are passed back
        log.warning("signalwire.unreceive failed: %s", exc)
    else:
        log.info("unreceived %s: no new offers", ", ".join(contexts))


async def _pass_offers(
    serving: _Serving, calls: trio.MemoryReceiveChannel[Call], held: list[Call]
) -> None:
    for call in held:  # its acquire was cancelled: it holds no slot
        await serving.pass_back(call)
    async for call in calls:
        await serving.pass_back(call)
