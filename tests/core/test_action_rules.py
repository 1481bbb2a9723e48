"""Rules both adapters take from the core for actions (issue 13, finishing):

* ``ActionFinished.error()``: the error an awaited verb raises for each reason;
* a control on an ended action raises :class:`ActionEndedError` (a
  ``LocalProtocolError``; the adapters make only ``stop()`` a no-op on it);
* ``calling.collect.start_input_timers`` is legal on a play_and_collect
  (RELAY.md H.5.15), nothing else of another verb is.
"""

from __future__ import annotations

import pytest

from relay_core import (
    ActionEndedError,
    ActionFinished,
    ActionKind,
    CallGoneError,
    CollectStartInputTimers,
    CollectStop,
    ConnectionLostError,
    ControlId,
    LocalProtocolError,
    PlayAndCollect,
    PlayAndCollectStop,
    PlayAndCollectVolume,
    Record,
    RecordPause,
    RecordStop,
    SessionClosedError,
)

from .test_actions import A, answered, ev, feed, finished, send, start

ERRORS = {
    "call_ended": CallGoneError,
    "session_lost": ConnectionLostError,
    "session_closed": SessionClosedError,
}


#: ActionFinished's documented reasons.
REASONS = ("finished", "stopped", "call_ended", "request_failed", "session_lost",
           "session_closed", "abandoned")  # fmt: skip


@pytest.mark.parametrize("reason", REASONS)
def test_finished_error_maps_each_reason(reason: str) -> None:
    done = ActionFinished(
        call=A, control_id=ControlId("c-1"), kind=ActionKind.RECORD,
        succeeded=False, result=None, reason=reason,
    )  # fmt: skip
    error = done.error()
    expected = ERRORS.get(reason)
    if expected is None:
        assert error is None
        return
    assert type(error) is expected
    assert "record" in str(error)
    if isinstance(error, CallGoneError):
        assert error.code == 410 and "call-A" in str(error)


def test_controls_on_an_ended_action_raise_action_ended() -> None:
    session, ids = answered()
    send(session, ids, "r1", Record(call=A, control_id=ControlId("rec-1")))
    [done] = finished(feed(session, ev("e1", "calling.call.record", control_id="rec-1",
                                       state="finished", record={})))  # fmt: skip
    assert done.reason == "finished"
    for control in (RecordStop, RecordPause):
        with pytest.raises(ActionEndedError, match=r"rec-1.*the action is over") as caught:
            session.send(control(call=A, control_id=ControlId("rec-1")), now=2)
        assert isinstance(caught.value, LocalProtocolError)
    assert session.messages_to_send() == []


def test_a_live_action_still_takes_its_stop() -> None:
    session, ids = answered()
    send(session, ids, "r1", Record(call=A, control_id=ControlId("rec-1")))
    frame = send(session, ids, "r2", RecordStop(call=A, control_id=ControlId("rec-1")))
    assert frame["method"] == "calling.record.stop"


def test_start_input_timers_is_legal_on_a_play_and_collect() -> None:
    session, ids = answered()
    send(session, ids, "r1", start(PlayAndCollect, "pc-1"))
    frame = send(session, ids, "r2", CollectStartInputTimers(call=A, control_id=ControlId("pc-1")))
    assert frame["method"] == "calling.collect.start_input_timers"
    assert frame["params"]["control_id"] == "pc-1"
    # Its own controls still go; another verb's stop does not.
    assert send(session, ids, "r3", PlayAndCollectVolume(call=A, control_id=ControlId("pc-1"),
                                                         volume=3))["method"]  # fmt: skip
    with pytest.raises(LocalProtocolError, match=r"pc-1.*play_and_collect action"):
        session.send(CollectStop(call=A, control_id=ControlId("pc-1")), now=2)
    # The reply of start_input_timers does not end it.
    assert send(session, ids, "r4", PlayAndCollectStop(call=A, control_id=ControlId("pc-1")))
