"""What ``RelaySession.send`` needs of an action command: the protocols of
``_action_kinds`` plus ``to_params`` (the request's params)."""

from __future__ import annotations

from typing import Protocol

from .._ids import JSONDict
from ._action_kinds import ActionCommand, ActionControlCommand

__all__ = ["ActionControlRequest", "ActionRequest"]


class ActionRequest(ActionCommand, Protocol):
    """A command that starts an action, as the session sends it."""

    def to_params(self) -> JSONDict:
        """The request's params."""
        ...


class ActionControlRequest(ActionControlCommand, Protocol):
    """A sub-command of a running action, as the session sends it."""

    def to_params(self) -> JSONDict:
        """The request's params."""
        ...
