"""Lifecycle rules: the session machine and the keyed machines for calls,
dials, connects and plays.

Theory of operation
-------------------
A :class:`~relay_core.RelaySession` runs one *session* machine (is there a
socket, is it authenticated) and several *keyed* machines, one per
outstanding piece of work:

* calls, keyed by ``call_id`` (RELAY.md E.3: created → ringing → answered →
  ending → ended; the server is the authority, so any reported state is
  accepted until ``ended``, which is terminal);
* dials, keyed by ``tag`` (F.4: pending → dialing → answered | failed);
* connects, keyed by the A leg's ``call_id`` (G.3: pending → connecting →
  connected | failed, then connected → disconnected);
* plays, keyed by ``control_id`` (H.4: pending → playing ⇄ paused →
  finished | error).

Transitions are data: ``{(state, input): new_state}``.  A missing key means
the input is illegal (session inputs and play controls: the session raises
:class:`LocalProtocolError` and stays as it was) or ignored (server reports:
counted in ``dropped_events``).  Terminal states absorb; trackers are
dropped as soon as they are terminal, which keeps memory bounded by live
work.  Rules a table cannot hold sit next to it as code.

The tables
----------
Rows are inputs, columns states; a cell is the next state, ``!`` an illegal
input, ``·`` an ignored one.  ``tests/core/test_tables.py`` renders these
grids from the tables below, requires them here verbatim, and walks every
pair: the session machine directly and through its public verbs, the keyed
machines through a real session fed frames (regenerate the grids with
``python -m tests.core.test_tables``).

Session.  ``close`` and ``connection_lost`` do nothing on a closed session,
``connection_made`` raises :class:`SessionClosedError` there; requests are
written at once in ``ready`` and wait in the outbox in the other states::

    SESSION_TRANSITIONS   idle            authenticating  ready     draining  rejected  closed
    connection_made       authenticating  !               !         !         !         !
    authenticated         !               ready           !         !         !         !
    rejected              !               rejected        !         !         !         !
    disconnect_requested  !               !               draining  !         !         !
    connection_lost       idle            idle            idle      idle      idle      !
    gave_up               closed          !               !         !         closed    !
    close                 closed          closed          closed    closed    closed    !

Calls: a reported ``call_state`` (row) is news only if it ranks above the
call's (column); an unknown state is passed on until ``ended``::

    CALL_TRANSITIONS  created   ringing   answered  ending  ended
    created           ·         ·         ·         ·       ·
    ringing           ringing   ·         ·         ·       ·
    answered          answered  answered  ·         ·       ·
    ending            ending    ending    ending    ·       ·
    ended             ended     ended     ended     ended   ·

Dials: ``calling.call.dial`` reports and ``abandon`` (the caller gave up:
every live leg with the dial's tag is ended, now and when it shows up).  An
abandoned dial absorbs everything quietly; abandoning a settled one only
ends its legs::

    DIAL_TRANSITIONS  pending    dialing    answered  failed  abandoned
    dialing           dialing    dialing    ·         ·       abandoned
    answered          answered   answered   ·         ·       abandoned
    failed            failed     failed     ·         ·       abandoned
    abandon           abandoned  abandoned  ·         ·       abandoned

Connects: ``calling.call.connect`` reports and ``abandon`` (ends the peer
legs, a bridged one too).  Leaving (``abandon_all``) abandons only the
connects still waiting (``OPEN_CONNECT_PHASES``); a bridge that is up stays::

    CONNECT_TRANSITIONS  pending     connecting    connected     failed  disconnected  abandoned
    connecting           connecting  connecting    ·             ·       ·             abandoned
    connected            connected   connected     ·             ·       ·             abandoned
    disconnected         ·           disconnected  disconnected  ·       ·             abandoned
    failed               failed      failed        ·             ·       ·             abandoned
    abandon              abandoned   abandoned     abandoned     ·       ·             abandoned

Plays: ``calling.call.play`` reports; a repeated report is not news::

    PLAY_TRANSITIONS  pending   playing   paused    finished  error
    playing           playing   ·         playing   ·         ·
    paused            paused    paused    ·         ·         ·
    finished          finished  finished  finished  ·         ·
    error             error     error     error     ·         ·

Play controls the session lets through (``!``: :class:`LocalProtocolError`,
nothing sent).  ``PLAY_CONTROLS`` says why every control is legal until the
playback is over.  A session remembers its last 64 ended plays
(``_calls.ENDED_PLAYS_REMEMBERED``); a control for any other ``control_id``
(never ours, or forgotten) goes to the server, which decides::

    PLAY_CONTROLS        pending  playing  paused  finished  error
    calling.play.stop    sent     sent     sent    !         !
    calling.play.pause   sent     sent     sent    !         !
    calling.play.resume  sent     sent     sent    !         !
    calling.play.volume  sent     sent     sent    !         !
"""

from __future__ import annotations

import enum
from typing import Final

from .._errors import LocalProtocolError

__all__ = [
    "CallState",
    "ConnectState",
    "DialState",
    "PlayState",
    "SessionState",
]


class _WireEnum(enum.StrEnum):
    """A str enum whose values are wire strings.

    An unknown wire string becomes a pseudo-member named ``UNKNOWN`` whose
    value is the raw string, so new server states are data, never errors.
    """

    @classmethod
    def _missing_(cls, value: object) -> _WireEnum | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """Whether this is one of the documented members."""
        return self._name_ != "UNKNOWN"


class SessionState(_WireEnum):
    """Where the session is: socket and authentication."""

    #: No socket (before the first, or between two).
    IDLE = "idle"
    #: Socket open, ``signalwire.connect`` sent, no answer yet.
    AUTHENTICATING = "authenticating"
    #: Authenticated; requests go straight to the wire.
    READY = "ready"
    #: The server asked us to go (``signalwire.disconnect``); requests queue.
    DRAINING = "draining"
    #: The server rejected the credentials; close the socket.
    REJECTED = "rejected"
    #: Closed for good (by the user, or after too many auth rejections).
    CLOSED = "closed"


class CallState(_WireEnum):
    """``call_state`` of ``calling.call.state`` (RELAY.md E.3)."""

    CREATED = "created"
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDING = "ending"
    ENDED = "ended"

    @property
    def rank(self) -> int:
        """Position in the call's life (created 0 ... ended 4); unknown states -1.

        A call only moves to higher ranks, so ``state.rank >= CallState.ANSWERED.rank``
        means "answered, or already past it".
        """
        return CALL_STATE_ORDER.get(self, -1)

    def reached(self, *targets: CallState) -> bool:
        """Whether a wait for any of ``targets`` is over in this state (both adapters' rule).

        Over once the call is at or past the lowest-ranked target (the server
        may skip states, never go back), and always once it has ended, so no
        wait hangs on a call that is gone.
        """
        if self is CallState.ENDED:
            return True
        return any(self.rank >= target.rank >= 0 for target in targets)


class DialState(_WireEnum):
    """``dial_state`` of ``calling.call.dial`` (RELAY.md F.4)."""

    DIALING = "dialing"
    ANSWERED = "answered"
    FAILED = "failed"


class ConnectState(_WireEnum):
    """``connect_state`` of ``calling.call.connect`` (RELAY.md G.3)."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    FAILED = "failed"


class PlayState(_WireEnum):
    """``state`` of ``calling.call.play`` (RELAY.md H.4)."""

    PLAYING = "playing"
    PAUSED = "paused"
    FINISHED = "finished"
    ERROR = "error"


# -- session machine ---------------------------------------------------------


class SessionInput(enum.Enum):
    """What moves the session machine: the core's own verbs and the handshake's outcomes."""

    #: The adapter opened a socket (``connection_made``).
    CONNECTION_MADE = "connection_made"
    #: The server accepted ``signalwire.connect``.
    AUTHENTICATED = "authenticated"
    #: The server refused ``signalwire.connect``.
    REJECTED = "rejected"
    #: The server sent ``signalwire.disconnect``.
    DISCONNECT_REQUESTED = "disconnect_requested"
    #: The adapter's socket closed (``connection_lost``).
    CONNECTION_LOST = "connection_lost"
    #: Too many authentication rejections in a row.
    GAVE_UP = "gave_up"
    #: The user closed the session (``close``).
    CLOSE = "close"


#: Session transitions: (state, input) → new state; a missing pair is illegal.
SESSION_TRANSITIONS: Final[dict[tuple[SessionState, SessionInput], SessionState]] = {
    (SessionState.IDLE, SessionInput.CONNECTION_MADE): SessionState.AUTHENTICATING,
    (SessionState.AUTHENTICATING, SessionInput.AUTHENTICATED): SessionState.READY,
    (SessionState.AUTHENTICATING, SessionInput.REJECTED): SessionState.REJECTED,
    (SessionState.READY, SessionInput.DISCONNECT_REQUESTED): SessionState.DRAINING,
    (SessionState.AUTHENTICATING, SessionInput.CONNECTION_LOST): SessionState.IDLE,
    (SessionState.READY, SessionInput.CONNECTION_LOST): SessionState.IDLE,
    (SessionState.DRAINING, SessionInput.CONNECTION_LOST): SessionState.IDLE,
    (SessionState.REJECTED, SessionInput.CONNECTION_LOST): SessionState.IDLE,
    (SessionState.IDLE, SessionInput.CONNECTION_LOST): SessionState.IDLE,
    (SessionState.REJECTED, SessionInput.GAVE_UP): SessionState.CLOSED,
    (SessionState.IDLE, SessionInput.GAVE_UP): SessionState.CLOSED,
}
for _state in SessionState:
    if _state is not SessionState.CLOSED:
        SESSION_TRANSITIONS[(_state, SessionInput.CLOSE)] = SessionState.CLOSED


def session_transition(state: SessionState, input_: SessionInput) -> SessionState:
    """The session's next state, or :class:`LocalProtocolError` if ``input_`` is illegal."""
    new = SESSION_TRANSITIONS.get((state, input_))
    if new is None:
        raise LocalProtocolError(f"cannot {input_.value.replace('_', ' ')} in state {state}")
    return new


#: States in which a request is written to the wire at once; in every other
#: non-closed state it waits in the outbox.
SENDING_STATES: Final = frozenset({SessionState.READY})


# -- keyed machines ----------------------------------------------------------


class LocalInput(enum.Enum):
    """Inputs of the keyed machines that come from this side, not the wire."""

    #: The caller gave up on a dial or connect (``abandon_dial`` / ``abandon_connect``).
    ABANDON = "abandon"


#: The rank of each call state: the server may skip states, never go back.
CALL_STATE_ORDER: Final[dict[CallState, int]] = {
    CallState.CREATED: 0,
    CallState.RINGING: 1,
    CallState.ANSWERED: 2,
    CallState.ENDING: 3,
    CallState.ENDED: 4,
}

#: Call transitions on ``calling.call.state`` between known states: a report
#: is news only if it ranks higher.  ``call_transition`` adds the rule a table
#: cannot hold: an unknown state is passed on unless the call is over.
CALL_TRANSITIONS: Final[dict[tuple[CallState, CallState], CallState]] = {
    (old, new): new for old in CALL_STATE_ORDER for new in CALL_STATE_ORDER if new.rank > old.rank
}

#: Call states in which a leg still rings or talks and so needs ending when
#: its dial or connect is abandoned.
LIVE_CALL_STATES: Final = frozenset({CallState.CREATED, CallState.RINGING, CallState.ANSWERED})

#: ``CallState.ENDED``: a member read through its class costs ~50 ns on
#: Python 3.11 (the enum metaclass's attribute lookup), a global ~5 ns.
_ENDED: Final = CallState.ENDED


def call_transition(current: CallState, reported: CallState) -> bool:
    """Return whether a reported call state is news for a call in ``current``.

    RELAY.md F.4: states may be skipped (created → ended) but never revisited;
    ``ended`` is terminal.  Unknown states are passed on unless the call is
    already over.  Between known states this is ``CALL_TRANSITIONS``.
    """
    if current is _ENDED:
        return False
    old = CALL_STATE_ORDER.get(current)
    new = CALL_STATE_ORDER.get(reported)
    if old is None or new is None:
        return True
    return new > old


class DialPhase(enum.Enum):
    """Where a dial is, as the core tracks it."""

    PENDING = "pending"
    DIALING = "dialing"
    ANSWERED = "answered"
    FAILED = "failed"
    ABANDONED = "abandoned"


#: Dial transitions on ``calling.call.dial`` and on abandon.  ABANDONED
#: absorbs every input: the user is gone, the core only ends late legs.
#: Abandoning a settled dial (answered, failed) changes nothing: the tracker
#: is dropped and only legs still carrying its tag are ended.
DIAL_TRANSITIONS: Final[dict[tuple[DialPhase, DialState | LocalInput], DialPhase]] = {
    (DialPhase.PENDING, DialState.DIALING): DialPhase.DIALING,
    (DialPhase.PENDING, DialState.ANSWERED): DialPhase.ANSWERED,
    (DialPhase.PENDING, DialState.FAILED): DialPhase.FAILED,
    (DialPhase.DIALING, DialState.DIALING): DialPhase.DIALING,
    (DialPhase.DIALING, DialState.ANSWERED): DialPhase.ANSWERED,
    (DialPhase.DIALING, DialState.FAILED): DialPhase.FAILED,
    (DialPhase.PENDING, LocalInput.ABANDON): DialPhase.ABANDONED,
    (DialPhase.DIALING, LocalInput.ABANDON): DialPhase.ABANDONED,
}
for _input in (*DialState, LocalInput.ABANDON):
    DIAL_TRANSITIONS[(DialPhase.ABANDONED, _input)] = DialPhase.ABANDONED

TERMINAL_DIAL_PHASES: Final = frozenset({DialPhase.ANSWERED, DialPhase.FAILED})


class ConnectPhase(enum.Enum):
    """Where a connect (bridge) is, as the core tracks it."""

    PENDING = "pending"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"
    DISCONNECTED = "disconnected"
    ABANDONED = "abandoned"


#: Connect transitions on ``calling.call.connect`` and on abandon.  Abandoning
#: a bridge that is up ends its peer leg too; ABANDONED absorbs every input.
CONNECT_TRANSITIONS: Final[dict[tuple[ConnectPhase, ConnectState | LocalInput], ConnectPhase]] = {
    (ConnectPhase.PENDING, ConnectState.CONNECTING): ConnectPhase.CONNECTING,
    (ConnectPhase.PENDING, ConnectState.CONNECTED): ConnectPhase.CONNECTED,
    (ConnectPhase.PENDING, ConnectState.FAILED): ConnectPhase.FAILED,
    (ConnectPhase.CONNECTING, ConnectState.CONNECTING): ConnectPhase.CONNECTING,
    (ConnectPhase.CONNECTING, ConnectState.CONNECTED): ConnectPhase.CONNECTED,
    (ConnectPhase.CONNECTING, ConnectState.FAILED): ConnectPhase.FAILED,
    (ConnectPhase.CONNECTED, ConnectState.DISCONNECTED): ConnectPhase.DISCONNECTED,
    # A bridge torn down before it was reported up (RELAY.md G.3).
    (ConnectPhase.CONNECTING, ConnectState.DISCONNECTED): ConnectPhase.DISCONNECTED,
    (ConnectPhase.PENDING, LocalInput.ABANDON): ConnectPhase.ABANDONED,
    (ConnectPhase.CONNECTING, LocalInput.ABANDON): ConnectPhase.ABANDONED,
    (ConnectPhase.CONNECTED, LocalInput.ABANDON): ConnectPhase.ABANDONED,
}
for _input in (*ConnectState, LocalInput.ABANDON):
    CONNECT_TRANSITIONS[(ConnectPhase.ABANDONED, _input)] = ConnectPhase.ABANDONED

TERMINAL_CONNECT_PHASES: Final = frozenset({ConnectPhase.FAILED, ConnectPhase.DISCONNECTED})

#: Connects still waiting for their outcome: leaving (``abandon_all``)
#: abandons these, an ending A leg fails them.  A bridge that is up stays.
OPEN_CONNECT_PHASES: Final = frozenset({ConnectPhase.PENDING, ConnectPhase.CONNECTING})


#: Play transitions on ``calling.call.play`` (RELAY.md H.4); ``None`` is
#: "pending" (requested, nothing reported yet).  The server may skip states
#: (pending → finished); a repeated report is not news; terminal states absorb.
PLAY_TRANSITIONS: Final[dict[tuple[PlayState | None, PlayState], PlayState]] = {
    (None, PlayState.PLAYING): PlayState.PLAYING,
    (None, PlayState.PAUSED): PlayState.PAUSED,
    (PlayState.PLAYING, PlayState.PAUSED): PlayState.PAUSED,
    (PlayState.PAUSED, PlayState.PLAYING): PlayState.PLAYING,
}
for _old in (None, PlayState.PLAYING, PlayState.PAUSED):
    for _new in (PlayState.FINISHED, PlayState.ERROR):
        PLAY_TRANSITIONS[(_old, _new)] = _new

TERMINAL_PLAY_STATES: Final = frozenset({PlayState.FINISHED, PlayState.ERROR})


class PlayControl(enum.StrEnum):
    """A control command on a playback, by method (RELAY.md H.4)."""

    STOP = "calling.play.stop"
    PAUSE = "calling.play.pause"
    RESUME = "calling.play.resume"
    VOLUME = "calling.play.volume"


#: (play state, control) pairs the core lets through; any other raises
#: :class:`LocalProtocolError`.  Every control is legal until the playback is
#: over: the core's view lags the server's by the controls in flight (a resume
#: sent right after a pause goes before the ``paused`` event arrives), and the
#: server answers a pause while paused, or a resume while playing, with 200
#: and does nothing.  Once a terminal state was reported the server would
#: answer 404; the core refuses instead, as [JS] does (RELAY.md H.5.1).
PLAY_CONTROLS: Final = frozenset(
    (state, control)
    for state in (None, PlayState.PLAYING, PlayState.PAUSED)
    for control in PlayControl
)


def play_control_error(state: PlayState | None, control: PlayControl) -> str | None:
    """Why ``control`` cannot be sent to a playback in ``state``, or ``None`` if it can."""
    if (state, control) in PLAY_CONTROLS:
        return None
    shown = "pending" if state is None else state.value
    return f"cannot send {control.value}: the playback is over ({shown})"
