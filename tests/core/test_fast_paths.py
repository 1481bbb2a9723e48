"""Hypothesis: the event path's shortcuts give exactly what the general code gives.

``wire.decode_event`` against ``decode`` + ``encode_result`` (the ack), and
the plain-device builder against the general device parser, strict and
lenient: same value, same error.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from hypothesis import example, given
from hypothesis import strategies as st

from relay_core import RemoteProtocolError
from relay_core._errors import LocalProtocolError
from relay_core.wire import OtherDevice
from relay_core.wire._devices import _device_fallback, _device_strict, _plain_device
from relay_core.wire._wire import Request, decode, decode_event, encode_result
from tests.json_strategies import json_values

from .test_wire_fuzz import frame_like

# Ids as servers send them, and ones that need escapes or are not printable.
event_ids = st.none() | st.text(max_size=12) | st.integers(-5, 5) | st.booleans() | json_values


def _outcome(call: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return "value", call(*args, **kwargs)
    except (RemoteProtocolError, LocalProtocolError) as exc:
        return type(exc).__name__, str(exc)


def _check_frame(text: str | bytes) -> None:
    general = _outcome(decode, text)
    fast = _outcome(decode_event, text)
    if fast[0] != "value":
        assert fast == general
        return
    ack, params, message = fast[1]
    if params is None:
        assert ack is None
        assert ("value", message) == general
        return
    assert message is None
    kind, request = general
    assert kind == "value" and type(request) is Request
    assert request.method == "signalwire.event" and request.params == params
    assert ack == (None if request.id is None else encode_result(request.id))


@given(event_ids, json_values | st.just({"event_type": "calling.call.state", "params": {}}))
@example('a"b', {})
@example("a\\b", {})
@example("a\x00b", {})
@example("a\x85b", {})
@example("x", [])
def test_decode_event_agrees_with_decode(event_id: Any, params: Any) -> None:
    frame = {"jsonrpc": "2.0", "id": event_id, "method": "signalwire.event", "params": params}
    for text in (json.dumps(frame), json.dumps(frame, ensure_ascii=False)):
        _check_frame(text)
        _check_frame(text.encode())
    # The id's escapes elsewhere in the frame, and a frame with no "id" at all.
    _check_frame(json.dumps({**frame, "note": "a\\b"}))
    del frame["id"]
    _check_frame(orjson.dumps(frame).decode())


@given(frame_like | json_values)
def test_decode_event_agrees_on_any_json(value: Any) -> None:
    _check_frame(json.dumps(value))


numbers = st.sampled_from(["+15551110001", "+4930123456", "+1", "15551110001", "+0123", "+1²3"])
uris = st.sampled_from(["sip:alice@example.com", "sips:b@pbx", "tel:+1555", "sip:", "SIP:x"])
scalars = st.none() | st.text(max_size=3) | st.integers(-1, 30) | st.floats(-1, 30)


def _params(keys: list[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    fields = st.fixed_dictionaries({}, optional={key: values | scalars for key in keys})
    extra = st.dictionaries(st.sampled_from(["timeout", "confirm", "headers", "x"]), scalars)
    return st.one_of(fields, st.builds(lambda a, b: {**a, **b}, fields, extra))


devices = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["phone", "sip", "webrtc"]),
            "params": _params(["to_number", "from_number"], numbers)
            | _params(["to", "from", "from_name"], uris),
        },
        optional={"extra": scalars},
    ),
    json_values,
)


@given(devices)
@example({"type": "phone", "params": {"to_number": "+15551110001"}})
@example({"type": "phone", "params": {"to_number": "+15551110001", "from_number": None}})
@example({"type": "sip", "params": {"to": "sip:a@b", "from": "sips:c@d", "from_name": "C"}})
@example({"type": "sip", "params": {"to": "sip:a@b", "from": "sip:c@d", "from_name": ""}})
@example({"type": "sip", "params": {"to": "sip:alice@example.com", "timeout": None}})
def test_plain_devices_are_what_the_general_parser_makes(obj: Any) -> None:
    plain = _plain_device(obj)
    strict = _outcome(_device_strict, obj, "device", extra_keys_ok=False)
    try:
        lenient = _device_strict(obj, "device", extra_keys_ok=True)
    except LocalProtocolError:
        lenient = _device_fallback(obj)
    if plain is not None:
        assert strict == ("value", plain)
        assert lenient == plain
        assert type(lenient) is type(plain) and hash(lenient) == hash(plain)
        assert not isinstance(lenient, OtherDevice) and not isinstance(plain, OtherDevice)
        assert lenient.extra is plain.extra  # the one shared empty view
    elif type(obj) is dict and obj.get("type") in ("phone", "sip") and strict[0] == "value":
        # The general path's values the fast one declines: only with more than addresses
        # (a key beyond them, even one whose value is the default, such as ``timeout: None``).
        addresses = {"phone": {"to_number", "from_number"}, "sip": {"to", "from", "from_name"}}
        params = obj.get("params")
        assert (
            set(obj) != {"type", "params"}
            or (type(params) is dict and not params.keys() <= addresses[obj["type"]])
            or strict[1].extra
            or any(
                getattr(strict[1], name, None) is not None
                for name in ("timeout", "max_duration", "headers", "codecs")
            )
        )


def test_decode_event_on_long_and_deep_frames() -> None:
    params: Any = {"event_type": "calling.call.state", "params": {"pad": "x" * 2000}}
    frame = {"jsonrpc": "2.0", "id": "e1", "method": "signalwire.event", "params": params}
    ack, envelope, message = decode_event(json.dumps(frame))  # long: still the fast path
    assert (ack, envelope, message) == (encode_result("e1"), params, None)
    deep: Any = []
    for _ in range(600):
        deep = [deep]
    frame["params"] = {"event_type": "calling.call.state", "params": {"deep": deep}}
    _check_frame(json.dumps(frame))  # too deep: refused as decode refuses it
    assert _outcome(decode_event, json.dumps(frame))[0] == "MalformedRequestError"
