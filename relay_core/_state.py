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
the input is ignored (for server events: counted as out of order) or illegal
(for user commands: :class:`LocalProtocolError`).  Terminal states absorb;
trackers are dropped as soon as they are terminal, which keeps memory
bounded by live work.
"""

from __future__ import annotations

import enum
from typing import Final

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

#: Session transitions: (state, input) → new state.  Inputs are the core's
#: own verbs and the handshake's outcomes.
SESSION_TRANSITIONS: Final[dict[tuple[SessionState, str], SessionState]] = {
    (SessionState.IDLE, "connection_made"): SessionState.AUTHENTICATING,
    (SessionState.AUTHENTICATING, "authenticated"): SessionState.READY,
    (SessionState.AUTHENTICATING, "rejected"): SessionState.REJECTED,
    (SessionState.READY, "disconnect_requested"): SessionState.DRAINING,
    (SessionState.AUTHENTICATING, "connection_lost"): SessionState.IDLE,
    (SessionState.READY, "connection_lost"): SessionState.IDLE,
    (SessionState.DRAINING, "connection_lost"): SessionState.IDLE,
    (SessionState.REJECTED, "connection_lost"): SessionState.IDLE,
    (SessionState.IDLE, "connection_lost"): SessionState.IDLE,
    (SessionState.REJECTED, "gave_up"): SessionState.CLOSED,
    (SessionState.IDLE, "gave_up"): SessionState.CLOSED,
}
for _state in SessionState:
    if _state is not SessionState.CLOSED:
        SESSION_TRANSITIONS[(_state, "close")] = SessionState.CLOSED

#: States in which a request is written to the wire at once; in every other
#: non-closed state it waits in the outbox.
SENDING_STATES: Final = frozenset({SessionState.READY})


# -- keyed machines ----------------------------------------------------------

#: The rank of each call state: the server may skip states, never go back.
CALL_STATE_ORDER: Final[dict[CallState, int]] = {
    CallState.CREATED: 0,
    CallState.RINGING: 1,
    CallState.ANSWERED: 2,
    CallState.ENDING: 3,
    CallState.ENDED: 4,
}

#: Call states in which a leg still rings or talks and so needs ending when
#: its dial or connect is abandoned.
LIVE_CALL_STATES: Final = frozenset({CallState.CREATED, CallState.RINGING, CallState.ANSWERED})


def call_transition(current: CallState, reported: CallState) -> bool:
    """Return whether a reported call state is news for a call in ``current``.

    RELAY.md F.4: states may be skipped (created → ended) but never revisited;
    ``ended`` is terminal.  Unknown states are passed on unless the call is
    already over.
    """
    if current is CallState.ENDED:
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


#: Dial transitions on ``calling.call.dial``.  ABANDONED absorbs every input:
#: the user is gone, the core only cleans up.
DIAL_TRANSITIONS: Final[dict[tuple[DialPhase, DialState], DialPhase]] = {
    (DialPhase.PENDING, DialState.DIALING): DialPhase.DIALING,
    (DialPhase.PENDING, DialState.ANSWERED): DialPhase.ANSWERED,
    (DialPhase.PENDING, DialState.FAILED): DialPhase.FAILED,
    (DialPhase.DIALING, DialState.DIALING): DialPhase.DIALING,
    (DialPhase.DIALING, DialState.ANSWERED): DialPhase.ANSWERED,
    (DialPhase.DIALING, DialState.FAILED): DialPhase.FAILED,
}

TERMINAL_DIAL_PHASES: Final = frozenset({DialPhase.ANSWERED, DialPhase.FAILED})


class ConnectPhase(enum.Enum):
    """Where a connect (bridge) is, as the core tracks it."""

    PENDING = "pending"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"
    DISCONNECTED = "disconnected"
    ABANDONED = "abandoned"


CONNECT_TRANSITIONS: Final[dict[tuple[ConnectPhase, ConnectState], ConnectPhase]] = {
    (ConnectPhase.PENDING, ConnectState.CONNECTING): ConnectPhase.CONNECTING,
    (ConnectPhase.PENDING, ConnectState.CONNECTED): ConnectPhase.CONNECTED,
    (ConnectPhase.PENDING, ConnectState.FAILED): ConnectPhase.FAILED,
    (ConnectPhase.CONNECTING, ConnectState.CONNECTING): ConnectPhase.CONNECTING,
    (ConnectPhase.CONNECTING, ConnectState.CONNECTED): ConnectPhase.CONNECTED,
    (ConnectPhase.CONNECTING, ConnectState.FAILED): ConnectPhase.FAILED,
    (ConnectPhase.CONNECTED, ConnectState.DISCONNECTED): ConnectPhase.DISCONNECTED,
    # A bridge torn down before it was reported up (RELAY.md G.3).
    (ConnectPhase.CONNECTING, ConnectState.DISCONNECTED): ConnectPhase.DISCONNECTED,
}

TERMINAL_CONNECT_PHASES: Final = frozenset({ConnectPhase.FAILED, ConnectPhase.DISCONNECTED})


PLAY_TRANSITIONS: Final[dict[tuple[PlayState | None, PlayState], PlayState]] = {}
for _old in (None, PlayState.PLAYING, PlayState.PAUSED):
    for _new in PlayState:
        PLAY_TRANSITIONS[(_old, _new)] = _new

TERMINAL_PLAY_STATES: Final = frozenset({PlayState.FINISHED, PlayState.ERROR})
