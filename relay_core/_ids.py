"""Identifier types and the JSON type alias.

Identifiers are ``NewType``s so mypy catches a ``control_id`` passed where a
``call_id`` belongs.  Every id is an opaque, case-sensitive string.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import NewType, TypeAlias

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
_VARIANT = "89ab89ab89ab89ab"
_urandom = os.urandom


def uuid4_str() -> str:
    """Return a fresh random UUID4 string (the official SDK's id format).

    What ``str(uuid.uuid4())`` returns (version nibble ``4``, variant
    ``10xx``), built from the hex digits directly: twice as fast, and every
    request id and dial tag is one.
    """
    h = _urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[int(h[16], 16)]}{h[17:20]}-{h[20:]}"
