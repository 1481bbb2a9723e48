"""Call control: routing calling.* events to calls, dials, connects and plays.

Theory of operation
-------------------
The session hands every ``calling.*`` event here (after acking it) and every
command that starts tracked work (before it leaves, so the first events can
never beat the registration: RELAY.md F.5.1).  Trackers are keyed by what the
wire carries:

* calls by ``call_id``; a ``calling.call.state`` for an unknown ``call_id``
  creates a call only when its ``tag`` belongs to a live dial or connect
  (RELAY.md E.2.6); otherwise it is dropped and counted (E.2.7);
* dials by ``tag`` (``calling.call.dial`` has no top-level ``call_id``);
* connects by the A leg's ``call_id``, their peer legs through the connect's
  ``tag``;
* plays by ``control_id``;
* actions (record, collect, detect...: RELAY.md H.5) by ``control_id``, in
  ``_action_control`` (its rules are the tables of ``_actions``).

Abandon: when the caller gives up on a dial or connect, every known live leg
gets ``calling.end`` (reason ``cancel``) at once, legs that show up later get
it when they do, and nothing of that work reaches the caller any more.

When a call ends, its plays, actions and pending connect end with it (each with
its own event), so no waiter is left hanging (RELAY.md K.19).

Bounds (what a silent or hostile server can leave behind):

* abandoned work (given up by the caller, or by the core after a timeout, a
  lost request or a malformed outcome) and the legs the core is ending are
  forgotten ``abandon_grace`` seconds after the last event naming them, and a
  leg the core ended as soon as the server answers its ``calling.end``;
* a session that is not restored forgets the old session's calls
  (:meth:`CallControl.session_lost` states the policy);
* check, then act: an event is validated before any state moves, so a bad
  one changes nothing, or fails exactly the work it names.
"""

from __future__ import annotations

import sys
from typing import Final

from .._errors import RemoteProtocolError
from .._ids import CallId, JSONObject, NodeId, Tag
from ..wire._device_cache import server_device
from ..wire._payloads import (
    decode_error,
    decode_play,
    decode_receive,
    play_fields,
    state_fields,
)
from ..wire._wire import parse_code
from ._action_control import _ActionControl
from ._call_commands import (
    _CALL_STATES,
    _PLAY_STATES,
    ENDED_PLAYS_REMEMBERED,
    OVERFLOW_POLICIES,
    _ref,
)
from ._commands import (
    Hangup,
    Pass,
)
from ._dial_connect import _DialsAndConnects
from ._event_makers import call_received, call_state_changed, play_state_changed
from ._events import (
    CallErrorReported,
    CallInfo,
    ConnectStateChanged,
    InboundCallRefused,
    PlayStateChanged,
    UnknownEvent,
)
from ._state import (
    CALL_TRANSITIONS,
    LIVE_CALL_STATES,
    OPEN_CONNECT_PHASES,
    PLAY_TRANSITIONS,
    TERMINAL_PLAY_STATES,
    CallState,
    ConnectPhase,
    ConnectState,
    DialPhase,
    PlayState,
    call_transition,
)
from ._trackers import _Call, _Play

__all__ = ["CallControl"]

#: Globals, not enum class attributes (~50 ns each on Python 3.11).
_ENDED: Final = CallState.ENDED
_DIAL_ABANDONED: Final = DialPhase.ABANDONED
_intern: Final = sys.intern


class CallControl(_DialsAndConnects, _ActionControl):
    """The keyed call, dial, connect and play machines of one session.

    Args:
        emit: queues an event for the user.
        send: queues a command the core sends on its own behalf (ending
            abandoned legs, passing an overflowing offer).
        max_calls: the cap on live calls.
        overflow_policy: ``"pass"`` or ``"decline"`` for offers over the cap.
    """

    # -- events -----------------------------------------------------------

    def route_other(self, event_type: str, params: JSONObject) -> None:
        """Surface an event type we do not model, routed to its call if known."""
        call_id = params.get("call_id")
        if isinstance(call_id, str):
            call = self.calls.get(CallId(call_id))
            if call is None:
                self.dropped_events += 1  # RELAY.md E.2.7: unknown call_id → drop
                return
            if not call.hidden:
                self._emit(UnknownEvent(event_type=event_type, params=params, call=call.ref))
            return
        self._emit(UnknownEvent(event_type=event_type, params=params))

    def _on_state(self, params: JSONObject) -> None:
        # The hottest handler (benchmarks/profile_core): the codec checks the
        # key fields and wraps the params; each field is read once.
        call_id, raw_state, reason, peer = state_fields(params)
        state = _CALL_STATES.get(raw_state) or CallState(raw_state)
        call = self.calls.get(call_id)
        if call is None:
            call = self._new_leg(call_id, params)
            if call is None:
                if state is _ENDED:
                    # A connect or action on a call this session does not
                    # track (one of an earlier session, say) ends with it too.
                    if call_id in self.connects:
                        self._connect_call_ended(call_id)
                    if call_id in self._call_actions:
                        self._end_call_actions(call_id)
                self.dropped_events += 1
                return
        elif (call.state, state) not in CALL_TRANSITIONS and not call_transition(call.state, state):
            # The table holds every news between known states; the function
            # adds the rule for unknown ones.
            self.dropped_events += 1
            return
        call.state = state
        if reason is not None:
            call.end_reason = reason
        if peer is not None and call.peer is None:
            call.peer = _ref(peer)
        if not call.hidden:
            self._emit(call_state_changed(call, params))
        else:
            self._touch(call.tag)
        if state is _ENDED:
            self._call_ended(call)
        elif call.hidden and state in LIVE_CALL_STATES:
            self._end_leg(call)

    def _new_leg(self, call_id: CallId, params: JSONObject) -> _Call | None:
        """Create a call for a state event whose tag names live work (E.2.6).

        The first event of every dialled leg: its fields are read from the
        params here (as ``CallStatePayload`` reads them), no view built.
        """
        tag_text = params.get("tag")
        if type(tag_text) is not str or not tag_text:
            return None
        tag: Tag = tag_text  # type: ignore[assignment]  # a checked str: no NewType call
        if self._uncertain:
            self._uncertain.pop(tag, None)
        dial = self.dials.get(tag)
        connect_call = self._connect_tags.get(tag) if dial is None else None
        if dial is None and connect_call is None:
            return None
        node_text = params.get("node_id")
        node_id = NodeId(_intern(node_text) if type(node_text) is str else "")
        call = _Call(call_id, node_id, tag)
        direction = params.get("direction")
        call.direction = _intern(direction) if type(direction) is str and direction else None
        call.device = server_device(params.get("device"))
        if dial is not None:
            call.hidden = dial.phase is _DIAL_ABANDONED
        else:
            assert connect_call is not None
            connect = self.connects.get(connect_call)
            call.hidden = connect is None or connect.phase is ConnectPhase.ABANDONED
        self.calls[call_id] = call
        return call

    def _call_ended(self, call: _Call) -> None:
        call_id = call.ref.call_id
        plays = call.plays
        if plays:
            for control_id in list(plays):
                play = self.plays.get(control_id)
                if play is not None:
                    self._end_play(play, "call_ended")
        if call_id in self.connects:
            self._connect_call_ended(call_id)
        if call_id in self._call_actions:
            self._end_call_actions(call_id)
        self.calls.pop(call_id, None)  # _forget, inlined: every call ends here
        self._remember_ended(call_id)
        tag = call.tag
        if tag is not None and tag in self._expiry:
            self._drop_settled_abandoned(tag)

    def _connect_call_ended(self, call_id: CallId) -> None:
        connect = self.connects.get(call_id)
        if connect is not None:
            if connect.phase in OPEN_CONNECT_PHASES:
                self._fail_connect(connect, "call_ended")
            elif connect.phase is ConnectPhase.CONNECTED:
                self._emit(
                    ConnectStateChanged(
                        call=connect.call,
                        tag=connect.tag,
                        state=ConnectState.DISCONNECTED,
                        failed_reason="call_ended",
                    )
                )
            self._drop_connect(connect)

    def _forget(self, call: _Call) -> None:
        self.calls.pop(call.call_id, None)

    def _drop_settled_abandoned(self, tag: Tag | None) -> None:
        """Drop an abandoned dial or connect once its outcome and legs are gone."""
        if tag is None or tag not in self._expiry:
            return  # only abandoned work and ended legs have a grace deadline
        if any(call.tag == tag for call in self.calls.values()):
            return
        dial = self.dials.get(tag)
        if dial is not None and dial.phase is DialPhase.ABANDONED and dial.outcome_seen:
            del self.dials[tag]
        call_id = self._connect_tags.get(tag)
        connect = None if call_id is None else self.connects.get(call_id)
        if connect is not None and connect.phase is ConnectPhase.ABANDONED and connect.outcome_seen:
            self._drop_connect(connect)
        if tag not in self.dials and tag not in self._connect_tags:
            del self._expiry[tag]

    def _on_play(self, params: JSONObject) -> None:
        control_id, raw_state, call_id = play_fields(params)
        state = _PLAY_STATES.get(raw_state) or PlayState(raw_state)
        play = self.plays.get(control_id)
        if play is None:
            call = None if call_id is None else self.calls.get(call_id)
            if call is None or call.hidden:
                if not (self.actions and self._on_action_play(decode_play(params))):
                    self.dropped_events += 1
                return
            if self.actions and self._on_action_play(decode_play(params)):
                return  # a play_and_collect's prompt
            self._emit(play_state_changed(call.ref, control_id, state, params))
            return
        if PLAY_TRANSITIONS.get((play.state, state)) is None:
            self.dropped_events += 1
            return
        play.state = state
        self._emit(play_state_changed(play.call, control_id, state, params))
        if state in TERMINAL_PLAY_STATES:
            self._drop_play(play)

    def _end_play(self, play: _Play, reason: str) -> None:
        self._drop_play(play)
        self._emit(
            PlayStateChanged(
                call=play.call, control_id=play.control_id, state=PlayState.ERROR, reason=reason
            )
        )

    def _drop_play(self, play: _Play) -> None:
        self.plays.pop(play.control_id, None)
        ended = self._ended_plays
        if len(ended) >= ENDED_PLAYS_REMEMBERED:
            del ended[next(iter(ended))]
        state = play.state if play.state in TERMINAL_PLAY_STATES else None
        ended[play.control_id] = state or PlayState.ERROR
        self._started.pop(play.request_id, None)
        call = self.calls.get(play.call.call_id)
        if call is not None and call.plays is not None:
            call.plays.discard(play.control_id)

    def _on_receive(self, params: JSONObject) -> None:
        payload = decode_receive(params)
        call_id = payload.call_id
        node_text = payload.node_id
        if not node_text:  # RELAY.md I: an offer we could not answer
            raise RemoteProtocolError("calling.call.receive: node_id must be a non-empty string")
        if call_id in self.calls:
            # A re-delivered offer (e.g. after a resume): the call and its
            # plays are already tracked and the user already has it.
            self.dropped_events += 1
            return
        raw_state = payload.call_state or "created"
        state = _CALL_STATES.get(raw_state) or CallState(raw_state)
        if state is _ENDED:
            self.dropped_events += 1  # an offer of a call already over: nothing to track
            return
        # A checked str, and an interned one: no NewType calls on the offer path.
        node_id: NodeId = _intern(node_text)  # type: ignore[assignment]
        tag: Tag | None = payload.tag or None  # type: ignore[assignment]
        call = _Call(call_id, node_id, tag)
        direction = payload.direction
        call.direction = _intern(direction) if direction else "inbound"
        call.state = state
        call.device = server_device(payload.device)
        context = payload.context
        call.context = _intern(context) if context else None
        if len(self.calls) >= self._max_calls:
            self._refuse(call.snapshot())
            return
        self.calls[call_id] = call
        self._emit(call_received(call.snapshot(), call.context, params))

    def _refuse(self, call: CallInfo) -> None:
        if self._overflow_policy == "decline":
            self._send(Hangup(call=call.ref, reason="decline"))
        else:
            self._send(Pass(call=call.ref))
        self._emit(InboundCallRefused(call=call, action=OVERFLOW_POLICIES[self._overflow_policy]))

    def _on_error(self, params: JSONObject) -> None:
        payload = decode_error(params)
        call_id = payload.call_id
        call = None if call_id is None else self.calls.get(CallId(call_id))
        number = parse_code(payload.code)
        self._emit(
            CallErrorReported(
                call=None if call is None else call.ref,
                code=-1 if number is None else number,
                message=payload.message or "",
                params=params,
            )
        )
