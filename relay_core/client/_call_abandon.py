"""Giving up on work, and what a session change does to tracked work.

Abandon: every known live leg of a dial or connect the caller gave up on
gets ``calling.end`` (reason ``cancel``) at once, later legs when they show
up.  Abandoned work and the legs being ended are forgotten ``abandon_grace``
seconds after the last event naming them; a lost session fails or forgets
what waited on it (:meth:`_CallAbandon.session_lost` states the policy).
"""

from __future__ import annotations

from collections.abc import Collection

from .._ids import CallId, RequestId, Tag
from ._call_commands import _CallTable
from ._commands import (
    Hangup,
)
from ._events import (
    CallInfo,
    CallRef,
    CallStateChanged,
)
from ._state import (
    CONNECT_TRANSITIONS,
    DIAL_TRANSITIONS,
    LIVE_CALL_STATES,
    OPEN_CONNECT_PHASES,
    CallState,
    ConnectPhase,
    DialPhase,
    LocalInput,
)
from ._trackers import _Call

__all__ = []


class _CallAbandon(_CallTable):
    """Abandon, expiry and session-level changes of call control."""

    # -- abandon ----------------------------------------------------------

    def abandon_dial(self, tag: Tag) -> tuple[CallRef, ...]:
        """End every live leg of a dial, now and when late legs show up.

        Returns the legs already reported that are now silenced.
        """
        dial = self.dials.get(tag)
        if dial is not None:
            dial.phase = DIAL_TRANSITIONS.get((dial.phase, LocalInput.ABANDON), dial.phase)
        hidden = self._hide_legs(tag, exclude=None)
        if dial is not None and dial.phase is not DialPhase.ABANDONED:
            del self.dials[tag]
        self._watch(tag)
        return hidden

    def abandon_connect(self, call: CallRef) -> tuple[CallRef, ...]:
        """End every live peer leg of ``call``'s connect, now and later.

        Returns the peer legs already reported that are now silenced.
        """
        connect = self.connects.get(call.call_id)
        if connect is None:
            return ()
        connect.phase = CONNECT_TRANSITIONS.get((connect.phase, LocalInput.ABANDON), connect.phase)
        hidden = self._hide_legs(connect.tag, exclude=call.call_id)
        if connect.phase is not ConnectPhase.ABANDONED:
            self._drop_connect(connect)
        self._watch(connect.tag)
        return hidden

    def _hide_legs(self, tag: Tag, exclude: CallId | None) -> tuple[CallRef, ...]:
        hidden = []
        for leg in list(self.calls.values()):
            if leg.tag == tag and leg.call_id != exclude and (exclude or leg.peer is None):
                if not leg.hidden:
                    hidden.append(leg.ref)
                leg.hidden = True
                self._end_leg(leg)
        return tuple(hidden)

    def refuse(self, call: CallRef) -> None:
        """Apply the inbound overflow policy to an offered call and forget it."""
        known = self.calls.pop(call.call_id, None)
        info = (
            known.snapshot()
            if known is not None
            else CallInfo(call_id=call.call_id, node_id=call.node_id, direction="inbound")
        )
        self._refuse(info)

    def abandon_all(self) -> None:
        """Abandon every dial and connect still in progress (the client is leaving)."""
        for tag in list(self.dials):
            self.abandon_dial(tag)
        for call_id, connect in list(self.connects.items()):
            if connect.phase in OPEN_CONNECT_PHASES:
                self.abandon_connect(CallRef(call_id, connect.call.node_id))

    def _watch(self, tag: Tag) -> None:
        """Arm the grace deadline of ``tag`` if abandoned work or ended legs carry it."""
        self._expiry[tag] = self._clock() + self._grace
        self._drop_settled_abandoned(tag)

    def _touch(self, tag: Tag | None) -> None:
        """An event named ``tag``: its abandoned work is alive, re-arm the deadline."""
        if tag is not None and tag in self._expiry:
            self._expiry[tag] = self._clock() + self._grace

    def _forget_ended_leg(self, call_id: CallId) -> None:
        leg = self.calls.get(call_id)
        if leg is not None and leg.hidden:
            self._forget(leg)
            self._drop_settled_abandoned(leg.tag)

    def _expire(self, now: float) -> None:
        """Forget abandoned work and ended legs nothing was heard of for the grace period."""
        for tag in [tag for tag, due in self._expiry.items() if due <= now]:
            del self._expiry[tag]
            dial = self.dials.get(tag)
            if dial is not None and dial.phase is DialPhase.ABANDONED:
                del self.dials[tag]
            call_id = self._connect_tags.get(tag)
            connect = None if call_id is None else self.connects.get(call_id)
            if connect is not None and connect.phase is ConnectPhase.ABANDONED:
                self._drop_connect(connect)
            for leg in [leg for leg in self.calls.values() if leg.hidden and leg.tag == tag]:
                self._forget(leg)

    def _end_leg(self, call: _Call) -> None:
        if call.end_sent or call.state not in LIVE_CALL_STATES:
            return
        call.end_sent = True
        request_id = self._send(Hangup(call=call.ref, reason="cancel"))
        if request_id is not None:
            self._ending[request_id] = call.call_id

    # -- session-level changes --------------------------------------------

    def session_resumed(self, now: float, grace: float) -> None:
        """The server restored the session: dials and connects whose request
        may have been lost get ``grace`` seconds to show a sign of life."""
        for tag, deadline in self._uncertain.items():
            if deadline is None:
                self._uncertain[tag] = now + grace

    def next_deadline(self) -> float | None:
        """When uncertain work is given up or abandoned work forgotten, if any."""
        if not self._uncertain and not self._expiry:
            return None
        due = [deadline for deadline in self._uncertain.values() if deadline is not None]
        due.extend(self._expiry.values())
        return min(due) if due else None

    def handle_timeout(self, now: float) -> None:
        """Fail and abandon uncertain work the resumed session never mentioned;
        forget abandoned work past its grace period."""
        if self._expiry:
            self._expire(now)
        expired = [tag for tag, due in self._uncertain.items() if due is not None and due <= now]
        for tag in expired:
            del self._uncertain[tag]
            message = "the request was lost with the connection; the server never reported it"
            dial = self.dials.get(tag)
            if dial is not None and dial.phase is not DialPhase.ABANDONED:
                self._give_up_dial(dial, "request_lost", message)
            call_id = self._connect_tags.get(tag)
            connect = None if call_id is None else self.connects.get(call_id)
            if connect is not None and connect.phase is ConnectPhase.PENDING:
                self._give_up_connect(connect, "request_lost")

    def session_lost(self, reason: str, unsent: Collection[RequestId]) -> list[RequestId]:
        """The server did not restore the session (a restart, or a refused resume).

        Policy: the server forgot the old session, so no event of it will
        come.  Dials, connects and plays waiting on events fail with
        ``reason``.  The legs of dials and connects in progress were ours to
        end: they get ``calling.end`` on the new session (and are forgotten
        once it is answered, or after ``abandon_grace``).  The calls the
        application holds are reported ``ENDED`` with ``end_reason=reason``
        and forgotten (a new session can still command them by id).

        A dial whose request is in ``unsent`` (still in the outbox) never
        reached the old session: it goes on, on the new one.  A connect or
        play in ``unsent`` addressed a call of the old session: it fails, and
        its request id is returned so the session withdraws the request
        (sent now, it would start a bridge nobody watches).
        """
        withdrawn = self._fail_waiting(reason, unsent)
        for call in [call for call in self.calls.values() if not call.hidden]:
            call.state = CallState.ENDED
            call.end_reason = reason
            self._emit(
                CallStateChanged(
                    call=call.snapshot(), state=call.state, tag=call.tag, end_reason=reason
                )
            )
            self._forget(call)
        return withdrawn

    def _fail_waiting(self, reason: str, unsent: Collection[RequestId] = ()) -> list[RequestId]:
        """Fail work waiting on events; end the legs of dials and connects in progress.

        Returns the unsent requests of the connects and plays failed.
        """
        self._uncertain.clear()
        withdrawn = []
        for dial in list(self.dials.values()):
            if dial.phase is DialPhase.PENDING and dial.request_id in unsent:
                continue
            if dial.phase is DialPhase.ABANDONED:
                del self.dials[dial.tag]
            else:
                self._fail_dial(dial, reason, "the server did not resume the session")
            self.abandon_dial(dial.tag)
        for connect in list(self.connects.values()):
            if connect.phase in OPEN_CONNECT_PHASES:
                self._fail_connect(connect, reason)
                self._hide_legs(connect.tag, exclude=connect.call.call_id)
                self._watch(connect.tag)
            if connect.request_id in unsent:
                withdrawn.append(connect.request_id)
            self._drop_connect(connect)
        for play in list(self.plays.values()):
            if play.request_id in unsent:
                withdrawn.append(play.request_id)
            self._end_play(play, reason)
        withdrawn += self._fail_actions(reason, unsent)
        return withdrawn

    def closed(self) -> None:
        """The session closed for good: end every waiter and forget everything
        (the application closed it: its calls are not reported ended)."""
        self._fail_waiting("session_closed")
        self.calls.clear()
        self.dials.clear()
        self._started.clear()
        self._ending.clear()
        self._expiry.clear()
