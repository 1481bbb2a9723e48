"""Hypothesis over dial frame orderings (RELAY.md F.4, issue 3).

Every ordering the spec allows gives the same outcome, and abandoning the
dial at any point leaves no live leg without a ``calling.end``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from relay_core import DialState, DialStateChanged, RelaySession

from .helpers import events, frames, ready_session, server_event

TAG = "dial-tag"
LIVE = {"created", "ringing", "answered"}


def _device(index: int) -> dict[str, Any]:
    return {"type": "phone", "params": {"to_number": f"+1555111000{index}"}}


def _state(call_id: str, index: int, call_state: str) -> dict[str, Any]:
    params: dict[str, Any] = {"node_id": "n1", "call_id": call_id, "tag": TAG,
                              "direction": "outbound", "call_state": call_state,
                              "device": _device(index)}  # fmt: skip
    if call_state in ("ending", "ended"):
        params["end_reason"] = "cancel"
    return {"event_type": "calling.call.state", "params": params}


@st.composite
def dial_scripts(draw: st.DrawFn) -> tuple[list[dict[str, Any]], int | None, int]:
    """A dial's server events in an allowed order, the winner (or None), leg count."""
    legs = draw(st.integers(min_value=1, max_value=4))
    winner = draw(st.none() | st.integers(min_value=0, max_value=legs - 1))
    streams: list[list[dict[str, Any]]] = []
    for index in range(legs):
        call_id = f"leg-{index}"
        if index == winner:
            states = ["created", "ringing", "answered"]
        else:
            states = ["created", "ringing", "ending", "ended"]
        # States may be skipped (F.4), but a leg always reaches its last one.
        kept = [s for s in states[:-1] if draw(st.booleans())] + [states[-1]]
        streams.append([_state(call_id, index, s) for s in kept])
    # Interleave the legs' streams, each in its own order.
    merged: list[dict[str, Any]] = []
    cursors = [0] * legs
    while any(cursors[i] < len(streams[i]) for i in range(legs)):
        choices = [i for i in range(legs) if cursors[i] < len(streams[i])]
        pick = draw(st.sampled_from(choices))
        merged.append(streams[pick][cursors[pick]])
        cursors[pick] += 1
    if winner is None:
        # F.4: every leg's ended precedes dial(failed).
        outcome: dict[str, object] = {
            "node_id": "n1", "tag": TAG, "dial_state": "failed", "reason": "noAnswer"
        }  # fmt: skip
        merged.append({"event_type": "calling.call.dial", "params": outcome})
    else:
        call = {"call_id": f"leg-{winner}", "node_id": "n1", "tag": TAG, "dial_winner": True,
                "device": _device(winner)}  # fmt: skip
        outcome = {"node_id": "n1", "tag": TAG, "dial_state": "answered", "call": call}
        # dial(answered) may come before or after any leg event (F.4).
        position = draw(st.integers(min_value=0, max_value=len(merged)))
        merged.insert(position, {"event_type": "calling.call.dial", "params": outcome})
    if draw(st.booleans()):
        dialing = {"node_id": "n1", "tag": TAG, "dial_state": "dialing"}
        merged.insert(0, {"event_type": "calling.call.dial", "params": dialing})
    return merged, winner, legs


def _start() -> RelaySession:
    from relay_core import Dial

    session, ids = ready_session()
    ids.push("dial-1")
    session.send(Dial(devices=[[_device(0)]], tag=TAG), now=0)
    frames(session)
    return session


def _feed(session: RelaySession, number: int, envelope: dict[str, Any]) -> None:
    session.receive_text(
        server_event(f"ev-{number}", envelope["event_type"], envelope["params"]), now=1
    )


@settings(max_examples=300, deadline=None)
@given(dial_scripts())
def test_every_allowed_ordering_gives_the_same_outcome(
    script: tuple[list[dict[str, Any]], int | None, int],
) -> None:
    envelopes, winner, _ = script
    session = _start()
    for number, envelope in enumerate(envelopes):
        _feed(session, number, envelope)
    outcomes = [
        e for e in events(session) if isinstance(e, DialStateChanged) and e.state.is_known
        and e.state is not DialState.DIALING
    ]  # fmt: skip
    assert len(outcomes) == 1
    [outcome] = outcomes
    if winner is None:
        assert outcome.state is DialState.FAILED and outcome.reason == "noAnswer"
        assert session.statistics().live_calls == 0
    else:
        assert outcome.state is DialState.ANSWERED and outcome.call is not None
        assert outcome.call.call_id == f"leg-{winner}"
        assert outcome.call.state.value == "answered"
        assert outcome.call.node_id == "n1"
        assert set(session._calls.calls) == {f"leg-{winner}"}
    assert session.statistics().live_dials == 0
    assert session.statistics().dropped_events == 0 or winner is not None


@settings(max_examples=300, deadline=None)
@given(dial_scripts(), st.data())
def test_abandon_at_any_point_ends_every_live_leg(
    script: tuple[list[dict[str, Any]], int | None, int], data: st.DataObject
) -> None:
    envelopes, _, legs = script
    cut = data.draw(st.integers(min_value=0, max_value=len(envelopes)))
    session = _start()
    ended: set[str] = set()

    def collect() -> None:
        for frame in frames(session):
            if frame.get("method") == "calling.end":
                assert frame["params"]["reason"] == "cancel"
                ended.add(frame["params"]["call_id"])

    for number, envelope in enumerate(envelopes[:cut]):
        _feed(session, number, envelope)
    events(session)
    session.abandon_dial(TAG, now=2)  # type: ignore[arg-type]
    collect()
    for number, envelope in enumerate(envelopes[cut:], start=cut):
        _feed(session, number, envelope)
        collect()
    assert events(session) == []  # nothing of an abandoned dial reaches the user
    # The last state each leg reached (the dial's winner pointer counts as answered).
    last: dict[str, str] = {}
    for envelope in envelopes:
        params = envelope["params"]
        if envelope["event_type"] == "calling.call.state":
            last[params["call_id"]] = params["call_state"]
        elif params.get("dial_state") == "answered":
            last.setdefault(params["call"]["call_id"], "answered")
    still_live = {call_id for call_id, state in last.items() if state in LIVE}
    assert still_live <= ended, f"live legs never ended: {still_live - ended}"
    assert len(ended) <= legs
