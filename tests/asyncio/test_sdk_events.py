"""The official SDK's event classes: same fields and values as ``signalwire.relay``'s.

``parse_event`` of both libraries reads the same payloads into classes of the
same name with equal fields; listeners and waiters of a live call get them.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
import signalwire.relay as official
from hypothesis import given
from hypothesis import strategies as st

import relay_asyncio
from relay_asyncio import CallStateEvent, PlayEvent, RelayClient, RelayEvent, parse_event
from relay_asyncio.testing import FakeRelayHandle
from relay_core import ActionUpdated, CallActivity, CallState, CallStateChanged
from tests.json_strategies import json_values

from .scripted import scenario
from .served import phone

ids = st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=12)
device = st.just({"type": "phone", "params": {"to_number": "+15551", "from_number": "+15552"}})
extras = st.fixed_dictionaries(
    {}, optional={"timestamp": st.floats(0, 2e9), "segment_id": ids, "project_id": ids}
)


def _state(call_state: str, **more: Any) -> dict[str, Any]:
    return {"call_id": "c1", "node_id": "n1", "call_state": call_state, **more}


#: Well-formed payloads of every event type the core models (and one it does not).
payloads = st.one_of(
    st.builds(
        lambda s, e, d, x: {"event_type": "calling.call.state", "params": _state(s, **e, **x,
                                                                                   device=d)},
        st.sampled_from([s.value for s in CallState]),
        st.fixed_dictionaries({}, optional={"end_reason": ids, "direction": ids, "tag": ids}),
        device,
        extras,
    ),
    st.builds(
        lambda s, x: {"event_type": "calling.call.receive",
                      "params": _state(s, context="office", direction="inbound", tag="", **x)},
        st.sampled_from(["created", "ringing"]),
        extras,
    ),
    st.builds(
        lambda s, c: {"event_type": "calling.call.play",
                      "params": {"call_id": "c1", "node_id": "n1", "control_id": c, "state": s}},
        st.sampled_from(["playing", "paused", "finished", "error"]),
        ids,
    ),
    st.builds(
        lambda s, peer: {"event_type": "calling.call.connect",
                         "params": {"call_id": "c1", "node_id": "n1", "connect_state": s,
                                    **({"peer": peer} if peer else {})}},
        st.sampled_from(["connecting", "connected", "disconnected", "failed"]),
        st.none() | st.builds(lambda i: {"call_id": i, "node_id": "n2"}, ids),
    ),
    st.builds(
        lambda s, t: {"event_type": "calling.call.dial",
                      "params": {"tag": t, "node_id": "n1", "dial_state": s,
                                 **({"call": {"call_id": "c9", "node_id": "n1"}}
                                    if s == "answered" else {})}},
        st.sampled_from(["dialing", "answered", "failed"]),
        ids,
    ),
    st.builds(
        lambda c, m: {"event_type": "calling.error", "params": {"code": c, "message": m}},
        st.sampled_from(["404", "5001"]),
        ids,
    ),
    st.builds(
        lambda t, s, seg, why: {
            "event_type": t,
            "params": {"message_id": "m1", "context": "office", "direction": "outbound",
                       "from_number": "+15550001", "to_number": "+15550002", "body": "hi",
                       "media": ["https://x/a.png"], "segments": seg, "tags": ["otp"],
                       "message_state": s if t == "messaging.state" else "received",
                       **({"reason": why} if why and s in ("failed", "undelivered") else {})},
        },
        st.sampled_from(["messaging.state", "messaging.receive"]),
        st.sampled_from(["queued", "initiated", "sent", "delivered", "undelivered", "failed"]),
        st.integers(1, 5),
        st.none() | ids,
    ),
    st.builds(
        lambda p: {"event_type": "calling.call.custom", "params": {"call_id": "c1", **p}},
        st.dictionaries(ids, ids, max_size=3),
    ),
)  # fmt: skip


def fields(event: Any) -> tuple[str, dict[str, Any]]:
    return type(event).__name__, dataclasses.asdict(event)


@given(payloads)
def test_parse_event_matches_the_official_sdk(payload: dict[str, Any]) -> None:
    assert fields(parse_event(payload)) == fields(official.parse_event(payload))


@given(st.sampled_from(sorted(relay_asyncio._sdk_parse.EVENT_CLASS_MAP)), json_values)
def test_parse_event_never_raises_on_hostile_params(event_type: str, params: Any) -> None:
    event = parse_event({"event_type": event_type, "params": params})
    assert type(event).__name__ == type(official.parse_event({"event_type": event_type,
                                                               "params": {}})).__name__  # fmt: skip
    assert event.event_type == event_type and isinstance(event.params, dict)


def test_from_payload_and_the_core_behind_an_event() -> None:
    payload = {"event_type": "calling.call.state", "params": _state("ended", end_reason="busy")}
    event = CallStateEvent.from_payload(payload)
    assert (event.call_state, event.end_reason, event.params["call_state"]) == (
        "ended",
        "busy",
        "ended",
    )
    core = event.core
    assert isinstance(core, CallStateChanged) and core.state is CallState.ENDED
    assert event.is_final and event.state is CallState.ENDED  # the typed event's, looked up
    # A payload of another type: the asked-for class, with its defaults.
    other = PlayEvent.from_payload(payload)
    assert type(other) is PlayEvent and other.control_id == "" and other.call_id == "c1"
    assert RelayEvent(event_type="x", params={}).core is None


@scenario()
async def test_listeners_and_waiters_get_the_official_classes(fake: FakeRelayHandle) -> None:
    async with RelayClient(project="test-project", token="test-token", host=fake.url) as client:
        call = await client.dial([[phone("+15552222222")]])
        assert call.project_id == "test-project" and call.segment_id == ""
        seen: list[Any] = []
        call.on(relay_asyncio.EVENT_CALL_STATE, lambda event: seen.append(event))
        play = await call.play([{"type": "silence", "params": {"duration": 0.01}}])
        finished = await call.wait_for(
            "calling.call.play", lambda e: e.params["state"] == "finished", timeout=2
        )
        assert isinstance(finished, PlayEvent) and finished.control_id == play.control_id
        already = await call.wait_for_answered()
        assert type(already) is RelayEvent and already.params == {"call_state": "answered"}
        ending = asyncio.create_task(call.wait_for_ending())
        await call.hangup()
        ended = await call.wait_for_ended()
        assert isinstance(ended, CallStateEvent) and ended.call_state == "ended"
        assert ended.params["call_state"] == relay_asyncio.CALL_STATE_ENDED
        assert ended.call_id == call.call_id and ended.device == call.device
        event = await ending
        assert isinstance(event, CallStateEvent) and event.call_state == "ending"
        await asyncio.sleep(0.01)  # listeners run in the call's task
        assert [e.call_state for e in seen] == ["ending", "ended"]
        assert all(type(e) is CallStateEvent for e in seen)


def test_an_event_kind_not_known_here_still_gets_the_base_class() -> None:
    """A core event this module has no class for (a newer one) is a RelayEvent, not a crash."""

    class Newer:
        def __init__(self) -> None:
            self.event_type = "calling.call.newer"
            self.params = {"call_id": "c1", "timestamp": 5.0, "x": 1}

    event = relay_asyncio._sdk_parse.sdk_event(Newer())  # type: ignore[arg-type]
    assert type(event) is RelayEvent
    assert (event.event_type, event.call_id, event.timestamp, event.params["x"]) == (
        "calling.call.newer",
        "c1",
        5.0,
        1,
    )


# -- the verbs' events (issue 13's payloads): built from a payload view ----------------------

VERB_PARAMS: dict[str, dict[str, Any]] = {
    "calling.call.record": {"control_id": "r1", "state": "finished",
                            "record": {"url": "https://x/r.mp3", "duration": 3.5, "size": 512}},
    "calling.call.collect": {"control_id": "c1", "state": "finished", "final": True,
                             "result": {"type": "digit", "params": {"digits": "12"}}},
    "calling.call.detect": {"control_id": "d1", "detect": {"type": "machine",
                                                           "params": {"event": "HUMAN"}}},
    "calling.call.fax": {"control_id": "f1", "fax": {"type": "finished", "params": {"pages": 2}}},
    "calling.call.tap": {"control_id": "t1", "state": "tapping", "tap": {"type": "audio"},
                         "device": {"type": "rtp", "params": {"addr": "1.2.3.4"}}},
    "calling.call.stream": {"control_id": "s1", "state": "streaming", "url": "wss://x",
                            "name": "n"},
    "calling.call.send_digits": {"control_id": "sd1", "state": "finished"},
    "calling.call.refer": {"state": "success", "sip_refer_to": "sip:a@b",
                           "sip_refer_response_code": "202", "sip_notify_response_code": 200},
    "calling.call.denoise": {"denoised": True},
    "calling.call.pay": {"control_id": "p1", "state": "finished"},
    "calling.call.queue": {"control_id": "q1", "status": "enqueue", "id": "qid", "name": "sales",
                           "position": 3, "size": 9},
    "calling.call.echo": {"state": "finished"},
    "calling.call.transcribe": {"control_id": "tr1", "state": "finished", "url": "https://x/t",
                                "recording_id": "rec", "duration": 1.5, "size": 10},
    "calling.call.hold": {"state": "hold"},
    "calling.conference": {"conference_id": "conf", "name": "room", "status": "started"},
}  # fmt: skip


@pytest.mark.parametrize("event_type", sorted(VERB_PARAMS))
def test_verb_events_match_the_official_sdk(event_type: str) -> None:
    """Read by the core's payload views (issue 13), built into the official classes."""
    from relay_asyncio._sdk_action_events import ACTION_EVENT_CLASSES

    params = {"call_id": "c1", "node_id": "n1", "timestamp": 12.5, **VERB_PARAMS[event_type]}
    payload = {"event_type": event_type, "params": params}
    ours, theirs = parse_event(payload), official.parse_event(payload)
    assert type(ours) is ACTION_EVENT_CLASSES[event_type]
    assert fields(ours) == fields(theirs)
    assert isinstance(ours.core, ActionUpdated | CallActivity)
    assert ours.core.payload.event_type == event_type


def test_a_typed_value_wins_over_the_wire_shape() -> None:
    """Where the core reads a field its own way, the built class has the core's value."""
    params = {"call_id": "c1", "control_id": "r1", "state": "finished", "url": "https://top",
              "record": {"duration": 2.0}}  # fmt: skip
    event = parse_event({"event_type": "calling.call.record", "params": params})
    assert (event.url, event.duration, event.size) == ("https://top", 2.0, 0)
