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
* plays by ``control_id``.

Abandon: when the caller gives up on a dial or connect, every known live leg
gets ``calling.end`` (reason ``cancel``) at once, legs that show up later get
it when they do, and nothing of that work reaches the caller any more.

When a call ends, its plays and its pending connect end with it (each with
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
from collections.abc import Callable, Collection, Mapping
from typing import Final

from .._errors import LOCAL_FAILURE_CODE, CallGoneError, LocalProtocolError, RemoteProtocolError
from .._ids import CallId, ControlId, JSONObject, JSONValue, NodeId, RequestId, Tag
from ..wire._device_cache import server_device
from ..wire._wire import parse_code
from ._commands import (
    Command,
    Connect,
    Dial,
    Hangup,
    Pass,
    Play,
    PlayPause,
    PlayResume,
    PlayStop,
    PlayVolume,
)
from ._events import (
    CallErrorReported,
    CallInfo,
    CallReceived,
    CallRef,
    CallStateChanged,
    ConnectStateChanged,
    DialStateChanged,
    Event,
    FailureKind,
    InboundCallRefused,
    PlayStateChanged,
    RequestFailed,
    UnknownEvent,
)
from ._state import (
    CONNECT_TRANSITIONS,
    DIAL_TRANSITIONS,
    LIVE_CALL_STATES,
    OPEN_CONNECT_PHASES,
    PLAY_TRANSITIONS,
    TERMINAL_CONNECT_PHASES,
    TERMINAL_PLAY_STATES,
    CallState,
    ConnectPhase,
    ConnectState,
    DialPhase,
    DialState,
    LocalInput,
    PlayControl,
    PlayState,
    call_transition,
    play_control_error,
)
from ._trackers import _Call, _Connect, _Dial, _Play

#: How many ended call ids the core remembers, to refuse commands on them
#: before anything is sent (``CallGoneError``).  Oldest forgotten first; a
#: command on a call forgotten here still gets the server's 404 as
#: ``CallGoneError``, so only the round trip is lost.
ENDED_CALLS_REMEMBERED: Final = 1024

#: Inbound overflow policies: the method sent for an offer over the cap.
OVERFLOW_POLICIES: Final = {"pass": "calling.pass", "decline": "calling.end"}

#: The failure reason of a dial or connect whose outcome event was unreadable.
MALFORMED_EVENT: Final = "malformed_event"

_CALL_STATES: Final = {member.value: member for member in CallState}
_DIAL_STATES: Final = {member.value: member for member in DialState}
_CONNECT_STATES: Final = {member.value: member for member in ConnectState}
_PLAY_STATES: Final = {member.value: member for member in PlayState}
#: How many ended plays a session remembers, oldest forgotten first, so a
#: control sent after the terminal event is refused locally (RELAY.md H.5.1).
ENDED_PLAYS_REMEMBERED: Final = 64


def _text(params: JSONObject, key: str, event_type: str) -> str:
    value = params.get(key)
    if not isinstance(value, str) or not value:
        raise RemoteProtocolError(f"{event_type}: {key} must be a non-empty string")
    return value


def _optional_text(params: JSONObject, key: str) -> str | None:
    value = params.get(key)
    return value if isinstance(value, str) and value else None


def _shared(text: str | None) -> str | None:
    """One copy of strings every call repeats (node ids, directions, contexts)."""
    return None if text is None else sys.intern(text)


def _ref(value: JSONValue) -> CallRef | None:
    if isinstance(value, Mapping):
        call_id = value.get("call_id")
        node_id = value.get("node_id")
        if isinstance(call_id, str) and isinstance(node_id, str):
            return CallRef(CallId(call_id), NodeId(node_id))
    return None


class CallControl:
    """The keyed call, dial, connect and play machines of one session.

    Args:
        emit: queues an event for the user.
        send: queues a command the core sends on its own behalf (ending
            abandoned legs, passing an overflowing offer).
        max_calls: the cap on live calls.
        overflow_policy: ``"pass"`` or ``"decline"`` for offers over the cap.
    """

    def __init__(
        self,
        emit: Callable[[Event], None],
        send: Callable[[Command], RequestId | None],
        *,
        max_calls: int,
        overflow_policy: str,
        clock: Callable[[], float] = lambda: 0.0,
        abandon_grace: float = 60.0,
    ) -> None:
        self._emit = emit
        self._send = send
        self._clock = clock
        self._grace = abandon_grace
        self._max_calls = max_calls
        self._overflow_policy = overflow_policy
        self.calls: dict[CallId, _Call] = {}
        self.dials: dict[Tag, _Dial] = {}
        self.connects: dict[CallId, _Connect] = {}
        self._connect_tags: dict[Tag, CallId] = {}
        self.plays: dict[ControlId, _Play] = {}
        #: The terminal state of recently ended plays (bounded, FIFO).
        self._ended_plays: dict[ControlId, PlayState] = {}
        self._started: dict[RequestId, Dial | Connect | Play] = {}
        #: ``calling.end`` requests the core sent for abandoned legs.
        self._ending: dict[RequestId, CallId] = {}
        #: Dials and connects (by tag) whose request was on a socket that
        #: dropped: did the server get it?  The deadline (set on resume) is
        #: how long the resumed session may stay silent about them.
        self._uncertain: dict[Tag, float | None] = {}
        #: Recently ended calls (insertion order; see ENDED_CALLS_REMEMBERED).
        self._ended: dict[CallId, None] = {}
        #: Tags of abandoned work and of legs the core is ending → when they
        #: are forgotten if nothing more is heard of them (re-armed by each
        #: event that names them).  Bounds what a silent server leaves behind.
        self._expiry: dict[Tag, float] = {}
        #: Events that named nothing we track, or came out of order.
        self.dropped_events = 0
        #: Well-formed frames whose content failed the work it named.
        self.malformed_events = 0
        self.handlers: dict[str, Callable[[JSONObject], None]] = {
            "calling.call.state": self._on_state,
            "calling.call.dial": self._on_dial,
            "calling.call.connect": self._on_connect,
            "calling.call.play": self._on_play,
            "calling.call.receive": self._on_receive,
            "calling.error": self._on_error,
        }

    @property
    def abandoned(self) -> int:
        """Abandoned dials and connects still waiting for their outcome."""
        return sum(d.phase is DialPhase.ABANDONED for d in self.dials.values()) + sum(
            c.phase is ConnectPhase.ABANDONED for c in self.connects.values()
        )

    # -- commands ---------------------------------------------------------

    def check(self, command: Command) -> None:
        """Raise :class:`LocalProtocolError` if ``command`` cannot start now.

        A command on a call this session saw end raises :class:`CallGoneError`
        instead, as the server's 404 would: the same exception whether the
        core knew it or the server had to say it.
        """
        call = getattr(command, "call", None)
        if isinstance(call, CallRef) and call.call_id in self._ended:
            raise CallGoneError(
                LOCAL_FAILURE_CODE,
                f"call {call.call_id} has ended: {command.method} was not sent",
                method=command.method,
            )
        match command:
            case Dial(tag=tag):
                if tag in self.dials or tag in self._connect_tags:
                    raise LocalProtocolError(f"tag: {tag!r} is already in use by live work")
                if len(self.calls) >= self._max_calls:
                    raise LocalProtocolError(
                        f"cannot dial: {len(self.calls)} live calls reach the cap of "
                        f"{self._max_calls} (RelayConfig.max_calls)"
                    )
            case Connect(call=call, tag=tag):
                existing = self.connects.get(call.call_id)
                if existing is not None and existing.phase not in TERMINAL_CONNECT_PHASES:
                    raise LocalProtocolError(
                        f"call {call.call_id!r} already has a connect in progress or bridged"
                    )
                if tag in self.dials or tag in self._connect_tags:
                    raise LocalProtocolError(f"tag: {tag!r} is already in use by live work")
            case Play(control_id=control_id):
                if control_id in self.plays:
                    raise LocalProtocolError(f"control_id: {control_id!r} is already in use")
            case PlayStop() | PlayPause() | PlayResume() | PlayVolume():
                control_id = command.control_id
                play = self.plays.get(control_id)
                state = play.state if play is not None else self._ended_plays.get(control_id)
                why = None
                if play is not None or state is not None:  # else: not ours, the server decides
                    why = play_control_error(state, PlayControl(command.method))
                if why is not None:
                    raise LocalProtocolError(f"control_id: {control_id!r}: {why}")
            case _:
                pass

    def register(self, command: Command, request_id: RequestId) -> None:
        """Start tracking the work ``command`` begins (before it is sent)."""
        match command:
            case Dial(tag=tag):
                self.dials[tag] = _Dial(tag, request_id)
                self._started[request_id] = command
            case Connect(call=call, tag=tag):
                self.connects[call.call_id] = _Connect(call, tag, request_id)
                self._connect_tags[tag] = call.call_id
                self._started[request_id] = command
            case Play(call=call, control_id=control_id):
                self.plays[control_id] = _Play(call, control_id, request_id)
                self._ended_plays.pop(control_id, None)
                known = self.calls.get(call.call_id)
                if known is not None:
                    if known.plays is None:
                        known.plays = set()
                    known.plays.add(control_id)
                self._started[request_id] = command
            case _:
                pass

    def request_completed(self, request_id: RequestId, method: str, call_id: str | None) -> None:
        """A request succeeded: forget its bookkeeping; a passed call is forgotten.

        A successful ``calling.answer`` means the call is answered: the reply
        comes before the server's ``answered`` state event (RELAY.md H.1), so
        the call moves to ``ANSWERED`` now (with its ``CallStateChanged``,
        queued before the reply's ``RequestCompleted``) and the verb returns
        with the state it implies, in every adapter.  The server's own event
        is then no news (dropped, like any repeated state).

        A leg the core ended is forgotten once the server accepts its
        ``calling.end``: after a session restart no ``ended`` event would come.
        """
        self._started.pop(request_id, None)
        ended = self._ending.pop(request_id, None)
        if ended is not None:
            self._forget_ended_leg(ended)
        if call_id is None:
            return
        call = self.calls.get(CallId(call_id))
        if call is None:
            return
        if method == "calling.pass":
            self._forget(call)
        elif method == "calling.answer" and call_transition(call.state, CallState.ANSWERED):
            call.state = CallState.ANSWERED
            if not call.hidden:
                self._emit(
                    CallStateChanged(
                        call=call.snapshot(), state=call.state, tag=call.tag, end_reason=None
                    )
                )

    def request_failed(self, failure: RequestFailed) -> None:
        """A request failed: the work it started fails (or waits for a resume)."""
        ended = self._ending.pop(failure.request_id, None)
        if ended is not None:
            leg = self.calls.get(ended)
            if leg is not None and failure.kind in (
                FailureKind.CONNECTION_LOST,
                FailureKind.TIMEOUT,
            ):
                # The end was lost with its socket: send it again (it waits
                # in the outbox for the next session; the tag's grace bounds
                # the retries).
                leg.end_sent = False
                self._end_leg(leg)
            else:  # refused (404: already gone) or the session closed
                self._forget_ended_leg(ended)
            return
        command = self._started.pop(failure.request_id, None)
        if command is None:
            return
        lost = failure.kind == FailureKind.CONNECTION_LOST
        match command:
            case Dial(tag=tag):
                dial = self.dials.get(tag)
                if dial is None or dial.phase is DialPhase.ABANDONED:
                    return
                if lost:
                    # RELAY.md C.7: a resumed session keeps delivering the
                    # dial's events; only a fresh session fails it.
                    self._uncertain[tag] = None
                    return
                if failure.kind == FailureKind.REMOTE:
                    self._fail_dial(dial, "request_failed", failure.message)
                else:  # timed out or closed: it may be ringing anyway
                    self._give_up_dial(dial, "request_failed", failure.message)
            case Connect(call=call):
                connect = self.connects.get(call.call_id)
                if connect is None or connect.phase is ConnectPhase.ABANDONED:
                    return
                if lost:
                    self._uncertain[connect.tag] = None
                    return
                if failure.kind == FailureKind.REMOTE:
                    self._fail_connect(connect, "request_failed")
                    self._drop_connect(connect)
                else:
                    self._give_up_connect(connect, "request_failed")
            case Play(control_id=control_id):
                play = self.plays.get(control_id)
                if play is not None:
                    self._end_play(play, "request_failed")

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
        # The hottest handler: checks are inlined (benchmarks/profile_core).
        call_id = params.get("call_id")
        raw_state = params.get("call_state")
        if type(call_id) is not str or not call_id:
            raise RemoteProtocolError("calling.call.state: call_id must be a non-empty string")
        if type(raw_state) is not str or not raw_state:
            raise RemoteProtocolError("calling.call.state: call_state must be a non-empty string")
        state = _CALL_STATES.get(raw_state) or CallState(raw_state)
        call = self.calls.get(CallId(call_id))
        if call is None:
            call = self._new_leg(CallId(call_id), params)
            if call is None:
                if state is CallState.ENDED and call_id in self.connects:
                    # A connect on a call this session does not track (one of
                    # an earlier session, say) ends with its A leg too.
                    self._connect_call_ended(CallId(call_id))
                self.dropped_events += 1
                return
        elif not call_transition(call.state, state):
            self.dropped_events += 1
            return
        call.state = state
        reason = params.get("end_reason")
        if isinstance(reason, str):
            call.end_reason = reason
        peer = params.get("peer")
        if peer is not None and call.peer is None:
            call.peer = _ref(peer)
        if not call.hidden:
            self._emit(
                CallStateChanged(
                    call=call.snapshot(), state=state, tag=call.tag, end_reason=call.end_reason
                )
            )
        else:
            self._touch(call.tag)
        if state is CallState.ENDED:
            self._call_ended(call)
        elif call.hidden and state in LIVE_CALL_STATES:
            self._end_leg(call)

    def _new_leg(self, call_id: CallId, params: JSONObject) -> _Call | None:
        """Create a call for a state event whose tag names live work (E.2.6)."""
        tag_text = _optional_text(params, "tag")
        if tag_text is None:
            return None
        tag = Tag(tag_text)
        if self._uncertain:
            self._uncertain.pop(tag, None)
        dial = self.dials.get(tag)
        connect_call = self._connect_tags.get(tag)
        if dial is None and connect_call is None:
            return None
        node_id = NodeId(sys.intern(_optional_text(params, "node_id") or ""))
        call = _Call(call_id, node_id, tag)
        call.direction = _shared(_optional_text(params, "direction"))
        call.device = server_device(params.get("device"))
        if dial is not None:
            call.hidden = dial.phase is DialPhase.ABANDONED
        else:
            assert connect_call is not None
            connect = self.connects.get(connect_call)
            call.hidden = connect is None or connect.phase is ConnectPhase.ABANDONED
        self.calls[call_id] = call
        return call

    def _call_ended(self, call: _Call) -> None:
        for control_id in list(call.plays or ()):
            play = self.plays.get(control_id)
            if play is not None:
                self._end_play(play, "call_ended")
        self._connect_call_ended(call.call_id)
        self._forget(call)
        self._ended[call.call_id] = None
        if len(self._ended) > ENDED_CALLS_REMEMBERED:
            del self._ended[next(iter(self._ended))]
        self._drop_settled_abandoned(call.tag)

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

    def _on_dial(self, params: JSONObject) -> None:
        tag = Tag(_text(params, "tag", "calling.call.dial"))
        raw_state = _text(params, "dial_state", "calling.call.dial")
        state = _DIAL_STATES.get(raw_state) or DialState(raw_state)
        if self._uncertain:
            self._uncertain.pop(tag, None)
        dial = self.dials.get(tag)
        if dial is None:
            self.dropped_events += 1
            return
        winner = params.get("call")
        if dial.phase is DialPhase.ABANDONED:
            self._touch(tag)
            if state in (DialState.ANSWERED, DialState.FAILED):
                dial.outcome_seen = True
            if state is DialState.ANSWERED and isinstance(winner, Mapping):
                leg = self._winner(tag, winner)
                if leg is not None:
                    leg.hidden = True
                    self._end_leg(leg)
            self._drop_settled_abandoned(tag)
            return
        new_phase = DIAL_TRANSITIONS.get((dial.phase, state))
        if new_phase is None:
            self.dropped_events += 1
            return
        if state is DialState.ANSWERED and not (
            isinstance(winner, Mapping) and _optional_text(winner, "call_id")
        ):
            # Check, then act: an outcome we cannot read fails the dial now
            # (the caller must not wait forever) and every leg of it is ended,
            # the winner included, now or when it shows up.
            self.malformed_events += 1
            self._give_up_dial(
                dial, MALFORMED_EVENT, "calling.call.dial answered without a winning call"
            )
            return
        dial.phase = new_phase
        if state is DialState.ANSWERED:
            assert isinstance(winner, Mapping)
            leg = self._winner(tag, winner)
            assert leg is not None
            del self.dials[tag]
            self._emit(DialStateChanged(tag=tag, state=state, call=leg.snapshot()))
        elif state is DialState.FAILED:
            del self.dials[tag]
            self._emit(
                DialStateChanged(tag=tag, state=state, reason=_optional_text(params, "reason"))
            )
        else:
            self._emit(DialStateChanged(tag=tag, state=state))

    def _winner(self, tag: Tag, winner: JSONObject) -> _Call | None:
        """The winning leg of a dial, created or caught up (RELAY.md F.4, K.16)."""
        call_id = _optional_text(winner, "call_id")
        if call_id is None:
            return None
        call = self.calls.get(CallId(call_id))
        if call is None:
            node_id = NodeId(_optional_text(winner, "node_id") or "")
            call = _Call(CallId(call_id), node_id, tag)
            call.direction = _optional_text(winner, "direction") or "outbound"
            call.device = server_device(winner.get("device"))
            self.calls[call.call_id] = call
        if not call.node_id:
            call.node_id = NodeId(_optional_text(winner, "node_id") or "")
            call.ref = CallRef(call.call_id, call.node_id)
        # dial(answered) may beat the winner's own state(answered).
        if call_transition(call.state, CallState.ANSWERED):
            call.state = CallState.ANSWERED
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
        call_id = CallId(_text(params, "call_id", "calling.call.connect"))
        raw_state = _text(params, "connect_state", "calling.call.connect")
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
                    tag=Tag(_optional_text(params, "tag") or "") or None,
                    state=state,
                    peer=None,
                    failed_reason=_optional_text(params, "failed_reason"),
                )
            )
            return
        if self._uncertain:
            self._uncertain.pop(connect.tag, None)
        peer_params = params.get("peer")
        if connect.phase is ConnectPhase.ABANDONED:
            self._touch(connect.tag)
            if state in (ConnectState.CONNECTED, ConnectState.FAILED):
                connect.outcome_seen = True
            if state is ConnectState.CONNECTED and isinstance(peer_params, Mapping):
                peer = self._peer(connect, peer_params)
                if peer is not None:
                    peer.hidden = True
                    self._end_leg(peer)
            self._drop_settled_abandoned(connect.tag)
            return
        new_phase = CONNECT_TRANSITIONS.get((connect.phase, state))
        if new_phase is None:
            self.dropped_events += 1
            return
        if state is ConnectState.CONNECTED and not (
            isinstance(peer_params, Mapping) and _optional_text(peer_params, "call_id")
        ):
            # As for a dial: fail the connect now and end its peer legs.
            self.malformed_events += 1
            self._give_up_connect(connect, MALFORMED_EVENT)
            return
        connect.phase = new_phase
        peer_info: CallInfo | None = None
        if state is ConnectState.CONNECTED:
            assert isinstance(peer_params, Mapping)
            peer = self._peer(connect, peer_params)
            assert peer is not None
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
                failed_reason=_optional_text(params, "failed_reason"),
            )
        )
        if new_phase in TERMINAL_CONNECT_PHASES:
            self._drop_connect(connect)

    def _peer(self, connect: _Connect, peer: JSONObject) -> _Call | None:
        call_id = _optional_text(peer, "call_id")
        if call_id is None:
            return None
        call = self.calls.get(CallId(call_id))
        if call is None:
            call = _Call(
                CallId(call_id), NodeId(_optional_text(peer, "node_id") or ""), connect.tag
            )
            call.direction = "outbound"
            call.device = server_device(peer.get("device"))
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

    def _on_play(self, params: JSONObject) -> None:
        raw_control_id = params.get("control_id")
        raw_state = params.get("state")
        if type(raw_control_id) is not str or not raw_control_id:
            raise RemoteProtocolError("calling.call.play: control_id must be a non-empty string")
        if type(raw_state) is not str or not raw_state:
            raise RemoteProtocolError("calling.call.play: state must be a non-empty string")
        control_id = ControlId(raw_control_id)
        state = _PLAY_STATES.get(raw_state) or PlayState(raw_state)
        play = self.plays.get(control_id)
        if play is None:
            call_id = params.get("call_id")
            call = self.calls.get(CallId(call_id)) if type(call_id) is str else None
            if call is None or call.hidden:
                self.dropped_events += 1
                return
            self._emit(PlayStateChanged(call=call.ref, control_id=control_id, state=state))
            return
        if PLAY_TRANSITIONS.get((play.state, state)) is None:
            self.dropped_events += 1
            return
        play.state = state
        self._emit(PlayStateChanged(call=play.call, control_id=control_id, state=state))
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
        call_id = CallId(_text(params, "call_id", "calling.call.receive"))
        node_id = NodeId(sys.intern(_text(params, "node_id", "calling.call.receive")))
        if call_id in self.calls:
            # A re-delivered offer (e.g. after a resume): the call and its
            # plays are already tracked and the user already has it.
            self.dropped_events += 1
            return
        call = _Call(call_id, node_id, Tag(_optional_text(params, "tag") or "") or None)
        call.direction = _shared(_optional_text(params, "direction")) or "inbound"
        raw_state = _optional_text(params, "call_state") or "created"
        call.state = _CALL_STATES.get(raw_state) or CallState(raw_state)
        if call.state is CallState.ENDED:
            self.dropped_events += 1  # an offer of a call already over: nothing to track
            return
        call.device = server_device(params.get("device"))
        call.context = _shared(_optional_text(params, "context"))
        if len(self.calls) >= self._max_calls:
            self._refuse(call.snapshot())
            return
        self.calls[call_id] = call
        self._emit(CallReceived(call=call.snapshot(), context=call.context))

    def _refuse(self, call: CallInfo) -> None:
        if self._overflow_policy == "decline":
            self._send(Hangup(call=call.ref, reason="decline"))
        else:
            self._send(Pass(call=call.ref))
        self._emit(InboundCallRefused(call=call, action=OVERFLOW_POLICIES[self._overflow_policy]))

    def _on_error(self, params: JSONObject) -> None:
        code = params.get("code")
        message = params.get("message")
        call_id = params.get("call_id")
        call = self.calls.get(CallId(call_id)) if isinstance(call_id, str) else None
        number = parse_code(code)
        self._emit(
            CallErrorReported(
                call=None if call is None else call.ref,
                code=-1 if number is None else number,
                message=message if isinstance(message, str) else "",
                params=params,
            )
        )
