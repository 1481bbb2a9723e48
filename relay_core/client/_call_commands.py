"""The tables of call control, and the commands that start or touch tracked work.

A command is checked against the tables before it leaves (a command on an
ended call raises ``CallGoneError`` before anything is sent) and registered
before it leaves, so its first events can never beat the registration
(RELAY.md F.5.1); its request's answer settles the work it started.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Final

from .._errors import LOCAL_FAILURE_CODE, CallGoneError, LocalProtocolError
from .._ids import CallId, ControlId, JSONObject, NodeId, RequestId, Tag
from ..wire._payloads import CallObject
from ._commands import (
    Command,
    Connect,
    Dial,
    Play,
    PlayPause,
    PlayResume,
    PlayStop,
    PlayVolume,
)
from ._events import (
    CallInfo,
    CallRef,
    CallStateChanged,
    Event,
    FailureKind,
    RequestFailed,
)
from ._state import (
    TERMINAL_CONNECT_PHASES,
    CallState,
    ConnectPhase,
    ConnectState,
    DialPhase,
    DialState,
    PlayControl,
    PlayState,
    call_transition,
    play_control_error,
)
from ._trackers import _Call, _Connect, _Dial, _Play

if TYPE_CHECKING:
    from ._actions import _Action

__all__ = [
    "ENDED_CALLS_REMEMBERED",
    "ENDED_PLAYS_REMEMBERED",
    "MALFORMED_EVENT",
    "OVERFLOW_POLICIES",
]

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


def _ref(call: CallObject) -> CallRef | None:
    node_id = call.node_id
    return None if node_id is None else CallRef(CallId(call.call_id), NodeId(node_id))


class _CallTable:
    """Tables and commands of :class:`~relay_core.client._calls.CallControl` (see there)."""

    if TYPE_CHECKING:
        # The parts of CallControl call one another; each is defined once, in
        # the module of its job: events in _calls, dial/connect machines in
        # _dial_connect, abandon and expiry in _call_abandon.
        def _on_state(self, params: JSONObject) -> None: ...
        def _on_dial(self, params: JSONObject) -> None: ...
        def _on_connect(self, params: JSONObject) -> None: ...
        def _on_play(self, params: JSONObject) -> None: ...
        def _on_receive(self, params: JSONObject) -> None: ...
        def _on_error(self, params: JSONObject) -> None: ...
        def _forget_ended_leg(self, call_id: CallId) -> None: ...
        def _forget(self, call: _Call) -> None: ...
        def _end_leg(self, call: _Call) -> None: ...
        def _fail_dial(self, dial: _Dial, reason: str, message: str) -> None: ...
        def _give_up_dial(self, dial: _Dial, reason: str, message: str) -> None: ...
        def _fail_connect(self, connect: _Connect, reason: str) -> None: ...
        def _drop_connect(self, connect: _Connect) -> None: ...
        def _give_up_connect(self, connect: _Connect, reason: str) -> None: ...
        def _end_play(self, play: _Play, reason: str) -> None: ...
        def _refuse(self, call: CallInfo) -> None: ...
        def _drop_settled_abandoned(self, tag: Tag | None) -> None: ...
        # The action part (_action_control).
        def _init_actions(self) -> None: ...
        def _check_action(self, command: Command) -> None: ...
        def _register_action(self, command: Command, request_id: RequestId) -> None: ...
        def _action_replied(self, request_id: RequestId) -> None: ...
        def _action_request_failed(self, failure: RequestFailed) -> bool: ...
        def _fail_actions(self, reason: str, unsent: Collection[RequestId]) -> list[RequestId]: ...

        actions: dict[ControlId, _Action]

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
        #: An OrderedDict: dropping the oldest of a plain dict rescans the
        #: holes its deletions left (~0.8 µs per ended call at 1024 entries).
        self._ended: OrderedDict[CallId, None] = OrderedDict()
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
        self._init_actions()

    @property
    def abandoned(self) -> int:
        """Abandoned dials and connects still waiting for their outcome."""
        return sum(d.phase is DialPhase.ABANDONED for d in self.dials.values()) + sum(
            c.phase is ConnectPhase.ABANDONED for c in self.connects.values()
        )

    # -- commands ---------------------------------------------------------

    def _remember_ended(self, call_id: CallId) -> None:
        """Refuse later commands on ``call_id`` (bounded: ENDED_CALLS_REMEMBERED)."""
        ended = self._ended
        ended[call_id] = None
        if len(ended) > ENDED_CALLS_REMEMBERED:
            ended.popitem(last=False)

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
                if control_id in self.plays or control_id in self.actions:
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
                self._check_action(command)

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
                self._register_action(command, request_id)

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
        if self.actions:
            self._action_replied(request_id)
        if call_id is None:
            return
        call = self.calls.get(CallId(call_id))
        if call is None:
            return
        if method == "calling.pass":
            self._forget(call)
        elif method == "calling.end" and not call.hidden:
            # The server accepted our hangup: the call is going, whatever moment its
            # ``ended`` event arrives, so later commands on it are refused alike in
            # every adapter (not sent, or sent, by the luck of scheduling).
            self._remember_ended(call.call_id)
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
        if self.actions and self._action_request_failed(failure):
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
