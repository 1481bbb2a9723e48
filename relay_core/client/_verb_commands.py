"""Plain call verbs (RELAY.md H.5.14): no ``control_id``, a reply and maybe events.

Free-form JSON (``user_event``'s event, AI prompts, ``SWAIG``, a bound
method's ``params``) is checked to be JSON and passed through.  Every field's
wire path is its metadata: the generic request codec writes and reads them.
"""

from __future__ import annotations

from typing import ClassVar, Final, Self, TypeVar, cast, final

import attrs

from .._errors import InvalidArgumentError
from .._ids import JSONDict, JSONObject, JSONValue
from ..wire._request_codec import (
    Validator,
    check,
    choice,
    flag,
    from_mapping,
    from_params,
    instance,
    json_object,
    json_value,
    nested,
    number,
    text,
    wire,
)
from ._command_base import CodecCommand, PlainVerb
from ._request_fields import check_constant

__all__ = [
    "AIHold",
    "AIMessage",
    "AIUnhold",
    "AmazonBedrock",
    "BindDigit",
    "ClearDigitBindings",
    "Denoise",
    "DenoiseStop",
    "Echo",
    "Hold",
    "JoinConference",
    "JoinRoom",
    "LeaveConference",
    "LeaveRoom",
    "LiveTranscribe",
    "LiveTranslate",
    "Refer",
    "ReferDevice",
    "Transfer",
    "Unhold",
    "UserEvent",
]

_T = TypeVar("_T")

CONFERENCE_BEEPS = frozenset({"true", "false", "onEnter", "onExit"})
CONFERENCE_RECORD = frozenset({"do-not-record", "record-from-start"})
CONFERENCE_TRIM = frozenset({"trim-silence", "do-not-trim"})
CALLBACK_EVENT_TYPES = frozenset({"relay", "cxml"})
TRANSCRIBE_ACTIONS = frozenset({"start", "stop", "summarize"})
TRANSLATE_ACTIONS = TRANSCRIBE_ACTIONS | {"inject"}


def _method_name(_instance: object, _field: object, value: str) -> None:
    if not isinstance(value, str) or not value.startswith("calling.") or value == "calling.":
        raise InvalidArgumentError(f"bind_method: {value!r:.60} is not a calling.* method name")


def _one_key(keys: frozenset[str]) -> Validator[_T]:
    """A JSON object with exactly one key, one of ``keys``, holding an object."""

    def helper(name: str, value: object) -> None:
        if (
            not isinstance(value, dict)
            or len(value) != 1
            or next(iter(value)) not in keys
            or not isinstance(next(iter(value.values())), dict)
        ):
            raise InvalidArgumentError(
                f"{name}: {value!r:.60} is not one of "
                + ", ".join(f"{{{key!r}: {{...}}}}" for key in sorted(keys))
            )

    return check(helper, optional=False)


@final
@attrs.frozen(kw_only=True)
class Transfer(PlainVerb):
    """``calling.transfer``: hand the call to SWML (URL or inline) or ``context:<name>``."""

    method: ClassVar[str] = "calling.transfer"
    dest: str = attrs.field(validator=text(optional=False), metadata=wire("dest"))


@final
@attrs.frozen(kw_only=True)
class ReferDevice(CodecCommand):
    """The SIP device a REFER points at; ``password`` never shows in the repr."""

    to: str = attrs.field(validator=text(optional=False), metadata=wire("params.to"))
    username: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("params.username")
    )
    password: str | None = attrs.field(
        default=None, repr=False, validator=text(), metadata=wire("params.password")
    )

    def to_params(self) -> JSONDict:
        """``{"type": "sip", "params": {...}}``."""
        return {"type": "sip", **super().to_params()}

    @classmethod
    def from_params(cls, params: JSONObject) -> Self:
        """Read the device (``type`` must be ``sip``)."""
        check_constant(params, "type", "sip")
        return from_params(cls, params)


def _device_value(value: object) -> ReferDevice | None:
    """``device`` as given, or read from its wire form when a mapping."""
    return cast("ReferDevice | None", _DEVICE_VALUE(value))


_DEVICE_VALUE: Final = from_mapping(ReferDevice, "device")


@final
@attrs.frozen(kw_only=True)
class Refer(PlainVerb):
    """``calling.refer``: SIP REFER the call elsewhere; ``calling.call.refer`` events follow."""

    method: ClassVar[str] = "calling.refer"
    device: ReferDevice = attrs.field(
        converter=_device_value,
        validator=instance(ReferDevice, optional=False),
        metadata=wire("device", decode=nested(ReferDevice)),
    )
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )


@final
@attrs.frozen(kw_only=True)
class Hold(PlainVerb):
    """``calling.hold``: put the call on hold (``calling.call.hold`` may follow)."""

    method: ClassVar[str] = "calling.hold"


@final
@attrs.frozen(kw_only=True)
class Unhold(PlainVerb):
    """``calling.unhold``: take the call off hold."""

    method: ClassVar[str] = "calling.unhold"


@final
@attrs.frozen(kw_only=True)
class Denoise(PlainVerb):
    """``calling.denoise``: turn noise reduction on (``calling.call.denoise`` follows)."""

    method: ClassVar[str] = "calling.denoise"


@final
@attrs.frozen(kw_only=True)
class DenoiseStop(PlainVerb):
    """``calling.denoise.stop``: turn noise reduction off."""

    method: ClassVar[str] = "calling.denoise.stop"


@final
@attrs.frozen(kw_only=True)
class Echo(PlainVerb):
    """``calling.echo``: play the caller's audio back (``timeout`` 0 = until the call ends)."""

    method: ClassVar[str] = "calling.echo"
    timeout: float | None = attrs.field(default=None, validator=number(), metadata=wire("timeout"))
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )


@final
@attrs.frozen(kw_only=True)
class BindDigit(PlainVerb):
    """``calling.bind_digit``: run ``bind_method`` with ``params`` when ``digits`` are dialled."""

    method: ClassVar[str] = "calling.bind_digit"
    digits: str = attrs.field(validator=text(optional=False), metadata=wire("digits"))
    bind_method: str = attrs.field(validator=_method_name, metadata=wire("bind_method"))
    params: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("params")
    )
    realm: str | None = attrs.field(default=None, validator=text(), metadata=wire("realm"))
    max_triggers: int | None = attrs.field(
        default=None, validator=number(integer=True), metadata=wire("max_triggers")
    )


@final
@attrs.frozen(kw_only=True)
class ClearDigitBindings(PlainVerb):
    """``calling.clear_digit_bindings``: remove digit bindings (only ``realm``'s if given)."""

    method: ClassVar[str] = "calling.clear_digit_bindings"
    realm: str | None = attrs.field(default=None, validator=text(), metadata=wire("realm"))


@final
@attrs.frozen(kw_only=True)
class LiveTranscribe(PlainVerb):
    """``calling.live_transcribe``: start, stop or summarize a live transcription.

    ``operation`` is the wire ``action``: exactly one key, ``{"start": {...}}``,
    ``stop`` or ``summarize`` (renamed: ``action`` is the class variable an
    action command declares).
    """

    method: ClassVar[str] = "calling.live_transcribe"
    operation: JSONObject = attrs.field(
        validator=_one_key(TRANSCRIBE_ACTIONS), metadata=wire("action")
    )


@final
@attrs.frozen(kw_only=True)
class LiveTranslate(PlainVerb):
    """``calling.live_translate``: ``operation`` (wire ``action``): also ``inject``."""

    method: ClassVar[str] = "calling.live_translate"
    operation: JSONObject = attrs.field(
        validator=_one_key(TRANSLATE_ACTIONS), metadata=wire("action")
    )
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )


@final
@attrs.frozen(kw_only=True)
class JoinConference(PlainVerb):
    """``calling.join_conference``: join or create a conference (``calling.conference`` events)."""

    method: ClassVar[str] = "calling.join_conference"
    name: str = attrs.field(validator=text(optional=False), metadata=wire("name"))
    muted: bool | None = attrs.field(default=None, validator=flag(), metadata=wire("muted"))
    beep: str | None = attrs.field(
        default=None, validator=choice(CONFERENCE_BEEPS), metadata=wire("beep")
    )
    start_on_enter: bool | None = attrs.field(
        default=None, validator=flag(), metadata=wire("start_on_enter")
    )
    end_on_exit: bool | None = attrs.field(
        default=None, validator=flag(), metadata=wire("end_on_exit")
    )
    wait_url: str | None = attrs.field(default=None, validator=text(), metadata=wire("wait_url"))
    max_participants: int | None = attrs.field(
        default=None,
        validator=number(minimum=1, maximum=250, integer=True),
        metadata=wire("max_participants"),
    )
    record: str | None = attrs.field(
        default=None, validator=choice(CONFERENCE_RECORD), metadata=wire("record")
    )
    region: str | None = attrs.field(default=None, validator=text(), metadata=wire("region"))
    trim: str | None = attrs.field(
        default=None, validator=choice(CONFERENCE_TRIM), metadata=wire("trim")
    )
    coach: str | None = attrs.field(default=None, validator=text(), metadata=wire("coach"))
    status_callback: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_callback")
    )
    status_callback_event: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_callback_event")
    )
    status_callback_event_type: str | None = attrs.field(
        default=None,
        validator=choice(CALLBACK_EVENT_TYPES),
        metadata=wire("status_callback_event_type"),
    )
    status_callback_method: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_callback_method")
    )
    recording_status_callback: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("recording_status_callback")
    )
    recording_status_callback_event: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("recording_status_callback_event")
    )
    recording_status_callback_event_type: str | None = attrs.field(
        default=None,
        validator=choice(CALLBACK_EVENT_TYPES),
        metadata=wire("recording_status_callback_event_type"),
    )
    recording_status_callback_method: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("recording_status_callback_method")
    )
    stream: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("stream")
    )


@final
@attrs.frozen(kw_only=True)
class LeaveConference(PlainVerb):
    """``calling.leave_conference``: leave the conference ``conference_id``."""

    method: ClassVar[str] = "calling.leave_conference"
    conference_id: str = attrs.field(validator=text(optional=False), metadata=wire("conference_id"))


@final
@attrs.frozen(kw_only=True)
class JoinRoom(PlainVerb):
    """``calling.join_room``: join a video room by name."""

    method: ClassVar[str] = "calling.join_room"
    name: str = attrs.field(validator=text(optional=False), metadata=wire("name"))
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )


@final
@attrs.frozen(kw_only=True)
class LeaveRoom(PlainVerb):
    """``calling.leave_room``: leave the video room."""

    method: ClassVar[str] = "calling.leave_room"


@final
@attrs.frozen(kw_only=True)
class AIMessage(PlainVerb):
    """``calling.ai_message``: send a message to the running AI agent."""

    method: ClassVar[str] = "calling.ai_message"
    message_text: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("message_text")
    )
    role: str | None = attrs.field(default=None, validator=text(), metadata=wire("role"))
    reset: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("reset")
    )
    global_data: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("global_data")
    )


@final
@attrs.frozen(kw_only=True)
class AIHold(PlainVerb):
    """``calling.ai_hold``: put the AI agent on hold (``timeout`` a string per [SCHEMA])."""

    method: ClassVar[str] = "calling.ai_hold"
    timeout: str | None = attrs.field(default=None, validator=text(), metadata=wire("timeout"))
    prompt: str | None = attrs.field(default=None, validator=text(), metadata=wire("prompt"))


@final
@attrs.frozen(kw_only=True)
class AIUnhold(PlainVerb):
    """``calling.ai_unhold``: resume the AI agent."""

    method: ClassVar[str] = "calling.ai_unhold"
    prompt: str | None = attrs.field(default=None, validator=text(), metadata=wire("prompt"))


@final
@attrs.frozen(kw_only=True)
class AmazonBedrock(PlainVerb):
    """``calling.amazon_bedrock``: run a Bedrock agent (no action object: the reply is all)."""

    method: ClassVar[str] = "calling.amazon_bedrock"
    prompt: JSONValue = attrs.field(default=None, validator=json_value(), metadata=wire("prompt"))
    SWAIG: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("SWAIG")
    )
    params: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("params")
    )
    global_data: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("global_data")
    )
    post_prompt: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("post_prompt")
    )
    post_prompt_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("post_prompt_url")
    )


@final
@attrs.frozen(kw_only=True)
class UserEvent(PlainVerb):
    """``calling.user_event``: send ``event`` (any JSON, required) to the call's listeners."""

    method: ClassVar[str] = "calling.user_event"
    event: JSONValue = attrs.field(validator=json_value(optional=False), metadata=wire("event"))
