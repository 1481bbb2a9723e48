"""The argument checks every public call uses: one error type, one message shape."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relay_core import InvalidArgumentError, LocalProtocolError, RelayConfig
from relay_core._checks import (
    check_count,
    check_port,
    check_positive,
    check_secret,
    check_text,
    check_timeout,
    check_volume,
)

ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.binary(max_size=3),
    st.lists(st.integers(), max_size=2),
)

CHECKS: list[Callable[[str, object], object]] = [
    check_timeout,
    lambda name, value: check_timeout(name, value, allow_none=True),
    check_positive,
    check_count,
    lambda name, value: check_count(name, value, minimum=0),
    check_volume,
    check_text,
    check_port,
]


@given(value=ANYTHING, index=st.integers(min_value=0, max_value=len(CHECKS) - 1))
def test_a_check_accepts_or_raises_invalid_argument_naming_it(value: object, index: int) -> None:
    try:
        CHECKS[index]("arg", value)
    except InvalidArgumentError as exc:
        assert isinstance(exc, ValueError) and isinstance(exc, LocalProtocolError)
        assert exc.message.startswith("arg: ")


@pytest.mark.parametrize("value", [True, False, math.nan, math.inf, -1, 0, "1"])
def test_timeouts_refuse_bools_nan_inf_and_non_positive(value: object) -> None:
    with pytest.raises(InvalidArgumentError, match=r"^t: .* is not a positive number of seconds"):
        check_timeout("t", value)


def test_inf_means_no_limit_only_where_none_does() -> None:
    assert check_timeout("t", math.inf, allow_none=True) is None
    assert check_timeout("t", 0, allow_zero=True) == 0.0
    assert RelayConfig(project="p", token="t", ping_interval=math.inf).ping_interval is None


@pytest.mark.parametrize("value", [5, "", ["PT-secret"], b"PT-secret"])
def test_a_bad_credential_is_named_but_never_shown(value: object) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        check_secret("token", value)
    assert "PT-secret" not in str(caught.value) and "value not shown" in str(caught.value)
    with pytest.raises(InvalidArgumentError) as caught:
        RelayConfig(project="p", token=value)  # type: ignore[arg-type]
    assert "PT-secret" not in repr(caught.value)
