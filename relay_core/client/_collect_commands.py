"""Input commands: ``calling.play_and_collect``, ``calling.collect``, ``calling.detect``.

Params per RELAY.md H.5.3-H.5.5; every field's wire path is its metadata
(:mod:`relay_core.wire._request_codec`), so one codec writes and reads them.
"""

from __future__ import annotations

from typing import ClassVar, Final, cast, final

import attrs

from .._errors import InvalidArgumentError
from .._ids import JSONObject
from ..wire._convert import media_list
from ..wire._request_codec import (
    choice,
    flag,
    from_mapping,
    instance,
    json_object,
    nested,
    number,
    text,
    text_list,
    text_tuple,
    wire,
)
from ..wire._values import Media
from ._action_kinds import ActionKind
from ._command_base import ActionStart, ActionSub, CodecCommand
from ._request_fields import decode_media, encode_media

__all__ = [
    "Collect",
    "CollectDigits",
    "CollectSpeech",
    "CollectStartInputTimers",
    "CollectStop",
    "Detect",
    "DetectStop",
    "Detector",
    "PlayAndCollect",
    "PlayAndCollectStop",
    "PlayAndCollectVolume",
]

#: Detector kinds (RELAY.md H.5.5).
DETECTOR_TYPES = frozenset({"machine", "fax", "digit"})


def _media(value: object) -> tuple[Media, ...]:
    if isinstance(value, tuple) and all(isinstance(item, Media) for item in value):
        return value
    if not isinstance(value, list | tuple):
        raise InvalidArgumentError(f"play: {value!r:.60} is not a list of media items")
    return media_list(value, field="play")


@final
@attrs.frozen(kw_only=True)
class CollectDigits(CodecCommand):
    """The ``digits`` part of a collect: DTMF input."""

    max: int = attrs.field(
        validator=number(minimum=1, integer=True, optional=False), metadata=wire("max")
    )
    digit_timeout: float | None = attrs.field(
        default=None, validator=number(), metadata=wire("digit_timeout")
    )
    terminators: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("terminators")
    )


@final
@attrs.frozen(kw_only=True)
class CollectSpeech(CodecCommand):
    """The ``speech`` part of a collect (every key optional: ``{}`` = defaults)."""

    end_silence_timeout: float | None = attrs.field(
        default=None, validator=number(), metadata=wire("end_silence_timeout")
    )
    speech_timeout: float | None = attrs.field(
        default=None, validator=number(), metadata=wire("speech_timeout")
    )
    language: str | None = attrs.field(default=None, validator=text(), metadata=wire("language"))
    hints: tuple[str, ...] | None = attrs.field(
        default=None, converter=text_tuple, validator=text_list(), metadata=wire("hints")
    )
    model: str | None = attrs.field(default=None, validator=text(), metadata=wire("model"))
    engine: str | None = attrs.field(default=None, validator=text(), metadata=wire("engine"))


def _check_kind(digits: object, speech: object, where: str) -> None:
    if digits is None and speech is None:
        raise InvalidArgumentError(
            f"{where}digits: None; a collect needs digits or speech (or both)"
        )


def _collect_digits_value(value: object) -> CollectDigits | None:
    """``collect.digits`` as given, or read from its wire form when a mapping."""
    return cast("CollectDigits | None", _COLLECT_DIGITS_VALUE(value))


_COLLECT_DIGITS_VALUE: Final = from_mapping(CollectDigits, "collect.digits")


def _collect_speech_value(value: object) -> CollectSpeech | None:
    """``collect.speech`` as given, or read from its wire form when a mapping."""
    return cast("CollectSpeech | None", _COLLECT_SPEECH_VALUE(value))


_COLLECT_SPEECH_VALUE: Final = from_mapping(CollectSpeech, "collect.speech")


@final
@attrs.frozen(kw_only=True)
class PlayAndCollect(ActionStart):
    """``calling.play_and_collect``: play a prompt, then collect input (RELAY.md H.5.3)."""

    method: ClassVar[str] = "calling.play_and_collect"
    action: ClassVar[ActionKind] = ActionKind.PLAY_AND_COLLECT
    media: tuple[Media, ...] = attrs.field(
        converter=_media, metadata=wire("play", encode=encode_media, decode=decode_media)
    )
    initial_timeout: float | None = attrs.field(
        default=None, validator=number(), metadata=wire("collect.initial_timeout")
    )
    digits: CollectDigits | None = attrs.field(
        default=None,
        converter=_collect_digits_value,
        validator=instance(CollectDigits),
        metadata=wire("collect.digits", decode=nested(CollectDigits)),
    )
    speech: CollectSpeech | None = attrs.field(
        default=None,
        converter=_collect_speech_value,
        validator=instance(CollectSpeech),
        metadata=wire("collect.speech", decode=nested(CollectSpeech)),
    )
    partial_results: bool | None = attrs.field(
        default=None, validator=flag(), metadata=wire("collect.partial_results")
    )
    #: [INFERRED] sent inside ``collect`` like calling.collect's top-level key
    #: (H.5.4); the action machine then keeps the collect open after results.
    continuous: bool | None = attrs.field(
        default=None, validator=flag(), metadata=wire("collect.continuous")
    )
    volume: float | None = attrs.field(
        default=None, validator=number(minimum=-40, maximum=40), metadata=wire("volume")
    )
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )

    def __attrs_post_init__(self) -> None:
        _check_kind(self.digits, self.speech, "collect.")


@final
@attrs.frozen(kw_only=True)
class PlayAndCollectStop(ActionSub):
    """``calling.play_and_collect.stop``."""

    method: ClassVar[str] = "calling.play_and_collect.stop"
    action: ClassVar[ActionKind] = ActionKind.PLAY_AND_COLLECT
    control: ClassVar[str] = "stop"


@final
@attrs.frozen(kw_only=True)
class PlayAndCollectVolume(ActionSub):
    """``calling.play_and_collect.volume``: the prompt's volume (dB, -40 to 40)."""

    method: ClassVar[str] = "calling.play_and_collect.volume"
    action: ClassVar[ActionKind] = ActionKind.PLAY_AND_COLLECT
    control: ClassVar[str] = "volume"
    volume: float = attrs.field(
        validator=number(minimum=-40, maximum=40, optional=False), metadata=wire("volume")
    )


def _digits_value(value: object) -> CollectDigits | None:
    """``digits`` as given, or read from its wire form when a mapping."""
    return cast("CollectDigits | None", _DIGITS_VALUE(value))


_DIGITS_VALUE: Final = from_mapping(CollectDigits, "digits")


def _speech_value(value: object) -> CollectSpeech | None:
    """``speech`` as given, or read from its wire form when a mapping."""
    return cast("CollectSpeech | None", _SPEECH_VALUE(value))


_SPEECH_VALUE: Final = from_mapping(CollectSpeech, "speech")


@final
@attrs.frozen(kw_only=True)
class Collect(ActionStart):
    """``calling.collect``: collect input without a prompt (RELAY.md H.5.4).

    ``continuous`` (sent) also tells the action machine to keep the collect
    open after each final result.
    """

    method: ClassVar[str] = "calling.collect"
    action: ClassVar[ActionKind] = ActionKind.COLLECT
    digits: CollectDigits | None = attrs.field(
        default=None,
        converter=_digits_value,
        validator=instance(CollectDigits),
        metadata=wire("digits", decode=nested(CollectDigits)),
    )
    speech: CollectSpeech | None = attrs.field(
        default=None,
        converter=_speech_value,
        validator=instance(CollectSpeech),
        metadata=wire("speech", decode=nested(CollectSpeech)),
    )
    initial_timeout: float | None = attrs.field(
        default=None, validator=number(), metadata=wire("initial_timeout")
    )
    partial_results: bool | None = attrs.field(
        default=None, validator=flag(), metadata=wire("partial_results")
    )
    continuous: bool | None = attrs.field(
        default=None, validator=flag(), metadata=wire("continuous")
    )
    send_start_of_input: bool | None = attrs.field(
        default=None, validator=flag(), metadata=wire("send_start_of_input")
    )
    start_input_timers: bool | None = attrs.field(
        default=None, validator=flag(), metadata=wire("start_input_timers")
    )
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )

    def __attrs_post_init__(self) -> None:
        _check_kind(self.digits, self.speech, "")


@final
@attrs.frozen(kw_only=True)
class CollectStop(ActionSub):
    """``calling.collect.stop``."""

    method: ClassVar[str] = "calling.collect.stop"
    action: ClassVar[ActionKind] = ActionKind.COLLECT
    control: ClassVar[str] = "stop"


@final
@attrs.frozen(kw_only=True)
class CollectStartInputTimers(ActionSub):
    """``calling.collect.start_input_timers``: start the ``initial_timeout`` clock."""

    method: ClassVar[str] = "calling.collect.start_input_timers"
    action: ClassVar[ActionKind] = ActionKind.COLLECT
    control: ClassVar[str] = "start_input_timers"


@final
@attrs.frozen(kw_only=True)
class Detector(CodecCommand):
    """``detect``: ``{"type": machine|fax|digit, "params": {...}}`` (RELAY.md H.5.5).

    ``params`` is the detector's settings as a JSON object (machine:
    ``initial_timeout``, ``end_silence_timeout``, ...; fax: ``tone``; digit:
    ``digits``); all optional, so ``{}`` is allowed.
    """

    type: str = attrs.field(validator=choice(DETECTOR_TYPES, optional=False), metadata=wire("type"))
    params: JSONObject = attrs.field(
        factory=dict, validator=json_object(optional=False), metadata=wire("params")
    )


def _detect_value(value: object) -> Detector | None:
    """``detect`` as given, or read from its wire form when a mapping."""
    return cast("Detector | None", _DETECT_VALUE(value))


_DETECT_VALUE: Final = from_mapping(Detector, "detect")


@final
@attrs.frozen(kw_only=True)
class Detect(ActionStart):
    """``calling.detect``: run a detector (RELAY.md H.5.5).

    ``wait_for_beep`` is client-only (not sent): the action machine then
    waits for ``READY``/a beep after ``MACHINE``.
    """

    method: ClassVar[str] = "calling.detect"
    action: ClassVar[ActionKind] = ActionKind.DETECT
    detect: Detector = attrs.field(
        converter=_detect_value,
        validator=instance(Detector, optional=False),
        metadata=wire("detect", decode=nested(Detector)),
    )
    timeout: float | None = attrs.field(default=None, validator=number(), metadata=wire("timeout"))
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )
    #: Client-only: not a wire parameter.
    wait_for_beep: bool = attrs.field(default=False, validator=flag())


@final
@attrs.frozen(kw_only=True)
class DetectStop(ActionSub):
    """``calling.detect.stop``."""

    method: ClassVar[str] = "calling.detect.stop"
    action: ClassVar[ActionKind] = ActionKind.DETECT
    control: ClassVar[str] = "stop"
