"""Handlers for the ``serve`` tests, imported by the worker processes.

``SERVE_APP_HOLD`` (seconds, default 0.5) is how long a call stays answered.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import trio

log = logging.getLogger("serve_app")
HOLD = float(os.environ.get("SERVE_APP_HOLD", "0.5"))


async def answer_and_hold(call: Any) -> None:
    """relay_trio: answer, hold the line, hang up."""
    await call.answer()
    await trio.sleep(HOLD)
    await call.hangup()
    log.info("handler finished call %s", call.call_id)


async def answer_and_hold_asyncio(call: Any) -> None:
    """relay_asyncio: the same."""
    await call.answer()
    await asyncio.sleep(HOLD)
    await call.hangup()
    log.info("handler finished call %s", call.call_id)


def not_async(call: Any) -> None:
    """Not a coroutine function: ``serve`` refuses it."""
