"""One generic request codec: typed command <-> ``params``, for both roles.

A command class is a frozen attrs class whose wire fields carry
``metadata=wire("record.audio.beep")`` (a dotted path inside ``params``).
:func:`to_params` walks ``attrs.fields`` in declaration order and writes each
non-``None`` value at its path (so the wire key order is the field order);
:func:`from_params` reads each path back and calls the class, so the SAME
validators run on what a client builds and on what the fake server receives.

Validators name the wire path (``record.audio.format: 'ogg' is not one of
mp3, wav``): :func:`check` wraps a ``_checks`` helper and reads the path from
the attribute's metadata.  A field without wire metadata is client-only (not
sent, not read: detect's ``wait_for_beep``).  The empty path ``""`` merges an
encoded object into ``params`` itself (``call`` -> ``node_id`` + ``call_id``);
its decoder then receives the whole ``params``.  A nested value class (an
attrs class with wire fields of its own) is encoded and decoded recursively
(with its own ``to_params``/``from_params`` when it refines them), its errors
prefixed with the parent path.

Law (hypothesis-tested): ``C.from_params(c.to_params()) == c`` up to
client-only fields.  The one exception is ``Dial`` with ``max_duration``: it
is sent inside every device (RELAY.md F.2), so only the params are a fixpoint.
A value absent or ``null`` on the wire is the same: the field's default (a
``required`` wire field, such as a starter's ``control_id``, is refused).
Unknown keys are ignored, as the server does.  The existing commands keep
their hand-written ``to_params`` (the hot path; same output) and read through
this codec.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Final, TypeVar, cast

import attrs
from attrs import AttrsInstance

from .._checks import check_choice, check_count, check_flag, check_text
from .._errors import InvalidArgumentError, LocalProtocolError
from .._ids import JSONDict, JSONObject, JSONValue

__all__ = [
    "WireSpec",
    "check",
    "choice",
    "flag",
    "from_mapping",
    "from_params",
    "field_name",
    "instance",
    "json_object",
    "json_value",
    "nested",
    "number",
    "object_list",
    "text",
    "text_list",
    "to_params",
    "object_tuple",
    "text_tuple",
    "unsent_keys",
    "wire",
    "wire_keys",
]

_KEY: Final = "relay_wire"
_T = TypeVar("_T")

#: Encodes a field's value to JSON (``None`` = not sent).
Encode = Callable[[object], JSONValue]
#: Decodes a field's raw JSON (``name`` = the wire path, for messages).
Decode = Callable[[JSONValue, str], object]


@attrs.frozen
class WireSpec:
    """Where one field lives in ``params`` and how it is converted."""

    path: tuple[str, ...]
    name: str
    encode: Encode | None = None
    decode: Decode | None = None
    required: bool = False


def wire(
    path: str,
    *,
    encode: Encode | None = None,
    decode: Decode | None = None,
    required: bool = False,
) -> dict[str, WireSpec]:
    """Field metadata: the field lives at dotted ``path`` ("" = merged into params).

    ``required``: the wire must carry it even though the class has a default
    (a ``control_id`` or ``tag`` the client fills in is never optional on the wire).
    """
    parts = tuple(path.split(".")) if path else ()
    return {_KEY: WireSpec(parts, path, encode, decode, required)}


def _spec(field: attrs.Attribute[object]) -> WireSpec | None:
    spec = field.metadata.get(_KEY)
    return spec if isinstance(spec, WireSpec) else None


@functools.cache  # one entry per command class: bounded by the classes defined
def _layout(cls: type[AttrsInstance]) -> tuple[tuple[str, str, WireSpec, bool], ...]:
    """Each wire field of ``cls``: (attribute name, keyword, spec, has no default)."""
    return tuple(
        (field.name, field.alias, spec, field.default is attrs.NOTHING)
        for field in attrs.fields(cls)
        if (spec := _spec(field)) is not None
    )


@functools.cache  # one entry per command class: bounded by the classes defined
def wire_keys(cls: type[AttrsInstance]) -> frozenset[str]:
    """The top-level ``params`` keys ``cls`` models (``call`` adds ``node_id``/``call_id``)."""
    keys = {spec.path[0] for _, _, spec, _ in _layout(cls) if spec.path}
    if any(not spec.path for _, _, spec, _ in _layout(cls)):
        keys |= {"node_id", "call_id"}
    return frozenset(keys)


def check_extra(command: object, value: object) -> None:
    """``extra`` (free top-level params): a JSON object naming no key ``command`` models.

    Raises:
        InvalidArgumentError: naming ``extra`` and the offending key or value.
    """
    if not isinstance(value, Mapping) or not _is_json(value):
        _fail("extra", value, "a JSON object")
    keys = wire_keys(cast("type[AttrsInstance]", type(command)))
    taken = sorted(set(cast("Mapping[str, object]", value)) & keys)
    if taken:
        method = getattr(command, "method", type(command).__name__)
        raise InvalidArgumentError(
            f"extra: {taken[0]!r} is a parameter {method} models; pass it by its own name"
        )


def unsent_keys(given: JSONObject, sent: JSONObject, prefix: str = "") -> list[str]:
    """The dotted paths of non-null keys in ``given`` (nested objects too) not in ``sent``.

    Used to refuse a key a command would silently drop: ``given`` is what a
    program built, ``sent`` what the decoded command encodes.  Lists are not
    descended (their items are values the command checks itself).
    """
    missing: list[str] = []
    for key, value in given.items():
        if value is None:
            continue  # null is absence on the wire
        if key not in sent:
            missing.append(prefix + key)
        elif isinstance(value, Mapping) and isinstance(sent[key], Mapping):
            missing += unsent_keys(value, cast("JSONObject", sent[key]), f"{prefix}{key}.")
    return missing


def field_name(field: attrs.Attribute[object]) -> str:
    """The name a message shows: the wire path, else the attribute's name."""
    spec = _spec(field)
    return spec.name if spec is not None and spec.name else field.name


# --- validators that name the wire path --------------------------------------

#: A validator for any field type (generic, so attrs infers the field's type).
Validator = Callable[[object, "attrs.Attribute[_T]", _T], None]


def check(helper: Callable[[str, object], object], *, optional: bool = True) -> Validator[_T]:
    """A validator running ``helper(name, value)`` (``None`` passes when ``optional``)."""

    def validate(_instance: object, field: attrs.Attribute[_T], value: _T) -> None:
        if value is None and optional:
            return
        spec = field.metadata.get(_KEY)
        helper(spec.name if isinstance(spec, WireSpec) and spec.name else field.name, value)

    return validate


def text(*, optional: bool = True) -> Validator[_T]:
    """A non-empty string."""
    return check(check_text, optional=optional)


def flag() -> Validator[_T]:
    """``True`` or ``False`` (optional)."""
    return check(check_flag)


def choice(values: Collection[str], *, optional: bool = True) -> Validator[_T]:
    """One of ``values``."""
    return check(lambda name, value: check_choice(name, value, values), optional=optional)


def number(
    *, minimum: float = 0.0, maximum: float = math.inf, integer: bool = False, optional: bool = True
) -> Validator[_T]:
    """A finite number from ``minimum`` to ``maximum`` (an int with ``integer``)."""

    def helper(name: str, value: object) -> None:
        if integer:
            if check_count(name, value, minimum=int(minimum)) <= maximum:
                return
        elif (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and minimum <= value <= maximum
        ):
            return
        kind = "an integer" if integer else "a number"
        upper = "" if maximum == math.inf else f" to {maximum:g}"
        _fail(name, value, f"{kind} from {minimum:g}{upper}")

    return check(helper, optional=optional)


def _fail(name: str, value: object, expected: str) -> None:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    raise InvalidArgumentError(f"{name}: {shown} is not {expected}")


def instance(cls: type, *, optional: bool = True) -> Validator[_T]:
    """An instance of ``cls`` (a nested value class)."""

    def helper(name: str, value: object) -> None:
        if not isinstance(value, cls):
            _fail(name, value, f"a {cls.__name__}")

    return check(helper, optional=optional)


def text_list() -> Validator[_T]:
    """A tuple of non-empty strings (optional)."""

    def helper(name: str, value: object) -> None:
        if not isinstance(value, tuple):
            _fail(name, value, "a list of strings")
        for item in cast("tuple[object, ...]", value):
            check_text(name, item)

    return check(helper)


def object_list() -> Validator[_T]:
    """A tuple of JSON objects (optional; passed through)."""

    def helper(name: str, value: object) -> None:
        if not isinstance(value, tuple):
            _fail(name, value, "a list of JSON objects")
        for item in cast("tuple[object, ...]", value):
            if not isinstance(item, Mapping) or not _is_json(item):
                _fail(name, item, "a JSON object")

    return check(helper)


def _is_json(value: object, depth: int = 0) -> bool:
    if depth > 64:
        return False
    if value is None or isinstance(value, bool | int | str):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _is_json(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_is_json(item, depth + 1) for item in value)
    return False


def json_object(*, optional: bool = True) -> Validator[_T]:
    """A JSON object (free-form: passed through as given)."""

    def helper(name: str, value: object) -> None:
        if not isinstance(value, Mapping) or not _is_json(value):
            _fail(name, value, "a JSON object")

    return check(helper, optional=optional)


def json_value(*, optional: bool = True) -> Validator[_T]:
    """Any JSON value (``None`` only when optional)."""

    def helper(name: str, value: object) -> None:
        if not _is_json(value):
            _fail(name, value, "a JSON value")

    return check(helper, optional=optional)


def _to_tuple(value: Sequence[_T] | None) -> tuple[_T, ...] | None:
    if isinstance(value, list):
        return tuple(value)
    return cast("tuple[_T, ...] | None", value)


# Converters must not be generic: attrs' mypy plugin types ``__init__`` from
# the converter's parameter, and an unsolved ``_T`` there refuses every list.
def text_tuple(value: Sequence[str] | None) -> tuple[str, ...] | None:
    """Converter: a list of strings becomes a tuple (anything else is left for the validator)."""
    return _to_tuple(value)


def object_tuple(value: Sequence[JSONObject] | None) -> tuple[JSONObject, ...] | None:
    """Converter: a list of JSON objects becomes a tuple (the validator checks the rest)."""
    return _to_tuple(value)


# --- encode ------------------------------------------------------------------


def _plain(value: object) -> JSONValue:
    """A field value as JSON: nested commands recursively, tuples as lists."""
    if attrs.has(type(value)):
        own = getattr(value, "to_params", None)  # a class may refine the generic form
        return (
            cast("JSONValue", own()) if callable(own) else to_params(cast("AttrsInstance", value))
        )
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return cast("JSONValue", value)


def to_params(command: AttrsInstance) -> JSONDict:
    """The wire params of ``command`` (``None`` fields are not sent)."""
    params: JSONDict = {}
    for attribute, _, spec, _ in _layout(type(command)):
        value = getattr(command, attribute)
        if value is None:
            continue
        encoded = spec.encode(value) if spec.encode is not None else _plain(value)
        if not spec.path:
            params.update(cast("JSONObject", encoded))
            continue
        target = params
        for part in spec.path[:-1]:
            inner = target.setdefault(part, {})
            target = cast("JSONDict", inner)
        target[spec.path[-1]] = encoded
    return params


# --- decode ------------------------------------------------------------------


def _lookup(params: JSONObject, spec: WireSpec, prefix: str) -> JSONValue:
    node: JSONValue = params
    for depth, part in enumerate(spec.path):
        if not isinstance(node, Mapping):
            where = prefix + ".".join(spec.path[:depth])
            raise InvalidArgumentError(f"{where}: {node!r:.60} is not a JSON object")
        node = node.get(part)
        if node is None:
            return None
    return node


_C = TypeVar("_C", bound=AttrsInstance)


def from_params(cls: type[_C], params: object, prefix: str = "") -> _C:
    """Read a ``cls`` from wire ``params``, running the class's own validators.

    Raises:
        InvalidArgumentError: a field is missing or invalid; the message starts
            with its wire path (``prefix`` + the field's path).
    """
    if not isinstance(params, Mapping):
        where = prefix.rstrip(".") or "params"
        raise InvalidArgumentError(f"{where}: {params!r:.60} is not a JSON object")
    try:
        return cls(**_read_fields(cls, params, prefix))
    except LocalProtocolError as exc:  # InvalidArgumentError, or a device/media parser's
        if prefix and not exc.message.startswith(prefix):
            raise InvalidArgumentError(prefix + exc.message) from None
        if not isinstance(exc, InvalidArgumentError):
            raise InvalidArgumentError(exc.message) from None
        raise


def _read_fields(cls: type[AttrsInstance], params: JSONObject, prefix: str) -> dict[str, object]:
    """The constructor's keyword arguments read from ``params``."""
    kwargs: dict[str, object] = {}
    for _, keyword, spec, no_default in _layout(cls):
        if not spec.path:
            assert spec.decode is not None, "a merged field needs a decoder"
            kwargs[keyword] = spec.decode(params, prefix)
            continue
        raw = _lookup(params, spec, prefix)
        if raw is None:  # absent or null: the same on the wire
            if spec.required or no_default:
                raise InvalidArgumentError(f"{prefix + spec.name}: required")
            continue
        kwargs[keyword] = raw if spec.decode is None else spec.decode(raw, prefix + spec.name)
    return kwargs


def from_mapping(cls: type[_C], path: str) -> Callable[[object], object]:
    """A converter: a mapping given for a nested value is read as its wire form.

    So a program may pass ``digits={"max": 1}`` (the official SDK's shape) as
    well as ``CollectDigits(max=1)``; the same decoder as :func:`nested` runs,
    and its errors name the nested path (``collect.digits.max: ...``).
    Anything else passes through to the field's validator.
    """
    decode = nested(cls)

    def convert(value: object) -> object:
        if isinstance(value, Mapping):
            return decode(cast("JSONValue", value), path)
        return value

    return convert


def nested(cls: type[_C]) -> Decode:
    """A decoder reading a nested value class (its own ``from_params`` if it has one)."""

    def decode(raw: JSONValue, name: str) -> object:
        own = getattr(cls, "from_params", None)
        if not callable(own):
            return from_params(cls, raw, name + ".")
        if not isinstance(raw, Mapping):
            raise InvalidArgumentError(f"{name}: {raw!r:.60} is not a JSON object")
        try:
            return own(raw)
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"{name}.{exc.message}") from None

    return decode
