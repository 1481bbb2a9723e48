"""``notify``: the one loop that hands a call's or a message's event to its listeners."""

from __future__ import annotations

import logging

import pytest

from relay_asyncio._call import notify


@pytest.mark.asyncio
async def test_a_failing_listener_is_logged_and_the_next_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    heard: list[object] = []

    def broken(event: object) -> None:
        raise ValueError("boom")

    async def listening(event: object) -> None:
        heard.append(event)

    with caplog.at_level(logging.ERROR, logger="relay_asyncio"):
        await notify([broken, listening, heard.append], "e1", "message", "m-1")
    assert heard == ["e1", "e1"]
    (record,) = caplog.records
    assert record.getMessage() == f"listener {broken!r} of message m-1 failed"
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)
