"""Run a handler for every inbound call, in a nursery, with bounded concurrency."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import trio

from relay_core import InvalidArgumentError, check_count

if TYPE_CHECKING:
    from ._call import Call
    from ._client import RelayClient

__all__ = ["serve"]

log = logging.getLogger("relay_trio")


async def serve(
    client: RelayClient,
    handler: Callable[[Call], Awaitable[object]],
    *,
    max_concurrent: int = 100,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run ``await handler(call)`` for each inbound call until the client closes.

    Handlers run in a nursery owned by this function, at most
    ``max_concurrent`` at once; further offers wait in the client's buffer
    (and past ``max_pending_calls`` are passed back to the server).  An
    exception from a handler is logged with its call id and does not stop
    the others; cancellation (of ``serve`` or the client) cancels them all.
    Use ``await nursery.start(serve, client, handler)`` to know when it
    listens.
    """
    check_count("max_concurrent", max_concurrent)
    if not callable(handler):
        raise InvalidArgumentError(f"handler: {handler!r} is not callable")
    limiter = trio.CapacityLimiter(max_concurrent)
    async with trio.open_nursery() as nursery, client.incoming_calls() as calls:
        task_status.started()
        async for call in calls:
            await limiter.acquire_on_behalf_of(call)
            nursery.start_soon(_handle, handler, call, limiter, name=f"relay call {call.call_id}")


async def _handle(
    handler: Callable[[Call], Awaitable[object]], call: Call, limiter: trio.CapacityLimiter
) -> None:
    try:
        await handler(call)
    except Exception:
        log.exception("the handler for call %s failed", call.call_id)
    finally:
        limiter.release_on_behalf_of(call)
