"""Identifier types and the JSON type alias.

Identifiers are ``NewType``s so mypy catches a ``control_id`` passed where a
``call_id`` belongs.  Every id is an opaque, case-sensitive string.
"""

from __future__ import annotations

import uuid
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


def uuid4_str() -> str:
    """Return a fresh random UUID4 string (the official SDK's id format)."""
    return str(uuid.uuid4())
