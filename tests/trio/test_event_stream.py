"""relay_trio's event buffers: bounded, drop the oldest, count, warn once."""

from __future__ import annotations

import logging

import pytest

from relay_core import InvalidArgumentError
from relay_trio import EventStream


@pytest.mark.trio
async def test_a_full_stream_drops_the_oldest_counts_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="relay_trio")
    stream = EventStream[int](4)
    for n in range(1000):
        stream.put(n)
    assert len(stream) == 4 and stream.dropped == 996
    assert [await stream.__anext__() for _ in range(4)] == [996, 997, 998, 999]
    assert [r.getMessage() for r in caplog.records].count(
        "an events() stream fell behind: over 4 items wait; dropping the oldest "
        "(counted in its .dropped)"
    ) == 1


@pytest.mark.parametrize("maxlen", [0, -1, True, "5", 1.5])
def test_a_stream_needs_a_positive_integer_bound(maxlen: object) -> None:
    with pytest.raises(InvalidArgumentError, match=r"^maxlen: "):
        EventStream[int](maxlen)  # type: ignore[arg-type]
