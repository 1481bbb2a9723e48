"""Commands: what a client asks of the server, one class per RELAY method.

Each command validates its input at construction (raising
:class:`InvalidArgumentError` that names the bad field, via ``_checks``) and knows its method
and params, so ``RelaySession.send`` only has to queue it.  ``Dial.tag``,
``Connect.tag`` and ``Play.control_id`` are filled at construction, so the
caller knows them before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar, TypeAlias, final

import attrs

from .._checks import (
    check_choice,
    check_contexts,
    check_count,
    check_positive,
    check_text,
    check_volume,
)
from .._errors import InvalidArgumentError
from .._ids import ControlId, JSONDict, JSONValue, Tag, uuid4_str
from ..wire._convert import device_plan, device_plan_to_wire, media_list, media_list_to_wire
from ..wire._request_codec import wire
from ..wire._values import DevicePlan, Media
from ._command_base import CodecCommand, ExtraParams
from ._events import CallRef
from ._message_commands import SendMessage
from ._request_fields import (
    CALL,
    add_extra,
    as_call_ref,
    check_control_id,
    control_id_or_new,
    decode_media,
    encode_media,
)
from ._verb_union import VerbCommand

__all__ = [
    "Answer",
    "Command",
    "Connect",
    "Dial",
    "Disconnect",
    "Hangup",
    "Pass",
    "Ping",
    "Play",
    "PlayPause",
    "PlayResume",
    "PlayStop",
    "PlayVolume",
    "RawRequest",
    "Receive",
    "Unreceive",
]

#: ``calling.end`` reasons the server accepts (RELAY.md H.2).
END_REASONS = frozenset({"hangup", "cancel", "busy", "noAnswer", "decline", "error"})
#: ``calling.play`` directions (RELAY.md H.5).
PLAY_DIRECTIONS = frozenset({"listen", "speak", "both"})


def _tag_or_new(value: str | None) -> Tag:
    """The caller's tag, or a fresh UUID when it gives ``None``."""
    # A Tag is a str at run time: no NewType call (every dial comes here).
    return uuid4_str() if value is None else value  # type: ignore[return-value]


_Check: TypeAlias = Callable[[object, object, float | None], None]
_TextCheck: TypeAlias = Callable[[object, object, str | None], None]


def _positive(name: str) -> _Check:
    def check(_instance: object, _attribute: object, value: float | None) -> None:
        if value is not None:  # the usual case, with no call
            check_positive(name, value, allow_none=True)

    return check


def _optional_text(name: str) -> _TextCheck:
    def check(_instance: object, _attribute: object, value: str | None) -> None:
        if value is not None:
            check_text(name, value, allow_none=True)

    return check


def _check_tag(_instance: object, _attribute: object, value: Tag) -> None:
    if type(value) is not str or not value:  # a fresh uuid passes without a call
        check_text("tag", value)


def _check_direction(_instance: object, _attribute: object, value: str | None) -> None:
    check_choice("direction", value, PLAY_DIRECTIONS, allow_none=True)


def _check_loop(_instance: object, _attribute: object, value: int | None) -> None:
    check_count("loop", value, minimum=0, allow_none=True)


def _ringback(value: Sequence[object] | None) -> tuple[Media, ...] | None:
    return None if value is None else media_list(value, field="ringback")


def _media(value: Sequence[object]) -> tuple[Media, ...]:
    return media_list(value, field="media")


def _decode_contexts(raw: JSONValue, name: str) -> object:
    # On the wire only a list (a user may pass one string to Receive()).
    if not isinstance(raw, list):
        raise InvalidArgumentError(f"{name}: {raw!r:.60} is not a list of non-empty strings")
    return tuple(raw)


def _contexts(value: Iterable[str]) -> tuple[str, ...]:
    return check_contexts(value)


def _end_reason(value: str) -> str:
    return check_choice("reason", value, END_REASONS)


def _volume(value: float | None) -> float | None:
    return check_volume("volume", value, allow_none=True)


def _required_volume(value: float) -> float:
    return check_volume("volume", value)


def _put(params: JSONDict, key: str, value: JSONValue) -> None:
    if value is not None:
        params[key] = value


def _call_params(call: CallRef) -> JSONDict:
    return {"node_id": call.node_id, "call_id": call.call_id}


@final
@attrs.frozen(kw_only=True)
class Dial(CodecCommand):
    """``calling.dial``: ring a device plan; the outcome arrives as events by ``tag``.

    ``devices`` is a serial list of parallel groups (RELAY.md F.1), as typed
    devices or the seeds' dicts.  ``max_duration`` (seconds) is sent per
    device, where the server's schema has it (RELAY.md F.2), on every device
    that does not set its own.
    """

    method: ClassVar[str] = "calling.dial"
    devices: DevicePlan = attrs.field(metadata=wire("devices"), converter=device_plan)
    tag: Tag = attrs.field(
        metadata=wire("tag", required=True),
        default=None,
        converter=_tag_or_new,
        validator=_check_tag,
    )
    max_duration: float | None = attrs.field(
        metadata=wire("max_duration"), default=None, validator=_positive("max_duration")
    )
    region: str | None = attrs.field(
        metadata=wire("region"), default=None, validator=_optional_text("region")
    )
    max_price_per_minute: float | None = attrs.field(
        metadata=wire("max_price_per_minute"),
        default=None,
        validator=_positive("max_price_per_minute"),
    )

    def to_params(self) -> JSONDict:
        """The request's params."""
        devices = device_plan_to_wire(self.devices)
        if self.max_duration is not None:
            for group in devices:
                for device in group:
                    device_params = device.get("params")
                    if isinstance(device_params, dict) and "max_duration" not in device_params:
                        device_params["max_duration"] = self.max_duration
        params: JSONDict = {"tag": self.tag, "devices": devices}
        _put(params, "region", self.region)
        _put(params, "max_price_per_minute", self.max_price_per_minute)
        return params


@final
@attrs.frozen(kw_only=True)
class Connect(CodecCommand):
    """``calling.connect``: bridge ``call`` to the first answering device of a plan.

    The seed's parameters are passed through exactly; ``ringback`` media may
    use the flat shorthand and is sent nested (RELAY.md H.4).
    """

    method: ClassVar[str] = "calling.connect"
    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)
    devices: DevicePlan = attrs.field(metadata=wire("devices"), converter=device_plan)
    ringback: tuple[Media, ...] | None = attrs.field(
        metadata=wire("ringback", encode=encode_media, decode=decode_media),
        default=None,
        converter=_ringback,
    )
    tag: Tag = attrs.field(
        metadata=wire("tag"), default=None, converter=_tag_or_new, validator=_check_tag
    )
    max_duration: float | None = attrs.field(
        metadata=wire("max_duration"), default=None, validator=_positive("max_duration")
    )
    max_price_per_minute: float | None = attrs.field(
        metadata=wire("max_price_per_minute"),
        default=None,
        validator=_positive("max_price_per_minute"),
    )
    status_url: str | None = attrs.field(
        metadata=wire("status_url"), default=None, validator=_optional_text("status_url")
    )

    def to_params(self) -> JSONDict:
        """The request's params."""
        params = _call_params(self.call)
        params["tag"] = self.tag
        params["devices"] = device_plan_to_wire(self.devices)
        if self.ringback is not None:
            params["ringback"] = media_list_to_wire(self.ringback)
        _put(params, "max_duration", self.max_duration)
        _put(params, "max_price_per_minute", self.max_price_per_minute)
        _put(params, "status_url", self.status_url)
        return params


@final
@attrs.frozen(kw_only=True)
class Disconnect(CodecCommand):
    """``calling.disconnect``: tear down the bridge of ``call`` (both legs stay up)."""

    method: ClassVar[str] = "calling.disconnect"
    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)

    def to_params(self) -> JSONDict:
        """The request's params."""
        return _call_params(self.call)


@final
@attrs.frozen(kw_only=True)
class Answer(CodecCommand):
    """``calling.answer``: answer an inbound call."""

    method: ClassVar[str] = "calling.answer"
    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)
    max_duration: float | None = attrs.field(
        metadata=wire("max_duration"), default=None, validator=_positive("max_duration")
    )

    def to_params(self) -> JSONDict:
        """The request's params."""
        params = _call_params(self.call)
        _put(params, "max_duration", self.max_duration)
        return params


@final
@attrs.frozen(kw_only=True)
class Hangup(CodecCommand):
    """``calling.end``: end a call with ``reason`` (default ``hangup``)."""

    method: ClassVar[str] = "calling.end"
    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)
    reason: str = attrs.field(metadata=wire("reason"), default="hangup", converter=_end_reason)

    def to_params(self) -> JSONDict:
        """The request's params."""
        params = _call_params(self.call)
        params["reason"] = self.reason
        return params


@final
@attrs.frozen(kw_only=True)
class Pass(CodecCommand):
    """``calling.pass``: decline an offered inbound call so another client gets it."""

    method: ClassVar[str] = "calling.pass"
    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)

    def to_params(self) -> JSONDict:
        """The request's params."""
        return _call_params(self.call)


@final
@attrs.frozen(kw_only=True)
class Play(ExtraParams):
    """``calling.play``: play media on a call; events follow by ``control_id``."""

    method: ClassVar[str] = "calling.play"
    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)
    media: tuple[Media, ...] = attrs.field(
        metadata=wire("play", encode=encode_media, decode=decode_media), converter=_media
    )
    control_id: ControlId = attrs.field(
        metadata=wire("control_id", required=True),
        default=None,
        converter=control_id_or_new,
        validator=check_control_id,
    )
    volume: float | None = attrs.field(metadata=wire("volume"), default=None, converter=_volume)
    direction: str | None = attrs.field(
        metadata=wire("direction"), default=None, validator=_check_direction
    )
    loop: int | None = attrs.field(metadata=wire("loop"), default=None, validator=_check_loop)
    status_url: str | None = attrs.field(
        metadata=wire("status_url"), default=None, validator=_optional_text("status_url")
    )

    def to_params(self) -> JSONDict:
        """The request's params."""
        params = _call_params(self.call)
        params["control_id"] = self.control_id
        params["play"] = media_list_to_wire(self.media)
        _put(params, "volume", self.volume)
        _put(params, "direction", self.direction)
        _put(params, "loop", self.loop)
        _put(params, "status_url", self.status_url)
        return add_extra(params, self.extra)


@final
@attrs.frozen(kw_only=True)
class PlayStop(CodecCommand):
    """``calling.play.stop``: stop a playback."""

    method: ClassVar[str] = "calling.play.stop"
    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)
    control_id: ControlId = attrs.field(
        metadata=wire("control_id", required=True), validator=check_control_id
    )


@final
@attrs.frozen(kw_only=True)
class PlayPause(CodecCommand):
    """``calling.play.pause``: pause a playback."""

    method: ClassVar[str] = "calling.play.pause"
    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)
    control_id: ControlId = attrs.field(
        metadata=wire("control_id", required=True), validator=check_control_id
    )
    behavior: str | None = attrs.field(
        metadata=wire("behavior"), default=None, validator=_optional_text("behavior")
    )


@final
@attrs.frozen(kw_only=True)
class PlayResume(CodecCommand):
    """``calling.play.resume``: resume a paused playback."""

    method: ClassVar[str] = "calling.play.resume"
    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)
    control_id: ControlId = attrs.field(
        metadata=wire("control_id", required=True), validator=check_control_id
    )


@final
@attrs.frozen(kw_only=True)
class PlayVolume(CodecCommand):
    """``calling.play.volume``: change a playback's volume (dB, -40 to 40)."""

    method: ClassVar[str] = "calling.play.volume"
    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)
    control_id: ControlId = attrs.field(
        metadata=wire("control_id", required=True), validator=check_control_id
    )
    volume: float = attrs.field(metadata=wire("volume"), converter=_required_volume)


@final
@attrs.frozen(kw_only=True)
class Receive(CodecCommand):
    """``signalwire.receive``: start receiving inbound calls on more contexts.

    The session remembers them and re-sends them on every resume.
    """

    method: ClassVar[str] = "signalwire.receive"
    contexts: tuple[str, ...] = attrs.field(
        metadata=wire("contexts", decode=_decode_contexts), converter=_contexts
    )

    def to_params(self) -> JSONDict:
        """The request's params."""
        return {"contexts": list(self.contexts)}


@final
@attrs.frozen(kw_only=True)
class Unreceive(CodecCommand):
    """``signalwire.unreceive``: stop receiving inbound calls on some contexts."""

    method: ClassVar[str] = "signalwire.unreceive"
    contexts: tuple[str, ...] = attrs.field(
        metadata=wire("contexts", decode=_decode_contexts), converter=_contexts
    )

    def to_params(self) -> JSONDict:
        """The request's params."""
        return {"contexts": list(self.contexts)}


@final
@attrs.frozen(kw_only=True)
class Ping(CodecCommand):
    """``signalwire.ping``: a client keepalive (the session sends its own)."""

    method: ClassVar[str] = "signalwire.ping"

    def to_params(self) -> JSONDict:
        """The request's params."""
        return {}


def _method_name(_instance: object, _attribute: object, value: str) -> None:
    if not isinstance(value, str) or not value or value == "signalwire.connect":
        raise InvalidArgumentError(f"method: {value!r} cannot be sent as a raw request")


def _params(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, dict):
        raise InvalidArgumentError(f"params: {value!r} is not a dict")


@final
@attrs.frozen(kw_only=True)
class RawRequest:
    """Any other RELAY method (``calling.record``, ``messaging.send``, ...).

    Results are code-checked like every request; no lifecycle is tracked.
    """

    method: str = attrs.field(validator=_method_name)
    params: JSONDict = attrs.field(factory=dict, validator=_params)

    def to_params(self) -> JSONDict:
        """The request's params."""
        return dict(self.params)


Command: TypeAlias = (
    Dial
    | Connect
    | Disconnect
    | Answer
    | Hangup
    | Pass
    | Play
    | PlayStop
    | PlayPause
    | PlayResume
    | PlayVolume
    | Receive
    | Unreceive
    | Ping
    | RawRequest
    | VerbCommand
    | SendMessage
)
