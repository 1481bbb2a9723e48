"""Action commands (RELAY.md H.5): record, fax, tap, stream, pay, transcribe, ai, ...

Each starter carries ``call`` and ``control_id`` (fresh UUID unless given)
and declares its :class:`ActionKind`; each sub-command also its ``control``.
Params per RELAY.md H.5.2 and H.5.6-H.5.13; the generic request codec writes
and reads them from the fields' wire paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Final, Self, TypeVar, cast, final

import attrs

from .._errors import InvalidArgumentError
from .._ids import JSONDict, JSONObject, JSONValue
from ..wire._request_codec import (
    choice,
    flag,
    from_mapping,
    from_params,
    instance,
    json_object,
    nested,
    number,
    text,
    wire,
)
from ._action_kinds import ActionKind
from ._command_base import ActionStart, ActionSub, CodecCommand
from ._request_fields import check_constant, secret

__all__ = [
    "ReceiveFax",
    "ReceiveFaxStop",
    "Record",
    "RecordPause",
    "RecordResume",
    "RecordStop",
    "SendFax",
    "SendFaxStop",
    "Stream",
    "StreamStop",
    "Tap",
    "TapDevice",
    "TapStop",
]

_T = TypeVar("_T")

DIRECTIONS = frozenset({"listen", "speak", "both"})
RECORD_FORMATS = frozenset({"mp3", "wav"})
PAUSE_BEHAVIORS = frozenset({"skip", "silence"})
TAP_DEVICE_TYPES = frozenset({"rtp", "ws"})
CODECS = frozenset({"OPUS", "PCMA", "PCMU"})
STREAM_TRACKS = frozenset({"inbound_track", "outbound_track", "both_tracks"})
HTTP_METHODS = frozenset({"GET", "POST"})


def _any_text(_instance: object, _field: object, value: str | None) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidArgumentError(f"header_info: {value!r:.60} is not a string")


def _object(value: JSONValue) -> JSONObject:
    return value if isinstance(value, dict) else {}


# --- record -------------------------------------------------------------------


@final
@attrs.frozen(kw_only=True)
class Record(ActionStart):
    """``calling.record``: record the call's audio (RELAY.md H.5.2).

    ``record.audio`` is always sent (``{}`` when every setting is default).
    """

    method: ClassVar[str] = "calling.record"
    action: ClassVar[ActionKind] = ActionKind.RECORD
    beep: bool | None = attrs.field(
        default=None, validator=flag(), metadata=wire("record.audio.beep")
    )
    format: str | None = attrs.field(
        default=None, validator=choice(RECORD_FORMATS), metadata=wire("record.audio.format")
    )
    stereo: bool | None = attrs.field(
        default=None, validator=flag(), metadata=wire("record.audio.stereo")
    )
    direction: str | None = attrs.field(
        default=None, validator=choice(DIRECTIONS), metadata=wire("record.audio.direction")
    )
    initial_timeout: float | None = attrs.field(
        default=None, validator=number(), metadata=wire("record.audio.initial_timeout")
    )
    end_silence_timeout: float | None = attrs.field(
        default=None, validator=number(), metadata=wire("record.audio.end_silence_timeout")
    )
    terminators: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("record.audio.terminators")
    )
    input_sensitivity: float | None = attrs.field(
        default=None, validator=number(maximum=100), metadata=wire("record.audio.input_sensitivity")
    )
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )

    def to_params(self) -> JSONDict:
        """The request's params; ``record.audio`` is always present."""
        params = super().to_params()
        params.setdefault("record", {"audio": {}})
        if "status_url" in params:  # keep it after ``record``
            params["status_url"] = params.pop("status_url")
        return params

    @classmethod
    def from_params(cls, params: JSONObject) -> Self:
        """Read the command from wire params (``record.audio`` required)."""
        record = params.get("record") if isinstance(params, Mapping) else {"audio": {}}
        if not isinstance(record, Mapping) or not isinstance(record.get("audio"), Mapping):
            raise InvalidArgumentError(
                f"record.audio: required, a JSON object (got record={record!r:.40})"
            )
        return from_params(cls, params)


@final
@attrs.frozen(kw_only=True)
class RecordStop(ActionSub):
    """``calling.record.stop``: end the recording (its URL arrives as ``finished``)."""

    method: ClassVar[str] = "calling.record.stop"
    action: ClassVar[ActionKind] = ActionKind.RECORD
    control: ClassVar[str] = "stop"


@final
@attrs.frozen(kw_only=True)
class RecordPause(ActionSub):
    """``calling.record.pause``: ``behavior`` ``skip`` (default) or ``silence``."""

    method: ClassVar[str] = "calling.record.pause"
    action: ClassVar[ActionKind] = ActionKind.RECORD
    control: ClassVar[str] = "pause"
    behavior: str | None = attrs.field(
        default=None, validator=choice(PAUSE_BEHAVIORS), metadata=wire("behavior")
    )


@final
@attrs.frozen(kw_only=True)
class RecordResume(ActionSub):
    """``calling.record.resume``."""

    method: ClassVar[str] = "calling.record.resume"
    action: ClassVar[ActionKind] = ActionKind.RECORD
    control: ClassVar[str] = "resume"


# --- fax ------------------------------------------------------------------------


@final
@attrs.frozen(kw_only=True)
class SendFax(ActionStart):
    """``calling.send_fax``: send a PDF as a fax (RELAY.md H.5.6)."""

    method: ClassVar[str] = "calling.send_fax"
    action: ClassVar[ActionKind] = ActionKind.SEND_FAX
    document: str = attrs.field(validator=text(optional=False), metadata=wire("document"))
    identity: str | None = attrs.field(default=None, validator=text(), metadata=wire("identity"))
    #: Page header text; ``""`` disables it, so the empty string is allowed.
    header_info: str | None = attrs.field(
        default=None, validator=_any_text, metadata=wire("header_info")
    )
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )


@final
@attrs.frozen(kw_only=True)
class SendFaxStop(ActionSub):
    """``calling.send_fax.stop``."""

    method: ClassVar[str] = "calling.send_fax.stop"
    action: ClassVar[ActionKind] = ActionKind.SEND_FAX
    control: ClassVar[str] = "stop"


@final
@attrs.frozen(kw_only=True)
class ReceiveFax(ActionStart):
    """``calling.receive_fax``: receive a fax (RELAY.md H.5.6)."""

    method: ClassVar[str] = "calling.receive_fax"
    action: ClassVar[ActionKind] = ActionKind.RECEIVE_FAX
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )


@final
@attrs.frozen(kw_only=True)
class ReceiveFaxStop(ActionSub):
    """``calling.receive_fax.stop``."""

    method: ClassVar[str] = "calling.receive_fax.stop"
    action: ClassVar[ActionKind] = ActionKind.RECEIVE_FAX
    control: ClassVar[str] = "stop"


# --- tap and stream -----------------------------------------------------------------


@final
@attrs.frozen(kw_only=True)
class TapDevice(CodecCommand):
    """Where a tap sends media: ``rtp`` (``addr``, ``port``, ``codec``, ``ptime``) or
    ``ws`` (``uri``, ``codec``, ``rate``) (RELAY.md H.5.7)."""

    type: str = attrs.field(
        validator=choice(TAP_DEVICE_TYPES, optional=False), metadata=wire("type")
    )
    addr: str | None = attrs.field(default=None, validator=text(), metadata=wire("params.addr"))
    port: int | None = attrs.field(
        default=None,
        validator=number(minimum=1, maximum=65535, integer=True),
        metadata=wire("params.port"),
    )
    uri: str | None = attrs.field(default=None, validator=text(), metadata=wire("params.uri"))
    codec: str | None = attrs.field(
        default=None, validator=choice(CODECS), metadata=wire("params.codec")
    )
    ptime: int | None = attrs.field(
        default=None, validator=number(minimum=1, integer=True), metadata=wire("params.ptime")
    )
    rate: int | None = attrs.field(
        default=None, validator=number(minimum=1, integer=True), metadata=wire("params.rate")
    )

    def __attrs_post_init__(self) -> None:
        if self.type == "rtp" and (self.addr is None or self.port is None):
            raise InvalidArgumentError(
                f"params.addr: {self.addr!r}; an rtp device needs addr and port "
                f"(port: {self.port!r})"
            )
        if self.type == "ws" and self.uri is None:
            raise InvalidArgumentError("params.uri: None is required for a ws device")

    def to_params(self) -> JSONDict:
        """The device's wire form (``params`` always present)."""
        params = super().to_params()
        params.setdefault("params", {})
        return params


def _device_value(value: object) -> TapDevice | None:
    """``device`` as given, or read from its wire form when a mapping."""
    return cast("TapDevice | None", _DEVICE_VALUE(value))


_DEVICE_VALUE: Final = from_mapping(TapDevice, "device")


@final
@attrs.frozen(kw_only=True)
class Tap(ActionStart):
    """``calling.tap``: copy the call's audio to a device (RELAY.md H.5.7)."""

    method: ClassVar[str] = "calling.tap"
    action: ClassVar[ActionKind] = ActionKind.TAP
    #: The ``audio`` tap's direction (``tap.type`` is always ``audio``).
    direction: str = attrs.field(
        validator=choice(DIRECTIONS, optional=False), metadata=wire("tap.params.direction")
    )
    device: TapDevice = attrs.field(
        converter=_device_value,
        validator=instance(TapDevice, optional=False),
        metadata=wire("device", decode=nested(TapDevice)),
    )
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )

    def to_params(self) -> JSONDict:
        """The request's params (``tap.type`` is ``audio``)."""
        params = super().to_params()
        params["tap"] = {"type": "audio", **_object(params["tap"])}
        if "device" in params:  # keep the wire order: tap, device, status_url
            params["device"] = params.pop("device")
        if "status_url" in params:
            params["status_url"] = params.pop("status_url")
        return params

    @classmethod
    def from_params(cls, params: JSONObject) -> Self:
        """Read the command from wire params (``tap.type`` must be ``audio``)."""
        check_constant(params, "tap.type", "audio")
        return from_params(cls, params)


@final
@attrs.frozen(kw_only=True)
class TapStop(ActionSub):
    """``calling.tap.stop``."""

    method: ClassVar[str] = "calling.tap.stop"
    action: ClassVar[ActionKind] = ActionKind.TAP
    control: ClassVar[str] = "stop"


@final
@attrs.frozen(kw_only=True)
class Stream(ActionStart):
    """``calling.stream``: stream the call's audio to a WebSocket (RELAY.md H.5.8).

    ``authorization_bearer_token`` is a credential: it never shows in the repr.
    """

    method: ClassVar[str] = "calling.stream"
    action: ClassVar[ActionKind] = ActionKind.STREAM
    url: str = attrs.field(validator=text(optional=False), metadata=wire("url"))
    name: str | None = attrs.field(default=None, validator=text(), metadata=wire("name"))
    codec: str | None = attrs.field(default=None, validator=text(), metadata=wire("codec"))
    track: str | None = attrs.field(
        default=None, validator=choice(STREAM_TRACKS), metadata=wire("track")
    )
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )
    status_url_method: str | None = attrs.field(
        default=None, validator=choice(HTTP_METHODS), metadata=wire("status_url_method")
    )
    authorization_bearer_token: str | None = attrs.field(
        default=None, repr=False, validator=secret, metadata=wire("authorization_bearer_token")
    )
    custom_parameters: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("custom_parameters")
    )


@final
@attrs.frozen(kw_only=True)
class StreamStop(ActionSub):
    """``calling.stream.stop``."""

    method: ClassVar[str] = "calling.stream.stop"
    action: ClassVar[ActionKind] = ActionKind.STREAM
    control: ClassVar[str] = "stop"
