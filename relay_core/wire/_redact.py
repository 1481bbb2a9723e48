"""What may reach a log line: frames are described, never quoted (both adapters, both sides).

websockets logs every frame it sends or receives at DEBUG (``> TEXT '{"jsonrpc"...' [312 bytes]``),
truncated in the middle: the head and the *tail* of a frame, so the tail of
the ``signalwire.connect`` token (or of ``authorization_state`` after a
resume) would reach the log.  Substring redaction of the known secret cannot
catch every cut, so the frame's payload never reaches a log line at all:
the adapters hand websockets a :func:`wire_logger`, which logs each frame as
its kind, JSON-RPC method (or event type) and size, and the value of every
credential-bearing HTTP header as ``[redacted]``.

Duck-typed (anything with ``opcode`` and ``data`` is a frame), so the core
imports no WebSocket library.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from logging import _ExcInfoType

__all__ = ["describe_frame", "wire_logger"]

#: HTTP headers whose values are credentials (lower-case).
_SECRET_HEADERS: Final = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
#: Only this many bytes of a text frame are parsed to name its method.
_PARSE_LIMIT: Final = 64 * 1024


def describe_frame(data: bytes | str) -> str:
    """A one-line description of a RELAY frame with none of its values.

    ``'request signalwire.connect id=3f2a... (312 bytes)'``; an event names its
    ``event_type``; anything else is only its size.
    """
    raw = data.encode() if isinstance(data, str) else data
    size = f"({len(raw)} bytes)"
    if len(raw) > _PARSE_LIMIT:
        return size
    try:
        message = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return size
    if not isinstance(message, dict):
        return size
    method = message.get("method")
    params = message.get("params")
    parts: list[str] = []
    if isinstance(method, str):
        parts += ["request", _word(method)]
        if method == "signalwire.event" and isinstance(params, dict):
            event_type = params.get("event_type")
            if isinstance(event_type, str):
                parts.append(_word(event_type))
    elif "result" in message:
        parts.append("result")
    elif "error" in message:
        parts.append("error")
    request_id = message.get("id")
    if isinstance(request_id, str | int) and not isinstance(request_id, bool):
        parts.append(f"id={_word(str(request_id))}")
    parts.append(size)
    return " ".join(parts)


def _word(text: str) -> str:
    """``text`` if it is a short identifier (a method, an id), else only its length."""
    if len(text) <= 64 and all(c.isalnum() or c in "._-:@" for c in text):
        return text
    return f"<{len(text)} chars>"


def _describe_arg(arg: object) -> object:
    data = getattr(arg, "data", None)
    opcode = getattr(arg, "opcode", None)
    if opcode is None or not isinstance(data, bytes | bytearray | memoryview):
        return arg
    name = getattr(opcode, "name", str(opcode))
    payload = bytes(data)
    if name == "TEXT" or name == "CONT":
        return f"{name} {describe_frame(payload)}"
    return f"{name} ({len(payload)} bytes)"  # ping, pong, close, binary: no content


class _WireLogger(logging.LoggerAdapter[logging.Logger]):
    """A logger for a WebSocket library: frames described, secret headers redacted.

    ``LoggerAdapter.debug`` and friends all go through :meth:`log`.
    """

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__(logger, {})

    def log(
        self,
        level: int,
        msg: object,
        *args: object,
        exc_info: _ExcInfoType | None = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
        **kwargs: object,
    ) -> None:
        if not self.isEnabledFor(level):
            return
        clean = tuple(_describe_arg(arg) for arg in args)
        # "> %s: %s" header lines: key, value.
        if len(clean) == 2 and isinstance(clean[0], str) and clean[0].lower() in _SECRET_HEADERS:
            clean = (clean[0], "[redacted]")
        self.logger.log(
            level,
            msg,
            *clean,
            exc_info=exc_info,
            stack_info=stack_info,
            stacklevel=stacklevel,
            extra=extra,
        )


def wire_logger(name: str) -> logging.LoggerAdapter[logging.Logger]:
    """The logger to hand a WebSocket library (``logger=``): it never logs a frame's content.

    Records still come from the logger ``name`` (``websockets.client``, ...),
    so existing logging configuration applies unchanged.
    """
    return _WireLogger(logging.getLogger(name))
