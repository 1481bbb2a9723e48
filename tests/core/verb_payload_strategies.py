"""Hypothesis strategies for the verb payloads (RELAY.md H.5), merged into test_payloads'."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from relay_core.wire import (
    AIPayload,
    CollectPayload,
    ConferencePayload,
    DenoisePayload,
    DetectPayload,
    EchoPayload,
    FaxPayload,
    HoldPayload,
    PayPayload,
    QueuePayload,
    RecordPayload,
    ReferPayload,
    SendDigitsPayload,
    StreamPayload,
    TapPayload,
    TranscribePayload,
)
from tests.json_strategies import json_values

keys = st.text(min_size=1, max_size=12)
texts = st.none() | st.text(max_size=12)
flags = st.none() | st.booleans()
ints = st.none() | st.integers(-5, 10**6)
numbers = ints | st.floats(allow_nan=False, allow_infinity=False)
objects = st.none() | st.dictionaries(st.text(max_size=6), json_values, max_size=3)


def extras(cls: Any) -> st.SearchStrategy[dict[str, Any]]:
    modelled = frozenset(cls._readers)
    return st.dictionaries(keys.filter(lambda k: k not in modelled), json_values, max_size=3)


def _ids(cls: Any, **more: Any) -> st.SearchStrategy[Any]:
    return st.builds(cls, keys, call_id=texts, node_id=texts, extra=extras(cls), **more)


def _call(cls: Any, **more: Any) -> st.SearchStrategy[Any]:
    return st.builds(cls, keys, node_id=texts, extra=extras(cls), **more)


VERB_PAYLOADS: dict[type, st.SearchStrategy[Any]] = {
    RecordPayload: _ids(
        RecordPayload, state=texts, record=objects, url=texts, duration=numbers, size=ints
    ),
    CollectPayload: _ids(CollectPayload, final=flags, state=texts, result=objects),
    DetectPayload: _ids(DetectPayload, detect=objects),
    FaxPayload: _ids(FaxPayload, fax=objects),
    TapPayload: _ids(TapPayload, state=texts, tap=objects, device=objects),
    StreamPayload: _ids(StreamPayload, state=texts, url=texts, name=texts),
    PayPayload: _ids(
        PayPayload, for_=texts, error_type=texts, attempt=ints, result=texts, state=texts,
        payment_token=texts, payment_confirmation_code=texts, payment_card_number=texts,
        payment_card_type=texts,
    ),
    TranscribePayload: _ids(
        TranscribePayload, state=texts, url=texts, recording_id=texts, duration=numbers,
        size=ints,
    ),
    SendDigitsPayload: _ids(SendDigitsPayload, state=texts),
    AIPayload: _ids(AIPayload, state=texts),
    QueuePayload: _ids(
        QueuePayload, status=texts, queue_id=texts, name=texts, position=ints, size=ints
    ),
    ReferPayload: _call(
        ReferPayload, state=texts, sip_refer_to=texts, sip_refer_response_code=texts,
        sip_notify_response_code=texts,
    ),
    HoldPayload: _call(HoldPayload, state=texts),
    EchoPayload: _call(EchoPayload, state=texts),
    DenoisePayload: _call(DenoisePayload, denoised=flags),
    ConferencePayload: st.builds(
        ConferencePayload, keys, name=texts, status=texts, call_id=texts, node_id=texts,
        extra=extras(ConferencePayload),
    ),
}  # fmt: skip

VERB_REQUIRED: dict[type, tuple[str, ...]] = {
    cls: ("conference_id",)
    if cls is ConferencePayload
    else ("call_id",)
    if cls in (ReferPayload, HoldPayload, EchoPayload, DenoisePayload)
    else ("control_id",)
    for cls in VERB_PAYLOADS
}
