"""``await client.connect()`` / ``await client.disconnect()``: the official SDK's lifecycle.

What ``async with`` guarantees holds here too: the session resumes while
connected, ``disconnect()`` is prompt and leaves no task behind, and a later
``connect()`` opens a new session.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from relay_asyncio import (
    AuthenticationError,
    LocalProtocolError,
    RelayClient,
    RelayError,
    SessionClosedError,
)
from relay_asyncio.testing import FakeRelayHandle

from .scripted import client_tasks, scenario
from .served import RINGS_ON, SLOW_ANSWER, phone, sent

CONNECT = "signalwire.connect"


def client_for(fake: FakeRelayHandle) -> RelayClient:
    return RelayClient(project="test-project", token="test-token", host=fake.url)


@scenario()
async def test_connect_then_disconnect_leaves_nothing_running(fake: FakeRelayHandle) -> None:
    client = client_for(fake)
    await client.connect()
    assert client.relay_protocol
    call = await client.dial([[phone("+15552222222")]])
    assert call.state == "answered"
    with pytest.raises(LocalProtocolError):
        await client.connect()  # already connected
    with pytest.raises(LocalProtocolError):
        async with client:  # nor may a block open it twice
            pass
    await client.disconnect()
    assert client_tasks() == []
    await fake.wait_until(lambda: fake.connections() == [])
    with pytest.raises(SessionClosedError):
        await client.dial([[phone("+15552222222")]])
    await client.disconnect()  # a second disconnect is a no-op


@scenario()
async def test_disconnect_is_prompt_and_ends_a_ringing_dial(fake: FakeRelayHandle) -> None:
    client = client_for(fake)
    await client.connect()
    dial = asyncio.create_task(client.dial([[phone(RINGS_ON)]]))
    await fake.wait_until(lambda: bool(fake.server.calls()))
    started = time.monotonic()
    await client.disconnect()
    assert time.monotonic() - started < 1.0
    with pytest.raises(SessionClosedError):
        await dial
    assert [e.params.get("reason") for e in sent(fake, "calling.end")] == ["cancel"]
    assert client_tasks() == []


@pytest.mark.usefixtures("fast_reconnect")
@scenario()
async def test_resume_while_connected_then_reconnect_after_disconnect(
    fake: FakeRelayHandle,
) -> None:
    client = client_for(fake)
    await client.connect()
    dial = asyncio.create_task(client.dial([[phone(SLOW_ANSWER, timeout=5)]]))
    await fake.wait_until(lambda: bool(fake.server.calls()))
    fake.drop(fake.connections()[0])  # the socket dies mid-dial: the session resumes
    call = await dial
    assert call.state == "answered"
    assert client.statistics().connections == 2
    await call.hangup()
    await client.disconnect()
    assert client_tasks() == []

    await client.connect()  # a later connect opens a fresh session
    call = await client.dial([[phone("+15552222222")]])
    await call.hangup()
    await client.disconnect()
    connects = [e.params for e in sent(fake, CONNECT)]
    assert len(connects) == 3
    assert "protocol" not in connects[0] and "protocol" in connects[1]
    assert "protocol" not in connects[2]  # a new session, not a resume of the old one
    assert client_tasks() == []


@scenario()
async def test_failed_connect_raises_and_leaves_nothing(fake: FakeRelayHandle) -> None:
    wrong = RelayClient(project="test-project", token="wrong", host=fake.url)
    with pytest.raises(AuthenticationError):
        await wrong.connect()
    assert client_tasks() == []
    await wrong.disconnect()  # nothing to do
    with pytest.raises(AuthenticationError):  # trying again is allowed
        await wrong.connect()


@scenario()
async def test_cancelled_connect_leaves_nothing(fake: FakeRelayHandle) -> None:
    client = client_for(fake)
    task = asyncio.create_task(client.connect())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert client_tasks() == []
    await client.connect()  # and the client still works
    await client.disconnect()


@scenario()
async def test_disconnect_inside_async_with_is_refused(fake: FakeRelayHandle) -> None:
    async with client_for(fake) as client:
        with pytest.raises(LocalProtocolError, match="async with"):
            await client.disconnect()
        assert (await client.dial([[phone("+15552222222")]])).state == "answered"


@pytest.mark.usefixtures("fast_reconnect")
@scenario()
async def test_a_session_that_dies_while_connected_fails_waiters_and_later_requests(
    fake: FakeRelayHandle,
) -> None:
    client = client_for(fake)
    await client.connect()
    ringing = asyncio.create_task(client.dial([[phone(RINGS_ON)]]))
    await fake.wait_until(lambda: bool(fake.server.calls()))
    # The server stops accepting the credentials, then drops the socket: every
    # reconnect is rejected and the core gives up.  No task of ours is cancelled.
    fake.server._credentials.clear()
    fake.drop(fake.connections()[0])
    with pytest.raises(RelayError):  # the core's word on the lost dial
        await ringing
    await fake.wait_until(lambda: client_tasks() == [])
    with pytest.raises(AuthenticationError):  # later requests say why
        await client.dial([[phone("+15552222222")]])
    await client.disconnect()  # tidy, and quiet: the error was already raised
    assert client_tasks() == []
