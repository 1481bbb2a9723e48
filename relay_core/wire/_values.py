"""Typed values for what a caller dials and plays: devices and media items.

Every class is frozen and validates itself on construction, raising
:class:`LocalProtocolError` that names the field and the bad value.  The
wire forms (``{"type": T, "params": {...}}``) and the dict-shaped user input
are handled in ``_convert.py``; nothing here knows about JSON text.

Parameters this library does not model (``call_state_url``, ``confirm``,
``webrtc_media``, ...) travel in ``extra`` and are sent untouched.  ``extra``
and ``params`` are read-only mappings and take no part in hashing, so equal
values still hash equally.
"""

from __future__ import annotations

import math
import re

# ``Sequence`` is unused here but must be in scope: ``JSONValue`` is a string alias that
# names it, and attrs.resolve_types (which a cattrs converter runs) evaluates these
# classes' annotations here.
from collections.abc import Callable, Mapping, Sequence  # noqa: F401
from types import MappingProxyType
from typing import Final, TypeAlias, TypeVar, final

import attrs

from .._errors import LocalProtocolError, short_repr
from .._ids import JSONValue

__all__ = [
    "AudioMedia",
    "Device",
    "DevicePlan",
    "Media",
    "OtherDevice",
    "OtherMedia",
    "PhoneDevice",
    "RingtoneMedia",
    "SilenceMedia",
    "SipDevice",
    "SipHeader",
    "TtsMedia",
]

# ASCII digits only: ``\d`` would also accept other scripts' digits.
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_SIP_URI = re.compile(r"sips?:\S+", re.IGNORECASE)
_T = TypeVar("_T")


class _InvalidField(LocalProtocolError):
    """A field check failed; ``_convert`` re-labels it with the wire path."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


# --- validators -------------------------------------------------------------
# attrs calls each with (instance, attribute, value).


def _non_empty_str(_: object, attribute: attrs.Attribute[_T], value: _T) -> None:
    if not isinstance(value, str) or not value:
        raise _InvalidField(attribute.name, f"{short_repr(value)} is not a non-empty string")


def _optional_non_empty_str(instance: object, attribute: attrs.Attribute[_T], value: _T) -> None:
    if value is not None:
        _non_empty_str(instance, attribute, value)


def _str(_: object, attribute: attrs.Attribute[_T], value: _T) -> None:
    if not isinstance(value, str):
        raise _InvalidField(attribute.name, f"{short_repr(value)} is not a string")


def _e164(_: object, attribute: attrs.Attribute[_T], value: _T) -> None:
    if not isinstance(value, str) or _E164.fullmatch(value) is None:
        raise _InvalidField(
            attribute.name, f"{short_repr(value)} is not an E.164 number (+ then 2 to 15 digits)"
        )


def _optional_e164(instance: object, attribute: attrs.Attribute[_T], value: _T) -> None:
    if value is not None:
        _e164(instance, attribute, value)


def _sip_uri(_: object, attribute: attrs.Attribute[_T], value: _T) -> None:
    if not isinstance(value, str) or _SIP_URI.fullmatch(value) is None:
        raise _InvalidField(attribute.name, f"{short_repr(value)} is not a sip: or sips: URI")


def _optional_sip_uri(instance: object, attribute: attrs.Attribute[_T], value: _T) -> None:
    if value is not None:
        _sip_uri(instance, attribute, value)


def _positive(_: object, attribute: attrs.Attribute[_T], value: _T) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (isinstance(value, float) and not math.isfinite(value))
        or value <= 0
    ):
        raise _InvalidField(attribute.name, f"{short_repr(value)} is not a positive number")


def _optional_positive(instance: object, attribute: attrs.Attribute[_T], value: _T) -> None:
    if value is not None:
        _positive(instance, attribute, value)


def _headers(_: object, attribute: attrs.Attribute[_T], value: _T) -> None:
    if value is None:
        return
    if not isinstance(value, tuple):
        raise _InvalidField(attribute.name, f"{short_repr(value)} is not a tuple of SipHeader")
    for index, header in enumerate(value):
        if not isinstance(header, SipHeader):
            raise _InvalidField(
                f"{attribute.name}[{index}]", f"{short_repr(header)} is not a SipHeader"
            )


def _codecs(_: object, attribute: attrs.Attribute[_T], value: _T) -> None:
    if value is None:
        return
    if not isinstance(value, tuple):
        raise _InvalidField(attribute.name, f"{short_repr(value)} is not a tuple of strings")
    for index, codec in enumerate(value):
        if not isinstance(codec, str) or not codec:
            raise _InvalidField(
                f"{attribute.name}[{index}]", f"{short_repr(codec)} is not a codec name"
            )


def _mapping(_: object, attribute: attrs.Attribute[_T], value: _T) -> None:
    # Typed callers cannot get here; untyped ones (and the converter's bugs) can.
    if not isinstance(value, Mapping):
        raise _InvalidField(attribute.name, f"{short_repr(value)} is not a mapping")
    for key in value:
        if not isinstance(key, str):
            raise _InvalidField(attribute.name, f"key {short_repr(key)} is not a string")


def _extra_for(*fields: str) -> Callable[[object, attrs.Attribute[_T], _T], None]:
    """Build a validator for ``extra``: a mapping whose keys do not shadow ``fields``."""
    taken = frozenset(fields)

    def check(instance: object, attribute: attrs.Attribute[_T], value: _T) -> None:
        _mapping(instance, attribute, value)
        assert isinstance(value, Mapping)
        for key in value:
            if key in taken:
                raise _InvalidField(
                    attribute.name,
                    f"key {short_repr(key)} has a field of its own; pass it by keyword",
                )

    return check


#: One shared empty view: most values carry no extra keys, and a fresh dict
#: plus its proxy costs 104 B per value (per live call, for its device).
_EMPTY: Final[Mapping[str, JSONValue]] = MappingProxyType({})


def _freeze(value: object) -> object:
    """Copy a mapping into a read-only view (top level only); leave the rest to the validator."""
    if isinstance(value, Mapping):
        return MappingProxyType(dict(value)) if value else _EMPTY
    return value


def _mapping_repr(value: Mapping[str, JSONValue]) -> str:
    return repr(dict(value))


def _extra(*fields: str) -> Mapping[str, JSONValue]:
    """Declare an ``extra`` field: read-only, empty by default, unhashed.

    Its keys may not shadow the wire names in ``fields``: a parameter the
    class models has exactly one place to go.
    """
    field: Mapping[str, JSONValue] = attrs.field(
        factory=dict,
        converter=_freeze,
        validator=_extra_for(*fields),
        repr=_mapping_repr,
        hash=False,
    )
    return field


def _params() -> Mapping[str, JSONValue]:
    """Declare a required ``params`` field for the pass-through classes."""
    field: Mapping[str, JSONValue] = attrs.field(
        converter=_freeze, validator=_mapping, repr=_mapping_repr, hash=False
    )
    return field


# --- devices ----------------------------------------------------------------


@final
@attrs.frozen(kw_only=True)
class PhoneDevice:
    """A PSTN number to ring (RELAY.md F.1, type ``phone``).

    Example: ``PhoneDevice(to_number="+15551110001", from_number="+15550000000", timeout=20)``.
    """

    to_number: str = attrs.field(validator=_e164)
    """The number to call, E.164 (``+15551110001``)."""
    from_number: str | None = attrs.field(default=None, validator=_optional_e164)
    """The caller id, E.164; the server may reject a dial without it."""
    timeout: float | None = attrs.field(default=None, validator=_optional_positive)
    """Seconds this device rings before giving up (``noAnswer``)."""
    max_duration: float | None = attrs.field(default=None, validator=_optional_positive)
    """Longest the answered leg may last, in seconds."""
    extra: Mapping[str, JSONValue] = _extra("to_number", "from_number", "timeout", "max_duration")
    """Other params (``call_state_url``, ``call_state_events``, ``confirm``, ...), sent as is."""


@final
@attrs.frozen(kw_only=True)
class SipHeader:
    """One custom SIP header sent with a SIP device (``{"name": ..., "value": ...}``)."""

    name: str = attrs.field(validator=_non_empty_str)
    """Header name, e.g. ``X-Campaign``."""
    value: str = attrs.field(validator=_str)
    """Header value."""


@final
@attrs.frozen(kw_only=True)
class SipDevice:
    """A SIP endpoint to ring (RELAY.md F.1, type ``sip``).

    Example: ``SipDevice(to="sip:alice@pbx.example.com", from_="sip:bot@example.com")``.
    """

    to: str = attrs.field(validator=_sip_uri)
    """The URI to call (``sip:`` or ``sips:``)."""
    from_: str | None = attrs.field(default=None, validator=_optional_sip_uri)
    """The caller's URI (``sip:`` or ``sips:``); ``from`` on the wire."""
    from_name: str | None = attrs.field(default=None, validator=_optional_non_empty_str)
    """The caller's display name."""
    headers: tuple[SipHeader, ...] | None = attrs.field(default=None, validator=_headers)
    """Custom SIP headers, in order."""
    codecs: tuple[str, ...] | None = attrs.field(default=None, validator=_codecs)
    """Codecs to offer, in preference order (``PCMU``, ``OPUS``, ...)."""
    timeout: float | None = attrs.field(default=None, validator=_optional_positive)
    """Seconds this device rings before giving up (``noAnswer``)."""
    max_duration: float | None = attrs.field(default=None, validator=_optional_positive)
    """Longest the answered leg may last, in seconds."""
    # Wire names only: ``from_`` is this class's attribute name, not a wire key, so an
    # extra ``from_`` param is as unknown (and as welcome) as any other.
    extra: Mapping[str, JSONValue] = _extra(
        "to", "from", "from_name", "headers", "codecs", "timeout", "max_duration"
    )
    """Any other params (``webrtc_media``, ``session_timeout``, ``confirm``, ...), sent as is."""


@final
@attrs.frozen(kw_only=True)
class OtherDevice:
    """Any other device type (``webrtc``, ``agora``, ``call``, ``queue``, ``stream``, ...).

    Also what the server's device objects become when they do not parse as
    :class:`PhoneDevice` or :class:`SipDevice` (lenient parsing).
    """

    type: str = attrs.field(validator=_non_empty_str)
    """The wire ``type``."""
    params: Mapping[str, JSONValue] = _params()
    """The wire ``params``, sent as is."""


#: One device to ring.
Device: TypeAlias = PhoneDevice | SipDevice | OtherDevice
#: Devices to try: the outer tuple is tried serially (group after group), each
#: inner tuple is rung in parallel (RELAY.md F.1).
DevicePlan: TypeAlias = tuple[tuple[Device, ...], ...]


# --- media ------------------------------------------------------------------


@final
@attrs.frozen(kw_only=True)
class TtsMedia:
    """Text to speak (RELAY.md H.4, type ``tts``)."""

    text: str = attrs.field(validator=_non_empty_str)
    """What to say (plain text or SSML)."""
    language: str | None = attrs.field(default=None, validator=_optional_non_empty_str)
    """Language code, e.g. ``en-US``."""
    gender: str | None = attrs.field(default=None, validator=_optional_non_empty_str)
    """``male`` or ``female``."""
    voice: str | None = attrs.field(default=None, validator=_optional_non_empty_str)
    """A specific voice name."""
    extra: Mapping[str, JSONValue] = _extra("text", "language", "gender", "voice")
    """Any other params, sent as is."""


@final
@attrs.frozen(kw_only=True)
class AudioMedia:
    """An audio file to play (RELAY.md H.4, type ``audio``)."""

    url: str = attrs.field(validator=_non_empty_str)
    """Where the server fetches the file."""
    extra: Mapping[str, JSONValue] = _extra("url")
    """Any other params, sent as is."""


@final
@attrs.frozen(kw_only=True)
class SilenceMedia:
    """A pause (RELAY.md H.4, type ``silence``)."""

    duration: float = attrs.field(validator=_positive)
    """Seconds of silence."""
    extra: Mapping[str, JSONValue] = _extra("duration")
    """Any other params, sent as is."""


@final
@attrs.frozen(kw_only=True)
class RingtoneMedia:
    """A country's ringback tone (RELAY.md H.4, type ``ringtone``)."""

    name: str = attrs.field(validator=_non_empty_str)
    """Country code of the tone (``us``, ``uk``, ``de``, ...)."""
    duration: float | None = attrs.field(default=None, validator=_optional_positive)
    """Seconds to play it; the server's default when ``None``."""
    extra: Mapping[str, JSONValue] = _extra("name", "duration")
    """Any other params, sent as is."""


@final
@attrs.frozen(kw_only=True)
class OtherMedia:
    """Any other media type, passed through untouched."""

    type: str = attrs.field(validator=_non_empty_str)
    """The wire ``type``."""
    params: Mapping[str, JSONValue] = _params()
    """The wire ``params``, sent as is."""


#: One item of a play list (or of a connect ringback).
Media: TypeAlias = TtsMedia | AudioMedia | SilenceMedia | RingtoneMedia | OtherMedia
