"""Parsed server devices, shared across events and calls, bounded in bytes.

Server devices repeat (the same numbers on every event of a leg, and across
calls); parsing one costs ~5 µs, so parsed devices are shared.  Values are
immutable, so sharing is safe.

Bound, in bytes: only devices whose parameters are scalars and whose strings
total at most :data:`ENTRY_TEXT_LIMIT` characters are cached (a
server-supplied 1 MB parameter is parsed, used and freed with its call, never
kept here), each entry is charged an estimate of what it keeps alive (key
tuples, the device, its strings: :func:`_entry_bytes`), and the cache is
cleared when the next entry would take it past :data:`MAX_BYTES` (or past
:data:`MAX_ENTRIES` entries).  Calls whose numbers never repeat (most inbound
traffic) would otherwise keep ~4 MiB of dead devices here; 128 KiB still holds
a few hundred devices, enough for the repeats (a leg's events, a campaign's
caller id).
"""

from __future__ import annotations

from typing import Final

from .._ids import JSONValue
from ._convert import device_from_wire
from ._values import Device

MAX_ENTRIES: Final = 4096
#: Characters of type, keys and string values one cached device may hold.
ENTRY_TEXT_LIMIT: Final = 256
#: Estimated bytes the whole cache may keep alive.
MAX_BYTES: Final = 128 * 1024
#: Per entry: the key tuple, the device object, a dict slot; per parameter:
#: its pair tuple and a str header (CPython 3.11, 64-bit, rounded up).
_ENTRY_OVERHEAD: Final = 230
_PARAM_OVERHEAD: Final = 120

_Key = tuple[str, tuple[tuple[str, JSONValue], ...]]
_CACHE: dict[_Key, Device] = {}
_charged = 0  # sum of _entry_bytes over _CACHE
_SCALARS: Final = (str, int, float, bool, type(None))


def _text_size(key: _Key) -> int:
    kind, items = key
    size = len(kind)
    for name, value in items:
        size += len(name) + (len(value) if isinstance(value, str) else 8)
    return size


def _entry_bytes(key: _Key) -> int:
    return _ENTRY_OVERHEAD + _PARAM_OVERHEAD * len(key[1]) + _text_size(key)


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
            for _, item in items:  # a loop, not all(<genexpr>): no generator per offer
                if type(item) not in _SCALARS:
                    break
            else:
                key = (kind, items)
                cached = _CACHE.get(key)
                if cached is not None:
                    return cached
    device = device_from_wire(value, strict=False)
    if key is not None and _text_size(key) <= ENTRY_TEXT_LIMIT:
        global _charged
        cost = _entry_bytes(key)
        if _charged + cost > MAX_BYTES or len(_CACHE) >= MAX_ENTRIES:
            _CACHE.clear()
            _charged = 0
        _CACHE[key] = device
        _charged += cost
    return device


def cached_bytes() -> int:
    """Estimated bytes the cache keeps alive now (at most :data:`MAX_BYTES`)."""
    return sum(_entry_bytes(key) for key in _CACHE)


def cached_text_size() -> int:
    """Characters of server text the cache holds now (for tests and monitoring)."""
    return sum(_text_size(key) for key in _CACHE)
