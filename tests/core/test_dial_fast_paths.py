"""The dial path's shortcuts give exactly what the general code gives.

Dial plans' cached plain devices against the general device parser, the
dial event's field reader against its payload view, the event builders
against the events' constructors, and the pooled UUIDs.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from relay_core import CallState, DialState, RemoteProtocolError
from relay_core._errors import LocalProtocolError
from relay_core._ids import _ready, uuid4_str
from relay_core.client._event_makers import dial_state_changed, request_completed
from relay_core.client._events import CallInfo, DialStateChanged, RequestCompleted
from relay_core.wire import PhoneDevice
from relay_core.wire._devices import _PLAN_DEVICES, _device, device_plan, device_to_wire
from relay_core.wire._payloads import decode_dial, dial_fields
from tests.json_strategies import json_values

from .test_fast_paths import devices


def _outcome(call: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return "value", call(*args, **kwargs)
    except (RemoteProtocolError, LocalProtocolError) as exc:
        return type(exc).__name__, str(exc)


@given(devices)
@example({"type": "phone", "params": {"to_number": "+15551110001"}})
@example({"type": "phone", "params": {"to_number": "+15551110001", "from_number": None}})
@example({"type": "phone", "params": {"to_number": "+15551110001", "timeout": 5}})
@example({"type": "sip", "params": {"to": "sip:a@b", "from": "sips:c@d", "from_name": "C"}})
@example({"type": "sip", "params": {"to": "sip:a@b", "from_name": ""}})
@example({"type": ["phone"], "params": {"to_number": "+15551110001"}})
def test_plan_devices_are_what_the_general_parser_makes(obj: Any) -> None:
    general = _outcome(_device, obj, "devices[0][0]", strict=True)
    expected = general if general[0] != "value" else ("value", ((general[1],),))
    _PLAN_DEVICES.clear()
    assert _outcome(device_plan, [[obj]]) == expected  # the cache empty
    assert _outcome(device_plan, [[obj]]) == expected  # then (maybe) filled
    # A cached device never answers for params with more than its addresses.
    if type(obj) is dict and type(obj.get("params")) is dict:
        wider = {**obj, "params": {**obj["params"], "confirm": "x"}}
        assert _outcome(device_plan, [[wider]]) == (
            lambda g: g if g[0] != "value" else ("value", ((g[1],),))
        )(_outcome(_device, wider, "devices[0][0]", strict=True))


@given(json_values | st.fixed_dictionaries({"tag": json_values, "dial_state": json_values}))
@example({"tag": "t", "dial_state": "answered", "call": {"call_id": "c", "node_id": "n"}})
@example({"tag": "t", "dial_state": "answered", "call": {"call_id": ""}})
@example({"tag": "", "dial_state": "failed"})
@example({"tag": "t", "dial_state": 3, "call": []})
def test_dial_fields_read_what_decode_dial_reads(params: Any) -> None:
    if type(params) is not dict:
        return
    fast = _outcome(dial_fields, params)
    general = _outcome(decode_dial, params)
    if general[0] != "value":
        assert fast == general
        return
    payload = general[1]
    assert fast == ("value", (payload.tag, payload.dial_state, payload.call))


def test_event_builders_make_what_the_constructors_make() -> None:
    info = CallInfo(call_id="c", node_id="n", tag="t", state=CallState.ANSWERED)  # type: ignore[arg-type]
    params = {"tag": "t"}
    built = dial_state_changed("t", DialState.ANSWERED, info, None, params)  # type: ignore[arg-type]
    made = DialStateChanged(tag="t", state=DialState.ANSWERED, call=info, params=params)  # type: ignore[arg-type]
    assert built == made and repr(built) == repr(made) and hash(built) == hash(made)
    assert built.params is params and built.message is None
    failed = dial_state_changed("t", DialState.FAILED, None, "busy")  # type: ignore[arg-type]
    assert failed == DialStateChanged(tag="t", state=DialState.FAILED, reason="busy")  # type: ignore[arg-type]
    result = {"code": "200"}
    done = request_completed("r", "calling.dial", result)  # type: ignore[arg-type]
    assert done == RequestCompleted(request_id="r", method="calling.dial", result=result)  # type: ignore[arg-type]
    assert done.result is result


def test_phone_devices_go_to_the_wire_in_field_order() -> None:
    full = PhoneDevice(
        to_number="+15551110001", from_number="+15550000000", timeout=20, max_duration=60,
        extra={"confirm": "https://x"},
    )  # fmt: skip
    wire = device_to_wire(full)
    assert wire == {
        "type": "phone",
        "params": {
            "to_number": "+15551110001", "from_number": "+15550000000", "timeout": 20,
            "max_duration": 60, "confirm": "https://x",
        },
    }  # fmt: skip
    params: Any = wire["params"]
    assert list(params) == ["to_number", "from_number", "timeout", "max_duration", "confirm"]
    bare = device_to_wire(PhoneDevice(to_number="+15551110001"))
    assert bare == {"type": "phone", "params": {"to_number": "+15551110001"}}


def test_pooled_uuids_are_uuid4_and_unique() -> None:
    ids = [uuid4_str() for _ in range(1000)]  # several refills
    assert len(set(ids)) == len(ids)
    for text in ids:
        value = uuid.UUID(text)
        assert value.version == 4 and value.variant == uuid.RFC_4122 and str(value) == text


def test_a_forked_child_makes_its_own_uuids() -> None:
    uuid4_str()
    assert _ready  # ids made ahead in this process
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        os.write(write, b"1" if not _ready else b"0")
        os._exit(0)
    os.close(write)
    try:
        assert os.read(read, 1) == b"1"  # the parent's ids were dropped in the child
    finally:
        os.close(read)
        os.waitpid(pid, 0)
