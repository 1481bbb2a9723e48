"""Hypothesis strategies for the JSON that RELAY frames may carry (shared by the fuzz tests)."""

from __future__ import annotations

from hypothesis import strategies as st

from relay_core import JSONValue

# RELAY never carries integers beyond 64 bits (orjson decodes those as floats).
int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
json_scalars = (
    st.none() | st.booleans() | int64 | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)
json_values: st.SearchStrategy[JSONValue] = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
