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

:data:`CONVERTER` (a small :class:`ValueConverter`, no cattrs) structures
and unstructures these shapes by type; :func:`register_value_hooks` teaches
a cattrs converter the same functions, for an application that builds its
own frame codec on cattrs (this library does not depend on cattrs: see the
README's "Why no cattrs").

The device functions live in ``_devices``, the media ones in ``_media``,
their shared readers in ``_readers``; this module gathers them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Never, Protocol, TypeAlias, TypeVar, cast

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
    "ValueConverter",
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

# --- structure and unstructure by type ----------------------------------------

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


def _hooks(strict: bool) -> dict[object, Callable[[JSONValue, object], object]]:
    """Structure hooks by target type: the unions, the plan, media lists, each class."""

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

    hooks: dict[object, Callable[[JSONValue, object], object]] = {
        Device: structure_device,
        Media: structure_media,
        DevicePlan: structure_plan,
        tuple[Media, ...]: structure_media_list,
    }
    for device_cls in _DEVICE_CLASSES:
        hooks[device_cls] = _exact_hook(device_cls, _strict_device)
    for media_cls in _MEDIA_CLASSES:
        hooks[media_cls] = _exact_hook(media_cls, _strict_media)
    return hooks


class ValueConverter:
    """Structures wire JSON into devices, device plans and media, and back (no cattrs).

    ``structure(obj, T)`` for ``T`` one of :data:`Device`, :data:`Media`,
    :data:`DevicePlan`, ``tuple[Media, ...]`` or a concrete value class;
    ``unstructure(value)`` for a value, a plan or a media tuple.

    Args:
        strict: how the union and plan hooks parse, as in
            :func:`device_from_wire`: ``True`` where the data comes from a
            client, ``False`` where it comes from the server.  The concrete
            classes are always parsed strictly.
    """

    def __init__(self, *, strict: bool = True) -> None:
        self.strict = strict
        self._hooks = _hooks(strict)

    def structure(self, obj: JSONValue, cl: type[_V]) -> _V:
        """Read ``obj`` (wire JSON) as a ``cl``.

        Raises:
            LocalProtocolError: ``obj`` is not a valid ``cl`` (the message names the path).
            TypeError: ``cl`` is not a device or media type.
        """
        hook = self._hooks.get(cl)
        if hook is None:
            raise TypeError(
                f"ValueConverter structures devices and media only, not {cl!r} "
                "(for other types, register_value_hooks() on a cattrs converter)"
            )
        return cast("_V", hook(obj, cl))

    def unstructure(self, obj: object, unstructure_as: object = None) -> JSONValue:
        """The wire JSON of a device, a media item, a device plan or a media tuple.

        Raises:
            TypeError: ``obj`` is none of those.
        """
        del unstructure_as  # the value's own class says it all
        if isinstance(obj, _DEVICE_CLASSES):
            return device_to_wire(obj)
        if isinstance(obj, _MEDIA_CLASSES):
            return media_to_wire(obj)
        if isinstance(obj, tuple):
            if all(isinstance(item, tuple) for item in obj):
                return device_plan_to_wire(obj)
            return media_list_to_wire(obj)
        raise TypeError(f"ValueConverter cannot unstructure a {type(obj).__name__}")


#: Any hook: the registry only stores it.
_Hook: TypeAlias = Callable[[Never], object] | Callable[[Never, Never], object]


class _HookRegistry(Protocol):
    """The part of a ``cattrs.BaseConverter`` :func:`register_value_hooks` uses."""

    def register_structure_hook(self, cl: object, func: _Hook) -> object: ...
    def register_structure_hook_func(
        self, check_func: Callable[[object], bool], func: _Hook
    ) -> object: ...
    def register_unstructure_hook(self, cls: object, func: _Hook) -> object: ...
    def register_unstructure_hook_func(
        self, check_func: Callable[[object], bool], func: _Hook
    ) -> object: ...


def _equals(target: object) -> Callable[[object], bool]:
    return lambda candidate: candidate == target


def register_value_hooks(converter: _HookRegistry, *, strict: bool = True) -> None:
    """Teach a cattrs ``converter`` the wire forms of devices, device plans and media.

    Structuring accepts only the nested wire form; unstructuring produces it.
    cattrs is the caller's dependency, not this library's.

    Args:
        converter: the cattrs converter to extend (a frame codec's, say).
        strict: as for :class:`ValueConverter`.
    """
    for target, hook in _hooks(strict).items():
        if isinstance(target, type):
            converter.register_structure_hook(target, hook)
        else:  # unions and generic aliases: matched by equality
            converter.register_structure_hook_func(_equals(target), hook)
    for device_cls in _DEVICE_CLASSES:
        converter.register_unstructure_hook(device_cls, device_to_wire)
    for media_cls in _MEDIA_CLASSES:
        converter.register_unstructure_hook(media_cls, media_to_wire)
    converter.register_unstructure_hook_func(_equals(DevicePlan), device_plan_to_wire)
    converter.register_unstructure_hook_func(_equals(tuple[Media, ...]), media_list_to_wire)


def make_converter(*, strict: bool = True) -> ValueConverter:
    """Build a converter that reads and writes devices and media in wire form.

    Args:
        strict: see :class:`ValueConverter`.
    """
    return ValueConverter(strict=strict)


#: The strict converter (what a client sends, what the fake server checks).
CONVERTER = make_converter()
