"""Every state x input of every lifecycle table, walked (as h2's state-machine tests do).

``relay_core.client._state``'s docstring shows each table as a grid (rows: inputs,
columns: states).  ``test_docs_are_the_tables`` renders the grids from the
tables the code uses and requires the docstring to hold them verbatim;
the walks then read the *documented* outcome of each pair from the docstring
and check the machine does exactly that: the session machine directly, the
keyed machines through a real ``RelaySession`` fed frames.

Regenerate the grids after changing a table: ``python -m tests.core.test_tables``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from relay_core import (
    CallId,
    CallRef,
    CallStateChanged,
    Connect,
    ConnectStateChanged,
    ControlId,
    Detect,
    Detector,
    Dial,
    DialStateChanged,
    Event,
    LocalProtocolError,
    NodeId,
    Play,
    PlayPause,
    PlayResume,
    PlayStateChanged,
    PlayStop,
    PlayVolume,
    RelayConfig,
    RelaySession,
    SessionClosedError,
    SessionState,
    Tag,
)
from relay_core.client import _actions, _state
from relay_core.client._actions import ACTION_TRANSITIONS, ActionInput, ActionPhase
from relay_core.client._call_commands import ENDED_PLAYS_REMEMBERED
from relay_core.client._state import (
    CALL_STATE_ORDER,
    CALL_TRANSITIONS,
    CONNECT_TRANSITIONS,
    DIAL_TRANSITIONS,
    PLAY_CONTROLS,
    PLAY_TRANSITIONS,
    SESSION_TRANSITIONS,
    TERMINAL_CONNECT_PHASES,
    TERMINAL_DIAL_PHASES,
    TERMINAL_PLAY_STATES,
    CallState,
    ConnectPhase,
    ConnectState,
    DialPhase,
    DialState,
    LocalInput,
    PlayControl,
    PlayState,
    SessionInput,
    call_transition,
    session_transition,
)

from .helpers import CONFIG, Ids, error, events, ready_session, result, server_event

#: The cell of a pair with no entry: the session raises, a keyed machine ignores.
REFUSED, IGNORED = "!", "·"


def _label(value: Any) -> str:
    return "pending" if value is None else str(value.value)


def _cell(table: Any, state: Any, input_: Any, missing: str) -> str:
    if isinstance(table, frozenset):
        return "sent" if (state, input_) in table else missing
    new = table.get((state, input_))
    return missing if new is None else _label(new)


#: name → (table, states, inputs, cell of a missing pair).
TABLES: dict[str, tuple[Any, Sequence[Any], Sequence[Any], str]] = {
    "SESSION_TRANSITIONS": (SESSION_TRANSITIONS, list(SessionState), list(SessionInput), REFUSED),
    "CALL_TRANSITIONS": (CALL_TRANSITIONS, list(CALL_STATE_ORDER), list(CALL_STATE_ORDER), IGNORED),
    "DIAL_TRANSITIONS": (
        DIAL_TRANSITIONS, list(DialPhase), [*DialState, LocalInput.ABANDON], IGNORED
    ),
    "CONNECT_TRANSITIONS": (
        CONNECT_TRANSITIONS, list(ConnectPhase), [*ConnectState, LocalInput.ABANDON], IGNORED
    ),
    "PLAY_TRANSITIONS": (PLAY_TRANSITIONS, [None, *PlayState], list(PlayState), IGNORED),
    "PLAY_CONTROLS": (PLAY_CONTROLS, [None, *PlayState], list(PlayControl), REFUSED),
    "ACTION_TRANSITIONS": (ACTION_TRANSITIONS, list(ActionPhase), list(ActionInput), IGNORED),
}  # fmt: skip

#: The module whose docstring shows each grid (default: _state).
DOCS = {"ACTION_TRANSITIONS": _actions}


def render(name: str) -> str:
    """The grid of one table, as the docstring shows it."""
    table, states, inputs, missing = TABLES[name]
    grid = [[name, *map(_label, states)]]
    grid += [
        [_label(input_), *(_cell(table, state, input_, missing) for state in states)]
        for input_ in inputs
    ]
    widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]
    lines = ("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in grid)
    return "\n".join(f"    {line}".rstrip() for line in lines)


def documented(name: str) -> dict[tuple[str, str], str]:
    """The grid named ``name`` read back from the docstring: (state, input) → cell."""
    lines = (DOCS.get(name, _state).__doc__ or "").splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == [name])
    header = lines[start].split()[1:]
    grid = {}
    for line in itertools.takewhile(str.strip, lines[start + 1 :]):
        input_, *cells = line.split()
        assert len(cells) == len(header), line
        grid.update({(state, input_): cell for state, cell in zip(header, cells, strict=True)})
    return grid


def pairs(name: str) -> list[Any]:
    _, states, inputs, _ = TABLES[name]
    return [pytest.param(s, i, id=f"{_label(s)}-{_label(i)}") for s in states for i in inputs]


def expected(name: str, state: Any, input_: Any) -> str:
    return documented(name)[(_label(state), _label(input_))]


@pytest.mark.parametrize("name", TABLES)
def test_docs_are_the_tables(name: str) -> None:
    grid = render(name)
    module = DOCS.get(name, _state)
    assert grid in (module.__doc__ or ""), f"{module.__name__} should show:\n{grid}"


# -- session: the machine itself, and through the public verbs -------------------------------


@pytest.mark.parametrize(("state", "input_"), pairs("SESSION_TRANSITIONS"))
def test_session_pair(state: SessionState, input_: SessionInput) -> None:
    cell = expected("SESSION_TRANSITIONS", state, input_)
    if cell == REFUSED:
        with pytest.raises(LocalProtocolError, match=f"in state {state.value}"):
            session_transition(state, input_)
    else:
        assert session_transition(state, input_) is SessionState(cell)


def _session_in(state: SessionState) -> RelaySession:
    config = RelayConfig(project="p", token="t")
    ids = Ids("hs")
    session = RelaySession(config, new_id=ids, random=lambda: 0.5)
    if state is not SessionState.IDLE:
        session.connection_made(now=0)
    if state in (SessionState.READY, SessionState.DRAINING):
        session.receive_text(result("hs", {"protocol": "p1"}), now=0)
    if state is SessionState.DRAINING:
        disconnect = '{"jsonrpc":"2.0","id":"d","method":"signalwire.disconnect","params":{}}'
        session.receive_text(disconnect, now=0)
    if state is SessionState.REJECTED:
        # A first login's rejection is final (CLOSED); only a session that was
        # established before retries, so establish one, lose it, then be refused.
        session.receive_text(result("hs", {"protocol": "p1"}), now=0)
        session.connection_lost(now=0)
        ids.push("hs2")
        session.connection_made(now=1)
        session.receive_text(error("hs2", -32002, "Authentication failed"), now=1)
    if state is SessionState.CLOSED:
        session.close(now=0)
    assert session.state is state
    return session


PUBLIC_VERBS: dict[SessionInput, Callable[[RelaySession], None]] = {
    SessionInput.CONNECTION_MADE: lambda session: session.connection_made(now=1),
    SessionInput.CONNECTION_LOST: lambda session: session.connection_lost(now=1),
    SessionInput.CLOSE: lambda session: session.close(now=1),
}


@pytest.mark.parametrize("input_", PUBLIC_VERBS)
@pytest.mark.parametrize("state", SessionState)
def test_session_public_verbs_follow_the_table(state: SessionState, input_: SessionInput) -> None:
    session = _session_in(state)
    cell = expected("SESSION_TRANSITIONS", state, input_)
    if state is SessionState.CLOSED:  # guarded before the table: closed stays closed
        if input_ is SessionInput.CONNECTION_MADE:
            with pytest.raises(SessionClosedError):
                PUBLIC_VERBS[input_](session)
        else:
            PUBLIC_VERBS[input_](session)
    elif cell == REFUSED:
        with pytest.raises(LocalProtocolError):
            PUBLIC_VERBS[input_](session)
    else:
        PUBLIC_VERBS[input_](session)
        assert session.state is SessionState(cell)
    if cell == REFUSED:
        assert session.state is state  # check, then act


# -- keyed machines, driven with frames ----------------------------------------------------

PHONE: dict[str, Any] = {
    "type": "phone",
    "params": {"to_number": "+15551110001", "from_number": "+15550000000"},
}
CALL_A = CallRef(CallId("call-A"), NodeId("n1"))


class Driven:
    """A ready session with one tracked piece of work, and what each input does to it."""

    def __init__(self) -> None:
        self.session, self.ids = ready_session(CONFIG)
        self.count = 0

    def event(self, event_type: str, **params: Any) -> list[Event]:
        self.count += 1
        params = {"node_id": "n1", **params}
        self.session.receive_text(server_event(f"e{self.count}", event_type, params), now=1)
        self.session.messages_to_send()
        return events(self.session)

    def inbound_a(self) -> None:
        self.event("calling.call.receive", call_id="call-A", tag="", call_state="created",
                   direction="inbound", context="office", device=PHONE)  # fmt: skip

    @property
    def dropped(self) -> int:
        return self.session.statistics().dropped_events


def _observe(
    driven: Driven, apply: Callable[[], list[Event]], kind: type[Any]
) -> tuple[list[Any], int]:
    """Apply an input; return the states it surfaced and how many events it dropped."""
    before = driven.dropped
    got = apply()
    return [e.state for e in got if isinstance(e, kind)], driven.dropped - before


def _check(cell: str, input_: Any, surfaced: list[Any], dropped: int, driven: Driven) -> None:
    if input_ is LocalInput.ABANDON:  # abandoned work stays watched; settled work is dropped
        assert driven.session.statistics().abandoned_work == (cell == "abandoned")
    if cell == IGNORED:  # out of order: counted; abandon of settled work: nothing
        assert surfaced == []
        assert dropped == (0 if input_ is LocalInput.ABANDON else 1)
    elif cell == "abandoned":  # absorbed quietly: the user is gone
        assert (surfaced, dropped) == ([], 0)
    else:
        assert (surfaced, dropped) == ([input_], 0)


@pytest.mark.parametrize(("state", "input_"), pairs("CALL_TRANSITIONS"))
def test_call_pair(state: CallState, input_: CallState) -> None:
    driven = Driven()
    driven.inbound_a()
    if state is not CallState.CREATED:
        driven.event("calling.call.state", call_id="call-A", call_state=state.value)
    surfaced, dropped = _observe(
        driven,
        lambda: driven.event("calling.call.state", call_id="call-A", call_state=input_.value),
        CallStateChanged,
    )
    cell = expected("CALL_TRANSITIONS", state, input_)
    _check(cell, input_, surfaced, dropped, driven)
    assert call_transition(state, input_) is (cell != IGNORED)


def _dial_event(driven: Driven, state: DialState) -> list[Event]:
    extra: dict[str, Any] = {}
    if state is DialState.ANSWERED:
        extra["call"] = {"call_id": "leg-1", "node_id": "n1", "tag": "dt", "device": PHONE}
    return driven.event("calling.call.dial", tag="dt", dial_state=state.value, **extra)


@pytest.mark.parametrize(("phase", "input_"), pairs("DIAL_TRANSITIONS"))
def test_dial_pair(phase: DialPhase, input_: DialState | LocalInput) -> None:
    driven = Driven()
    driven.session.send(Dial(devices=[[PHONE]], tag="dt"), now=0)
    if phase is DialPhase.ABANDONED:
        driven.session.abandon_dial(Tag("dt"), now=0)
    elif phase is not DialPhase.PENDING:
        _dial_event(driven, DialState(phase.value))
    live = 0 if phase in TERMINAL_DIAL_PHASES else 1
    assert driven.session.statistics().live_dials == live  # terminal: the tracker is gone

    def apply() -> list[Event]:
        if input_ is LocalInput.ABANDON:
            driven.session.abandon_dial(Tag("dt"), now=1)
            return events(driven.session)
        return _dial_event(driven, input_)

    surfaced, dropped = _observe(driven, apply, DialStateChanged)
    _check(expected("DIAL_TRANSITIONS", phase, input_), input_, surfaced, dropped, driven)


def _connect_event(driven: Driven, state: ConnectState) -> list[Event]:
    extra: dict[str, Any] = {}
    if state is ConnectState.CONNECTED:
        extra["peer"] = {"call_id": "peer-1", "node_id": "n1", "device": PHONE}
    return driven.event(
        "calling.call.connect", call_id="call-A", tag="ct", connect_state=state.value, **extra
    )


@pytest.mark.parametrize(("phase", "input_"), pairs("CONNECT_TRANSITIONS"))
def test_connect_pair(phase: ConnectPhase, input_: ConnectState | LocalInput) -> None:
    driven = Driven()
    driven.inbound_a()
    connect = Connect(call=CALL_A, devices=[[PHONE]], tag="ct")
    driven.session.send(connect, now=0)
    if phase is ConnectPhase.DISCONNECTED:
        _connect_event(driven, ConnectState.CONNECTED)
    if phase is ConnectPhase.ABANDONED:
        driven.session.abandon_connect(CALL_A, now=0)
    elif phase is not ConnectPhase.PENDING:
        _connect_event(driven, ConnectState(phase.value))
    if phase in TERMINAL_CONNECT_PHASES:
        # Terminal absorbs: the tracker is gone, and later reports about
        # call-A are the call's news, not this connect's.
        assert driven.session.statistics().live_connects == 0
        assert {expected("CONNECT_TRANSITIONS", phase, i) for i in TABLES[
            "CONNECT_TRANSITIONS"][2]} == {IGNORED}  # fmt: skip
        return

    def apply() -> list[Event]:
        if input_ is LocalInput.ABANDON:
            driven.session.abandon_connect(CALL_A, now=1)
            return events(driven.session)
        return _connect_event(driven, input_)

    surfaced, dropped = _observe(driven, apply, ConnectStateChanged)
    _check(expected("CONNECT_TRANSITIONS", phase, input_), input_, surfaced, dropped, driven)


def _playing(state: PlayState | None) -> Driven:
    driven = Driven()
    driven.inbound_a()
    play = Play(call=CALL_A, media=[{"type": "silence", "duration": 1}], control_id="ctl-1")
    driven.session.send(play, now=0)
    if state is PlayState.PAUSED:
        _play_event(driven, PlayState.PLAYING)
    if state is not None:
        _play_event(driven, state)
    live = 0 if state in TERMINAL_PLAY_STATES else 1
    assert driven.session.statistics().live_actions == live
    driven.session.messages_to_send()
    return driven


def _play_event(driven: Driven, state: PlayState) -> list[Event]:
    return driven.event("calling.call.play", call_id="call-A", control_id="ctl-1",
                        state=state.value)  # fmt: skip


@pytest.mark.parametrize(("state", "input_"), pairs("PLAY_TRANSITIONS"))
def test_play_pair(state: PlayState | None, input_: PlayState) -> None:
    driven = _playing(state)
    if state in TERMINAL_PLAY_STATES:
        # Terminal absorbs: the tracker is gone; a late report is the call's news.
        row = {expected("PLAY_TRANSITIONS", state, i) for i in PlayState}
        assert row == {IGNORED}
        return
    surfaced, dropped = _observe(driven, lambda: _play_event(driven, input_), PlayStateChanged)
    _check(expected("PLAY_TRANSITIONS", state, input_), input_, surfaced, dropped, driven)


CONTROLS: dict[PlayControl, Callable[[], Any]] = {
    PlayControl.STOP: lambda: PlayStop(call=CALL_A, control_id=ControlId("ctl-1")),
    PlayControl.PAUSE: lambda: PlayPause(call=CALL_A, control_id=ControlId("ctl-1")),
    PlayControl.RESUME: lambda: PlayResume(call=CALL_A, control_id=ControlId("ctl-1")),
    PlayControl.VOLUME: lambda: PlayVolume(call=CALL_A, control_id=ControlId("ctl-1"), volume=2),
}  # fmt: skip


@pytest.mark.parametrize(("state", "control"), pairs("PLAY_CONTROLS"))
def test_play_control_pair(state: PlayState | None, control: PlayControl) -> None:
    driven = _playing(state)
    command = CONTROLS[control]()
    assert command.method == control.value
    if expected("PLAY_CONTROLS", state, control) == REFUSED:
        with pytest.raises(LocalProtocolError, match=f"control_id: 'ctl-1'.*{_label(state)}"):
            driven.session.send(command, now=2)
        assert driven.session.messages_to_send() == []
    else:
        driven.session.send(command, now=2)
        [frame] = driven.session.messages_to_send()
        assert control.value in frame


def test_ended_plays_are_remembered_boundedly() -> None:
    """Controls on an ended play are refused while it is remembered (oldest forgotten first)."""
    driven = Driven()
    driven.inbound_a()
    for number in range(ENDED_PLAYS_REMEMBERED + 1):
        play = Play(
            call=CALL_A, media=[{"type": "silence", "duration": 1}], control_id=f"p{number}"
        )
        driven.session.send(play, now=0)
        driven.event("calling.call.play", call_id="call-A", control_id=f"p{number}",
                     state="finished")  # fmt: skip
    driven.session.messages_to_send()
    newest = PlayStop(call=CALL_A, control_id=ControlId(f"p{ENDED_PLAYS_REMEMBERED}"))
    with pytest.raises(LocalProtocolError, match="finished"):
        driven.session.send(newest, now=1)
    for forgotten_or_foreign in ("p0", "never-ours"):  # the server decides
        driven.session.send(
            PlayStop(call=CALL_A, control_id=ControlId(forgotten_or_foreign)), now=1
        )
    # A new play may reuse an ended control_id; it is live again.
    again = Play(call=CALL_A, media=[{"type": "silence", "duration": 1}], control_id="p1")
    driven.session.send(again, now=1)
    driven.session.send(PlayPause(call=CALL_A, control_id=ControlId("p1")), now=1)
    sent = [frame for frame in driven.session.messages_to_send() if "calling.play." in frame]
    assert len(sent) == 3


# -- actions: every (phase, input) pair through a real session's call control -------------


@pytest.mark.parametrize(("phase", "input_"), pairs("ACTION_TRANSITIONS"))
def test_action_pair(phase: ActionPhase, input_: ActionInput) -> None:
    """An action put in ``phase`` meets ``input_``: the documented next phase, and
    ``ActionFinished`` exactly when it leaves pending/running for done/ended."""
    from relay_core import ActionFinished

    session, _ = ready_session()
    calls = session._calls
    call = CallRef(CallId("c"), NodeId("n"))
    session.send(
        Detect(call=call, control_id=ControlId("x"), detect=Detector(type="machine")), now=0
    )
    action = calls.actions[ControlId("x")]
    action.phase = phase
    action.finished = phase in (ActionPhase.DONE, ActionPhase.ENDED)
    events(session)
    calls._move(action, input_)
    cell = expected("ACTION_TRANSITIONS", phase, input_)
    after = action.phase if ControlId("x") in calls.actions else ActionPhase.ENDED
    if cell == IGNORED:
        assert after is phase
    else:
        assert after is ActionPhase(cell)
    reported = [e for e in events(session) if isinstance(e, ActionFinished)]
    opened = phase in (ActionPhase.PENDING, ActionPhase.RUNNING)
    assert len(reported) == (opened and cell in ("done", "ended"))


if __name__ == "__main__":
    print("\n\n".join(render(name) for name in TABLES))
