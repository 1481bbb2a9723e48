"""Bases of the codec-driven commands: the generic ``to_params``/``from_params`` pair.

Action starters carry ``call`` and ``control_id`` (a fresh UUID unless
given); sub-commands carry ``call`` and a required ``control_id``; plain
verbs carry ``call``.  Field order is wire key order.  Starters and plain
verbs also carry ``extra``: top-level params the command does not model (the
official SDK's ``**kwargs``), sent after the modelled ones; a key the command
models is refused at construction (``extra: 'record' is a parameter
calling.record models...``).  ``extra`` is client-side: ``from_params``
ignores unknown keys, as the server does.
"""

from __future__ import annotations

from typing import ClassVar, Self, cast

import attrs
from attrs import AttrsInstance

from .._errors import InvalidArgumentError
from .._ids import ControlId, JSONDict, JSONObject
from ..wire._request_codec import from_params, to_params, unsent_keys, wire_keys
from ._action_kinds import ActionKind
from ._events import CallRef
from ._request_fields import (
    CALL,
    CONTROL_ID,
    add_extra,
    as_call_ref,
    check_control_id,
    check_extra_field,
    control_id_or_new,
    copy_extra,
)

__all__ = ["ActionStart", "ActionSub", "CodecCommand", "ExtraParams", "PlainVerb"]


@attrs.frozen(kw_only=True)
class CodecCommand:
    """A command whose params the generic request codec writes and reads."""

    def to_params(self) -> JSONDict:
        """The request's params (``None`` fields are not sent)."""
        return to_params(self)

    @classmethod
    def from_params(cls, params: JSONObject) -> Self:
        """Read the command from wire params (the fake server's decoder).

        Raises:
            InvalidArgumentError: a field is missing or invalid; the message
                starts with the wire field's name.
        """
        return from_params(cls, params)


@attrs.frozen(kw_only=True)
class ExtraParams(CodecCommand):
    """A command that also sends ``extra``: top-level params it does not model."""

    #: Sent as given after the modelled params (see the module doc).
    extra: JSONObject | None = attrs.field(
        default=None, converter=copy_extra, validator=check_extra_field
    )

    def to_params(self) -> JSONDict:
        """The request's params, ``extra`` last."""
        return add_extra(super().to_params(), self.extra)

    @classmethod
    def from_request_params(cls, params: JSONObject) -> Self:
        """Read the command from params a program built (the official SDK's shape).

        The modelled keys are read as :meth:`from_params` reads them (same
        validators, same messages); unknown top-level keys become ``extra``;
        an unknown key inside a modelled object (``record.audio.color``) is
        refused: the command could not send it.

        Raises:
            InvalidArgumentError: naming the wire path.
        """
        command = cls.from_params(params)
        known = wire_keys(cast("type[AttrsInstance]", cls))
        extra = {k: v for k, v in params.items() if k not in known and v is not None}
        if extra:
            command = attrs.evolve(command, extra=extra)
        sent = command.to_params()
        lost = unsent_keys({k: v for k, v in params.items() if k in known}, sent)
        if lost:
            raise InvalidArgumentError(f"{lost[0]}: not a parameter {cls.__name__} can send")
        return command


@attrs.frozen(kw_only=True)
class PlainVerb(ExtraParams):
    """A verb on one call, without ``control_id``."""

    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)


@attrs.frozen(kw_only=True)
class ActionStart(ExtraParams):
    """A command starting an action: ``control_id`` is known before sending."""

    method: ClassVar[str]
    action: ClassVar[ActionKind]
    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)
    control_id: ControlId = attrs.field(
        default=None, converter=control_id_or_new, validator=check_control_id, metadata=CONTROL_ID
    )


@attrs.frozen(kw_only=True)
class ActionSub(CodecCommand):
    """A sub-command of a running action (``control_id`` required: the action's).

    ``control`` is the last part of the method (``"stop"``, ``"pause"``,
    ``"volume"``, ``"start_input_timers"``, ``"leave"``...).
    """

    method: ClassVar[str]
    action: ClassVar[ActionKind]
    control: ClassVar[str]
    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)
    control_id: ControlId = attrs.field(validator=check_control_id, metadata=CONTROL_ID)
