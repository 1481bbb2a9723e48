"""Call control's action part: tracking, routing and ending actions (RELAY.md H.5).

The rules are data in ``_actions`` (the verb table and the phase table);
this mixin applies them to the keyed tables of ``CallControl``:

* a start command (an ``ActionStart``: it declares ``action`` and carries
  ``control_id``) is checked (a live ``control_id`` is refused) and
  registered before it is sent;
* a sub-command (an ``ActionSub``) of an action this session saw
  end is refused locally, as is one of the wrong verb or a control the verb
  does not have; one for a ``control_id`` the session never had (or
  forgot) goes to the server, which decides;
* events are routed by ``control_id`` (a play_and_collect's play events
  too, when no playback owns the id); events of untracked ids and of the
  plain verbs surface as ``CallActivity`` when they name a tracked call;
* every action of a call ends with it, or with its request's failure, the
  session's loss or the caller abandoning it.

Bounds: live actions end with their call (or the session), so they are
bounded by the calls; ended ones are remembered FIFO
(``ENDED_ACTIONS_REMEMBERED``); the requests in flight by the session's own
request bounds.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from .._errors import ActionEndedError, LocalProtocolError
from .._ids import CallId, ControlId, JSONObject, RequestId
from ..wire._action_payloads import ACTION_PAYLOADS
from ..wire._activity_payloads import ACTIVITY_PAYLOADS
from ..wire._payloads import Payload, PlayPayload, decode_payload
from ._action_events import ActionFinished, ActionUpdated, CallActivity
from ._action_kinds import ActionKind
from ._actions import (
    ACTION_TRANSITIONS,
    ACTIONS,
    ENDED_ACTIONS_REMEMBERED,
    FINISH_REASON,
    ActionInput,
    ActionPhase,
    _Action,
    stop_command,
)
from ._call_commands import _CallTable
from ._command_base import ActionStart, ActionSub
from ._commands import Command
from ._events import RequestFailed

__all__ = ["_ActionControl"]

_I = ActionInput


class _ActionControl(_CallTable):
    """The action tables of :class:`~relay_core.client._calls.CallControl` (see there)."""

    if TYPE_CHECKING:
        actions: dict[ControlId, _Action]
        _ended_actions: OrderedDict[ControlId, ActionKind]
        _action_requests: dict[RequestId, tuple[ControlId, str | None]]
        _call_actions: dict[CallId, set[ControlId]]

    def _init_actions(self) -> None:
        #: Live actions by control_id.
        self.actions = {}
        #: Recently ended actions (see ENDED_ACTIONS_REMEMBERED).
        self._ended_actions = OrderedDict()
        #: Requests in flight that start (control None) or control an action.
        self._action_requests = {}
        #: Live actions of each call, so they end with it.
        self._call_actions = {}
        for event_type in (*ACTION_PAYLOADS, *ACTIVITY_PAYLOADS):
            self.handlers[event_type] = self._action_handler(event_type)

    # -- commands -----------------------------------------------------------

    def _check_action(self, command: Command) -> None:
        """Refuse an action command that cannot go now (nothing is sent)."""
        if isinstance(command, ActionStart):
            control_id = command.control_id
            if control_id in self.actions or control_id in self.plays:
                raise LocalProtocolError(f"control_id: {control_id!r} is already in use")
            return
        if not isinstance(command, ActionSub):
            return
        control_id, kind, control = command.control_id, command.action, command.control
        action = self.actions.get(control_id)
        if action is not None:
            spec = ACTIONS[action.kind]
            if command.method in spec.borrowed:
                return
            if action.kind is not kind:
                raise LocalProtocolError(
                    f"control_id: {control_id!r} names a {action.kind.value} action: "
                    f"{command.method} was not sent"
                )
            if control not in spec.controls:
                raise LocalProtocolError(f"{command.method}: {kind.value} has no {control!r}")
        elif control_id in self._ended_actions:
            raise ActionEndedError(
                f"control_id: {control_id!r}: cannot send {command.method}: the action is over"
            )

    def _register_action(self, command: Command, request_id: RequestId) -> None:
        """Track the action ``command`` starts or controls (before it is sent)."""
        if isinstance(command, ActionSub):
            if command.control_id in self.actions:
                self._action_requests[request_id] = (command.control_id, command.control)
            return
        if not isinstance(command, ActionStart):
            return
        action = _Action(command, request_id)
        control_id = action.control_id
        self.actions[control_id] = action
        self._ended_actions.pop(control_id, None)
        self._call_actions.setdefault(action.call.call_id, set()).add(control_id)
        self._action_requests[request_id] = (control_id, None)

    def _action_replied(self, request_id: RequestId) -> None:
        entry = self._action_requests.pop(request_id, None)
        if entry is None:
            return
        control_id, control = entry
        action = self.actions.get(control_id)
        if action is None:
            return
        if control is None:
            self._move(action, _I.REPLIED)
        elif control in ACTIONS[action.kind].ends_on_reply:
            self._move(action, _I.STOPPED)

    def _action_request_failed(self, failure: RequestFailed) -> bool:
        """Fail the action whose start request failed; whether the request was one."""
        entry = self._action_requests.pop(failure.request_id, None)
        if entry is None:
            return False
        control_id, control = entry
        action = self.actions.get(control_id)
        if control is None and action is not None:
            # Whatever the failure (refused, timed out, lost with its socket,
            # closed): the start raised for its caller, so the action is over
            # for it, as a play's is.
            self._move(action, _I.REQUEST_FAILED)
        return True

    def abandon_action(self, control_id: ControlId) -> bool:
        """The caller gave up on an action: stop it on the server, hide the rest.

        Returns whether ``control_id`` named a live action.
        """
        action = self.actions.get(control_id)
        if action is None:
            return False
        stop = stop_command(action)
        if stop is not None:
            self._send(stop)
        self._move(action, _I.ABANDON)
        return True

    # -- events -------------------------------------------------------------------

    def _action_handler(self, event_type: str) -> Callable[[JSONObject], None]:
        def handle(params: JSONObject) -> None:
            payload = decode_payload(event_type, params)
            assert payload is not None
            self._on_verb_event(event_type, payload)

        return handle

    def _on_verb_event(self, event_type: str, payload: Payload) -> None:
        control_id = getattr(payload, "control_id", None)
        action = None if control_id is None else self.actions.get(control_id)
        if action is not None:
            if event_type in ACTIONS[action.kind].event_types:
                self._on_action_event(action, payload)
            else:
                self.dropped_events += 1  # another verb's event for this id
            return
        if control_id is not None and control_id in self._ended_actions:
            self.dropped_events += 1  # a late event of an action we ended
            return
        call_id = getattr(payload, "call_id", None)
        if call_id is None:
            self._emit(CallActivity(call=None, payload=payload))  # type: ignore[arg-type]
            return
        call = self.calls.get(call_id)
        if call is None or call.hidden:
            self.dropped_events += 1  # RELAY.md E.2.7
            return
        self._emit(CallActivity(call=call.ref, payload=payload))  # type: ignore[arg-type]

    def _on_action_play(self, payload: PlayPayload) -> bool:
        """A play event no playback owns: a play_and_collect's prompt?"""
        action = self.actions.get(payload.control_id)
        if action is None or "calling.call.play" not in ACTIONS[action.kind].event_types:
            return False
        self._on_action_event(action, payload)
        return True

    def _on_action_event(self, action: _Action, payload: Payload) -> None:
        input_, succeeded, result = ACTIONS[action.kind].judge(action, payload)
        self._emit(
            ActionUpdated(
                call=action.call,
                control_id=action.control_id,
                kind=action.kind,
                payload=payload,  # type: ignore[arg-type]
            )
        )
        self._move(action, input_, succeeded, result)

    # -- the machine ----------------------------------------------------------

    def _move(
        self,
        action: _Action,
        input_: ActionInput,
        succeeded: bool = False,
        result: Payload | None = None,
        *,
        reason: str | None = None,
    ) -> None:
        phase = ACTION_TRANSITIONS.get((action.phase, input_))
        if phase is None:
            return
        action.phase = phase
        if not action.finished and phase in (ActionPhase.DONE, ActionPhase.ENDED):
            action.finished = True
            reason = reason or FINISH_REASON[input_]
            if input_ is _I.STOPPED:
                succeeded = True
            self._emit(
                ActionFinished(
                    call=action.call,
                    control_id=action.control_id,
                    kind=action.kind,
                    succeeded=succeeded,
                    result=result,  # type: ignore[arg-type]
                    reason=reason,
                )
            )
        if phase is ActionPhase.ENDED:
            self._drop_action(action)

    def _drop_action(self, action: _Action) -> None:
        control_id = action.control_id
        self.actions.pop(control_id, None)
        ended = self._ended_actions
        ended[control_id] = action.kind
        if len(ended) > ENDED_ACTIONS_REMEMBERED:
            ended.popitem(last=False)
        self._action_requests.pop(action.request_id, None)
        live = self._call_actions.get(action.call.call_id)
        if live is not None:
            live.discard(control_id)
            if not live:
                del self._call_actions[action.call.call_id]

    def _end_call_actions(self, call_id: CallId) -> None:
        """The call ended: so does every action on it (RELAY.md H.5.1)."""
        for control_id in list(self._call_actions.get(call_id, ())):
            action = self.actions.get(control_id)
            if action is not None:
                self._move(action, _I.CALL_ENDED)
        self._call_actions.pop(call_id, None)

    def _fail_actions(self, reason: str, unsent: Collection[RequestId]) -> list[RequestId]:
        """The session is lost (or closed): every action ends; returns unsent starts."""
        withdrawn = []
        for action in list(self.actions.values()):
            if action.request_id in unsent:
                withdrawn.append(action.request_id)
            self._move(action, _I.SESSION_LOST, reason=reason)
        return withdrawn
