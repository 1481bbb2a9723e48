"""Bases of the codec-driven commands: the generic ``to_params``/``from_params`` pair.

Action starters carry ``call`` and ``control_id`` (a fresh UUID unless
given); sub-commands carry ``call`` and a required ``control_id``; plain
verbs carry ``call``.  Field order is wire key order.
"""

from __future__ import annotations

from typing import ClassVar, Self

import attrs

from .._ids import ControlId, JSONDict, JSONObject
from ..wire._request_codec import from_params, to_params
from ._action_kinds import ActionKind
from ._events import CallRef
from ._request_fields import CALL, CONTROL_ID, as_call_ref, check_control_id, control_id_or_new

__all__ = ["ActionStart", "ActionSub", "CodecCommand", "PlainVerb"]


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
class PlainVerb(CodecCommand):
    """A verb on one call, without ``control_id``."""

    call: CallRef = attrs.field(converter=as_call_ref, metadata=CALL)


@attrs.frozen(kw_only=True)
class ActionStart(CodecCommand):
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
