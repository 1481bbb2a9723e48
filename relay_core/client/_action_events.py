"""The events of actions and plain verbs (RELAY.md H.5).

* :class:`ActionUpdated`: every event of an action this session started
  (a play_and_collect's ``calling.call.play`` events included);
* :class:`ActionFinished`: exactly once per action, when its result is
  decided or the core ended it (call ended, request failed, session lost,
  abandoned, stopped);
* :class:`CallActivity`: a typed event of a plain verb (refer, hold,
  denoise, echo, conference) or of an action this session does not track.

The annotations are strings (``from __future__``): this module imports
nothing of the client at run time, so ``_events`` can list these classes in
its unions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, final

import attrs

from .._errors import CallGoneError, ConnectionLostError, RelayError, SessionClosedError
from .._ids import ControlId

if TYPE_CHECKING:
    from ..wire._action_payloads import ActionPayload
    from ..wire._activity_payloads import ActivityPayload
    from ..wire._payloads import PlayPayload
    from ._action_kinds import ActionKind
    from ._events import CallRef

__all__ = ["ActionFinished", "ActionUpdated", "CallActivity"]

#: Why the core reported an action finished (``ActionFinished.reason``).
FINISH_REASONS: frozenset[str] = frozenset(
    {"finished", "stopped", "call_ended", "request_failed", "session_lost",
     "session_closed", "abandoned"}
)  # fmt: skip


@final
@attrs.frozen(kw_only=True, slots=True)
class ActionUpdated:
    """An event of a running action, as the server sent it (``payload``).

    ``event_type`` is the payload's (``calling.call.record``...; a
    play_and_collect's prompt reports ``calling.call.play`` with a
    :class:`~relay_core.wire.PlayPayload`).
    """

    call: CallRef
    control_id: ControlId
    kind: ActionKind
    payload: ActionPayload | PlayPayload

    @property
    def event_type(self) -> str:
        """The wire ``event_type`` this event comes from."""
        return self.payload.event_type


@final
@attrs.frozen(kw_only=True, slots=True)
class ActionFinished:
    """An action is over for its waiter: reported exactly once per action.

    ``reason``: ``"finished"`` (its deciding or terminal event; ``result`` is
    that event's payload, or for a detect that ended undecided its last
    decisive one, if any), ``"stopped"`` (ai and queue: the stop/leave
    request was answered), ``"call_ended"``, ``"request_failed"``,
    ``"session_lost"``, ``"session_closed"``, ``"abandoned"`` (the caller
    gave up: ``RelaySession.abandon_action``).  ``succeeded`` is the verb's
    verdict (RELAY.md H.5.1-H.5.13; ``False`` for every reason but
    ``finished`` and ``stopped``).  A detect may keep reporting
    :class:`ActionUpdated` after it (RELAY.md H.5.5).
    """

    #: Not a wire event: the core's verdict.
    event_type: ClassVar[str] = "relay.action.finished"

    call: CallRef
    control_id: ControlId
    kind: ActionKind
    succeeded: bool
    result: ActionPayload | None
    reason: str

    def error(self) -> RelayError | None:
        """The error a verb awaited to its end raises for this ending, in both adapters.

        ``call_ended``: :class:`~relay_core.CallGoneError` (code 410: the
        call is gone, as a 404/410 reply says); ``session_lost``:
        :class:`~relay_core.ConnectionLostError`; ``session_closed``:
        :class:`~relay_core.SessionClosedError`.  ``None`` for the others:
        ``finished``/``stopped`` have a verdict (read ``succeeded`` and
        ``result``); after ``request_failed`` the start request itself raised,
        and ``abandoned`` is the caller's own doing.
        """
        verb = self.kind.value
        method = f"calling.{verb}"
        match self.reason:
            case "call_ended":
                message = f"call {self.call.call_id} ended during its {verb}"
                return CallGoneError(410, message, method=method)
            case "session_lost":
                message = f"the connection was lost during {method}"
                return ConnectionLostError(-1, message, method=method)
            case "session_closed":
                return SessionClosedError(f"the RELAY session closed during {method}")
            case _:
                return None


@final
@attrs.frozen(kw_only=True, slots=True)
class CallActivity:
    """A typed event no action of this session owns: a plain verb's
    (``calling.call.refer``, ``.hold``, ``.denoise``, ``.echo``,
    ``calling.conference``), or an action's whose ``control_id`` this session
    did not start.  ``call`` is set when the event names a call the session
    tracks (a conference event may name none)."""

    call: CallRef | None
    payload: ActivityPayload | ActionPayload

    @property
    def event_type(self) -> str:
        """The wire ``event_type`` this event comes from."""
        return self.payload.event_type
