"""The kinds of RELAY *actions* (RELAY.md H.5.1) and what a command says about them.

An action is a verb with a client ``control_id`` whose progress arrives as
``calling.call.<kind>`` events until a terminal one.  Commands that start an
action, and the sub-commands that touch a running one, declare their kind as a
class variable; the action machine (``_actions.py``) reads only these
declarations, never a command's class, so a new verb is one command class and
one row of the action table.
"""

from __future__ import annotations

import enum
from typing import ClassVar, Protocol

from .._ids import ControlId
from ._events import CallRef

__all__ = ["ActionCommand", "ActionControlCommand", "ActionKind"]


class ActionKind(enum.StrEnum):
    """Which action; the value is the verb's name in its method (``calling.<value>``)."""

    RECORD = "record"
    PLAY_AND_COLLECT = "play_and_collect"
    COLLECT = "collect"
    DETECT = "detect"
    SEND_FAX = "send_fax"
    RECEIVE_FAX = "receive_fax"
    TAP = "tap"
    STREAM = "stream"
    PAY = "pay"
    TRANSCRIBE = "transcribe"
    AI = "ai"
    SEND_DIGITS = "send_digits"
    #: ``calling.queue.enter``; ``calling.queue.leave`` is its ``leave`` control.
    QUEUE = "queue"


class ActionCommand(Protocol):
    """A command that starts an action (``calling.record``, ``calling.collect``...)."""

    method: ClassVar[str]
    action: ClassVar[ActionKind]

    @property
    def call(self) -> CallRef: ...

    @property
    def control_id(self) -> ControlId: ...


class ActionControlCommand(Protocol):
    """A sub-command of a running action (``calling.record.stop``, ``.pause``...).

    ``control`` is the last part of the method (``"stop"``, ``"pause"``,
    ``"resume"``, ``"volume"``, ``"start_input_timers"``, ``"leave"``).
    """

    method: ClassVar[str]
    action: ClassVar[ActionKind]
    control: ClassVar[str]

    @property
    def call(self) -> CallRef: ...

    @property
    def control_id(self) -> ControlId: ...
