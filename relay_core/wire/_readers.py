"""Small readers shared by the device and media converters.

Each reads one key or shape and raises :class:`LocalProtocolError` naming
the path of the bad value (``devices[1][0].params.to_number: ...``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import TypeGuard, final

from .._errors import LocalProtocolError, short_repr
from .._ids import JSONDict, JSONObject, JSONValue
from ._values import (
    AudioMedia,
    OtherDevice,
    OtherMedia,
    PhoneDevice,
    RingtoneMedia,
    SilenceMedia,
    SipDevice,
    TtsMedia,
    _InvalidField,
)

__all__ = []

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
    if type(value) is list or type(value) is tuple:  # the usual input; skips the ABC checks
        return list(value)
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise LocalProtocolError(f"{path}: expected {what}, got {_short(value)}")
    return list(value)


def _object(value: object, path: str, what: str) -> JSONObject:
    if type(value) is not dict and not isinstance(value, Mapping):
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


@final
class _relabel:  # lower case: used as ``with _relabel(path):``
    """Re-raise a value class's field error with the wire path in front.

    A class rather than a ``@contextmanager`` generator: it wraps every device
    of every dial, and costs 0.2 µs a use where the generator cost 0.9.
    """

    __slots__ = ("_path",)

    def __init__(self, path: str) -> None:
        self._path = path

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(error, _InvalidField):
            field = _WIRE_NAMES.get(error.field, error.field)
            raise LocalProtocolError(f"{self._path}.{field}: {error.problem}") from None


def _compact(pairs: Iterable[tuple[str, JSONValue]], extra: JSONObject) -> JSONDict:
    """Build wire params: the modelled ``pairs`` not ``None``, then ``extra``."""
    params: JSONDict = {key: value for key, value in pairs if value is not None}
    params.update(extra)
    return params
