"""Identifier types and the JSON type alias.

Identifiers are ``NewType``s so mypy catches a ``control_id`` passed where a
``call_id`` belongs.  Every id is an opaque, case-sensitive string.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Final, NewType, TypeAlias

RequestId = NewType("RequestId", str)
CallId = NewType("CallId", str)
NodeId = NewType("NodeId", str)
Tag = NewType("Tag", str)
ControlId = NewType("ControlId", str)

#: Any JSON value, as ``json.loads`` produces it.
JSONValue: TypeAlias = (
    "bool | int | float | str | Sequence[JSONValue] | Mapping[str, JSONValue] | None"
)
#: A JSON object.
JSONObject: TypeAlias = Mapping[str, JSONValue]
#: A JSON object under construction.
JSONDict: TypeAlias = dict[str, JSONValue]

#: Makes fresh ids; tests pass their own for deterministic transcripts.
IdFactory: TypeAlias = Callable[[], str]

#: The RFC 4122 variant digit for each random nibble (its top two bits set to ``10``).
_VARIANT: Final = {digit: "89ab"[int(digit, 16) % 4] for digit in "0123456789abcdef"}
_urandom = os.urandom
#: Ids made per ``os.urandom`` call (one system call, 2 KiB, per 128 ids).
_BATCH: Final = 128
#: Ready ids, used from the end.  Emptied in a forked child (see below), so a
#: child never hands out an id its parent made too.
_ready: list[str] = []


def _refill() -> None:
    h = _urandom(16 * _BATCH).hex()
    _ready.extend(
        [
            f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-4{h[i + 13 : i + 16]}-"
            f"{_VARIANT[h[i + 16]]}{h[i + 17 : i + 20]}-{h[i + 20 : i + 32]}"
            for i in range(0, 32 * _BATCH, 32)
        ]
    )


os.register_at_fork(after_in_child=_ready.clear)


def uuid4_str() -> str:
    """Return a fresh random UUID4 string (the official SDK's id format).

    What ``str(uuid.uuid4())`` returns (version nibble ``4``, variant
    ``10xx``, the other 122 bits from ``os.urandom``), made 128 at a time
    from one ``os.urandom`` call: every request id and dial tag is one, and
    this is half the cost of one call per id.  ``list.pop`` is atomic, so
    threads never share an id.
    """
    while True:
        try:
            return _ready.pop()
        except IndexError:
            _refill()
