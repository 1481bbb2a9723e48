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
    from ._message import Message

__all__ = ["serve"]

log = logging.getLogger("relay_trio")


async def serve(
    client: RelayClient,
    handler: Callable[[Call], Awaitable[object]] | None,
    *,
    max_concurrent: int = 100,
    message_handler: Callable[[Message], Awaitable[object]] | None = None,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run ``await handler(call)`` for each inbound call until the client closes.

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
    """
    check_count("max_concurrent", max_concurrent)
    if handler is None and message_handler is None:
        raise InvalidArgumentError("handler: None, and no message_handler: nothing to serve")
    if handler is not None and not callable(handler):
        raise InvalidArgumentError(f"handler: {handler!r} is not callable")
    if message_handler is not None and not callable(message_handler):
        raise InvalidArgumentError(f"message_handler: {message_handler!r} is not callable")
    limiter = trio.CapacityLimiter(max_concurrent)
    async with trio.open_nursery() as nursery:
        if message_handler is not None:
            nursery.start_soon(_serve_messages, client, message_handler, limiter, nursery)
        if handler is None:
            task_status.started()
            return
        async with client.incoming_calls() as calls:
            task_status.started()
            async for call in calls:
                await limiter.acquire_on_behalf_of(call)
                nursery.start_soon(
                    _handle, handler, call, limiter, name=f"relay call {call.call_id}"
                )


async def _serve_messages(
    client: RelayClient,
    handler: Callable[[Message], Awaitable[object]],
    limiter: trio.CapacityLimiter,
    nursery: trio.Nursery,
) -> None:
    async with client.incoming_messages() as messages:
        async for message in messages:
            await limiter.acquire_on_behalf_of(message)
            nursery.start_soon(
                _handle_message,
                handler,
                message,
                limiter,
                name=f"relay message {message.message_id}",
            )


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


async def _handle(
    handler: Callable[[Call], Awaitable[object]], call: Call, limiter: trio.CapacityLimiter
) -> None:
    try:
        await handler(call)
    except Exception:
        log.exception("the handler for call %s failed", call.call_id)
    finally:
        limiter.release_on_behalf_of(call)
