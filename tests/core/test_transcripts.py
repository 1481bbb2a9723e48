"""Replay the transcripts of RELAY.md F.6-F.8 and G.6-G.7 exactly.

Each file in ``tests/data/transcripts`` is a wire script: ``SEND`` a command,
``C→S`` frames the session must write (compared as JSON), ``S→C`` frames fed
to it, ``EV`` the events it must report after the preceding frame, and
``LIVE`` the call ids it must still track.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relay_core import CallRef, Connect, Dial, RelaySession

from .helpers import Ids, assert_events, events, frames, ready_session

TRANSCRIPTS = sorted((Path(__file__).parent.parent / "data" / "transcripts").glob("*.txt"))


def _command(kind: str, payload: dict[str, object]) -> Dial | Connect:
    if kind == "Dial":
        return Dial(**payload)  # type: ignore[arg-type]
    call = payload.pop("call")
    assert isinstance(call, dict)
    return Connect(call=CallRef(call["call_id"], call["node_id"]), **payload)  # type: ignore[arg-type]


def replay(path: Path) -> RelaySession:
    ids = Ids()
    session, ids = ready_session(ids=ids)
    pending_events: list[dict[str, object]] = []

    def check_events() -> None:
        assert_events(pending_events, events(session))
        pending_events.clear()

    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword not in ("EV", "C→S"):
            check_events()
        if keyword == "IDS":
            ids.push(*rest.split())
        elif keyword == "SEND":
            kind, _, payload = rest.partition(" ")
            session.send(_command(kind, json.loads(payload)), now=1.0)
        elif keyword == "C→S":
            sent = frames(session)
            assert sent, f"line {number}: expected a frame, the session wrote nothing"
            assert sent[0] == json.loads(rest), f"line {number}"
            assert len(sent) == 1, f"line {number}: unexpected extra frames {sent[1:]}"
        elif keyword == "S→C":
            assert frames(session) == [], f"line {number}: unexpected frames before this one"
            session.receive_text(rest, now=2.0)
        elif keyword == "EV":
            pending_events.append(json.loads(rest))
        elif keyword == "LIVE":
            stats = session.statistics()
            assert stats.live_calls == len(rest.split()), f"line {number}: {stats}"
        else:  # pragma: no cover - a typo in a data file
            raise AssertionError(f"line {number}: unknown keyword {keyword!r}")
    check_events()
    assert frames(session) == []
    return session


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript_replays_exactly(path: Path) -> None:
    session = replay(path)
    stats = session.statistics()
    assert stats.live_dials == 0
    assert stats.live_connects == 0
    assert stats.dropped_events == 0


def test_all_transcripts_present() -> None:
    assert {p.stem[:2] for p in TRANSCRIPTS} == {"F6", "F7", "F8", "G6", "G7"}
