"""The machinery of the payload codec: checked views of a wire object (read-only by contract).

A payload (``_payloads``) wraps the params it was decoded from; its hot
fields are slots read once when decoded, the others descriptors that read
the params when asked.  Field readers return the value, or ``None`` when the
key is absent or the value has the wrong type; such pairs, and every key no
field models, are the payload's ``extra``.  :class:`CallObject`, the call
nested in dial and connect events, lives here as the first such view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import ClassVar, Final, Generic, TypeAlias, TypeVar, overload

from .._errors import RemoteProtocolError
from .._ids import JSONDict, JSONObject, JSONValue

__all__ = ["CallObject"]

_T = TypeVar("_T")
_V = TypeVar("_V", bound="_View")
_new = object.__new__
_NO_EXTRA: Final[JSONObject] = {}

#: Reads one wire value as a field: the value, or ``None`` if it has the wrong type.
_Reader: TypeAlias = Callable[[JSONValue], object]


# --- field readers ------------------------------------------------------------


def _read_key(value: JSONValue) -> str | None:
    return value if type(value) is str and value else None


def _read_text(value: JSONValue) -> str | None:
    return value if type(value) is str else None


def _read_value(value: JSONValue) -> JSONValue:
    return value


def _read_code(value: JSONValue) -> str | int | None:
    return value if type(value) is str or type(value) is int else None


def _read_call(value: JSONValue) -> CallObject | None:
    """A nested call: an object with a non-empty ``call_id``."""
    if value is None or (type(value) is not dict and not isinstance(value, Mapping)):
        return None
    call_id = value.get("call_id")
    if type(call_id) is not str or not call_id:
        return None
    # CallObject._wrap by hand (its one slot is the call_id just checked):
    # a dial's winner and every peer go through here.
    view = _new(CallObject)
    view._params = value
    view.call_id = call_id
    return view


class _View:
    """The shared part of every payload: the wrapped params, equality, repr, ``extra``.

    The fields a hot handler reads are slots, read when decoded
    (``_slot_readers``: the required key fields, and a few optional ones);
    the others are descriptors that read the params when asked.
    """

    __slots__ = ("_params",)
    #: slot name (= wire key) -> its reader.
    _slot_readers: ClassVar[Mapping[str, _Reader]] = {}
    #: every field's wire key -> its reader (what ``extra`` leaves out).
    _readers: ClassVar[Mapping[str, _Reader]] = {}
    _params: JSONObject

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        own = vars(cls).get("__slots__", ())
        # A subclass adding no slots shares its base's slot readers.
        assert not own or tuple(cls._slot_readers) == tuple(own), cls
        readers = dict(cls._slot_readers)
        for klass in reversed(cls.__mro__):  # inherited fields too
            for field in vars(klass).values():
                if isinstance(field, _Field):
                    readers[field.key] = field.reader
        cls._readers = readers

    @classmethod
    def _wrap(cls: type[_V], params: JSONObject) -> _V:
        """Wrap params whose required key fields were checked."""
        view = _new(cls)
        view._fill(params)
        return view

    def _fill(self, params: JSONObject) -> None:
        self._params = params
        for key, reader in self._slot_readers.items():
            setattr(self, key, reader(params.get(key)))

    def _init(self, pairs: tuple[tuple[str, JSONValue], ...], extra: JSONObject) -> None:
        params: JSONDict = {key: value for key, value in pairs if value is not None}
        params.update(extra)
        self._fill(params)

    @property
    def extra(self) -> JSONObject:
        """The pairs no field models (unknown keys, and modelled keys with a wrong-typed value)."""
        readers = self._readers
        extra = {
            key: value
            for key, value in self._params.items()
            if key not in readers or readers[key](value) is None
        }
        return extra or _NO_EXTRA

    def to_wire(self) -> JSONDict:
        """A fresh copy of the wire params."""
        return dict(self._params)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _View)
        return self._params == other._params

    __hash__ = None  # type: ignore[assignment]  # a view of a dict: unhashable, like it

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._params!r})"


class _Field(Generic[_T]):
    """A field read from the params when asked (``None`` if absent or of the wrong type)."""

    __slots__ = ("key", "reader")

    def __init__(self, key: str, reader: Callable[[JSONValue], _T | None]) -> None:
        self.key = key
        self.reader = reader

    @overload
    def __get__(self, view: None, owner: type) -> _Field[_T]: ...
    @overload
    def __get__(self, view: _View, owner: type) -> _T | None: ...
    def __get__(self, view: _View | None, owner: type) -> _Field[_T] | _T | None:
        if view is None:
            return self
        return self.reader(view._params.get(self.key))


class _Text(_Field[str]):
    """An optional string field (the most common: one ``type`` test, no call)."""

    __slots__ = ()

    def __init__(self, key: str) -> None:
        super().__init__(key, _read_text)

    @overload
    def __get__(self, view: None, owner: type) -> _Text: ...
    @overload
    def __get__(self, view: _View, owner: type) -> str | None: ...
    def __get__(self, view: _View | None, owner: type) -> _Text | str | None:
        if view is None:
            return self
        value = view._params.get(self.key)
        return value if type(value) is str else None


def _checked(params: JSONObject, event_type: str, *keys: str) -> None:
    for key in keys:
        value = params.get(key)
        if type(value) is not str or not value:
            raise RemoteProtocolError(f"{event_type}: {key} must be a non-empty string")


def _wire(call: CallObject | None) -> JSONValue:
    return None if call is None else call._params


def _device() -> _Field[JSONValue]:
    return _Field("device", _read_value)


# --- the nested call -----------------------------------------------------------


class CallObject(_View):
    """A call nested in an event: a dial's winner (``call``), a connect's or a state's ``peer``.

    ``dial_winner``, ``segment_id`` and any other key are in ``extra``.
    """

    __slots__ = ("call_id",)
    _slot_readers = MappingProxyType({"call_id": _read_key})
    call_id: str
    node_id = _Text("node_id")
    tag = _Text("tag")
    call_state = _Text("call_state")
    direction = _Text("direction")
    context = _Text("context")
    device = _device()

    def __init__(
        self,
        call_id: str,
        *,
        node_id: str | None = None,
        tag: str | None = None,
        call_state: str | None = None,
        direction: str | None = None,
        context: str | None = None,
        device: JSONValue = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (("call_id", call_id), ("node_id", node_id), ("tag", tag),
             ("call_state", call_state), ("direction", direction), ("context", context),
             ("device", device)),
            extra,
        )  # fmt: skip
