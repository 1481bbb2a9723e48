"""The request codec, generically over every command class (and nested value).

* round trip (hypothesis): ``C.from_params(json(c.to_params())) == c``;
* bad input: each field's rejected pool values raise ``InvalidArgumentError``
  naming the field, both when building the command and in ``from_params``
  (the message starts with the wire path);
* a missing required wire field (``control_id`` included) is refused.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from relay_core import Dial, InvalidArgumentError, LocalProtocolError

from .command_cases import CLASSES, POOL, accepts, kwargs_for


def _spec(field: attrs.Attribute[Any]) -> Any:
    return field.metadata.get("relay_wire")


def _wire_fields(cls: type[Any]) -> list[attrs.Attribute[Any]]:
    return [f for f in attrs.fields(cls) if _spec(f) is not None and _spec(f).path]


#: (class, field) -> the pool values the field accepts with the others minimal.
GOOD: dict[tuple[str, str], list[Any]] = {
    (name, field.name): [value for value in POOL if accepts(name, field.name, value)]
    for name, cls in CLASSES.items()
    for field in _wire_fields(cls)
}


def _json(params: Any) -> Any:
    return json.loads(json.dumps(params))


def _client_only(cls: type[Any]) -> list[str]:
    return [f.name for f in attrs.fields(cls) if _spec(f) is None]


@st.composite
def commands(draw: st.DrawFn, name: str) -> Any:
    kwargs = kwargs_for(name)
    for field in _wire_fields(CLASSES[name]):
        good = GOOD[(name, field.name)]
        # Nested ifs: ``good and draw(...)`` makes mypy infer draw's type from ``good``.
        if good:  # noqa: SIM102
            if draw(st.booleans()):
                kwargs[field.name] = draw(st.sampled_from(good))
    try:
        return CLASSES[name](**kwargs)
    except LocalProtocolError:  # a rule across fields (a collect needs digits or speech)
        assume(False)


@pytest.mark.parametrize("name", sorted(CLASSES))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_round_trip(name: str, data: st.DataObject) -> None:
    command = data.draw(commands(name))
    params = _json(command.to_params())
    back = type(command).from_params(params)
    if isinstance(command, Dial) and command.max_duration is not None:
        # Dial sends max_duration inside each device: the params are the fixpoint.
        assert back.to_params() == command.to_params()
        return
    # Client-only fields (detect's wait_for_beep) are not on the wire: defaults come back.
    expected = attrs.evolve(command, **{n: getattr(back, n) for n in _client_only(type(command))})
    assert back == expected
    assert _json(back.to_params()) == params


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "empty" if value == "" else "str"
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return "negative"
    return type(value).__name__


def _bad_cases() -> list[tuple[str, str, Any]]:
    """Per field, one rejected JSON-able pool value of each kind (bool, str, negative...)."""
    cases = []
    for (name, field), good in GOOD.items():
        kinds: set[str] = set()
        for value in POOL:
            if any(value is g for g in good) or _kind(value) in kinds:
                continue
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError):
                continue
            kinds.add(_kind(value))
            cases.append((name, field, value))
    return cases


BAD = _bad_cases()


def _names(cls: type[Any], field: str) -> tuple[str, ...]:
    spec = _spec(attrs.fields_dict(cls)[field])
    return (spec.name, field, spec.name.split(".")[0])


@pytest.mark.parametrize(("name", "field", "value"), BAD, ids=repr)
def test_bad_value_names_the_field(name: str, field: str, value: Any) -> None:
    cls = CLASSES[name]
    with pytest.raises(LocalProtocolError) as built:
        cls(**{**kwargs_for(name), field: value})
    assert built.value.message.startswith(_names(cls, field)), built.value.message
    # The server's decoder refuses the same value at the field's wire path.
    params = _json(cls(**kwargs_for(name)).to_params())
    spec = _spec(attrs.fields_dict(cls)[field])
    target = params
    for part in spec.path[:-1]:
        target = target.setdefault(part, {})
    target[spec.path[-1]] = value
    if isinstance(value, dict) and spec.decode is not None:
        return  # a nested value's wire form is an object (unknown keys pass): maybe valid
    with pytest.raises(InvalidArgumentError) as read:
        cls.from_params(params)
    assert read.value.message.startswith(spec.name.split(".")[0]), read.value.message


def test_every_field_has_a_bad_value() -> None:
    fields_with_bad = {(name, field) for name, field, _ in BAD}
    # Free-form JSON fields refuse only non-JSON values, which cannot be on the wire.
    missing = {key for key in GOOD if key not in fields_with_bad}
    assert all(field in {"event", "prompt"} for _, field in missing), missing


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_missing_required_wire_field_is_refused(name: str) -> None:
    cls = CLASSES[name]
    params = _json(cls(**kwargs_for(name)).to_params())
    for field in _wire_fields(cls):
        spec = _spec(field)
        if not (spec.required or field.default is attrs.NOTHING):
            continue
        broken = _json(params)
        target = broken
        for part in spec.path[:-1]:
            target = target[part]
        del target[spec.path[-1]]
        with pytest.raises(InvalidArgumentError, match=f"^{spec.name}"):
            cls.from_params(broken)


@pytest.mark.parametrize(
    "name", sorted(n for n in CLASSES if "call" in attrs.fields_dict(CLASSES[n]))
)
@pytest.mark.parametrize("key", ["call_id", "node_id"])
def test_call_address_is_required(name: str, key: str) -> None:
    cls = CLASSES[name]
    params = _json(cls(**kwargs_for(name)).to_params())
    del params[key]
    with pytest.raises(InvalidArgumentError, match=f"^{key}: required"):
        cls.from_params(params)
    with pytest.raises(InvalidArgumentError, match=r"^params: "):
        cls.from_params(["not", "an", "object"])
