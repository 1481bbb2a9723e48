"""The kinds of RELAY *actions* (RELAY.md H.5.1) and what a command says about them.

An action is a verb with a client ``control_id`` whose progress arrives as
``calling.call.<kind>`` events until a terminal one.  Commands that start an
action (``ActionStart``) and the sub-commands that touch a running one
(``ActionSub``, ``_command_base.py``) declare their kind as a class variable;
the action machine (``_actions.py``) reads these declarations, so a new verb
is one command class and one row of the action table.
"""

from __future__ import annotations

import enum

__all__ = ["ActionKind"]


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
