"""The dial and connect machines: ``calling.call.dial`` and ``calling.call.connect``.

Dials are keyed by ``tag`` (the event has no top-level ``call_id``); connects
by the A leg's ``call_id``, their peer legs through the connect's ``tag``.
The winner may be reported before its own state event (RELAY.md F.4).
"""

from __future__ import annotations

from typing import Final

from .._ids import CallId, JSONObject, NodeId, Tag
from ..wire._device_cache import server_device
from ..wire._payloads import CallObject, decode_connect, dial_fields
from ._call_abandon import _CallAbandon
from ._call_commands import _CONNECT_STATES, _DIAL_STATES, MALFORMED_EVENT
from ._event_makers import call_info, dial_state_changed
from ._events import (
    CallInfo,
    CallRef,
    ConnectStateChanged,
    DialStateChanged,
)
from ._state import (
    CONNECT_TRANSITIONS,
    DIAL_TRANSITIONS,
    TERMINAL_CONNECT_PHASES,
    CallState,
    ConnectPhase,
    ConnectState,
    DialPhase,
    DialState,
    call_transition,
)
from ._trackers import _Call, _Connect, _Dial

__all__ = []

#: Globals, not enum class attributes (~50 ns each on Python 3.11).
_ANSWERED: Final = DialState.ANSWERED
_FAILED: Final = DialState.FAILED
_ABANDONED: Final = DialPhase.ABANDONED
_CALL_ANSWERED: Final = CallState.ANSWERED


class _DialsAndConnects(_CallAbandon):
    """Dial and connect events of call control."""

    def _on_dial(self, params: JSONObject) -> None:
        # Every dial's outcome: the fields read once, no payload view built.
        raw_tag, raw_state, winner = dial_fields(params)
        tag: Tag = raw_tag  # type: ignore[assignment]  # a checked str: no NewType call
        state = _DIAL_STATES.get(raw_state) or DialState(raw_state)
        if self._uncertain:
            self._uncertain.pop(tag, None)
        dial = self.dials.get(tag)
        if dial is None:
            self.dropped_events += 1
            return
        if dial.phase is _ABANDONED:
            self._touch(tag)
            if state is _ANSWERED or state is _FAILED:
                dial.outcome_seen = True
            if state is _ANSWERED and winner is not None:
                leg = self._winner(tag, winner)
                leg.hidden = True
                self._end_leg(leg)
            self._drop_settled_abandoned(tag)
            return
        new_phase = DIAL_TRANSITIONS.get((dial.phase, state))
        if new_phase is None:
            self.dropped_events += 1
            return
        if state is _ANSWERED and winner is None:
            # Check, then act: an outcome we cannot read fails the dial now
            # (the caller must not wait forever) and every leg of it is ended,
            # the winner included, now or when it shows up.
            self.malformed_events += 1
            self._give_up_dial(
                dial, MALFORMED_EVENT, "calling.call.dial answered without a winning call"
            )
            return
        dial.phase = new_phase
        if state is _ANSWERED:
            assert winner is not None
            leg = self._winner(tag, winner)
            del self.dials[tag]
            self._emit(dial_state_changed(tag, state, call_info(leg), None, params))
        elif state is _FAILED:
            del self.dials[tag]
            reason = params.get("reason")
            reason = reason if type(reason) is str and reason else None
            self._emit(dial_state_changed(tag, state, None, reason, params))
        else:
            self._emit(dial_state_changed(tag, state, None, None, params))

    def _winner(self, tag: Tag, winner: CallObject) -> _Call:
        """The winning leg of a dial, created or caught up (RELAY.md F.4, K.16)."""
        call_id: CallId = winner.call_id  # type: ignore[assignment]  # a checked str
        call = self.calls.get(call_id)
        if call is None:
            node_id = NodeId(winner.node_id or "")
            call = _Call(call_id, node_id, tag)
            call.direction = winner.direction or "outbound"
            call.device = server_device(winner.device)
            self.calls[call_id] = call
        if not call.ref.node_id:
            call.ref = CallRef(call_id, NodeId(winner.node_id or ""))
        # dial(answered) may beat the winner's own state(answered).
        if call_transition(call.state, _CALL_ANSWERED):
            call.state = _CALL_ANSWERED
        return call

    def _give_up_dial(self, dial: _Dial, reason: str, message: str) -> None:
        """Fail a dial the core gave up on, and keep ending its legs as they show up."""
        self._emit(
            DialStateChanged(tag=dial.tag, state=DialState.FAILED, reason=reason, message=message)
        )
        dial.phase = DialPhase.ABANDONED
        self.abandon_dial(dial.tag)

    def _give_up_connect(self, connect: _Connect, reason: str) -> None:
        """Fail a connect the core gave up on, and keep ending its peer legs."""
        self._fail_connect(connect, reason)
        connect.phase = ConnectPhase.ABANDONED
        self.abandon_connect(connect.call)

    def _fail_dial(self, dial: _Dial, reason: str, message: str) -> None:
        self.dials.pop(dial.tag, None)
        self._emit(
            DialStateChanged(tag=dial.tag, state=DialState.FAILED, reason=reason, message=message)
        )

    def _on_connect(self, params: JSONObject) -> None:
        payload = decode_connect(params)
        call_id = CallId(payload.call_id)
        raw_state = payload.connect_state
        state = _CONNECT_STATES.get(raw_state) or ConnectState(raw_state)
        connect = self.connects.get(call_id)
        a_leg = self.calls.get(call_id)
        if connect is None:
            if a_leg is None or a_leg.hidden:
                self.dropped_events += 1
                return
            # A bridge this session did not start tracking (or one already
            # settled): still the caller's news.
            self._emit(
                ConnectStateChanged(
                    call=a_leg.ref,
                    tag=Tag(payload.tag or "") or None,
                    state=state,
                    peer=None,
                    failed_reason=payload.failed_reason or None,
                    params=params,
                )
            )
            return
        if self._uncertain:
            self._uncertain.pop(connect.tag, None)
        peer_call = payload.peer
        if connect.phase is ConnectPhase.ABANDONED:
            self._touch(connect.tag)
            if state in (ConnectState.CONNECTED, ConnectState.FAILED):
                connect.outcome_seen = True
            if state is ConnectState.CONNECTED and peer_call is not None:
                peer = self._peer(connect, peer_call)
                peer.hidden = True
                self._end_leg(peer)
            self._drop_settled_abandoned(connect.tag)
            return
        new_phase = CONNECT_TRANSITIONS.get((connect.phase, state))
        if new_phase is None:
            self.dropped_events += 1
            return
        if state is ConnectState.CONNECTED and peer_call is None:
            # As for a dial: fail the connect now and end its peer legs.
            self.malformed_events += 1
            self._give_up_connect(connect, MALFORMED_EVENT)
            return
        connect.phase = new_phase
        peer_info: CallInfo | None = None
        if state is ConnectState.CONNECTED:
            assert peer_call is not None
            peer = self._peer(connect, peer_call)
            if a_leg is not None:
                a_leg.peer = peer.ref
            peer_info = peer.snapshot()
        elif state is ConnectState.DISCONNECTED and a_leg is not None:
            a_leg.peer = None
        self._emit(
            ConnectStateChanged(
                call=connect.call,
                tag=connect.tag,
                state=state,
                peer=peer_info,
                failed_reason=payload.failed_reason or None,
                params=params,
            )
        )
        if new_phase in TERMINAL_CONNECT_PHASES:
            self._drop_connect(connect)

    def _peer(self, connect: _Connect, peer: CallObject) -> _Call:
        call_id = CallId(peer.call_id)
        call = self.calls.get(call_id)
        if call is None:
            call = _Call(call_id, NodeId(peer.node_id or ""), connect.tag)
            call.direction = "outbound"
            call.device = server_device(peer.device)
            self.calls[call.call_id] = call
        call.peer = connect.call
        if call_transition(call.state, CallState.ANSWERED):
            call.state = CallState.ANSWERED
        return call

    def _fail_connect(self, connect: _Connect, reason: str) -> None:
        connect.phase = ConnectPhase.FAILED
        self._emit(
            ConnectStateChanged(
                call=connect.call, tag=connect.tag, state=ConnectState.FAILED, failed_reason=reason
            )
        )

    def _drop_connect(self, connect: _Connect) -> None:
        if self.connects.get(connect.call.call_id) is connect:
            del self.connects[connect.call.call_id]
        if self._connect_tags.get(connect.tag) == connect.call.call_id:
            del self._connect_tags[connect.tag]
