"""Field building blocks the command classes share (``call``, ``control_id``, media).

Each returns ``attrs.field`` keyword arguments' pieces for
:mod:`relay_core.wire._request_codec`: wire metadata, validators, decoders.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import attrs

from .._checks import check_secret, check_text
from .._errors import InvalidArgumentError
from .._ids import CallId, ControlId, JSONDict, JSONObject, JSONValue, NodeId, uuid4_str
from ..wire._convert import media_from_wire, media_list_to_wire
from ..wire._request_codec import check_extra, wire
from ..wire._values import Media
from ._events import CallRef

__all__ = [
    "CALL",
    "CONTROL_ID",
    "EXTRA_DOC",
    "add_extra",
    "as_call_ref",
    "check_constant",
    "check_extra_field",
    "copy_extra",
    "check_control_id",
    "control_id_or_new",
    "decode_media",
    "encode_media",
    "secret",
]


def as_call_ref(value: object) -> CallRef:
    """Converter: a ``CallRef``, or anything with a ``ref`` that is one."""
    if isinstance(value, CallRef):
        return value
    ref = getattr(value, "ref", None)  # a CallInfo, or an adapter's Call
    if isinstance(ref, CallRef):
        return ref
    raise InvalidArgumentError(f"call: {value!r} is not a call reference")


def _encode_call(value: object) -> JSONValue:
    ref = cast("CallRef", value)
    return {"node_id": ref.node_id, "call_id": ref.call_id}


def _decode_call(params: JSONValue, prefix: str) -> object:
    obj = cast("JSONObject", params)
    call_id = obj.get("call_id")
    if not isinstance(call_id, str) or not call_id:
        raise InvalidArgumentError(f"{prefix}call_id: required, a non-empty string")
    node_id = obj.get("node_id")
    if not isinstance(node_id, str):
        raise InvalidArgumentError(f"{prefix}node_id: required, a string")
    return CallRef(call_id=CallId(call_id), node_id=NodeId(node_id))


#: Metadata of a ``call: CallRef`` field: ``node_id`` + ``call_id`` in params.
CALL = wire("", encode=_encode_call, decode=_decode_call)
#: Metadata of a ``control_id`` field.
CONTROL_ID = wire("control_id", required=True)


def control_id_or_new(value: str | None) -> ControlId:
    """Converter: the caller's control id, or a fresh UUID for ``None``."""
    return ControlId(uuid4_str()) if value is None else ControlId(value)


def check_control_id(_instance: object, _attribute: object, value: ControlId) -> None:
    """Validator: a non-empty string."""
    check_text("control_id", value)


def secret(_instance: object, field: attrs.Attribute[str | None], value: str | None) -> None:
    """Validator of a credential field (never echoed in the error)."""
    check_secret(field.name, value)


def check_constant(params: object, path: str, value: str) -> None:
    """Refuse wire params whose ``path`` (``"tap.type"``) is not the constant ``value``.

    Params that are not an object are left to ``from_params``, which names them.
    """
    if not isinstance(params, Mapping):
        return
    node: object = params
    for key in path.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
    if node != value:
        raise InvalidArgumentError(f"{path}: {node!r} is not one of {value}")


def encode_media(value: object) -> JSONValue:
    """A media tuple in the nested wire form."""
    return cast("JSONValue", media_list_to_wire(cast("tuple[Media, ...]", value)))


def decode_media(raw: JSONValue, name: str) -> object:
    """A wire media list, nested form only (the flat shorthand is user input, not wire)."""
    if not isinstance(raw, list) or not raw:
        raise InvalidArgumentError(f"{name}: expected a non-empty list of media items")
    return tuple(
        media_from_wire(item, strict=True, path=f"{name}[{index}]")
        for index, item in enumerate(raw)
    )


#: What an ``extra`` field is (the docstring line every command with one shares).
EXTRA_DOC = (
    "``extra``: top-level params the command does not model (the official SDK's "
    "``**kwargs``), sent as given; a key it models is refused."
)


def check_extra_field(instance: object, _attribute: object, value: JSONObject | None) -> None:
    """Validator of an ``extra`` field (client-side: no wire metadata)."""
    if value is not None:
        check_extra(instance, value)


def copy_extra(value: JSONObject | None) -> JSONObject | None:
    """Converter: a copy (the caller's dict may change after construction)."""
    return dict(value) if isinstance(value, dict) else value


def add_extra(params: JSONDict, extra: JSONObject | None) -> JSONDict:
    """``params`` with ``extra``'s keys added (checked at construction: none collides)."""
    if extra:
        params.update(extra)
    return params
