"""Devices and media: validation, dict input, wire round-trips, lenient server parsing.

No event loop.  Wire examples come from RELAY.md F.1-F.8 and H.4 and from the
official SDK's documented examples (``shared/seeds``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import cast

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from relay_core._errors import LocalProtocolError
from relay_core._ids import JSONDict, JSONValue
from relay_core.wire._convert import (
    CONVERTER,
    device_from_wire,
    device_plan,
    device_plan_to_wire,
    device_to_wire,
    make_converter,
    media_from_wire,
    media_list,
    media_list_to_wire,
    media_to_wire,
    register_value_hooks,
)
from relay_core.wire._values import (
    AudioMedia,
    Device,
    DevicePlan,
    Media,
    OtherDevice,
    OtherMedia,
    PhoneDevice,
    RingtoneMedia,
    SilenceMedia,
    SipDevice,
    SipHeader,
    TtsMedia,
)

E164_PROBLEM = "is not an E.164 number (+ then 2 to 15 digits)"


def _message(build: Callable[[], object]) -> str:
    with pytest.raises(LocalProtocolError) as info:
        build()
    return info.value.message


# --- value classes: every validation error ------------------------------------

# (constructor, kwargs, expected message).  Constructors are typed
# ``Callable[..., object]`` so deliberately wrong types get through to the
# runtime checks.
CONSTRUCTION_ERRORS: list[tuple[Callable[..., object], dict[str, object], str]] = [
    (PhoneDevice, {"to_number": "+1555abc"}, f"to_number: '+1555abc' {E164_PROBLEM}"),
    (PhoneDevice, {"to_number": "15551110001"}, f"to_number: '15551110001' {E164_PROBLEM}"),
    (PhoneDevice, {"to_number": "+05551110001"}, f"to_number: '+05551110001' {E164_PROBLEM}"),
    (PhoneDevice, {"to_number": "+1"}, f"to_number: '+1' {E164_PROBLEM}"),
    (
        PhoneDevice,
        {"to_number": "+1234567890123456"},
        f"to_number: '+1234567890123456' {E164_PROBLEM}",
    ),
    (PhoneDevice, {"to_number": "+15551110001\n"}, f"to_number: '+15551110001\\n' {E164_PROBLEM}"),
    # Arabic-Indic digits are \d but not E.164.
    (PhoneDevice, {"to_number": "+١٢٣٤"}, f"to_number: '+١٢٣٤' {E164_PROBLEM}"),
    (PhoneDevice, {"to_number": 15551110001}, f"to_number: 15551110001 {E164_PROBLEM}"),
    (
        PhoneDevice,
        {"to_number": "+15551110001", "from_number": "+1 555"},
        f"from_number: '+1 555' {E164_PROBLEM}",
    ),
    (
        PhoneDevice,
        {"to_number": "+15551110001", "timeout": 0},
        "timeout: 0 is not a positive number",
    ),
    (
        PhoneDevice,
        {"to_number": "+15551110001", "timeout": -5},
        "timeout: -5 is not a positive number",
    ),
    (
        PhoneDevice,
        {"to_number": "+15551110001", "timeout": True},
        "timeout: True is not a positive number",
    ),
    (
        PhoneDevice,
        {"to_number": "+15551110001", "timeout": "20"},
        "timeout: '20' is not a positive number",
    ),
    (
        PhoneDevice,
        {"to_number": "+15551110001", "timeout": math.inf},
        "timeout: inf is not a positive number",
    ),
    (
        PhoneDevice,
        {"to_number": "+15551110001", "max_duration": math.nan},
        "max_duration: nan is not a positive number",
    ),
    (
        PhoneDevice,
        {"to_number": "+15551110001", "extra": {"timeout": 5}},
        "extra: key 'timeout' has a field of its own; pass it by keyword",
    ),
    (
        PhoneDevice,
        {"to_number": "+15551110001", "extra": [("confirm", "x")]},
        "extra: [('confirm', 'x')] is not a mapping",
    ),
    (
        PhoneDevice,
        {"to_number": "+15551110001", "extra": {1: "x"}},
        "extra: key 1 is not a string",
    ),
    (SipHeader, {"name": "", "value": "1"}, "name: '' is not a non-empty string"),
    (SipHeader, {"name": "X-A", "value": 1}, "value: 1 is not a string"),
    (SipDevice, {"to": "tel:+15551110001"}, "to: 'tel:+15551110001' is not a sip: or sips: URI"),
    (SipDevice, {"to": "sip:"}, "to: 'sip:' is not a sip: or sips: URI"),
    (SipDevice, {"to": "sip:a b@c"}, "to: 'sip:a b@c' is not a sip: or sips: URI"),
    (
        SipDevice,
        {"to": "sip:a@b", "from_": "alice@example.com"},
        "from_: 'alice@example.com' is not a sip: or sips: URI",
    ),
    (SipDevice, {"to": "sip:a@b", "from_name": ""}, "from_name: '' is not a non-empty string"),
    (
        SipDevice,
        {"to": "sip:a@b", "headers": [SipHeader(name="X-A", value="1")]},
        "headers: [SipHeader(name='X-A', value='1')] is not a tuple of SipHeader",
    ),
    (
        SipDevice,
        {"to": "sip:a@b", "headers": ({"name": "X-A", "value": "1"},)},
        "headers[0]: {'name': 'X-A', 'value': '1'} is not a SipHeader",
    ),
    (SipDevice, {"to": "sip:a@b", "codecs": "PCMU"}, "codecs: 'PCMU' is not a tuple of strings"),
    (SipDevice, {"to": "sip:a@b", "codecs": ("PCMU", "")}, "codecs[1]: '' is not a codec name"),
    (SipDevice, {"to": "sip:a@b", "timeout": -1.5}, "timeout: -1.5 is not a positive number"),
    (
        SipDevice,
        {"to": "sip:a@b", "extra": {"from": "sip:c@d"}},
        "extra: key 'from' has a field of its own; pass it by keyword",
    ),
    (OtherDevice, {"type": "", "params": {}}, "type: '' is not a non-empty string"),
    (OtherDevice, {"type": "webrtc", "params": None}, "params: None is not a mapping"),
    (TtsMedia, {"text": ""}, "text: '' is not a non-empty string"),
    (TtsMedia, {"text": "Hi", "language": 5}, "language: 5 is not a non-empty string"),
    (
        TtsMedia,
        {"text": "Hi", "extra": {"voice": "x"}},
        "extra: key 'voice' has a field of its own; pass it by keyword",
    ),
    (AudioMedia, {"url": ""}, "url: '' is not a non-empty string"),
    (SilenceMedia, {"duration": 0}, "duration: 0 is not a positive number"),
    (SilenceMedia, {"duration": False}, "duration: False is not a positive number"),
    (RingtoneMedia, {"name": ""}, "name: '' is not a non-empty string"),
    (RingtoneMedia, {"name": "us", "duration": -1}, "duration: -1 is not a positive number"),
    (OtherMedia, {"type": "", "params": {}}, "type: '' is not a non-empty string"),
    (OtherMedia, {"type": "say", "params": "hi"}, "params: 'hi' is not a mapping"),
]


@pytest.mark.parametrize(("cls", "kwargs", "expected"), CONSTRUCTION_ERRORS)
def test_construction_errors_name_field_and_value(
    cls: Callable[..., object], kwargs: dict[str, object], expected: str
) -> None:
    assert _message(lambda: cls(**kwargs)) == expected


def test_valid_values_construct() -> None:
    phone = PhoneDevice(
        to_number="+15551110001",
        from_number="+15550000000",
        timeout=20,
        max_duration=3600.5,
        extra={"confirm": "https://example.com/confirm", "call_state_events": ["answered"]},
    )
    assert phone.extra["confirm"] == "https://example.com/confirm"
    sip = SipDevice(
        to="SIPS:alice@pbx.example.com;transport=tls",
        from_="sip:bot@example.com",
        from_name="Bot",
        headers=(SipHeader(name="X-Campaign", value=""),),
        codecs=("OPUS", "PCMU"),
    )
    assert sip.headers == (SipHeader(name="X-Campaign", value=""),)
    assert PhoneDevice(to_number="+12").to_number == "+12"
    assert PhoneDevice(to_number="+123456789012345").to_number == "+123456789012345"


def test_values_are_frozen_hashable_and_copy_their_mappings() -> None:
    source: dict[str, JSONValue] = {"confirm": "x"}
    phone = PhoneDevice(to_number="+15551110001", extra=source)
    source["confirm"] = "changed"
    assert phone.extra == {"confirm": "x"}
    with pytest.raises(TypeError):
        phone.extra["confirm"] = "y"  # type: ignore[index]  # the mapping is read-only
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        phone.to_number = "+15551110002"  # type: ignore[misc]  # frozen on purpose
    same = PhoneDevice(to_number="+15551110001", extra={"confirm": "x"})
    assert phone == same
    assert hash(phone) == hash(same)
    assert len({phone, same, OtherDevice(type="webrtc", params={"to": "x"})}) == 2
    assert repr(phone).endswith("extra={'confirm': 'x'})")


# --- devices: the seeds' and RELAY.md's dicts ---------------------------------

# shared/seeds/client-dial.txt (official SDK docs), with their key order.
SEED_DIAL_SIMPLE: list[list[JSONDict]] = [
    [
        {
            "type": "phone",
            "params": {"from_number": "+15551234567", "to_number": "+15559876543", "timeout": 30},
        }
    ]
]
SEED_DIAL_SERIAL: list[list[JSONDict]] = [
    [{"type": "phone", "params": {"to_number": "+15551111111", "from_number": "+15550000000"}}],
    [{"type": "phone", "params": {"to_number": "+15552222222", "from_number": "+15550000000"}}],
]
SEED_DIAL_PARALLEL: list[list[JSONDict]] = [
    [
        {"type": "phone", "params": {"to_number": "+15551111111", "from_number": "+15550000000"}},
        {"type": "phone", "params": {"to_number": "+15552222222", "from_number": "+15550000000"}},
    ]
]
# shared/seeds/call-connect.txt
SEED_CONNECT_SERIAL: list[list[JSONDict]] = [
    [{"type": "phone", "params": {"to_number": "+15551234567", "from_number": "+15559876543"}}],
    [{"type": "phone", "params": {"to_number": "+15559999999", "from_number": "+15559876543"}}],
]


@pytest.mark.parametrize(
    "devices", [SEED_DIAL_SIMPLE, SEED_DIAL_SERIAL, SEED_DIAL_PARALLEL, SEED_CONNECT_SERIAL]
)
def test_seed_devices_convert_and_round_trip(devices: list[list[JSONDict]]) -> None:
    plan = device_plan(devices)
    assert [len(group) for group in plan] == [len(group) for group in devices]
    assert all(isinstance(device, PhoneDevice) for group in plan for device in group)
    assert device_plan_to_wire(plan) == devices


def test_seed_simple_dial_values() -> None:
    ((device,),) = device_plan(SEED_DIAL_SIMPLE)
    assert device == PhoneDevice(to_number="+15559876543", from_number="+15551234567", timeout=30)
    # The wire order is fixed: to_number first, whatever order the user wrote.
    assert json.dumps(device_to_wire(device)) == (
        '{"type": "phone", "params": {"to_number": "+15559876543", '
        '"from_number": "+15551234567", "timeout": 30}}'
    )


# RELAY.md F.2 / F.6 and F.7, as sent: compared as JSON text, key order included.
F2_DEVICES = (
    '[[{"type": "phone", "params": {"to_number": "+15551110001", "from_number": "+15550000000", '
    '"timeout": 20}}], [{"type": "phone", "params": {"to_number": "+15551110002", '
    '"from_number": "+15550000000", "timeout": 30}}]]'
)
F7_DEVICES = (
    '[[{"type": "phone", "params": {"to_number": "+15551110001", "from_number": "+15550000000"}}, '
    '{"type": "sip", "params": {"to": "sip:alice@pbx.example.com", "from": "sip:bot@example.com", '
    '"headers": [{"name": "X-Campaign", "value": "42"}]}}]]'
)


@pytest.mark.parametrize("text", [F2_DEVICES, F7_DEVICES])
def test_relay_md_devices_round_trip_exactly(text: str) -> None:
    plan = device_plan(json.loads(text))
    assert json.dumps(device_plan_to_wire(plan)) == text


def test_attribute_names_are_not_wire_keys() -> None:
    """``from_`` is SipDevice's name for the wire's ``from``; as a wire key it is extra."""
    device = device_from_wire(
        {"type": "sip", "params": {"to": "sip:a@b", "from": "sip:c@d", "from_": 1}}
    )
    assert device == SipDevice(to="sip:a@b", from_="sip:c@d", extra={"from_": 1})
    assert device_to_wire(device)["params"] == {"to": "sip:a@b", "from": "sip:c@d", "from_": 1}
    with pytest.raises(LocalProtocolError, match="key 'from' has a field of its own"):
        SipDevice(to="sip:a@b", extra={"from": "sip:c@d"})


def test_f7_sip_device_with_headers() -> None:
    ((_, sip),) = device_plan(json.loads(F7_DEVICES))
    assert sip == SipDevice(
        to="sip:alice@pbx.example.com",
        from_="sip:bot@example.com",
        headers=(SipHeader(name="X-Campaign", value="42"),),
    )


def test_sip_device_full_wire_order_and_extra() -> None:
    device = SipDevice(
        to="sip:a@b",
        from_="sip:c@d",
        from_name="C",
        headers=(),
        codecs=("PCMU", "OPUS"),
        timeout=10,
        max_duration=60,
        extra={"webrtc_media": True, "session_timeout": 1800},
    )
    wire = device_to_wire(device)
    params = wire["params"]
    assert isinstance(params, dict)
    assert list(params) == [
        "to",
        "from",
        "from_name",
        "headers",
        "codecs",
        "timeout",
        "max_duration",
        "webrtc_media",
        "session_timeout",
    ]
    assert params["headers"] == []  # an empty tuple is sent; None is omitted
    assert device_from_wire(wire) == device


def test_phone_extra_params_pass_through_after_modelled_keys() -> None:
    wire: JSONDict = {
        "type": "phone",
        "params": {
            "call_state_url": "https://example.com/state",
            "to_number": "+15551110001",
            "call_state_events": ["ringing", "answered"],
            "confirm": {"type": "url", "url": "https://example.com/c"},
            "timeout": 20,
        },
    }
    device = device_from_wire(wire)
    assert isinstance(device, PhoneDevice)
    assert dict(device.extra) == {
        "call_state_url": "https://example.com/state",
        "call_state_events": ["ringing", "answered"],
        "confirm": {"type": "url", "url": "https://example.com/c"},
    }
    out = device_to_wire(device)
    assert out == wire
    out_params = out["params"]
    assert isinstance(out_params, dict)
    assert list(out_params) == [
        "to_number",
        "timeout",
        "call_state_url",
        "call_state_events",
        "confirm",
    ]


def test_null_optional_params_count_as_absent() -> None:
    wire: JSONDict = {"type": "phone", "params": {"to_number": "+15551110001", "timeout": None}}
    device = device_from_wire(wire)
    assert device == PhoneDevice(to_number="+15551110001")
    assert device_to_wire(device) == {"type": "phone", "params": {"to_number": "+15551110001"}}


def test_typed_devices_and_mixes_are_accepted() -> None:
    phone = PhoneDevice(to_number="+15551110001")
    sip = SipDevice(to="sip:a@b")
    plan = device_plan(
        [[phone], ({"type": "sip", "params": {"to": "sip:a@b"}}, sip), iter([phone])]
    )
    assert plan == ((phone,), (sip, sip), (phone,))
    assert plan[0][0] is phone
    assert device_plan(plan) == plan


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        (
            {"type": "webrtc", "params": {"from": "a", "to": "b", "codecs": ["OPUS"]}},
            OtherDevice(type="webrtc", params={"from": "a", "to": "b", "codecs": ["OPUS"]}),
        ),
        (
            {"type": "call", "params": {"node_id": "n1", "call_id": "c1"}},
            OtherDevice(type="call", params={"node_id": "n1", "call_id": "c1"}),
        ),
        (
            {"type": "queue", "params": {"queue_name": "support"}},
            OtherDevice(type="queue", params={"queue_name": "support"}),
        ),
        ({"type": "agora", "params": {}}, OtherDevice(type="agora", params={})),
    ],
)
def test_other_devices_pass_through(wire: JSONDict, expected: OtherDevice) -> None:
    device = device_from_wire(wire)
    assert device == expected
    assert device_to_wire(device) == wire
    assert device_plan_to_wire(device_plan([[wire]])) == [[wire]]


# --- devices: error paths -----------------------------------------------------

PHONE_OK: JSONDict = {"type": "phone", "params": {"to_number": "+15551110001"}}
PLAN_SHAPE = "a list of lists of devices"

PLAN_ERRORS: list[tuple[object, str]] = [
    (
        [PHONE_OK, PHONE_OK],
        f"devices: expected {PLAN_SHAPE}, got a flat list of devices; use "
        "[[a, b]] to ring a and b together or [[a], [b]] to try a, then b",
    ),
    (
        [PhoneDevice(to_number="+15551110001")],
        f"devices: expected {PLAN_SHAPE}, got a flat list of devices; use "
        "[[a, b]] to ring a and b together or [[a], [b]] to try a, then b",
    ),
    ([], f"devices: no devices; expected {PLAN_SHAPE}, e.g. [[device]]"),
    ([[PHONE_OK], []], "devices[1]: empty device group"),
    ("+15551110001", f"devices: expected {PLAN_SHAPE}, got '+15551110001'"),
    (b"[[]]", f"devices: expected {PLAN_SHAPE}, got b'[[]]'"),
    (PHONE_OK, f"devices: expected {PLAN_SHAPE}, got {PHONE_OK!r}"),
    (None, f"devices: expected {PLAN_SHAPE}, got None"),
    (
        [[PHONE_OK], "+15551110002"],
        "devices[1]: expected a list of devices, got '+15551110002'",
    ),
    (
        [[PHONE_OK], [{"type": "phone", "params": {"to_number": "+1555abc"}}]],
        f"devices[1][0].params.to_number: '+1555abc' {E164_PROBLEM}",
    ),
    (
        [[PHONE_OK, {"type": "phone", "params": {"from_number": "+15550000000"}}]],
        "devices[0][1].params.to_number: missing (required)",
    ),
    (
        [[{"type": "phone", "params": {"to_number": 15551110001}}]],
        "devices[0][0].params.to_number: 15551110001 is not a string",
    ),
    (
        [[{"type": "phone", "params": {"to_number": "+15551110001", "timeout": True}}]],
        "devices[0][0].params.timeout: True is not a number",
    ),
    (
        [[{"type": "phone", "params": {"to_number": "+15551110001", "timeout": 0}}]],
        "devices[0][0].params.timeout: 0 is not a positive number",
    ),
    (
        [[{"type": "phone"}]],
        'devices[0][0].params: missing; a device is {"type": T, "params": {...}}',
    ),
    (
        [[{"type": "phone", "to_number": "+15551110001"}]],
        'devices[0][0]: unexpected key \'to_number\'; a device is {"type": T, "params": {...}}',
    ),
    ([[{"params": {}}]], "devices[0][0].type: missing"),
    ([[{"type": 7, "params": {}}]], "devices[0][0].type: 7 is not a non-empty string"),
    ([[{"type": "phone", "params": []}]], "devices[0][0].params: expected an object, got []"),
    (
        [["sip:a@b"]],
        'devices[0][0]: expected a device {"type": T, "params": {...}}, got \'sip:a@b\'',
    ),
    ([["ab"]], 'devices[0][0]: expected a device {"type": T, "params": {...}}, got \'ab\''),
    (
        [[{"type": "sip", "params": {"to": "sip:a@b", "from": "tel:1"}}]],
        "devices[0][0].params.from: 'tel:1' is not a sip: or sips: URI",
    ),
    (
        [[{"type": "sip", "params": {"to": "sip:a@b", "headers": {"X-A": "1"}}}]],
        'devices[0][0].params.headers: expected a list of {"name": ..., "value": ...}, '
        "got {'X-A': '1'}",
    ),
    (
        [
            [
                {
                    "type": "sip",
                    "params": {
                        "to": "sip:a@b",
                        "headers": [{"name": "X-A", "value": "1"}, {"name": "X-B"}],
                    },
                }
            ]
        ],
        "devices[0][0].params.headers[1].value: missing (required)",
    ),
    (
        [[{"type": "sip", "params": {"to": "sip:a@b", "headers": [{"name": "", "value": "1"}]}}]],
        "devices[0][0].params.headers[0].name: '' is not a non-empty string",
    ),
    (
        [[{"type": "sip", "params": {"to": "sip:a@b", "headers": [["X-A", "1"]]}}]],
        "devices[0][0].params.headers[0]: expected a "
        "{\"name\": ..., \"value\": ...} object, got ['X-A', '1']",
    ),
    (
        [
            [
                {
                    "type": "sip",
                    "params": {"to": "sip:a@b", "headers": [{"name": "X", "value": "1", "x": 1}]},
                }
            ]
        ],
        "devices[0][0].params.headers[0]: unexpected key 'x'",
    ),
    (
        [[{"type": "sip", "params": {"to": "sip:a@b", "codecs": "PCMU"}}]],
        "devices[0][0].params.codecs: expected a list of codec names, got 'PCMU'",
    ),
    (
        [[{"type": "sip", "params": {"to": "sip:a@b", "codecs": ["PCMU", 1]}}]],
        "devices[0][0].params.codecs[1]: 1 is not a codec name",
    ),
]


@pytest.mark.parametrize(("devices", "expected"), PLAN_ERRORS)
def test_device_plan_errors_name_the_path(devices: object, expected: str) -> None:
    assert _message(lambda: device_plan(devices)) == expected  # type: ignore[arg-type]  # bad on purpose


def test_strict_device_from_wire_uses_its_path() -> None:
    assert _message(lambda: device_from_wire(["x"])) == (
        'device: expected a device {"type": T, "params": {...}}, got [\'x\']'
    )
    assert (
        _message(
            lambda: device_from_wire(
                {"type": "phone", "params": {"to_number": "1"}}, path="call.device"
            )
        )
        == f"call.device.params.to_number: '1' {E164_PROBLEM}"
    )


# --- devices: lenient parsing of server data ----------------------------------


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (None, OtherDevice(type="unknown", params={})),
        ("phone", OtherDevice(type="unknown", params={})),
        ([PHONE_OK], OtherDevice(type="unknown", params={})),
        ({}, OtherDevice(type="unknown", params={})),
        ({"type": "phone"}, OtherDevice(type="phone", params={})),
        ({"type": "phone", "params": "x"}, OtherDevice(type="phone", params={})),
        ({"type": 5, "params": {"a": 1}}, OtherDevice(type="unknown", params={"a": 1})),
        (
            {"type": "phone", "params": {"to_number": "+1555abc"}},
            OtherDevice(type="phone", params={"to_number": "+1555abc"}),
        ),
        (
            {"type": "sip", "params": {"to": "sip:a@b", "headers": [1]}},
            OtherDevice(type="sip", params={"to": "sip:a@b", "headers": [1]}),
        ),
        # Unknown top-level keys from the server are ignored, not fatal.
        (
            {"type": "phone", "params": {"to_number": "+15551110001"}, "extra_key": 1},
            PhoneDevice(to_number="+15551110001"),
        ),
    ],
)
def test_lenient_device_parsing(obj: JSONValue, expected: Device) -> None:
    assert device_from_wire(obj, strict=False) == expected


def test_lenient_device_parsing_survives_huge_numbers() -> None:
    wire: JSONDict = {"type": "phone", "params": {"to_number": "+15551110001", "timeout": 10**400}}
    assert isinstance(device_from_wire(wire, strict=False), PhoneDevice)


# --- media --------------------------------------------------------------------

# RELAY.md H.4, as sent.
H4_PLAY = (
    '[{"type": "tts", "params": {"text": "Hello!", "language": "en-US", "gender": "female"}}, '
    '{"type": "silence", "params": {"duration": 1}}, '
    '{"type": "audio", "params": {"url": "https://cdn.example.com/welcome.mp3"}}, '
    '{"type": "ringtone", "params": {"name": "us", "duration": 5}}]'
)


def test_h4_media_round_trip_exactly() -> None:
    items = media_list(json.loads(H4_PLAY))
    assert items == (
        TtsMedia(text="Hello!", language="en-US", gender="female"),
        SilenceMedia(duration=1),
        AudioMedia(url="https://cdn.example.com/welcome.mp3"),
        RingtoneMedia(name="us", duration=5),
    )
    assert json.dumps(media_list_to_wire(items)) == H4_PLAY
    assert [media_from_wire(item) for item in json.loads(H4_PLAY)] == list(items)


@pytest.mark.parametrize(
    ("flat", "nested"),
    [
        (
            {"type": "tts", "text": "Hi", "language": "en-US", "voice": "Polly.Joanna"},
            {"type": "tts", "params": {"text": "Hi", "language": "en-US", "voice": "Polly.Joanna"}},
        ),
        (
            {"type": "audio", "url": "https://example.com/a.mp3"},
            {"type": "audio", "params": {"url": "https://example.com/a.mp3"}},
        ),
        ({"type": "silence", "duration": 1.5}, {"type": "silence", "params": {"duration": 1.5}}),
        (
            {"type": "ringtone", "name": "uk", "duration": 10},
            {"type": "ringtone", "params": {"name": "uk", "duration": 10}},
        ),
        ({"type": "ringtone", "name": "uk"}, {"type": "ringtone", "params": {"name": "uk"}}),
        (
            {"type": "tts", "text": "Hi", "engine": "neural"},
            {"type": "tts", "params": {"text": "Hi", "engine": "neural"}},
        ),
        (
            {"type": "say", "words": ["a", "b"]},
            {"type": "say", "params": {"words": ["a", "b"]}},
        ),
    ],
)
def test_flat_media_is_normalised_to_nested(flat: JSONDict, nested: JSONDict) -> None:
    (item,) = media_list([flat])
    assert media_to_wire(item) == nested
    (again,) = media_list([nested])
    assert again == item
    assert media_from_wire(flat, strict=False) == item


def test_typed_media_and_mixes_are_accepted() -> None:
    tts = TtsMedia(text="Hi", extra={"speed": 1.2})
    other = OtherMedia(type="say", params={"x": [1]})
    sources: list[Media | JSONDict] = [tts, {"type": "audio", "url": "u"}, other]
    items = media_list((item for item in sources), field="ringback")
    assert items == (tts, AudioMedia(url="u"), other)
    assert items[0] is tts
    assert media_list_to_wire(items) == [
        {"type": "tts", "params": {"text": "Hi", "speed": 1.2}},
        {"type": "audio", "params": {"url": "u"}},
        {"type": "say", "params": {"x": [1]}},
    ]


MEDIA_ERRORS: list[tuple[object, str, str]] = [
    ([], "media", "media: at least one media item is required"),
    ([], "ringback", "ringback: at least one media item is required"),
    (
        {"type": "tts", "text": "Hi"},
        "media",
        "media: expected a list of media items, got a single item; wrap it in a list",
    ),
    (
        TtsMedia(text="Hi"),
        "media",
        "media: expected a list of media items, got a single item; wrap it in a list",
    ),
    ("Hello", "media", "media: expected a list of media items, got 'Hello'"),
    (None, "ringback", "ringback: expected a list of media items, got None"),
    ([{"type": "tts"}], "media", "media[0].text: missing (required)"),
    ([{"type": "tts", "text": ""}], "media", "media[0].text: '' is not a non-empty string"),
    (
        [{"type": "tts", "params": {"text": ""}}],
        "media",
        "media[0].params.text: '' is not a non-empty string",
    ),
    (
        [{"type": "tts", "text": "a"}, {"type": "silence", "duration": 0}],
        "ringback",
        "ringback[1].duration: 0 is not a positive number",
    ),
    ([{"type": "silence", "duration": "1"}], "media", "media[0].duration: '1' is not a number"),
    (
        [{"type": "ringtone", "params": {"name": "us", "duration": -1}}],
        "media",
        "media[0].params.duration: -1 is not a positive number",
    ),
    ([{"type": "audio", "url": 5}], "media", "media[0].url: 5 is not a string"),
    (
        [{"type": "audio", "params": {"url": "u"}, "volume": 3}],
        "media",
        "media[0]: unexpected key 'volume' next to 'params'; a media item is "
        '{"type": T, "params": {...}} or the flat {"type": T, ...params}',
    ),
    (
        [{"type": "audio", "params": "u"}],
        "media",
        "media[0].params: expected an object, got 'u'",
    ),
    ([{"url": "u"}], "media", "media[0].type: missing"),
    (
        ["Hello"],
        "media",
        'media[0]: expected a media item {"type": T, "params": {...}}, got \'Hello\'',
    ),
]


@pytest.mark.parametrize(("items", "field", "expected"), MEDIA_ERRORS)
def test_media_list_errors_name_the_path(items: object, field: str, expected: str) -> None:
    assert _message(lambda: media_list(items, field=field)) == expected  # type: ignore[arg-type]  # bad on purpose


def test_strict_media_from_wire_flags_the_flat_form() -> None:
    assert _message(lambda: media_from_wire({"type": "tts", "text": "Hi"})) == (
        'media: flat media item; the wire form is {"type": "tts", "params": {...}} (RELAY.md H.4)'
    )
    assert _message(lambda: media_from_wire({"type": "tts"}, path="play[2]")) == (
        'play[2].params: missing; a media item is {"type": T, "params": {...}}'
    )
    assert media_from_wire({"type": "say", "params": {"a": 1}}) == OtherMedia(
        type="say", params={"a": 1}
    )


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (None, OtherMedia(type="unknown", params={})),
        ({"type": "tts", "text": ""}, OtherMedia(type="tts", params={"text": ""})),
        ({"type": "silence", "params": 3}, OtherMedia(type="silence", params={})),
        (
            {"type": "audio", "params": {"url": "u"}, "volume": 1},
            AudioMedia(url="u"),
        ),
    ],
)
def test_lenient_media_parsing(obj: JSONValue, expected: Media) -> None:
    assert media_from_wire(obj, strict=False) == expected


# --- the converters: CONVERTER (no cattrs) and a cattrs converter given the hooks ----

# ``structure()`` is typed for classes; a union needs a cast to say what comes back.
DEVICE = cast("type[Device]", Device)
MEDIA = cast("type[Media]", Media)


@attrs.frozen(kw_only=True)
class _Command:
    devices: DevicePlan
    device: Device
    media: tuple[Media, ...]
    ringtone: RingtoneMedia


def test_value_hooks_teach_a_cattrs_converter_nested_shapes() -> None:
    """cattrs is no dependency of the library; an application's cattrs codec can still use it."""
    cattrs = pytest.importorskip("cattrs")
    converter = cattrs.Converter()
    register_value_hooks(converter)
    raw: JSONDict = {
        "devices": json.loads(F7_DEVICES),
        "device": {"type": "webrtc", "params": {"to": "x"}},
        "media": json.loads(H4_PLAY),
        "ringtone": {"type": "ringtone", "params": {"name": "us"}},
    }
    command = converter.structure(raw, _Command)
    assert command.devices == device_plan(json.loads(F7_DEVICES))
    assert command.device == OtherDevice(type="webrtc", params={"to": "x"})
    assert command.media == media_list(json.loads(H4_PLAY))
    assert command.ringtone == RingtoneMedia(name="us")
    assert converter.unstructure(command) == raw
    phone = converter.structure(PHONE_OK, DEVICE)
    assert converter.unstructure(phone, unstructure_as=Device) == PHONE_OK
    with pytest.raises(LocalProtocolError, match="expected a PhoneDevice, got a SipDevice"):
        converter.structure({"type": "sip", "params": {"to": "sip:a@b"}}, PhoneDevice)


def test_converter_refuses_types_it_does_not_know() -> None:
    with pytest.raises(TypeError, match="devices and media only"):
        CONVERTER.structure({}, _Command)
    with pytest.raises(TypeError, match="cannot unstructure"):
        CONVERTER.unstructure(object())


def test_converter_dispatches_unions_on_type() -> None:
    phone = CONVERTER.structure(PHONE_OK, DEVICE)
    assert phone == PhoneDevice(to_number="+15551110001")
    assert CONVERTER.unstructure(phone, unstructure_as=Device) == PHONE_OK
    silence = CONVERTER.structure({"type": "silence", "params": {"duration": 2}}, MEDIA)
    assert silence == SilenceMedia(duration=2)
    assert CONVERTER.unstructure(silence) == {"type": "silence", "params": {"duration": 2}}


def test_converter_strictness() -> None:
    bad: JSONDict = {"type": "phone", "params": {"to_number": "+1555abc"}}
    with pytest.raises(LocalProtocolError, match=re.escape("device.params.to_number: '+1555abc'")):
        CONVERTER.structure(bad, DEVICE)
    with pytest.raises(LocalProtocolError, match="flat media item"):
        CONVERTER.structure({"type": "tts", "text": "Hi"}, MEDIA)
    with pytest.raises(LocalProtocolError, match="expected a PhoneDevice, got a SipDevice"):
        CONVERTER.structure({"type": "sip", "params": {"to": "sip:a@b"}}, PhoneDevice)
    lenient = make_converter(strict=False)
    assert lenient.structure(bad, DEVICE) == OtherDevice(
        type="phone", params={"to_number": "+1555abc"}
    )
    assert lenient.structure([[bad]], DevicePlan) == (
        (OtherDevice(type="phone", params={"to_number": "+1555abc"}),),
    )


# --- hypothesis ---------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values: st.SearchStrategy[JSONValue] = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=4)

e164 = st.from_regex(r"\+[1-9][0-9]{1,14}", fullmatch=True)
sip_uris = st.from_regex(re.compile(r"sips?:\S+", re.IGNORECASE), fullmatch=True)
positive: st.SearchStrategy[float] = st.integers(min_value=1, max_value=10**12) | st.floats(
    min_value=0, exclude_min=True, allow_nan=False, allow_infinity=False
)
non_empty = st.text(min_size=1, max_size=12)


def _with_extra(
    known: tuple[str, ...], base: st.SearchStrategy[JSONDict]
) -> st.SearchStrategy[JSONDict]:
    extra = st.dictionaries(
        st.text(max_size=8).filter(lambda key: key not in known), json_values, max_size=3
    )
    return st.builds(lambda params, more: {**more, **params}, base, extra)


phone_params = _with_extra(
    ("to_number", "from_number", "timeout", "max_duration"),
    st.fixed_dictionaries(
        {"to_number": e164},
        optional={"from_number": e164, "timeout": positive, "max_duration": positive},
    ),
)
sip_params = _with_extra(
    ("to", "from", "from_name", "headers", "codecs", "timeout", "max_duration"),
    st.fixed_dictionaries(
        {"to": sip_uris},
        optional={
            "from": sip_uris,
            "from_name": non_empty,
            "headers": st.lists(
                st.fixed_dictionaries({"name": non_empty, "value": st.text(max_size=8)}),
                max_size=3,
            ),
            "codecs": st.lists(st.sampled_from(["PCMU", "PCMA", "OPUS", "G729"]), max_size=3),
            "timeout": positive,
            "max_duration": positive,
        },
    ),
)
wire_devices: st.SearchStrategy[JSONDict] = st.one_of(
    st.builds(lambda p: {"type": "phone", "params": p}, phone_params),
    st.builds(lambda p: {"type": "sip", "params": p}, sip_params),
    st.builds(
        lambda t, p: {"type": t, "params": p},
        non_empty.filter(lambda t: t not in ("phone", "sip")),
        json_objects,
    ),
)

MEDIA_KINDS = ("tts", "audio", "silence", "ringtone")
wire_media: st.SearchStrategy[JSONDict] = st.one_of(
    st.builds(
        lambda p: {"type": "tts", "params": p},
        _with_extra(
            ("text", "language", "gender", "voice"),
            st.fixed_dictionaries(
                {"text": non_empty},
                optional={"language": non_empty, "gender": non_empty, "voice": non_empty},
            ),
        ),
    ),
    st.builds(
        lambda p: {"type": "audio", "params": p},
        _with_extra(("url",), st.fixed_dictionaries({"url": non_empty})),
    ),
    st.builds(
        lambda p: {"type": "silence", "params": p},
        _with_extra(("duration",), st.fixed_dictionaries({"duration": positive})),
    ),
    st.builds(
        lambda p: {"type": "ringtone", "params": p},
        _with_extra(
            ("name", "duration"),
            st.fixed_dictionaries({"name": non_empty}, optional={"duration": positive}),
        ),
    ),
    st.builds(
        lambda t, p: {"type": t, "params": p},
        non_empty.filter(lambda t: t not in MEDIA_KINDS),
        json_objects,
    ),
)


@given(wire_devices)
@example(wire={"type": "sip", "params": {"to": "sip:a@b", "from_": "x", "from": "sip:c@d"}})
def test_valid_wire_devices_round_trip(wire: JSONDict) -> None:
    device = device_from_wire(wire)
    assert device_to_wire(device) == wire
    assert device_from_wire(device_to_wire(device)) == device
    assert device_from_wire(wire, strict=False) == device
    assert CONVERTER.unstructure(CONVERTER.structure(wire, DEVICE)) == wire


@given(st.lists(st.lists(wire_devices, min_size=1, max_size=3), min_size=1, max_size=3))
# An unknown key that happens to be a Python attribute's name is still just an unknown key.
@example(
    devices=[
        [
            {"type": "phone", "params": {"to_number": "+10"}},
            {"type": "sip", "params": {"from_": None, "to": "sip:0"}},
        ]
    ]
)
def test_valid_device_plans_round_trip(devices: list[list[JSONDict]]) -> None:
    plan = device_plan(devices)
    assert device_plan_to_wire(plan) == devices
    assert device_plan(device_plan_to_wire(plan)) == plan


typed_devices: st.SearchStrategy[Device] = st.one_of(
    st.builds(
        PhoneDevice,
        to_number=e164,
        from_number=st.none() | e164,
        timeout=st.none() | positive,
        max_duration=st.none() | positive,
    ),
    st.builds(
        SipDevice,
        to=sip_uris,
        from_=st.none() | sip_uris,
        from_name=st.none() | non_empty,
        headers=st.none()
        | st.lists(st.builds(SipHeader, name=non_empty, value=st.text()), max_size=2).map(tuple),
        codecs=st.none() | st.lists(non_empty, max_size=3).map(tuple),
    ),
    st.builds(OtherDevice, type=non_empty, params=json_objects),
)


@given(typed_devices)
def test_typed_devices_round_trip(device: Device) -> None:
    wire = device_to_wire(device)
    json.dumps(wire)  # always JSON-serialisable
    if isinstance(device, OtherDevice) and device.type in ("phone", "sip"):
        return  # a lenient leftover: re-parsing it strictly is not expected to work
    assert device_from_wire(wire) == device


@given(json_values)
def test_lenient_device_parsing_never_raises(obj: JSONValue) -> None:
    assert isinstance(device_from_wire(obj, strict=False), PhoneDevice | SipDevice | OtherDevice)


@given(
    st.sampled_from(["phone", "sip", "webrtc"]) | json_values,
    json_objects | json_values,
    json_objects,
)
def test_lenient_device_parsing_of_device_shaped_json(
    kind: JSONValue, params: JSONValue, top: dict[str, JSONValue]
) -> None:
    obj: JSONDict = {**top, "type": kind, "params": params}
    device = device_from_wire(obj, strict=False)
    try:
        strict = device_from_wire({"type": kind, "params": params})
    except LocalProtocolError:
        assert isinstance(device, OtherDevice)
        assert device.type == (kind if isinstance(kind, str) and kind else "unknown")
    else:
        assert device == strict


@given(wire_media)
def test_valid_wire_media_round_trip(wire: JSONDict) -> None:
    item = media_from_wire(wire)
    assert media_to_wire(item) == wire
    assert media_list([wire]) == (item,)
    assert CONVERTER.unstructure(CONVERTER.structure(wire, MEDIA)) == wire


@given(wire_media)
def test_flat_form_of_valid_media_normalises(wire: JSONDict) -> None:
    params = wire["params"]
    assert isinstance(params, dict)
    if "params" in params or "type" in params:
        return  # flattening would be ambiguous; the nested form is the only spelling
    flat: JSONDict = {**params, "type": wire["type"]}
    assert media_list_to_wire(media_list([flat])) == [wire]


@given(json_values)
def test_lenient_media_parsing_never_raises(obj: JSONValue) -> None:
    item = media_from_wire(obj, strict=False)
    assert isinstance(item, TtsMedia | AudioMedia | SilenceMedia | RingtoneMedia | OtherMedia)
