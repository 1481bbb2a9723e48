"""relay_trio's side of the asyncio engineer's ``verb_ops`` (branch asyncio-verbs).

Same names, arguments and return values as ``tests/conformance/verb_ops.py``
there, whose trio branches raise ``NotImplementedError`` until this lands:
when both are merged, each ``raise _trio_pending(...)`` becomes
``return await verb_ops_trio.<op>(client, call, ...)``.  (This branch's own
verb scenarios, ``tests/conformance/verbs.py``, cover the same verbs through
a verb set per adapter; the lead keeps one of the two shapes.)
"""

from __future__ import annotations

from typing import Any

from relay_core import CollectDigits

from .driver import Client


async def record(client: Client, call: Any, audio: dict[str, Any]) -> dict[str, Any]:
    """Record until the recording ends by itself; its state, url, duration and size."""
    recording = await call.record(**audio)
    return {
        "state": None if recording.result is None else recording.result.state,
        "url": recording.url,
        "duration": recording.duration,
        "size": recording.size,
    }


async def collect_digits(
    client: Client, call: Any, text: str, digits: dict[str, Any]
) -> dict[str, Any]:
    """Speak ``text``, collect DTMF; the result's type, digits and terminator."""
    prompt = await call.prompt_tts(text, digits=CollectDigits(**digits), initial_timeout=5)
    return {"type": prompt.type, "digits": prompt.digits, "terminator": prompt.terminator}


async def detect_machine(client: Client, call: Any) -> str | None:
    """Answering-machine detection; the first decisive event (``MACHINE``, ``HUMAN``...)."""
    detection = await call.detect_answering_machine(timeout=30)
    event: str | None = detection.event
    return event


async def send_digits(client: Client, call: Any, digits: str) -> str | None:
    """Send DTMF.  relay_trio's await returns once the digits were sent (the
    ``finished`` event, after the reply): ``"200"`` then, as the reply said."""
    sending = await call.send_digits(digits)
    return "200" if sending.succeeded else None
