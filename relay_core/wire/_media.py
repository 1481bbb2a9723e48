"""Media: dict-shaped input (nested or flat shorthand, RELAY.md H.4) to typed values, and back.

Strict for what users write, lenient for what the server sends back (an
unknown media is an :class:`OtherMedia`); the client always sends the nested
``{"type": T, "params": {...}}`` form.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import assert_never

from .._errors import LocalProtocolError
from .._ids import JSONDict, JSONObject, JSONValue
from ._readers import (
    _AUDIO_KEYS,
    _RINGTONE_KEYS,
    _SHAPE,
    _SILENCE_KEYS,
    _TTS_KEYS,
    _as_list,
    _compact,
    _number,
    _object,
    _opt_number,
    _opt_str,
    _relabel,
    _rest,
    _str,
    _type,
)
from ._values import (
    AudioMedia,
    Media,
    OtherMedia,
    RingtoneMedia,
    SilenceMedia,
    TtsMedia,
)

__all__ = ["media_from_wire", "media_list", "media_list_to_wire", "media_to_wire"]

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
