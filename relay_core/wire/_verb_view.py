"""The shared parts of the verb payloads (``_action_payloads``, ``_activity_payloads``):
readers of numbers, flags and objects, and the two keyed bases (an action's
event keyed by ``control_id``, a plain verb's keyed by ``call_id``)."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import ClassVar, Generic, TypeVar, overload

from .._ids import JSONObject, JSONValue
from ._payload_view import _NO_EXTRA, _checked, _read_key, _Text, _View

_T = TypeVar("_T")


# --- readers ----------------------------------------------------------------------


def _read_bool(value: JSONValue) -> bool | None:
    return value if type(value) is bool else None


def _read_int(value: JSONValue) -> int | None:
    return value if type(value) is int else None


def _read_number(value: JSONValue) -> float | None:
    if type(value) is int or type(value) is float:
        return value
    return None


def _read_object(value: JSONValue) -> JSONObject | None:
    return value if type(value) is dict else None


def _read_count(value: JSONValue) -> int | None:
    """A non-negative count sent as a number or as digits (fax ``pages``: ``"3"``)."""
    if type(value) is int:
        return value if value >= 0 else None
    if type(value) is str and value.isascii() and value.isdigit():
        return int(value)
    return None


def _inner(view: _View, *path: str) -> JSONObject:
    """The object at ``path`` inside the params (``{}`` if any step is not an object)."""
    node: JSONValue = view._params
    for key in path:
        node = node.get(key) if type(node) is dict else None
    return node if type(node) is dict else _NO_EXTRA


class _Nested(Generic[_T]):
    """A read-only value nested in the params (``result.params.digits``): ``None`` if
    any step is missing or not an object, or the value is of the wrong type.

    Not a ``_Field``: the wire key it lives under is the modelled one.
    """

    __slots__ = ("key", "path", "reader")

    def __init__(self, dotted: str, reader: Callable[[JSONValue], _T | None]) -> None:
        *path, self.key = dotted.split(".")
        self.path = tuple(path)
        self.reader = reader

    @overload
    def __get__(self, view: None, owner: type) -> _Nested[_T]: ...
    @overload
    def __get__(self, view: _View, owner: type) -> _T | None: ...
    def __get__(self, view: _View | None, owner: type) -> _Nested[_T] | _T | None:
        if view is None:
            return self
        return self.reader(_inner(view, *self.path).get(self.key))


def _top_or_inside(
    view: _View, key: str, inside: str, reader: Callable[[JSONValue], _T | None]
) -> _T | None:
    value = reader(view._params.get(key))
    if value is None:
        value = reader(_inner(view, inside).get(key))
    return value


def _ids(
    node_id: str | None, call_id: str | None, control_id: str | None
) -> tuple[tuple[str, JSONValue], ...]:
    return (("node_id", node_id), ("call_id", call_id), ("control_id", control_id))


class _ActionView(_View):
    """An action's event: keyed by ``control_id``; ``call_id``/``node_id`` optional."""

    __slots__ = ("control_id",)
    _slot_readers = MappingProxyType({"control_id": _read_key})
    event_type: ClassVar[str]
    control_id: str
    call_id = _Text("call_id")
    node_id = _Text("node_id")

    @classmethod
    def decode(cls, params: JSONObject) -> _ActionView:
        _checked(params, cls.event_type, "control_id")
        return cls._wrap(params)


class _CallView(_View):
    """A plain verb's event: keyed by ``call_id``."""

    __slots__ = ("call_id",)
    _slot_readers = MappingProxyType({"call_id": _read_key})
    event_type: ClassVar[str]
    call_id: str
    node_id = _Text("node_id")

    @classmethod
    def decode(cls, params: JSONObject) -> _CallView:
        _checked(params, cls.event_type, "call_id")
        return cls._wrap(params)
