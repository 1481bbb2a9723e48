"""The wire payload codec: one reader and writer of every calling.* event, for both roles."""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relay_core import (
    Answer,
    Connect,
    Dial,
    DialStateChanged,
    Pass,
    Play,
    RemoteProtocolError,
    decode_event,
)
from relay_core.testing import Answers, Busy, Directory, NeverAnswers
from relay_core.wire import (
    EVENT_TYPES,
    WIRE_NAMES,
    CallErrorPayload,
    CallObject,
    CallReceivePayload,
    CallStatePayload,
    ConnectPayload,
    DialPayload,
    PlayPayload,
    decode_payload,
    encode_payload,
)
from tests.fake.helpers import Pair, make_server
from tests.json_strategies import json_values

from .verb_payload_strategies import VERB_PAYLOADS, VERB_REQUIRED

keys = st.text(min_size=1, max_size=12)
texts = st.none() | st.text(max_size=12)
devices = st.none() | st.dictionaries(st.text(max_size=6), json_values, min_size=1, max_size=3)


def extras(modelled: frozenset[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Unknown keys (never a modelled one), any JSON value."""
    return st.dictionaries(keys.filter(lambda k: k not in modelled), json_values, max_size=3)


def fields(cls: Any) -> frozenset[str]:
    """The wire keys a payload class models (its view's readers)."""
    return frozenset(cls._readers)


call_objects = st.builds(
    CallObject,
    keys,
    node_id=texts,
    tag=texts,
    call_state=texts,
    direction=texts,
    context=texts,
    device=devices,
    extra=extras(fields(CallObject)),
)
maybe_calls = st.none() | call_objects

PAYLOADS: dict[type, st.SearchStrategy[Any]] = {
    CallStatePayload: st.builds(
        CallStatePayload, keys, keys, node_id=texts, tag=texts, direction=texts,
        end_reason=texts, peer=maybe_calls, context=texts, device=devices,
        extra=extras(fields(CallStatePayload)),
    ),
    CallReceivePayload: st.builds(
        CallReceivePayload, keys, keys, tag=texts, call_state=texts, direction=texts,
        context=texts, device=devices, extra=extras(fields(CallReceivePayload)),
    ),
    DialPayload: st.builds(
        DialPayload, keys, keys, node_id=texts, call=maybe_calls, reason=texts,
        extra=extras(fields(DialPayload)),
    ),
    ConnectPayload: st.builds(
        ConnectPayload, keys, keys, node_id=texts, tag=texts, peer=maybe_calls,
        failed_reason=texts, extra=extras(fields(ConnectPayload)),
    ),
    PlayPayload: st.builds(
        PlayPayload, keys, keys, call_id=texts, node_id=texts,
        extra=extras(fields(PlayPayload)),
    ),
    CallErrorPayload: st.builds(
        CallErrorPayload, code=st.none() | st.text(max_size=4) | st.integers(0, 999),
        message=texts, call_id=texts, node_id=texts, extra=extras(fields(CallErrorPayload)),
    ),
}  # fmt: skip

#: The required key fields of each payload (all must be non-empty strings).
REQUIRED = {
    CallStatePayload: ("call_id", "call_state"),
    CallReceivePayload: ("call_id",),
    DialPayload: ("tag", "dial_state"),
    ConnectPayload: ("call_id", "connect_state"),
    PlayPayload: ("control_id", "state"),
    CallErrorPayload: (),
}
PAYLOADS.update(VERB_PAYLOADS)
REQUIRED.update(VERB_REQUIRED)

#: Examples per payload class and property.  Every class shares one reader/writer
#: machinery (``_View``), so 22 classes x 15 draw more examples through it than
#: the 6 call payloads' 50 did, in about the time those took.
PER_CLASS = 15


def test_every_event_type_has_a_payload_class() -> None:
    assert {cls.event_type for cls in PAYLOADS} == EVENT_TYPES  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls", list(PAYLOADS), ids=lambda cls: cls.__name__)
@settings(max_examples=PER_CLASS)
@given(data=st.data())
def test_built_payloads_round_trip(cls: type, data: st.DataObject) -> None:
    """decode(encode(x)) == x, field by field, and unknown keys survive."""
    payload = data.draw(PAYLOADS[cls])
    wire = encode_payload(payload)
    decoded = decode_payload(cls.event_type, wire)  # type: ignore[attr-defined]
    assert decoded == payload
    for key in cls._readers:  # type: ignore[attr-defined]
        name = WIRE_NAMES.get(key, key)
        assert getattr(decoded, name) == getattr(payload, name), name
    assert decoded is not None and decoded.extra == payload.extra
    assert encode_payload(decoded) == wire


def wire_dicts(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    """Valid wire params: the key fields, then any keys (modelled or not) with any value."""
    required = REQUIRED[cls]
    names = st.sampled_from(sorted(fields(cls))) | keys
    others = st.dictionaries(names.filter(lambda k: k not in required), json_values, max_size=8)
    return st.tuples(st.tuples(*(keys for _ in required)), others).map(
        lambda pair: {**pair[1], **dict(zip(required, pair[0], strict=True))}
    )


@pytest.mark.parametrize("cls", list(PAYLOADS), ids=lambda cls: cls.__name__)
@settings(max_examples=PER_CLASS)
@given(data=st.data())
def test_wire_params_round_trip_with_every_pair_kept(cls: type, data: st.DataObject) -> None:
    """encode(decode(d)) == d; each pair is a field's value or in ``extra``, never lost."""
    params = data.draw(wire_dicts(cls))
    before = copy.deepcopy(params)
    payload = decode_payload(cls.event_type, params)  # type: ignore[attr-defined]
    assert payload is not None and params == before  # decoding changes nothing
    assert encode_payload(payload) == params
    extra = payload.extra
    for key, value in params.items():
        if key in extra:
            assert extra[key] == value
            continue
        field = getattr(payload, WIRE_NAMES.get(key, key))
        assert field == value or (isinstance(field, CallObject) and field.to_wire() == value)


@pytest.mark.parametrize("cls", [cls for cls in PAYLOADS if REQUIRED[cls]])
@settings(max_examples=PER_CLASS)
@given(data=st.data())
def test_a_bad_key_field_is_named(cls: type, data: st.DataObject) -> None:
    params = dict(data.draw(wire_dicts(cls)))
    key = data.draw(st.sampled_from(REQUIRED[cls]))
    bad = data.draw(st.sampled_from([None, "", 5, ["x"], {"a": "b"}, "absent"]))
    if bad == "absent":
        del params[key]
    else:
        params[key] = bad
    with pytest.raises(RemoteProtocolError, match=f"^{cls.event_type}: {key} ") as info:  # type: ignore[attr-defined]
        decode_payload(cls.event_type, params)  # type: ignore[attr-defined]
    assert repr(bad) not in str(info.value) or bad in (None, "")


def test_a_wrong_typed_optional_field_reads_none_and_stays_in_extra() -> None:
    params: dict[str, Any] = {
        "call_id": "c", "call_state": "ended", "tag": 5,
        "peer": {"node_id": "n"}, "device": None, "segment_id": "s",
    }  # fmt: skip
    payload = decode_payload("calling.call.state", params)
    assert isinstance(payload, CallStatePayload)
    assert (payload.tag, payload.peer, payload.device) == (None, None, None)
    assert payload.extra == {"tag": 5, "peer": {"node_id": "n"}, "device": None, "segment_id": "s"}


def test_an_unmodelled_type_is_not_decoded() -> None:
    assert decode_payload("calling.call.mystery", {"x": 1}) is None


# -- both roles: what the fake server writes, the client's codec reads ------------------

FROM = "+15550000000"


def phone(number: str, **params: Any) -> dict[str, Any]:
    return {"type": "phone", "params": {"to_number": number, "from_number": FROM, **params}}


def test_every_event_the_fake_server_sends_decodes_with_the_clients_codec() -> None:
    directory = Directory(
        {"+15551110001": NeverAnswers(), "+15551110003": Busy(after=0.5)},
        default=Answers(after=1.0),
    )
    office = Pair(make_server(directory))
    office.connect()
    # A dial with failover, a failed dial, a connect, a play, an inbound offer
    # answered, and one passed on to nobody (it ends unanswered).
    dial = Dial(devices=[[phone("+15551110001", timeout=2)], [phone("+15551110002")]])
    office.send(dial)
    office.send(Dial(devices=[[phone("+15551110003")]]))
    office.advance(10.0)
    [answered] = [
        e for e in office.of_type(DialStateChanged) if e.tag == dial.tag and e.call is not None
    ]
    assert answered.call is not None
    call = answered.call.ref
    office.send(Connect(call=call, devices=[[phone("+15551110004")]], tag="ct"))
    office.advance(5.0)
    office.send(Play(call=call, media=[{"type": "silence", "params": {"duration": 1}}]))
    office.advance(5.0)
    for action in (Answer, Pass):
        offer = office.server.inject_inbound_call(
            context="office", from_number=FROM, to_number="+15551112222", now=office.now
        )
        office.exchange()
        office.send(action(call=offer))
    office.advance(120.0)

    seen: set[str] = set()
    for entry in office.server.journal:
        event_type = entry.event_type
        if event_type is None or event_type not in EVENT_TYPES:
            continue
        params = entry.event_params
        payload = decode_payload(event_type, params)
        assert payload is not None and encode_payload(payload) == params
        assert not set(payload.extra) & set(type(payload)._readers), params
        assert decode_event(event_type, params).event_type == event_type
        seen.add(event_type)
    # The fake server never sends calling.error; the verbs' events (H.5) wait for
    # the fake server's verbs (issue 13): then drop the second set.
    verbs = {cls.event_type for cls in VERB_PAYLOADS}  # type: ignore[attr-defined]
    assert seen == EVENT_TYPES - {"calling.error"} - verbs


def test_the_library_imports_without_cattrs() -> None:
    """cattrs left the dependencies (README: "Why no cattrs"): nothing may import it."""
    code = (
        "import sys; sys.modules['cattrs'] = None\n"
        "import relay_core, relay_core.testing, relay_core.wire\n"
        "assert relay_core.CONVERTER.structure({'type': 'silence', 'params': {'duration': 1}},"
        " relay_core.SilenceMedia).duration == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
