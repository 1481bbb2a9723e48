"""The third use of the core: tests/blocking_client.py against the served fake server.

The fake server runs on relay_asyncio.testing in a background thread with its
own event loop; the client blocks in the test's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from relay_asyncio.testing import FakeRelayHandle, open_fake_relay_server
from relay_core import (
    Answers,
    Busy,
    CallState,
    DialError,
    Directory,
    FakeRelayServer,
    NeverAnswers,
    PlayState,
    RelayConfig,
)

from ..blocking_client import BlockingRelayClient

CONFIG = RelayConfig(project="test-project", token="test-token")
FROM = "+15550000000"


def phone(number: str) -> list[list[dict[str, Any]]]:
    return [[{"type": "phone", "params": {"to_number": number, "from_number": FROM}}]]


@contextlib.contextmanager
def served(server: FakeRelayServer) -> Iterator[FakeRelayHandle]:
    """Serve ``server`` on a thread of its own until the block is left."""
    handles: queue.Queue[FakeRelayHandle | BaseException] = queue.Queue()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def serve() -> None:
        try:
            async with open_fake_relay_server(server) as handle:
                handles.put(handle)
                await stop.wait()
        except BaseException as exc:
            handles.put(exc)
            raise

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    try:
        handle = handles.get(timeout=10)
        assert isinstance(handle, FakeRelayHandle), handle
        yield handle
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
        assert not thread.is_alive()
        loop.close()


def fake(ring_timeout: float = 5.0) -> FakeRelayServer:
    directory = Directory.default()
    directory.ring_timeout = ring_timeout
    directory.set("+15552222222", Answers(after=0.05))
    directory.set("+15550000486", Busy())
    directory.set("+15551111111", NeverAnswers())
    return FakeRelayServer(directory=directory)


def methods(server: FakeRelayServer) -> list[str]:
    """Client requests the fake server received, in order."""
    return [e.method for e in server.journal if e.direction == "C→S" and e.method]


@pytest.mark.timeout(10)
def test_dial_play_hangup() -> None:
    server = fake()
    with served(server) as handle, BlockingRelayClient(CONFIG, handle.url) as client:
        call = client.dial(phone("+15552222222"), timeout=5)
        assert call.state is CallState.ANSWERED
        assert client.play(call.ref, [{"type": "silence", "duration": 0.1}]) is PlayState.FINISHED
        ended = client.hangup(call.ref)
        assert ended.call_id == call.call_id and ended.state is CallState.ENDED
        assert client.session.statistics().live_calls == 0
    assert methods(server) == ["signalwire.connect", "calling.dial", "calling.play", "calling.end"]
    sent: list[Any] = [e.params for e in server.journal if e.direction == "S→C" and e.method]
    events = [p["event_type"] for p in sent if "event_type" in p]
    assert {"calling.call.dial", "calling.call.play", "calling.call.state"} <= set(events)
    plays = [p["params"]["state"] for p in sent if p.get("event_type") == "calling.call.play"]
    assert plays == ["playing", "finished"]


@pytest.mark.timeout(10)
def test_busy_dial_raises_dial_error() -> None:
    with (
        served(fake()) as handle,
        BlockingRelayClient(CONFIG, handle.url) as client,
        pytest.raises(DialError, match="busy"),
    ):
        client.dial(phone("+15550000486"), timeout=5)


def ends(server: FakeRelayServer) -> list[str]:
    """The reasons of the ``calling.end`` requests the fake server received."""
    return [str(e.params["reason"]) for e in list(server.journal) if e.method == "calling.end"]


@pytest.mark.timeout(10)
def test_dial_timeout_abandons_and_ends_the_ringing_leg() -> None:
    server = fake(ring_timeout=30)
    with served(server) as handle, BlockingRelayClient(CONFIG, handle.url) as client:
        with pytest.raises(TimeoutError):
            client.dial(phone("+15551111111"), timeout=0.3)
        # The core keeps watching the abandoned dial for late legs ...
        assert client.session.statistics().abandoned_work == 1
        give_up = time.monotonic() + 5
        while not ends(server) and time.monotonic() < give_up:  # the server's thread
            time.sleep(0.01)
        # ... and ended the ringing leg at once, not when the client left.
        assert ends(server) == ["cancel"]
