"""Argument checks shared by the commands, the config and both adapters.

Every public call checks its arguments here, before anything is queued or
sent, so a bad value fails the same way in the core, relay_trio and
relay_asyncio: an :class:`~relay_core.InvalidArgumentError` (a
``LocalProtocolError`` and a ``ValueError``) whose message names the
argument and shows the value, e.g. ``dial_timeout: -1 is not a positive
number of seconds``.

Rules: ``bool`` is never a number; NaN never passes; infinity passes only
where it means "no limit" (``allow_none`` timeouts, where it is turned into
``None``).  Each helper returns the checked value (normalised where noted).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from typing import Final, Literal, TypeVar, overload

from ._errors import InvalidArgumentError

__all__ = [
    "CALL_EVENT_BUFFER",
    "CLIENT_EVENT_BUFFER",
    "MAX_VOLUME_DB",
    "MIN_VOLUME_DB",
    "check_choice",
    "check_contexts",
    "check_count",
    "check_flag",
    "check_port",
    "check_positive",
    "check_secret",
    "check_text",
    "check_timeout",
    "check_volume",
]

#: The playback volume range of RELAY (dB).
MIN_VOLUME_DB: Final = -40.0
MAX_VOLUME_DB: Final = 40.0

#: Default bound of one call's event buffer: relay_trio's ``call.events()``
#: and relay_asyncio's ``call.on`` listener queue.  Policy, in both: the
#: reader never waits; when a slow consumer lets the buffer fill, the oldest
#: event is dropped and counted (``dropped``), and a warning is logged once.
CALL_EVENT_BUFFER: Final = 256
#: Default bound of a client-wide event tap (relay_trio's ``client.events()``),
#: same policy.
CLIENT_EVENT_BUFFER: Final = 1024

_T = TypeVar("_T")


def _fail(name: str, value: object, expected: str) -> InvalidArgumentError:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return InvalidArgumentError(f"{name}: {text} is not {expected}")


def _number(value: object) -> float | None:
    """``value`` if it is an int or float (never a bool), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


@overload
def check_timeout(
    name: str, value: object, *, allow_none: Literal[False] = False, allow_zero: bool = False
) -> float: ...
@overload
def check_timeout(
    name: str, value: object, *, allow_none: bool, allow_zero: bool = False
) -> float | None: ...
def check_timeout(
    name: str, value: object, *, allow_none: bool = False, allow_zero: bool = False
) -> float | None:
    """A duration in seconds: finite and > 0 (>= 0 with ``allow_zero``).

    With ``allow_none``, ``None`` and ``math.inf`` both mean "no limit" and
    ``None`` is returned for either.
    """
    number = _number(value)
    if allow_none and (value is None or number == math.inf):
        return None
    if (
        number is not None
        and math.isfinite(number)
        and (number > 0 or (allow_zero and number == 0))
    ):
        return float(number)
    kind = "a non-negative" if allow_zero else "a positive"
    raise _fail(name, value, f"{kind} number of seconds" + (" or None" if allow_none else ""))


@overload
def check_positive(name: str, value: object, *, allow_none: Literal[False] = False) -> float: ...
@overload
def check_positive(name: str, value: object, *, allow_none: bool) -> float | None: ...
def check_positive(name: str, value: object, *, allow_none: bool = False) -> float | None:
    """A finite number > 0 (a price, a duration the server interprets)."""
    if allow_none and value is None:
        return None
    number = _number(value)
    if number is not None and math.isfinite(number) and number > 0:
        return number
    raise _fail(name, value, "a positive number" + (" or None" if allow_none else ""))


@overload
def check_count(
    name: str, value: object, *, minimum: int = 1, allow_none: Literal[False] = False
) -> int: ...
@overload
def check_count(name: str, value: object, *, minimum: int = 1, allow_none: bool) -> int | None: ...
def check_count(
    name: str, value: object, *, minimum: int = 1, allow_none: bool = False
) -> int | None:
    """An ``int`` (not ``bool``) of at least ``minimum``."""
    if allow_none and value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    raise _fail(name, value, f"an integer >= {minimum}" + (" or None" if allow_none else ""))


@overload
def check_volume(name: str, value: object, *, allow_none: Literal[False] = False) -> float: ...
@overload
def check_volume(name: str, value: object, *, allow_none: bool) -> float | None: ...
def check_volume(name: str, value: object, *, allow_none: bool = False) -> float | None:
    """A volume in dB from -40 to 40, returned as a float."""
    if allow_none and value is None:
        return None
    number = _number(value)
    if number is not None and MIN_VOLUME_DB <= number <= MAX_VOLUME_DB:
        return float(number)
    raise _fail(name, value, "a number of dB from -40 to 40")


@overload
def check_text(name: str, value: object, *, allow_none: Literal[False] = False) -> str: ...
@overload
def check_text(name: str, value: object, *, allow_none: bool) -> str | None: ...
def check_text(name: str, value: object, *, allow_none: bool = False) -> str | None:
    """A non-empty string."""
    if allow_none and value is None:
        return None
    if isinstance(value, str) and value:
        return value
    raise _fail(name, value, "a non-empty string" + (" or None" if allow_none else ""))


def check_choice(name: str, value: _T, choices: Collection[_T], *, allow_none: bool = False) -> _T:
    """One of ``choices``."""
    if allow_none and value is None:
        return value
    try:
        if value in choices:
            return value
    except TypeError:  # unhashable: certainly not a choice
        pass
    raise _fail(name, value, "one of " + ", ".join(sorted(map(str, choices))))


def check_flag(name: str, value: object) -> bool:
    """A real ``bool`` (``1`` or ``"yes"`` are refused: they hide mistakes)."""
    if isinstance(value, bool):
        return value
    raise _fail(name, value, "True or False")


def check_contexts(value: object, name: str = "contexts") -> tuple[str, ...]:
    """Context names: one string or an iterable of non-empty strings."""
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable) or isinstance(value, bytes | dict):
        raise _fail(name, value, "a string or an iterable of strings")
    contexts = tuple(value)
    for context in contexts:
        check_text(name, context)
    return contexts


def check_port(name: str, value: object) -> int:
    """A TCP port, ``0`` (pick a free one) to 65535."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535:
        return value
    raise _fail(name, value, "a port number from 0 to 65535")


def check_secret(name: str, value: object) -> str | None:
    """An optional credential: a non-empty string or ``None``.

    The message never shows the value, only its type: a credential, even a
    malformed one, never reaches an error message or a log.
    """
    if value is None or (isinstance(value, str) and value):
        return value
    shown = "an empty string" if value == "" else f"a {type(value).__name__}"
    raise InvalidArgumentError(f"{name}: {shown} is not a non-empty string (value not shown)")
