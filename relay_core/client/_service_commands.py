"""Action commands, part two: pay, transcribe, ai, send_digits, queue (RELAY.md H.5.9-H.5.13).

Built like :mod:`._action_commands`: the generic request codec writes and
reads every field from its wire path.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar, final

import attrs

from .._errors import InvalidArgumentError
from .._ids import JSONDict, JSONObject
from ..wire._request_codec import (
    Validator,
    check,
    choice,
    json_object,
    object_list,
    object_tuple,
    text,
    text_list,
    text_tuple,
    wire,
)
from ._action_kinds import ActionKind
from ._command_base import ActionStart, ActionSub
from ._request_fields import add_extra, check_extra_field, copy_extra, secret

__all__ = [
    "AI",
    "AIStop",
    "Pay",
    "PayStop",
    "QueueEnter",
    "QueueLeave",
    "SendDigits",
    "Transcribe",
    "TranscribeStop",
]

_T = TypeVar("_T")

#: ``calling.send_digits``: DTMF digits plus ``w`` (0.5 s) / ``W`` (1 s) pauses.
DTMF_CHARACTERS = frozenset("0123456789*#ABCDwW")


def _loose_number_check(name: str, value: object) -> None:
    if isinstance(value, str) and value:
        return
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return
    raise InvalidArgumentError(f"{name}: {value!r:.60} is not a number >= 0 (or its string)")


def _loose_flag_check(name: str, value: object) -> None:
    if not isinstance(value, bool) and not (isinstance(value, str) and value):
        raise InvalidArgumentError(f"{name}: {value!r:.60} is not True, False or a string")


def _loose_number() -> Validator[_T]:
    """[PY] sends pay's numbers as strings, [GUIDE] as numbers: both pass."""
    return check(_loose_number_check)


def _loose_flag() -> Validator[_T]:
    return check(_loose_flag_check)


# --- pay, transcribe, ai ----------------------------------------------------------


@final
@attrs.frozen(kw_only=True)
class Pay(ActionStart):
    """``calling.pay``: collect a card payment (RELAY.md H.5.9).

    Numeric and boolean settings are sent as given: [PY] sends strings,
    [GUIDE] numbers and booleans; both are accepted (a string must be
    non-empty).  ``parameters`` and ``prompts`` are lists of JSON objects,
    passed through.
    """

    method: ClassVar[str] = "calling.pay"
    action: ClassVar[ActionKind] = ActionKind.PAY
    payment_connector_url: str = attrs.field(
        validator=text(optional=False), metadata=wire("payment_connector_url")
    )
    charge_amount: str | float | None = attrs.field(
        default=None, validator=_loose_number(), metadata=wire("charge_amount")
    )
    currency: str | None = attrs.field(default=None, validator=text(), metadata=wire("currency"))
    input: str | None = attrs.field(
        default=None, validator=choice(frozenset({"dtmf", "voice"})), metadata=wire("input")
    )
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )
    payment_method: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("payment_method")
    )
    timeout: str | int | None = attrs.field(
        default=None, validator=_loose_number(), metadata=wire("timeout")
    )
    max_attempts: str | int | None = attrs.field(
        default=None, validator=_loose_number(), metadata=wire("max_attempts")
    )
    security_code: str | bool | None = attrs.field(
        default=None, validator=_loose_flag(), metadata=wire("security_code")
    )
    postal_code: str | bool | None = attrs.field(
        default=None, validator=_loose_flag(), metadata=wire("postal_code")
    )
    min_postal_code_length: str | int | None = attrs.field(
        default=None, validator=_loose_number(), metadata=wire("min_postal_code_length")
    )
    token_type: str | None = attrs.field(
        default=None,
        validator=choice(frozenset({"reusable", "one-time"})),
        metadata=wire("token_type"),
    )
    language: str | None = attrs.field(default=None, validator=text(), metadata=wire("language"))
    voice: str | None = attrs.field(default=None, validator=text(), metadata=wire("voice"))
    description: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("description")
    )
    valid_card_types: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("valid_card_types")
    )
    parameters: tuple[JSONObject, ...] | None = attrs.field(
        default=None, converter=object_tuple, validator=object_list(), metadata=wire("parameters")
    )
    prompts: tuple[JSONObject, ...] | None = attrs.field(
        default=None, converter=object_tuple, validator=object_list(), metadata=wire("prompts")
    )


@final
@attrs.frozen(kw_only=True)
class PayStop(ActionSub):
    """``calling.pay.stop``."""

    method: ClassVar[str] = "calling.pay.stop"
    action: ClassVar[ActionKind] = ActionKind.PAY
    control: ClassVar[str] = "stop"


@final
@attrs.frozen(kw_only=True)
class Transcribe(ActionStart):
    """``calling.transcribe``: transcribe the call; results go to ``status_url`` (H.5.10)."""

    method: ClassVar[str] = "calling.transcribe"
    action: ClassVar[ActionKind] = ActionKind.TRANSCRIBE
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )


@final
@attrs.frozen(kw_only=True)
class TranscribeStop(ActionSub):
    """``calling.transcribe.stop``."""

    method: ClassVar[str] = "calling.transcribe.stop"
    action: ClassVar[ActionKind] = ActionKind.TRANSCRIBE
    control: ClassVar[str] = "stop"


@final
@attrs.frozen(kw_only=True)
class AI(ActionStart):
    """``calling.ai``: run an AI agent on the call until stopped (RELAY.md H.5.11).

    The free-form objects (``prompt``, ``SWAIG``, ``params``...) are checked as
    JSON and passed through.  ``post_prompt_auth_password`` never shows in the
    repr.
    """

    method: ClassVar[str] = "calling.ai"
    action: ClassVar[ActionKind] = ActionKind.AI
    agent: str | None = attrs.field(default=None, validator=text(), metadata=wire("agent"))
    prompt: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("prompt")
    )
    post_prompt: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("post_prompt")
    )
    post_prompt_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("post_prompt_url")
    )
    post_prompt_auth_user: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("post_prompt_auth_user")
    )
    post_prompt_auth_password: str | None = attrs.field(
        default=None, repr=False, validator=secret, metadata=wire("post_prompt_auth_password")
    )
    global_data: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("global_data")
    )
    pronounce: tuple[JSONObject, ...] | None = attrs.field(
        default=None, converter=object_tuple, validator=object_list(), metadata=wire("pronounce")
    )
    hints: tuple[str, ...] | None = attrs.field(
        default=None, converter=text_tuple, validator=text_list(), metadata=wire("hints")
    )
    languages: tuple[JSONObject, ...] | None = attrs.field(
        default=None, converter=object_tuple, validator=object_list(), metadata=wire("languages")
    )
    SWAIG: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("SWAIG")
    )
    params: JSONObject | None = attrs.field(
        default=None, validator=json_object(), metadata=wire("params")
    )


@final
@attrs.frozen(kw_only=True)
class AIStop(ActionSub):
    """``calling.ai.stop``: end the agent (the action ends on this reply)."""

    method: ClassVar[str] = "calling.ai.stop"
    action: ClassVar[ActionKind] = ActionKind.AI
    control: ClassVar[str] = "stop"


# --- send_digits, queue -----------------------------------------------------------


def _check_dtmf(_instance: object, _field: object, value: str) -> None:
    if not isinstance(value, str) or not value or not set(value) <= DTMF_CHARACTERS:
        raise InvalidArgumentError(f"digits: {value!r:.60} is not a string of 0-9, *, #, A-D, w, W")


@final
@attrs.frozen(kw_only=True)
class SendDigits(ActionStart):
    """``calling.send_digits``: send DTMF (``w`` = 0.5 s, ``W`` = 1 s pause) (H.5.12)."""

    method: ClassVar[str] = "calling.send_digits"
    action: ClassVar[ActionKind] = ActionKind.SEND_DIGITS
    digits: str = attrs.field(validator=_check_dtmf, metadata=wire("digits"))


@final
@attrs.frozen(kw_only=True)
class QueueEnter(ActionStart):
    """``calling.queue.enter``: put the call in a named queue (RELAY.md H.5.13)."""

    method: ClassVar[str] = "calling.queue.enter"
    action: ClassVar[ActionKind] = ActionKind.QUEUE
    queue_name: str = attrs.field(validator=text(optional=False), metadata=wire("queue_name"))
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )
    wait_url: str | None = attrs.field(default=None, validator=text(), metadata=wire("wait_url"))


@final
@attrs.frozen(kw_only=True)
class QueueLeave(ActionSub):
    """``calling.queue.leave``: the ``leave`` control of a queue (the enter's ``control_id``).

    Unlike the other sub-commands it takes ``extra`` (the official SDK passes ``**kwargs``).
    """

    method: ClassVar[str] = "calling.queue.leave"
    action: ClassVar[ActionKind] = ActionKind.QUEUE
    control: ClassVar[str] = "leave"
    queue_name: str = attrs.field(validator=text(optional=False), metadata=wire("queue_name"))
    queue_id: str | None = attrs.field(default=None, validator=text(), metadata=wire("queue_id"))
    status_url: str | None = attrs.field(
        default=None, validator=text(), metadata=wire("status_url")
    )
    #: Top-level params not modelled here, sent as given (see ``ExtraParams``).
    extra: JSONObject | None = attrs.field(
        default=None, converter=copy_extra, validator=check_extra_field
    )

    def to_params(self) -> JSONDict:
        """The request's params, ``extra`` last."""
        return add_extra(super().to_params(), self.extra)
