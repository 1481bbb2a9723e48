"""What happens after a ``calling.*`` request: legs ring, answer, bridge and end.

The half of :class:`~relay_core.fake.PhoneNetwork` that runs on the
scheduler: serial groups one after another and the members of a group in
parallel (RELAY.md F.1), the winner's events before the losers' teardown
(F.7, G.6), every leg's ``ended`` before the attempt's failure (F.8, G.7),
ended-call memory and inbound offers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._errors import LocalProtocolError
from .._ids import CallId, IdFactory, JSONObject, NodeId
from ..client._events import CallRef
from ..client._state import CallState
from ..wire._payloads import (
    CallObject,
    CallReceivePayload,
    CallStatePayload,
    ConnectPayload,
    DialPayload,
    Payload,
    encode_payload,
)
from ._behaviours import (
    Answers,
    Busy,
    Declines,
    DestinationBehavior,
    Directory,
    Fails,
    NeverAnswers,
)
from ._callers import SCRIPT_KEYS, SILENT, CallerScript
from ._legs import (
    ENDED_CALL_MEMORY,
    ENDED_CALL_SECONDS,
    ChooseReceiver,
    Deliver,
    SessionKey,
    SimulatedCall,
    _Attempt,
    _Bridge,
    _destination,
    _device_timeout,
    _Leg,
)
from ._scheduler import Scheduler

__all__ = []

if TYPE_CHECKING:
    from ._legs import _Playback


class _LegEngine:
    """Legs, attempts and offers over time; :class:`PhoneNetwork` owns the state."""

    # Set by PhoneNetwork.__init__.
    directory: Directory
    inbound_ring_timeout: float
    scheduler: Scheduler
    node_id: NodeId
    _new_id: IdFactory
    _deliver: Deliver
    _choose_receiver: ChooseReceiver
    _legs: dict[CallId, _Leg]
    _ended: dict[CallId, SimulatedCall]
    _ended_at: dict[CallId, float]
    _pending_offers: dict[CallId, _Leg]
    _dial_tags: dict[tuple[SessionKey, str], _Attempt]

    if TYPE_CHECKING:  # defined by PhoneNetwork with the other play verbs

        def _finish_play(self, playback: _Playback, state: str) -> None: ...

    # -- dial and connect ----------------------------------------------------

    def _start_attempt(self, attempt: _Attempt, now: float) -> None:
        a_leg = attempt.a_leg
        if attempt.kind == "dial":
            self._send(attempt.owner, self._dial_event(attempt, "dialing"))
        else:
            assert a_leg is not None
            if not a_leg.live:
                return
            self._emit_connect(a_leg, attempt.tag, "connecting")
        self._start_group(attempt, now)

    def _start_group(self, attempt: _Attempt, now: float) -> None:
        attempt.index += 1
        group = attempt.plan[attempt.index]
        attempt.legs = []
        for device_wire, device in group:
            destination = _destination(device)
            leg = _Leg(
                CallId(self._new_id()),
                self.node_id,
                "outbound",
                device_wire,
                destination,
                attempt.owner,
                attempt.tag,
            )
            leg.attempt = attempt
            leg.peer = attempt.a_leg
            leg.behavior = self.directory.lookup(destination)
            timeout = _device_timeout(device)
            leg.ring_timeout = self.directory.ring_timeout if timeout is None else timeout
            self._legs[leg.call_id] = leg
            attempt.legs.append(leg)
            self._emit_state(leg)
        immediate = [leg for leg in attempt.legs if _rejects_at_once(leg.behavior)]
        for leg in attempt.legs:
            if leg not in immediate:
                leg.state = CallState.RINGING
                self._emit_state(leg)
        for leg in attempt.legs:
            self._arm_leg(leg, now)

    def _arm_leg(self, leg: _Leg, now: float) -> None:
        behavior = leg.behavior
        timeout = leg.ring_timeout
        outcome: str
        match behavior:
            case Answers(after=after):
                outcome, delay = "answered", after
            case NeverAnswers():
                outcome, delay = "noAnswer", timeout
            case Busy(after=after):
                outcome, delay = "busy", after
            case Declines(after=after):
                outcome, delay = "decline", after
            case Fails(after=after):
                outcome, delay = "error", after
        if delay > timeout:
            outcome, delay = "noAnswer", timeout

        def callback(when: float) -> None:
            if outcome == "answered":
                self._leg_answered(leg, when)
            else:
                self._leg_rejected(leg, outcome, when)

        leg.timers.append(self.scheduler.call_at(now + delay, callback))

    def _leg_answered(self, leg: _Leg, now: float) -> None:
        attempt = leg.attempt
        if attempt is None or attempt.finished or leg.state is not CallState.RINGING:
            return
        attempt.finished = True
        self._forget_attempt(attempt)
        leg.state = CallState.ANSWERED
        self._emit_state(leg)
        if attempt.kind == "dial":
            winner = CallObject(
                leg.call_id,
                node_id=leg.node_id,
                tag=leg.tag,
                call_state="answered",
                direction="outbound",
                device=leg.device,
                extra={"dial_winner": True},
            )
            self._send(attempt.owner, self._dial_event(attempt, "answered", call=winner))
        else:
            a_leg = attempt.a_leg
            assert a_leg is not None
            a_leg.connecting = None
            bridge = _Bridge(a_leg, leg, attempt.tag)
            a_leg.bridge = leg.bridge = bridge
            a_leg.peer = leg
            peer = CallObject(leg.call_id, node_id=leg.node_id, tag=attempt.tag, device=leg.device)
            self._emit_connect(a_leg, attempt.tag, "connected", peer=peer)
        # RELAY.md F.7: the server cancels the losers by itself.
        for other in attempt.legs:
            if other is not leg and other.live:
                self._end_leg(other, "cancel", now)
        hangup_after = leg.behavior.hangup_after if isinstance(leg.behavior, Answers) else None
        if hangup_after is not None:
            leg.timers.append(
                self.scheduler.call_at(
                    now + hangup_after, lambda when: self._remote_end(leg, "hangup", when)
                )
            )

    def _leg_rejected(self, leg: _Leg, reason: str, now: float) -> None:
        self._remote_end(leg, reason, now)

    def _ended_by_client(self, leg: _Leg, reason: str, now: float, *, give_up: bool = True) -> None:
        if not leg.live:
            return
        attempt = leg.attempt
        self._end_leg(leg, reason, now)
        if attempt is not None:
            self._after_leg_lost(attempt, reason, now, give_up=give_up)

    def _remote_end(self, leg: _Leg, reason: str, now: float) -> None:
        """The far end hangs up (or the network drops) a leg."""
        self._ended_by_client(leg, reason, now, give_up=False)

    def end_calls_of(self, owner: SessionKey, *, now: float) -> int:
        """End every live leg whose events go to ``owner`` (its session expired).

        Answered legs end with ``hangup``, the others with ``cancel``; no
        dial or connect goes on to its next device group.  Returns how many
        legs it ended (peers ended with them included).
        """
        before = len(self._legs)
        for leg in [leg for leg in self._legs.values() if leg.owner == owner]:
            if leg.live:
                reason = "hangup" if leg.state is CallState.ANSWERED else "cancel"
                self._ended_by_client(leg, reason, now)
        return before - len(self._legs)

    def _after_leg_lost(self, attempt: _Attempt, reason: str, now: float, *, give_up: bool) -> None:
        """A ringing leg ended: try the next group, or fail once nothing is left."""
        if attempt.finished or any(leg.live for leg in attempt.legs):
            return
        a_leg = attempt.a_leg
        if a_leg is not None and not a_leg.live:
            give_up = True
        if not give_up and attempt.index + 1 < len(attempt.plan):
            self._start_group(attempt, now)
            return
        attempt.finished = True
        self._forget_attempt(attempt)
        if attempt.kind == "dial":
            failed = self._dial_event(attempt, "failed", reason=reason)
            self._send(attempt.owner, failed)
        else:
            assert a_leg is not None
            a_leg.connecting = None
            if a_leg.live:
                self._emit_connect(a_leg, attempt.tag, "failed", failed_reason=reason)

    def _forget_attempt(self, attempt: _Attempt) -> None:
        if attempt.tag is not None and self._dial_tags.get((attempt.owner, attempt.tag)) is attempt:
            del self._dial_tags[(attempt.owner, attempt.tag)]

    def _emit_connect(
        self,
        a_leg: _Leg,
        tag: str | None,
        state: str,
        *,
        peer: CallObject | None = None,
        failed_reason: str | None = None,
    ) -> None:
        event = ConnectPayload(
            a_leg.call_id,
            state,
            node_id=a_leg.node_id,
            tag=tag,
            peer=peer,
            failed_reason=failed_reason,
        )
        self._send(a_leg.owner, event)

    def _unbridge(self, bridge: _Bridge, *, survivor: _Leg | None) -> None:
        """Tear a bridge down; ``survivor`` gets ``connect(disconnected)`` (RELAY.md G.5)."""
        a, b = bridge.a, bridge.b
        if a.bridge is not bridge:
            return
        a.bridge = b.bridge = None
        if a.peer is b:
            a.peer = None
        if survivor is None:
            return
        other = b if survivor is a else a
        peer = CallObject(other.call_id, node_id=other.node_id, device=other.device)
        if survivor.live:
            self._emit_connect(survivor, bridge.tag, "disconnected", peer=peer)

    # -- ending legs ---------------------------------------------------------

    def _end_leg(self, leg: _Leg, reason: str, now: float) -> None:
        """End a live leg: its plays finish, then ``ending`` (if it rang) and ``ended``."""
        for timer in leg.timers:
            timer.cancel()
        leg.timers.clear()
        for playback in list(leg.plays.values()):
            self._finish_play(playback, "finished")
        self._end_sims(leg, now)
        connecting = leg.connecting
        if connecting is not None and not connecting.finished:
            # The A leg goes away mid-connect: its ringing peers are cancelled.
            connecting.finished = True
            leg.connecting = None
            for peer_leg in connecting.legs:
                if peer_leg.live:
                    self._end_leg(peer_leg, "cancel", now)
        leg.end_reason = reason
        # RELAY.md F.8: a leg rejected before it rang goes straight to ended.
        if leg.state is not CallState.CREATED or leg.direction == "inbound":
            leg.state = CallState.ENDING
            self._emit_state(leg)
        leg.state = CallState.ENDED
        self._emit_state(leg)
        del self._legs[leg.call_id]
        self._pending_offers.pop(leg.call_id, None)
        bridge = leg.bridge
        if bridge is not None and bridge.a is leg:
            # The caller (A leg) hung up: the service ends the bridged leg
            # too, with ordinary state events and no connect event (G.3).
            self._unbridge(bridge, survivor=None)
            self._end_leg(bridge.b, "hangup", now)
        elif bridge is not None:
            # RELAY.md G.3/G.6: the peer hung up; the A leg stays up and
            # hears "disconnected".
            self._unbridge(bridge, survivor=bridge.a)
        self._remember_ended(leg, now)
        # Ended legs keep nothing alive: what they pointed at may be large.
        leg.attempt = leg.connecting = leg.peer = None

    def _end_sims(self, leg: _Leg, now: float) -> None:
        """The leg is ending: its verbs' terminal events (the sim mixins override it)."""

    def _remember_ended(self, leg: _Leg, now: float) -> None:
        ended, ended_at = self._ended, self._ended_at
        ended[leg.call_id] = leg.snapshot()
        ended_at[leg.call_id] = now
        # Oldest first; up to two per end: O(1), and a backlog still drains.
        for _ in range(2):
            call_id = next(iter(ended_at))
            if len(ended) <= ENDED_CALL_MEMORY and ended_at[call_id] > now - ENDED_CALL_SECONDS:
                break
            del ended[call_id], ended_at[call_id]

    def _emit_state(self, leg: _Leg) -> None:
        ending = leg.state in (CallState.ENDING, CallState.ENDED)
        peer = leg.peer
        event = CallStatePayload(
            leg.call_id,
            leg.state.value,
            node_id=leg.node_id,
            tag=leg.tag,
            direction=leg.direction,
            end_reason=leg.end_reason if ending else None,
            peer=None if peer is None else CallObject(peer.call_id, node_id=peer.node_id),
            context=leg.context,
            device=leg.device,
        )
        self._send(leg.owner, event)

    def _dial_event(
        self, attempt: _Attempt, state: str, *, call: CallObject | None = None, reason: str = ""
    ) -> DialPayload:
        """A ``calling.call.dial`` event of ``attempt``."""
        assert attempt.tag is not None  # calling.dial requires one
        return DialPayload(
            attempt.tag,
            state,
            node_id=self.node_id,
            call=call,
            reason=reason or None,
            extra={"source": "outbound"} if state == "failed" else {},
        )

    def _send(self, owner: SessionKey | None, event: Payload) -> None:
        """Deliver one event, written by the wire payload codec (the one the client reads with)."""
        self._deliver(owner, event.event_type, encode_payload(event))

    # -- scripting -----------------------------------------------------------

    def hangup(self, call_id: str, *, reason: str = "hangup", now: float) -> None:
        """The far end of a live leg hangs up (or the network drops it).

        Raises:
            LocalProtocolError: no live leg has that id, or ``reason`` is empty.
        """
        leg = self._legs.get(CallId(call_id))
        if leg is None:
            raise LocalProtocolError(f"call_id: no live call {call_id!r}")
        if not isinstance(reason, str) or not reason:
            raise LocalProtocolError(f"reason: {reason!r} is not a non-empty string")
        self.scheduler.call_at(now, lambda when: self._remote_end(leg, reason, when))

    def inject_inbound_call(
        self,
        *,
        context: str,
        from_number: str,
        to_number: str,
        now: float,
        device: JSONObject | None = None,
        caller: CallerScript = SILENT,
    ) -> CallRef:
        """Place a call into ``context``, offered to one session receiving it.

        Delivered as ``calling.call.receive`` (RELAY.md I) to one session
        whose contexts include ``context``, in turn (round robin); if none does yet, the
        offer waits until one does.  Unanswered after
        ``inbound_ring_timeout`` seconds, it ends with ``noAnswer``.
        ``device`` replaces the default ``{"type": "phone", "params":
        {"from_number": ..., "to_number": ...}}`` (e.g. a SIP device).
        ``caller`` is what the caller does once answered (digits, words...).

        Raises:
            LocalProtocolError: empty context or number.
        """
        for name, value in (("context", context), ("from_number", from_number)):
            if not isinstance(value, str) or not value:
                raise LocalProtocolError(f"{name}: {value!r} is not a non-empty string")
        if not isinstance(to_number, str) or not to_number:
            raise LocalProtocolError(f"to_number: {to_number!r} is not a non-empty string")
        wire: JSONObject = (
            device
            if device is not None
            else {"type": "phone", "params": {"from_number": from_number, "to_number": to_number}}
        )
        leg = _Leg(CallId(self._new_id()), self.node_id, "inbound", wire, from_number, None, None)
        leg.context = context
        # The inbound leg's behaviour only carries the caller's script.
        leg.behavior = Answers(after=0, **{key: getattr(caller, key) for key in SCRIPT_KEYS})
        self._legs[leg.call_id] = leg
        self._offer_at(leg, now)
        # Nobody answers within the ring timeout: the caller gives up.
        leg.timers.append(
            self.scheduler.call_at(
                now + self.inbound_ring_timeout, lambda when: self._unanswered(leg, when)
            )
        )
        return leg.ref

    def _unanswered(self, leg: _Leg, now: float) -> None:
        if leg.state is CallState.CREATED:
            self._remote_end(leg, "noAnswer", now)

    def offer_pending(self, now: float) -> None:
        """Retry the waiting inbound offers (a session started receiving)."""
        for leg in list(self._pending_offers.values()):
            self._offer_at(leg, now)

    def _offer_at(self, leg: _Leg, now: float) -> None:
        self.scheduler.call_at(now, lambda when: self._offer(leg))

    def _offer(self, leg: _Leg) -> None:
        if leg.state is not CallState.CREATED or leg.owner is not None:
            return
        assert leg.context is not None
        owner = self._choose_receiver(leg.context, frozenset(leg.passed_by))
        if owner is None:
            self._pending_offers[leg.call_id] = leg
            return
        self._pending_offers.pop(leg.call_id, None)
        leg.owner = owner
        offer = CallReceivePayload(
            leg.call_id,
            leg.node_id,
            tag="",
            call_state=leg.state.value,
            direction="inbound",
            context=leg.context,
            device=leg.device,
        )
        self._send(owner, offer)


def _rejects_at_once(behavior: DestinationBehavior) -> bool:
    return isinstance(behavior, Busy | Fails) and behavior.after == 0
