"""``extra``: the official SDK's ``**kwargs`` (unmodelled top-level params) on commands."""

from __future__ import annotations

from typing import Any

import pytest

from relay_core import (
    AI,
    CallId,
    CallRef,
    ControlId,
    InvalidArgumentError,
    JSONValue,
    NodeId,
    Play,
    QueueLeave,
    Record,
    SendDigits,
    Transfer,
    UserEvent,
)

REF = CallRef(CallId("call-1"), NodeId("node-1"))


@pytest.mark.parametrize(
    "command",
    [
        Record(call=REF, control_id="c", beep=True, extra={"future_flag": True}),
        Play(
            call=REF,
            control_id="c",
            media=[{"type": "silence", "duration": 1}],
            extra={"future_flag": True},
        ),
        Transfer(call=REF, dest="context:x", extra={"future_flag": True}),
        SendDigits(call=REF, control_id="c", digits="1#", extra={"future_flag": True}),
    ],
    ids=lambda c: type(c).__name__,
)
def test_extra_keys_are_sent_top_level_after_the_modelled_ones(command: Any) -> None:
    params = command.to_params()
    assert params["future_flag"] is True
    assert list(params)[-1] == "future_flag"
    # The server reads the modelled part back unchanged; extra is client-side.
    assert type(command).from_params(params).to_params() == {
        k: v for k, v in params.items() if k != "future_flag"
    }


@pytest.mark.parametrize(
    ("cls", "kwargs", "key"),
    [
        (Record, {}, "record"),
        (Record, {}, "control_id"),
        (Record, {}, "node_id"),
        (Record, {}, "call_id"),
        (Record, {}, "status_url"),
        (Play, {"media": [{"type": "silence", "duration": 1}]}, "volume"),
        (Transfer, {"dest": "x"}, "dest"),
        (AI, {}, "SWAIG"),
        (UserEvent, {"event": "x"}, "event"),
    ],
)
def test_extra_refuses_a_key_the_command_models(cls: Any, kwargs: dict[str, Any], key: str) -> None:
    with pytest.raises(InvalidArgumentError) as refused:
        cls(call=REF, extra={key: 1}, **kwargs)
    assert refused.value.message.startswith(f"extra: {key!r}")
    assert cls.method in refused.value.message


@pytest.mark.parametrize("bad", [[1], "x", {"a": object()}, {1: 2}, {"a": float("nan")}])
def test_extra_must_be_a_json_object(bad: Any) -> None:
    with pytest.raises(InvalidArgumentError, match=r"^extra: "):
        Transfer(call=REF, dest="x", extra=bad)


def test_extra_is_copied_so_later_changes_to_the_callers_dict_are_not_sent() -> None:
    mine: dict[str, JSONValue] = {"a": 1}
    command = Transfer(call=REF, dest="x", extra=mine)
    mine["dest"] = "elsewhere"
    assert command.to_params()["dest"] == "x"
    assert "a" in command.to_params()


IDS = {"node_id": "node-1", "call_id": "call-1"}


def test_from_request_params_reads_the_sdk_shape_unknown_top_level_keys_become_extra() -> None:
    command = Record.from_request_params(
        {**IDS, "control_id": "c", "record": {"audio": {"beep": True}}, "status_url": "u", "x": 1}
    )
    assert command.beep is True
    assert command.status_url == "u"
    assert command.extra == {"x": 1}


def test_from_request_params_refuses_an_unknown_nested_key_it_would_drop() -> None:
    with pytest.raises(InvalidArgumentError) as refused:
        Record.from_request_params({**IDS, "control_id": "c", "record": {"audio": {"colour": 1}}})
    assert refused.value.message.startswith("record.audio.colour: ")


def test_from_request_params_validates_like_from_params() -> None:
    with pytest.raises(InvalidArgumentError) as refused:
        Record.from_request_params(
            {**IDS, "control_id": "c", "record": {"audio": {"format": "ogg"}}}
        )
    assert refused.value.message.startswith("record.audio.format: 'ogg'")


def test_queue_leave_carries_extra_too() -> None:
    leave = QueueLeave(call=REF, control_id=ControlId("q"), queue_name="sales", extra={"x": 1})
    assert leave.to_params()["x"] == 1


def test_nested_values_may_be_given_in_their_wire_form() -> None:
    # The official SDK's programs pass dicts: read with the same decoder as the
    # fake server's, so errors name the nested path.
    from relay_core import Collect, CollectDigits, Detect, Detector, PlayAndCollect

    given = Collect(call=REF, digits={"max": 2, "terminators": "#"}, speech={"language": "en-US"})
    assert given.digits == CollectDigits(max=2, terminators="#")
    assert given == Collect(
        call=REF, control_id=given.control_id, digits=given.digits, speech=given.speech
    )
    detect = Detect(call=REF, detect={"type": "machine", "params": {"initial_timeout": 4.5}})
    assert isinstance(detect.detect, Detector) and detect.detect.type == "machine"
    with pytest.raises(InvalidArgumentError, match=r"^collect\.digits\.max: -1 "):
        PlayAndCollect(
            call=REF, media=[{"type": "silence", "params": {"duration": 1}}], digits={"max": -1}
        )
    with pytest.raises(InvalidArgumentError, match=r"^digits: 'four' is not a CollectDigits"):
        Collect(call=REF, digits="four")
