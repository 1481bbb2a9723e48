"""Devices and media: dict-shaped input and wire JSON to typed values, and back.

Three kinds of input meet here:

* what users write, official-SDK style: nested device dicts
  (``[[{"type": "phone", "params": {...}}]]``), media dicts in the nested or
  the flat shorthand form (``{"type": "tts", "text": "Hi"}``, RELAY.md H.4),
  typed values, or a mix;
* what the client sends: always the nested ``{"type": T, "params": {...}}``
  form, modelled keys first in a fixed order, then ``extra`` keys;
* what the server sends back (the device repeated in every call event):
  parsed leniently, since a new or odd device from the server is data, never
  an error.

Strict parsing raises :class:`LocalProtocolError` naming the path
(``devices[1][0].params.to_number: ...``).  Valid wire dicts round-trip
exactly: ``device_to_wire(device_from_wire(d)) == d``; an explicit ``null``
for a modelled optional key counts as absent and is not sent back.

The same functions back the cattrs hooks that :func:`register_value_hooks`
installs, so a frame codec built on cattrs reads and writes these shapes the
same way.

The device functions live in ``_devices``, the media ones in ``_media``,
their shared readers in ``_readers``; this module gathers them and builds
the cattrs converter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import cattrs

from .._errors import LocalProtocolError
from .._ids import JSONValue
from ._devices import (
    _device,
    _device_plan,
    device_from_wire,
    device_plan,
    device_plan_to_wire,
    device_to_wire,
)
from ._media import _media, media_from_wire, media_list, media_list_to_wire, media_to_wire
from ._readers import _DEVICE_CLASSES, _MEDIA_CLASSES, _as_list, _short
from ._values import (
    Device,
    DevicePlan,
    Media,
)

__all__ = [
    "CONVERTER",
    "device_from_wire",
    "device_plan",
    "device_plan_to_wire",
    "device_to_wire",
    "make_converter",
    "media_from_wire",
    "media_list",
    "media_list_to_wire",
    "media_to_wire",
    "register_value_hooks",
]

# --- cattrs -----------------------------------------------------------------

_V = TypeVar("_V")


def _strict_device(obj: object) -> Device:
    return _device(obj, "device", strict=True)


def _strict_media(obj: object) -> Media:
    return _media(obj, "media", strict=True)


def _exact_hook(
    cls: type[_V], parse: Callable[[object], object]
) -> Callable[[JSONValue, object], _V]:
    """Build a structure hook for one concrete value class (always strict)."""

    def structure(obj: JSONValue, _: object) -> _V:
        value = parse(obj)
        if not isinstance(value, cls):
            raise LocalProtocolError(
                f"expected a {cls.__name__}, got a {type(value).__name__} ({_short(obj)})"
            )
        return value

    return structure


def register_value_hooks(converter: cattrs.BaseConverter, *, strict: bool = True) -> None:
    """Teach ``converter`` the wire forms of devices, device plans and media.

    Structuring accepts only the nested wire form; unstructuring produces it.

    Args:
        converter: the converter to extend (a frame codec's, say).
        strict: how the ``Device``/``Media`` union hooks and the plan hook
            parse, as in :func:`device_from_wire`: ``True`` where the data
            comes from a client, ``False`` where it comes from the server.
            The hooks for one concrete class (``PhoneDevice``, ...) are always
            strict.
    """

    def structure_device(obj: JSONValue, _: object) -> Device:
        return device_from_wire(obj, strict=strict)

    def structure_plan(obj: JSONValue, _: object) -> DevicePlan:
        return _device_plan(obj, "devices", strict=strict)

    def structure_media(obj: JSONValue, _: object) -> Media:
        return media_from_wire(obj, strict=strict)

    def structure_media_list(obj: JSONValue, _: object) -> tuple[Media, ...]:
        listed = _as_list(obj, "media", "a list of media items")
        return tuple(
            _media(item, f"media[{index}]", strict=strict) for index, item in enumerate(listed)
        )

    converter.register_structure_hook(Device, structure_device)
    converter.register_structure_hook(Media, structure_media)
    converter.register_structure_hook_func(lambda t: t == DevicePlan, structure_plan)
    converter.register_structure_hook_func(lambda t: t == tuple[Media, ...], structure_media_list)
    for device_cls in _DEVICE_CLASSES:
        converter.register_structure_hook(device_cls, _exact_hook(device_cls, _strict_device))
    for media_cls in _MEDIA_CLASSES:
        converter.register_structure_hook(media_cls, _exact_hook(media_cls, _strict_media))

    for device_cls in _DEVICE_CLASSES:
        converter.register_unstructure_hook(device_cls, device_to_wire)
    for media_cls in _MEDIA_CLASSES:
        converter.register_unstructure_hook(media_cls, media_to_wire)
    converter.register_unstructure_hook_func(lambda t: t == DevicePlan, device_plan_to_wire)
    converter.register_unstructure_hook_func(lambda t: t == tuple[Media, ...], media_list_to_wire)


def make_converter(*, strict: bool = True) -> cattrs.Converter:
    """Build a cattrs converter that reads and writes devices and media in wire form.

    Args:
        strict: see :func:`register_value_hooks`.
    """
    converter = cattrs.Converter()
    register_value_hooks(converter, strict=strict)
    return converter


#: The strict converter (what a client sends, what the fake server checks).
CONVERTER = make_converter()
