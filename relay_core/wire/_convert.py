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
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TypeGuard, TypeVar, assert_never

import cattrs

from .._errors import LocalProtocolError, short_repr
from .._ids import JSONDict, JSONObject, JSONValue
from ._values import (
    AudioMedia,
    Device,
    DevicePlan,
    Media,
    OtherDevice,
    OtherMedia,
    PhoneDevice,
    RingtoneMedia,
    SilenceMedia,
    SipDevice,
    SipHeader,
    TtsMedia,
    _InvalidField,
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

_DEVICE_CLASSES = (PhoneDevice, SipDevice, OtherDevice)
_MEDIA_CLASSES = (TtsMedia, AudioMedia, SilenceMedia, RingtoneMedia, OtherMedia)

# Modelled params, in wire order; everything else goes to (and comes from) ``extra``.
_PHONE_KEYS = ("to_number", "from_number", "timeout", "max_duration")
_SIP_KEYS = ("to", "from", "from_name", "headers", "codecs", "timeout", "max_duration")
_TTS_KEYS = ("text", "language", "gender", "voice")
_AUDIO_KEYS = ("url",)
_SILENCE_KEYS = ("duration",)
_RINGTONE_KEYS = ("name", "duration")

_WIRE_NAMES = {"from_": "from"}
_SHAPE = '{"type": T, "params": {...}}'
_PLAN_SHAPE = "a list of lists of devices"


# --- small readers ----------------------------------------------------------


def _short(value: object) -> str:
    """Return ``repr(value)``, cut to a length fit for an error message (never recursive)."""
    return short_repr(value, 80)


def _is_list(value: object) -> TypeGuard[Sequence[object]]:
    """Tell whether ``value`` is a JSON-array-like sequence (strings are not)."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)


def _as_list(value: object, path: str, what: str) -> list[object]:
    """Materialise a user-supplied iterable, refusing strings, bytes and mappings."""
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise LocalProtocolError(f"{path}: expected {what}, got {_short(value)}")
    return list(value)


def _object(value: object, path: str, what: str) -> JSONObject:
    if not isinstance(value, Mapping):
        raise LocalProtocolError(f"{path}: expected {what}, got {_short(value)}")
    return value


def _type(obj: JSONObject, path: str) -> str:
    if "type" not in obj:
        raise LocalProtocolError(f"{path}.type: missing")
    value = obj["type"]
    if not isinstance(value, str) or not value:
        raise LocalProtocolError(f"{path}.type: {_short(value)} is not a non-empty string")
    return value


def _opt_str(params: JSONObject, key: str, path: str) -> str | None:
    value = params.get(key)
    if value is None or isinstance(value, str):
        return value
    raise LocalProtocolError(f"{path}.{key}: {_short(value)} is not a string")


def _str(params: JSONObject, key: str, path: str) -> str:
    value = _opt_str(params, key, path)
    if value is None:
        raise LocalProtocolError(f"{path}.{key}: missing (required)")
    return value


def _opt_number(params: JSONObject, key: str, path: str) -> float | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    raise LocalProtocolError(f"{path}.{key}: {_short(value)} is not a number")


def _number(params: JSONObject, key: str, path: str) -> float:
    value = _opt_number(params, key, path)
    if value is None:
        raise LocalProtocolError(f"{path}.{key}: missing (required)")
    return value


def _rest(params: JSONObject, known: tuple[str, ...]) -> JSONDict:
    """Return the params a class does not model, in their original order."""
    return {key: value for key, value in params.items() if key not in known}


@contextmanager
def _relabel(path: str) -> Iterator[None]:
    """Re-raise a value class's field error with the wire path in front."""
    try:
        yield
    except _InvalidField as error:
        field = _WIRE_NAMES.get(error.field, error.field)
        raise LocalProtocolError(f"{path}.{field}: {error.problem}") from None


def _compact(pairs: Iterable[tuple[str, JSONValue]], extra: JSONObject) -> JSONDict:
    """Build wire params: the modelled ``pairs`` not ``None``, then ``extra``."""
    params: JSONDict = {key: value for key, value in pairs if value is not None}
    params.update(extra)
    return params


# --- devices: wire -> value -------------------------------------------------


def _phone_from_params(params: JSONObject, path: str) -> PhoneDevice:
    to_number = _str(params, "to_number", path)
    from_number = _opt_str(params, "from_number", path)
    timeout = _opt_number(params, "timeout", path)
    max_duration = _opt_number(params, "max_duration", path)
    with _relabel(path):
        return PhoneDevice(
            to_number=to_number,
            from_number=from_number,
            timeout=timeout,
            max_duration=max_duration,
            extra=_rest(params, _PHONE_KEYS),
        )


def _headers_from_wire(value: JSONValue, path: str) -> tuple[SipHeader, ...] | None:
    if value is None:
        return None
    if not _is_list(value):
        raise LocalProtocolError(
            f'{path}: expected a list of {{"name": ..., "value": ...}}, got {_short(value)}'
        )
    headers: list[SipHeader] = []
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        header = _object(item, item_path, 'a {"name": ..., "value": ...} object')
        unexpected = [key for key in header if key not in ("name", "value")]
        if unexpected:
            raise LocalProtocolError(f"{item_path}: unexpected key {unexpected[0]!r}")
        name = _str(header, "name", item_path)
        text = _str(header, "value", item_path)
        with _relabel(item_path):
            headers.append(SipHeader(name=name, value=text))
    return tuple(headers)


def _codecs_from_wire(value: JSONValue, path: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not _is_list(value):
        raise LocalProtocolError(f"{path}: expected a list of codec names, got {_short(value)}")
    codecs: list[str] = []
    for index, codec in enumerate(value):
        if not isinstance(codec, str) or not codec:
            raise LocalProtocolError(f"{path}[{index}]: {_short(codec)} is not a codec name")
        codecs.append(codec)
    return tuple(codecs)


def _sip_from_params(params: JSONObject, path: str) -> SipDevice:
    to = _str(params, "to", path)
    from_ = _opt_str(params, "from", path)
    from_name = _opt_str(params, "from_name", path)
    headers = _headers_from_wire(params.get("headers"), f"{path}.headers")
    codecs = _codecs_from_wire(params.get("codecs"), f"{path}.codecs")
    timeout = _opt_number(params, "timeout", path)
    max_duration = _opt_number(params, "max_duration", path)
    with _relabel(path):
        return SipDevice(
            to=to,
            from_=from_,
            from_name=from_name,
            headers=headers,
            codecs=codecs,
            timeout=timeout,
            max_duration=max_duration,
            extra=_rest(params, _SIP_KEYS),
        )


def _device_strict(obj: object, path: str, *, extra_keys_ok: bool) -> Device:
    device = _object(obj, path, f"a device {_SHAPE}")
    kind = _type(device, path)
    if not extra_keys_ok:
        unexpected = [key for key in device if key not in ("type", "params")]
        if unexpected:
            raise LocalProtocolError(
                f"{path}: unexpected key {unexpected[0]!r}; a device is {_SHAPE}"
            )
    if "params" not in device:
        raise LocalProtocolError(f"{path}.params: missing; a device is {_SHAPE}")
    params_path = f"{path}.params"
    params = _object(device["params"], params_path, "an object")
    match kind:
        case "phone":
            return _phone_from_params(params, params_path)
        case "sip":
            return _sip_from_params(params, params_path)
        case _:
            return OtherDevice(type=kind, params=params)


def _device_fallback(obj: object) -> OtherDevice:
    """Keep whatever a server device object holds, valid or not (never raises)."""
    kind: JSONValue = "unknown"
    params: JSONValue = {}
    if isinstance(obj, Mapping):
        kind = obj.get("type")
        params = obj.get("params")
    return OtherDevice(
        type=kind if isinstance(kind, str) and kind else "unknown",
        params=params if isinstance(params, Mapping) else {},
    )


def _device(obj: object, path: str, *, strict: bool) -> Device:
    if strict:
        return _device_strict(obj, path, extra_keys_ok=False)
    try:
        return _device_strict(obj, path, extra_keys_ok=True)
    except LocalProtocolError:
        return _device_fallback(obj)


def device_from_wire(obj: JSONValue, *, strict: bool = True, path: str = "device") -> Device:
    """Parse one ``{"type": T, "params": {...}}`` device object.

    ``phone`` and ``sip`` become :class:`PhoneDevice` and :class:`SipDevice`;
    any other type becomes :class:`OtherDevice` with its params untouched.

    Args:
        obj: the decoded JSON.
        strict: ``True`` for input from this side (user data, or the fake
            server reading a client frame); ``False`` for devices the server
            reports, where anything unparseable (a bad number, missing
            params, not even an object) becomes ``OtherDevice(type=<type or
            "unknown">, params=<params or {}>)`` and unknown top-level keys
            are ignored.
        path: where ``obj`` sits, for error messages.

    Returns:
        The typed device.

    Raises:
        LocalProtocolError: only when ``strict``; the message names the path
            and the bad value.
    """
    return _device(obj, path, strict=strict)


def _device_plan(devices: object, path: str, *, strict: bool) -> DevicePlan:
    groups = _as_list(devices, path, _PLAN_SHAPE)
    if not groups:
        raise LocalProtocolError(f"{path}: no devices; expected {_PLAN_SHAPE}, e.g. [[device]]")
    plan: list[tuple[Device, ...]] = []
    for index, group in enumerate(groups):
        group_path = f"{path}[{index}]"
        if isinstance(group, Mapping | PhoneDevice | SipDevice | OtherDevice):
            raise LocalProtocolError(
                f"{path}: expected {_PLAN_SHAPE}, got a flat list of devices; use "
                "[[a, b]] to ring a and b together or [[a], [b]] to try a, then b"
            )
        members = _as_list(group, group_path, "a list of devices")
        if not members:
            raise LocalProtocolError(f"{group_path}: empty device group")
        parsed: list[Device] = []
        for position, member in enumerate(members):
            if isinstance(member, PhoneDevice | SipDevice | OtherDevice):
                parsed.append(member)
            else:
                parsed.append(_device(member, f"{group_path}[{position}]", strict=strict))
        plan.append(tuple(parsed))
    return tuple(plan)


def device_plan(devices: Iterable[Iterable[Device | JSONObject]]) -> DevicePlan:
    """Turn the ``devices`` of a dial or connect into a :data:`DevicePlan`.

    Accepts the official SDK's nested dicts
    (``[[{"type": "phone", "params": {...}}], [...]]``), typed devices, or a
    mix.  The outer list is tried serially, each inner list rings in
    parallel (RELAY.md F.1).

    Args:
        devices: a list of groups, each a list of devices.

    Returns:
        The plan as tuples of typed devices.

    Raises:
        LocalProtocolError: the plan or a group is empty, the plan is a flat
            list of devices, or a device is invalid; the message names the
            path (``devices[1][0].params.to_number: ...``).
    """
    return _device_plan(devices, "devices", strict=True)


# --- devices: value -> wire -------------------------------------------------


def device_to_wire(device: Device) -> JSONDict:
    """Render a device as its wire object ``{"type": T, "params": {...}}``.

    Modelled params come first in a fixed order (phone: ``to_number``,
    ``from_number``, ``timeout``, ``max_duration``; sip: ``to``, ``from``,
    ``from_name``, ``headers``, ``codecs``, ``timeout``, ``max_duration``),
    ``None`` ones left out, then ``extra`` in its own order.  Values from
    ``extra`` and ``params`` are shared, not copied.
    """
    match device:
        case PhoneDevice():
            params = _compact(
                (
                    ("to_number", device.to_number),
                    ("from_number", device.from_number),
                    ("timeout", device.timeout),
                    ("max_duration", device.max_duration),
                ),
                device.extra,
            )
            return {"type": "phone", "params": params}
        case SipDevice():
            headers: list[JSONValue] | None = None
            if device.headers is not None:
                headers = [{"name": h.name, "value": h.value} for h in device.headers]
            params = _compact(
                (
                    ("to", device.to),
                    ("from", device.from_),
                    ("from_name", device.from_name),
                    ("headers", headers),
                    ("codecs", None if device.codecs is None else list(device.codecs)),
                    ("timeout", device.timeout),
                    ("max_duration", device.max_duration),
                ),
                device.extra,
            )
            return {"type": "sip", "params": params}
        case OtherDevice():
            return {"type": device.type, "params": dict(device.params)}
        case _:
            assert_never(device)


def device_plan_to_wire(plan: Iterable[Iterable[Device]]) -> list[list[JSONDict]]:
    """Render a :data:`DevicePlan` as the ``devices`` param of a dial or connect."""
    return [[device_to_wire(device) for device in group] for group in plan]


# --- media: input -> value --------------------------------------------------


def _media_strict(obj: object, path: str, *, flat_ok: bool, extra_keys_ok: bool) -> Media:
    item = _object(obj, path, f"a media item {_SHAPE}")
    kind = _type(item, path)
    if "params" in item:
        unexpected = [key for key in item if key not in ("type", "params")]
        if unexpected and not extra_keys_ok:
            raise LocalProtocolError(
                f"{path}: unexpected key {unexpected[0]!r} next to 'params'; "
                f"a media item is {_SHAPE}"
                + (' or the flat {"type": T, ...params}' if flat_ok else "")
            )
        params_path = f"{path}.params"
        params = _object(item["params"], params_path, "an object")
    elif flat_ok:
        # RELAY.md H.4: the flat shorthand moves every key but ``type`` into params.
        params_path = path
        params = _rest(item, ("type",))
    elif len(item) > 1:
        raise LocalProtocolError(
            f"{path}: flat media item; the wire form is "
            f'{{"type": {json.dumps(kind)}, "params": {{...}}}} (RELAY.md H.4)'
        )
    else:
        raise LocalProtocolError(f"{path}.params: missing; a media item is {_SHAPE}")
    return _media_from_params(kind, params, params_path)


def _media_from_params(kind: str, params: JSONObject, path: str) -> Media:
    match kind:
        case "tts":
            text = _str(params, "text", path)
            language = _opt_str(params, "language", path)
            gender = _opt_str(params, "gender", path)
            voice = _opt_str(params, "voice", path)
            with _relabel(path):
                return TtsMedia(
                    text=text,
                    language=language,
                    gender=gender,
                    voice=voice,
                    extra=_rest(params, _TTS_KEYS),
                )
        case "audio":
            url = _str(params, "url", path)
            with _relabel(path):
                return AudioMedia(url=url, extra=_rest(params, _AUDIO_KEYS))
        case "silence":
            duration = _number(params, "duration", path)
            with _relabel(path):
                return SilenceMedia(duration=duration, extra=_rest(params, _SILENCE_KEYS))
        case "ringtone":
            name = _str(params, "name", path)
            ring_duration = _opt_number(params, "duration", path)
            with _relabel(path):
                return RingtoneMedia(
                    name=name, duration=ring_duration, extra=_rest(params, _RINGTONE_KEYS)
                )
        case _:
            return OtherMedia(type=kind, params=params)


def _media_fallback(obj: object) -> OtherMedia:
    """Keep whatever a media object holds, valid or not (never raises)."""
    kind: JSONValue = "unknown"
    params: JSONValue = {}
    if isinstance(obj, Mapping):
        kind = obj.get("type")
        params = obj["params"] if "params" in obj else _rest(obj, ("type",))
    return OtherMedia(
        type=kind if isinstance(kind, str) and kind else "unknown",
        params=params if isinstance(params, Mapping) else {},
    )


def _media(obj: object, path: str, *, strict: bool) -> Media:
    if strict:
        return _media_strict(obj, path, flat_ok=False, extra_keys_ok=False)
    try:
        return _media_strict(obj, path, flat_ok=True, extra_keys_ok=True)
    except LocalProtocolError:
        return _media_fallback(obj)


def media_from_wire(obj: JSONValue, *, strict: bool = True, path: str = "media") -> Media:
    """Parse one media item in the wire form ``{"type": T, "params": {...}}``.

    Args:
        obj: the decoded JSON.
        strict: ``True`` rejects anything but the nested form, the flat
            shorthand included, so the fake server can flag a client that
            sends it.  ``False`` never raises: it accepts the flat form too,
            ignores unknown top-level keys, and turns anything unparseable
            into ``OtherMedia(type=<type or "unknown">, params=<params or {}>)``.
        path: where ``obj`` sits, for error messages.

    Returns:
        The typed media item.

    Raises:
        LocalProtocolError: only when ``strict``; the message names the path.
    """
    return _media(obj, path, strict=strict)


def media_list(items: Iterable[object], *, field: str = "media") -> tuple[Media, ...]:
    """Turn the media of a play (or a connect's ringback) into typed items.

    Accepts typed media, nested dicts (``{"type": "tts", "params": {"text":
    "Hi"}}``) and the flat shorthand (``{"type": "tts", "text": "Hi"}``, every
    key but ``type`` being a param, RELAY.md H.4), mixed freely.

    Args:
        items: the media items, in play order.  Typed loosely because every
            item is checked here: anything else is a :class:`LocalProtocolError`.
        field: the parameter's name, which starts every error message
            (``media`` or ``ringback``).

    Returns:
        The items, typed.

    Raises:
        LocalProtocolError: ``items`` is empty or not a list, or an item is
            invalid; the message names the path (``media[0].text: ...``).
    """
    raw: object = items
    if isinstance(raw, Mapping | TtsMedia | AudioMedia | SilenceMedia | RingtoneMedia | OtherMedia):
        raise LocalProtocolError(
            f"{field}: expected a list of media items, got a single item; wrap it in a list"
        )
    listed = _as_list(raw, field, "a list of media items")
    if not listed:
        raise LocalProtocolError(f"{field}: at least one media item is required")
    parsed: list[Media] = []
    for index, item in enumerate(listed):
        if isinstance(item, TtsMedia | AudioMedia | SilenceMedia | RingtoneMedia | OtherMedia):
            parsed.append(item)
        else:
            parsed.append(
                _media_strict(item, f"{field}[{index}]", flat_ok=True, extra_keys_ok=False)
            )
    return tuple(parsed)


# --- media: value -> wire ---------------------------------------------------


def media_to_wire(media: Media) -> JSONDict:
    """Render a media item in the nested wire form ``{"type": T, "params": {...}}``.

    Modelled params come first (tts: ``text``, ``language``, ``gender``,
    ``voice``; ringtone: ``name``, ``duration``), ``None`` ones left out, then
    ``extra``.
    """
    match media:
        case TtsMedia():
            params = _compact(
                (
                    ("text", media.text),
                    ("language", media.language),
                    ("gender", media.gender),
                    ("voice", media.voice),
                ),
                media.extra,
            )
            return {"type": "tts", "params": params}
        case AudioMedia():
            return {"type": "audio", "params": _compact((("url", media.url),), media.extra)}
        case SilenceMedia():
            params = _compact((("duration", media.duration),), media.extra)
            return {"type": "silence", "params": params}
        case RingtoneMedia():
            params = _compact((("name", media.name), ("duration", media.duration)), media.extra)
            return {"type": "ringtone", "params": params}
        case OtherMedia():
            return {"type": media.type, "params": dict(media.params)}
        case _:
            assert_never(media)


def media_list_to_wire(items: Iterable[Media]) -> list[JSONDict]:
    """Render media items as the ``play`` (or ``ringback``) param."""
    return [media_to_wire(item) for item in items]


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
