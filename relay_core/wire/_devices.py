"""Devices: dict-shaped input and wire JSON to typed values, and back.

Strict for what users write, lenient for what the server sends back (a new
or odd device is an :class:`OtherDevice`, never an error); valid wire dicts
round-trip exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final, assert_never

import attrs

from .._errors import LocalProtocolError
from .._ids import JSONDict, JSONObject, JSONValue
from ._readers import (
    _PHONE_KEYS,
    _PLAN_SHAPE,
    _SHAPE,
    _SIP_KEYS,
    _as_list,
    _compact,
    _is_list,
    _object,
    _opt_number,
    _opt_str,
    _relabel,
    _rest,
    _short,
    _str,
    _type,
)
from ._values import (
    _E164,
    _EMPTY,
    _SIP_URI,
    Device,
    DevicePlan,
    OtherDevice,
    PhoneDevice,
    SipDevice,
    SipHeader,
)

__all__ = ["device_from_wire", "device_plan", "device_plan_to_wire", "device_to_wire"]

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


# --- the common shapes, fast ------------------------------------------------
# Every offer carries a device, most with numbers never seen before (so the
# cache in _device_cache misses): a phone or sip device with only its
# addresses.  Those are checked here exactly as the value classes' validators
# check them and built by their slots (frozen attrs classes: see
# client/_event_makers), ~10x faster than the general path; any other shape
# takes the general path.  The result is the same value either way.


def _slot_setters(
    cls: type, names: tuple[str, ...]
) -> tuple[Callable[[object, object], None], ...]:
    if tuple(field.name for field in attrs.fields(cls)) != names:  # pragma: no cover
        raise RuntimeError(f"{cls.__name__}: the fast builder does not set exactly its fields")
    return tuple(vars(cls)[name].__set__ for name in names)


_new = object.__new__
_phone_to, _phone_from, _phone_timeout, _phone_max, _phone_extra = _slot_setters(
    PhoneDevice, ("to_number", "from_number", "timeout", "max_duration", "extra")
)
(
    _sip_to, _sip_from, _sip_from_name, _sip_headers, _sip_codecs, _sip_timeout, _sip_max,
    _sip_extra,
) = _slot_setters(
    SipDevice,
    ("to", "from_", "from_name", "headers", "codecs", "timeout", "max_duration", "extra"),
)  # fmt: skip
_PLAIN_PHONE_KEYS: Final = frozenset(("to_number", "from_number"))
_PLAIN_SIP_KEYS: Final = frozenset(("to", "from", "from_name"))
_e164 = _E164.fullmatch
_sip_uri = _SIP_URI.fullmatch


def _plain_device(obj: object) -> Device | None:
    """``{"type": "phone" | "sip", "params": {...}}`` with only addresses, or ``None``."""
    if type(obj) is not dict or len(obj) != 2:
        return None
    kind = obj.get("type")
    params = obj.get("params")
    if type(params) is not dict:
        return None
    if kind == "phone" and params.keys() <= _PLAIN_PHONE_KEYS:
        to_number = params.get("to_number")
        from_number = params.get("from_number")
        if type(to_number) is not str or _e164(to_number) is None:
            return None
        if from_number is not None and (type(from_number) is not str or _e164(from_number) is None):
            return None
        phone = _new(PhoneDevice)
        _phone_to(phone, to_number)
        _phone_from(phone, from_number)
        _phone_timeout(phone, None)
        _phone_max(phone, None)
        _phone_extra(phone, _EMPTY)
        return phone
    if kind == "sip" and params.keys() <= _PLAIN_SIP_KEYS:
        to = params.get("to")
        from_ = params.get("from")
        from_name = params.get("from_name")
        if type(to) is not str or _sip_uri(to) is None:
            return None
        if from_ is not None and (type(from_) is not str or _sip_uri(from_) is None):
            return None
        if from_name is not None and (type(from_name) is not str or not from_name):
            return None
        sip = _new(SipDevice)
        _sip_to(sip, to)
        _sip_from(sip, from_)
        _sip_from_name(sip, from_name)
        _sip_headers(sip, None)
        _sip_codecs(sip, None)
        _sip_timeout(sip, None)
        _sip_max(sip, None)
        _sip_extra(sip, _EMPTY)
        return sip
    return None


def _device(obj: object, path: str, *, strict: bool) -> Device:
    plain = _plain_device(obj)
    if plain is not None:
        return plain
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


#: Plain devices of dial plans, by (type, addresses): a campaign dials the
#: same caller id, a benchmark the same number.  Bounded: cleared when full.
_PLAN_DEVICES: dict[tuple[str, str, str | None, str | None], Device] = {}
_PLAN_DEVICES_MAX: Final = 256


def _plan_device(obj: dict[str, object]) -> Device | None:
    """:func:`_plain_device` through :data:`_PLAN_DEVICES` (devices are immutable)."""
    params = obj.get("params")
    if type(params) is not dict or len(obj) != 2:
        return None
    kind = obj.get("type")
    if kind == "phone":
        to, from_, name = params.get("to_number"), params.get("from_number"), None
    elif kind == "sip":
        to, from_, name = params.get("to"), params.get("from"), params.get("from_name")
    else:
        return None
    # Only str (or absent) values are keys: anything else is for _plain_device to refuse.
    if type(to) is not str or not (from_ is None or type(from_) is str):
        return None
    if not (name is None or type(name) is str):
        return None
    key = (kind, to, from_, name)  # kind is one of two strings: hashable
    device = _PLAN_DEVICES.get(key)
    if device is None:
        device = _plain_device(obj)
        if device is not None:
            if len(_PLAN_DEVICES) >= _PLAN_DEVICES_MAX:
                _PLAN_DEVICES.clear()
            _PLAN_DEVICES[key] = device
    elif len(params) != (from_ is not None) + (name is not None) + 1:
        return None  # other keys besides the addresses: not plain
    return device


def _device_plan(devices: object, path: str, *, strict: bool) -> DevicePlan:
    groups = _as_list(devices, path, _PLAN_SHAPE)
    if not groups:
        raise LocalProtocolError(f"{path}: no devices; expected {_PLAN_SHAPE}, e.g. [[device]]")
    plan: list[tuple[Device, ...]] = []
    for index, group in enumerate(groups):
        # Paths are built only when something is wrong (every dial comes here).
        if type(group) is list or type(group) is tuple:
            members: Sequence[object] = group
        else:
            if isinstance(group, Mapping | PhoneDevice | SipDevice | OtherDevice):
                raise LocalProtocolError(
                    f"{path}: expected {_PLAN_SHAPE}, got a flat list of devices; use "
                    "[[a, b]] to ring a and b together or [[a], [b]] to try a, then b"
                )
            members = _as_list(group, f"{path}[{index}]", "a list of devices")
        if not members:
            raise LocalProtocolError(f"{path}[{index}]: empty device group")
        parsed: list[Device] = []
        for position, member in enumerate(members):
            device = _plan_device(member) if type(member) is dict else None
            if device is None:
                if isinstance(member, PhoneDevice | SipDevice | OtherDevice):
                    device = member
                else:
                    device = _device(member, f"{path}[{index}][{position}]", strict=strict)
            parsed.append(device)
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
    if type(device) is PhoneDevice:  # a final class; every dial's device, field by field
        params: JSONDict = {}
        if (to_number := device.to_number) is not None:
            params["to_number"] = to_number
        if (from_number := device.from_number) is not None:
            params["from_number"] = from_number
        if (timeout := device.timeout) is not None:
            params["timeout"] = timeout
        if (max_duration := device.max_duration) is not None:
            params["max_duration"] = max_duration
        if device.extra:
            params.update(device.extra)
        return {"type": "phone", "params": params}
    match device:
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
