"""Parsed server devices, shared across events and calls, bounded in bytes.

Server devices repeat (the same numbers on every event of a leg, and across
calls); parsing one costs ~5 µs, so parsed devices are shared.  Values are
immutable, so sharing is safe.

Bound: only devices whose parameters are scalars and whose strings total at
most :data:`ENTRY_TEXT_LIMIT` characters are cached (a server-supplied 1 MB
parameter is parsed, used and freed with its call, never kept here), and the
cache is cleared when it holds :data:`MAX_ENTRIES`.  So it never holds more
than about ``MAX_ENTRIES`` times 1 KiB (4 MiB), whatever the server sends.
"""

from __future__ import annotations

from typing import Final

from .._ids import JSONValue
from ._convert import device_from_wire
from ._values import Device

MAX_ENTRIES: Final = 4096
#: Characters of type, keys and string values one cached device may hold.
ENTRY_TEXT_LIMIT: Final = 256

_Key = tuple[str, tuple[tuple[str, JSONValue], ...]]
_CACHE: dict[_Key, Device] = {}
_SCALARS: Final = (str, int, float, bool, type(None))


def _text_size(key: _Key) -> int:
    kind, items = key
    size = len(kind)
    for name, value in items:
        size += len(name) + (len(value) if isinstance(value, str) else 8)
    return size


def server_device(value: JSONValue) -> Device | None:
    """Parse a device the server reported (leniently; never raises)."""
    if value is None:
        return None
    key: _Key | None = None
    if type(value) is dict:
        kind = value.get("type")
        params = value.get("params")
        if type(kind) is str and type(params) is dict:
            items = tuple(params.items())
            if all(type(item) in _SCALARS for _, item in items):
                key = (kind, items)
                cached = _CACHE.get(key)
                if cached is not None:
                    return cached
    device = device_from_wire(value, strict=False)
    if key is not None and _text_size(key) <= ENTRY_TEXT_LIMIT:
        if len(_CACHE) >= MAX_ENTRIES:
            _CACHE.clear()
        _CACHE[key] = device
    return device


def cached_text_size() -> int:
    """Characters of server text the cache holds now (for tests and monitoring)."""
    return sum(_text_size(key) for key in _CACHE)
