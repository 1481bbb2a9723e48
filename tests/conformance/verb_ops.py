"""The verbs of issue 13 behind one face for the scenarios (``verb_scenarios``).

Each op takes the driver's :class:`~tests.conformance.driver.Client` and a
call, runs one verb to its end and returns a plain outcome (the same values
on both adapters).  The relay_asyncio side is here; the relay_trio side is
the trio engineer's (issue 13 item 3): until it lands, a trio op raises
``NotImplementedError`` and the scenario is skipped on trio.
"""

from __future__ import annotations

from typing import Any

from .driver import Client


def _payload(terminal: Any) -> Any:
    """The deciding event's fields, whatever ``wait()`` returns.

    relay_asyncio returns the core's ``ActionFinished`` today (its
    ``result`` is the typed payload); once it returns the official event
    classes their ``.params`` is the wire dict.
    """
    result = getattr(terminal, "result", None)
    return result if result is not None else getattr(terminal, "params", terminal)


def _field(payload: Any, name: str) -> Any:
    if isinstance(payload, dict):
        return payload.get(name)
    return getattr(payload, name, None)


def _trio_pending(verb: str) -> NotImplementedError:
    return NotImplementedError(f"relay_trio's {verb} op is the trio engineer's (issue 13 item 3)")


async def record(client: Client, call: Any, audio: dict[str, Any]) -> dict[str, Any]:
    """Record until the recording ends by itself; its url, duration and size."""
    if client.driver.name != "asyncio":
        raise _trio_pending("record")
    action = await call.record(audio)
    recording = _payload(await action.wait())
    return {
        "state": _field(recording, "state"),
        "url": action.url,
        "duration": action.duration,
        "size": action.size,
    }


async def collect_digits(
    client: Client, call: Any, text: str, digits: dict[str, Any]
) -> dict[str, Any]:
    """Speak ``text``, collect DTMF; the result's type, digits and terminator."""
    if client.driver.name != "asyncio":
        raise _trio_pending("prompt_tts")
    action = await call.prompt_tts(text, {"initial_timeout": 5, "digits": digits})
    result = _payload(await action.wait())
    return {
        "type": _field(result, "result_type"),
        "digits": _field(result, "digits"),
        "terminator": _field(result, "terminator"),
    }


async def detect_machine(client: Client, call: Any) -> str | None:
    """Answering-machine detection; the first decisive event (``MACHINE``, ``HUMAN``...)."""
    if client.driver.name != "asyncio":
        raise _trio_pending("detect_answering_machine")
    action = await call.detect_answering_machine(timeout=30)
    event = _field(_payload(await action.wait()), "event")
    return event if isinstance(event, str) else None


async def send_digits(client: Client, call: Any, digits: str) -> str | None:
    """Send DTMF; the reply's code."""
    if client.driver.name != "asyncio":
        raise _trio_pending("send_digits")
    reply = await call.send_digits(digits)
    code = reply.get("code")
    return code if isinstance(code, str) else None
