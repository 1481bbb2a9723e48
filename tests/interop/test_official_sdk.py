"""The official SDK (signalwire-sdk 3.7.5) against our fake server, over TLS.

Each test runs one of the seeds' examples (shared/seeds/*.txt) with the
official ``RelayClient``: it builds ``wss://{host}`` and trusts the CA named
by ``SIGNALWIRE_RELAY_CA_FILE``.  The numbers are scripted to answer in tens
of milliseconds so each test takes well under a second of real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

# A plain import, not importorskip: the README's `.[test]` installs the SDK, and a
# missing SDK must fail the suite rather than quietly skip the interop tests.
import signalwire.relay as relay

from relay_asyncio.testing import FakeRelayHandle, open_fake_relay_server
from relay_core import CallState
from relay_core.testing import Answers, Busy, Directory, FakeRelayServer, NeverAnswers

pytestmark = [pytest.mark.interop, pytest.mark.asyncio]

PROJECT = "your-project-id"
TOKEN = "your-api-token"


def directory() -> Directory:
    """The default directory, fast: answers in 50 ms, unanswered devices ring 200 ms."""
    fast = Directory.default()
    fast.fallback = Answers(after=0.05)
    fast.ring_timeout = 0.2
    for number in ("+15552222222", "+15559876543", "+15551234567", "+15559999999"):
        fast.set(number, Answers(after=0.05))
    fast.set("+15551111111", NeverAnswers())
    return fast


@pytest_asyncio.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeRelayHandle]:
    server = FakeRelayServer(credentials={PROJECT: TOKEN}, directory=directory())
    async with open_fake_relay_server(server, tls=True) as handle:
        assert handle.ca_path is not None
        monkeypatch.setenv("SIGNALWIRE_RELAY_CA_FILE", handle.ca_path)
        yield handle


def client(fake: FakeRelayHandle, contexts: list[str] | None = None) -> Any:
    return relay.RelayClient(
        project=PROJECT, token=TOKEN, host=fake.host, contexts=contexts or ["default"]
    )


def phone(to_number: str, from_number: str = "+15550000000", **extra: Any) -> dict[str, Any]:
    """A phone device as the seeds write it out."""
    return {
        "type": "phone",
        "params": {"to_number": to_number, "from_number": from_number, **extra},
    }


def events(fake: FakeRelayHandle, event_type: str, key: str) -> list[Any]:
    return [e.event_params.get(key) for e in fake.server.journal if e.event_type == event_type]


async def all_acked(fake: FakeRelayHandle) -> None:
    await fake.wait_until(lambda: fake.server.unacked_events() == [])


async def test_simple_dial_play_tts_and_hang_up(fake: FakeRelayHandle) -> None:
    """Seed "Simple outbound call", with the flat media item as published."""
    fake.server.network.accept_flat_media = True  # the seed's play([{"type": "tts", "text": ...}])
    async with asyncio.timeout(5):
        async with client(fake) as sdk:
            call = await sdk.dial(devices=[[phone("+15559876543", "+15551234567", timeout=30)]])
            assert call.state == "answered" and call.node_id == fake.server.node_id
            action = await call.play([{"type": "tts", "text": "Hello!"}])
            await action.wait()
            assert action.result.params["state"] == "finished"
            await call.hangup()
            await call.wait_for_ended()
            await all_acked(fake)
    assert events(fake, "calling.call.state", "call_state")[-2:] == ["ending", "ended"]
    # The connect handshake carried what RELAY.md C.1 says [PY] sends.
    connect = next(e for e in fake.server.journal if e.method == "signalwire.connect")
    assert connect.params["version"] == {"major": 2, "minor": 0, "revision": 0}
    assert connect.params["agent"] == "signalwire-agents-python/1.0"


async def test_flat_media_is_rejected_by_the_strict_default(fake: FakeRelayHandle) -> None:
    """RELAY.md H.4/K.24: [PY] forwards the flat shorthand; the fake flags it with 400."""
    async with asyncio.timeout(5):
        async with client(fake) as sdk:
            call = await sdk.dial(devices=[[phone("+15559876543", "+15551234567")]])
            with pytest.raises(relay.RelayError) as info:
                await call.play([{"type": "tts", "text": "Hello!"}])
            assert info.value.code == 400
            action = await call.play_tts("Hello!")  # the SDK's typed helper nests it
            await action.wait()
            await call.hangup()


async def test_serial_failover(fake: FakeRelayHandle) -> None:
    """Seed "Serial dial (failover)": +15551111111 never answers, +15552222222 does."""
    async with asyncio.timeout(5):
        async with client(fake) as sdk:
            call = await sdk.dial(devices=[[phone("+15551111111")], [phone("+15552222222")]])
            assert call.device["params"]["to_number"] == "+15552222222"
            await call.hangup()
            await all_acked(fake)
    ends = [
        (e.event_params["device"]["params"]["to_number"], e.event_params.get("end_reason"))  # type: ignore[index, call-overload]
        for e in fake.server.journal
        if e.event_type == "calling.call.state" and e.event_params["call_state"] == "ended"
    ]
    assert ends == [("+15551111111", "noAnswer"), ("+15552222222", "hangup")]


async def test_parallel_ring(fake: FakeRelayHandle) -> None:
    """Seed "Parallel dial (ring all)": first to answer wins, the other is cancelled."""
    async with asyncio.timeout(5):
        async with client(fake) as sdk:
            call = await sdk.dial(devices=[[phone("+15551111111"), phone("+15552222222")]])
            assert call.device["params"]["to_number"] == "+15552222222"
            await fake.wait_until(lambda: len(fake.server.calls()) == 1)
            [live] = fake.server.calls()
            assert live.call_id == call.call_id and live.state is CallState.ANSWERED
            await call.hangup()
            await all_acked(fake)
    assert "cancel" in events(fake, "calling.call.state", "end_reason")


async def test_failed_dial(fake: FakeRelayHandle) -> None:
    fake.server.directory.set("+15551111111", Busy())
    fake.server.directory.set("+15552222222", NeverAnswers())
    async with asyncio.timeout(5):
        async with client(fake) as sdk:
            with pytest.raises(relay.RelayError) as info:
                await sdk.dial(devices=[[phone("+15551111111")], [phone("+15552222222")]])
            assert info.value.code == -1 and "Dial failed" in info.value.message
            await all_acked(fake)
    assert events(fake, "calling.call.dial", "reason")[-1] == "noAnswer"
    assert fake.server.calls() == []


async def run_connect_seed(fake: FakeRelayHandle) -> tuple[str, Any]:
    """The seed's connect example, verbatim but for capturing the result (and ``phone``)."""
    fake.server.network.accept_flat_media = True  # the seed plays {"type": "tts", "text": ...}
    done: asyncio.Future[tuple[str, Any]] = asyncio.get_running_loop().create_future()
    sdk = client(fake)

    @sdk.on_call  # type: ignore[untyped-decorator]  # the official SDK is untyped
    async def handle_call(call: Any) -> None:
        try:
            await call.answer()
            await call.play([{"type": "tts", "text": "Connecting you now..."}])
            result = await call.connect(
                [[phone("+15551234567", "+15559876543")], [phone("+15559999999", "+15559876543")]]
            )
            done.set_result((call.call_id, result))
        except Exception as exc:  # surface handler failures in the test
            done.set_exception(exc)

    async with sdk:
        await fake.wait_until(
            lambda: any(
                s.connection is not None and "default" in s.contexts for s in fake.server.sessions()
            )
        )
        fake.inject_inbound_call(
            context="default", from_number="+15553334444", to_number="+15559876543"
        )
        call_id, result = await done
        await fake.wait_until(
            lambda: (
                events(fake, "calling.call.connect", "connect_state")[-1:]
                in (["connected"], ["failed"])
            )
        )
        await all_acked(fake)
    return call_id, result


async def test_connect_succeeds(fake: FakeRelayHandle) -> None:
    async with asyncio.timeout(5):
        call_id, result = await run_connect_seed(fake)
    assert result == {
        "code": "200",
        "message": "Connecting",
    }  # [PY] returns on the ack (RELAY.md G.2)
    a_leg = fake.server.call(call_id)
    assert a_leg is not None and a_leg.state is CallState.ANSWERED and a_leg.bridged_to is not None
    peer = fake.server.call(a_leg.bridged_to.call_id)
    assert peer is not None and peer.destination == "+15551234567"


async def test_connect_fails(fake: FakeRelayHandle) -> None:
    fake.server.directory.set("+15551234567", Busy())
    fake.server.directory.set("+15559999999", Busy())
    async with asyncio.timeout(5):
        call_id, result = await run_connect_seed(fake)
    assert result == {"code": "200", "message": "Connecting"}
    assert events(fake, "calling.call.connect", "connect_state")[-1] == "failed"
    assert events(fake, "calling.call.connect", "failed_reason")[-1] == "busy"
    a_leg = fake.server.call(call_id)
    assert a_leg is not None and a_leg.state is CallState.ANSWERED and a_leg.bridged_to is None


async def test_wrong_token_is_a_relay_error(fake: FakeRelayHandle) -> None:
    async with asyncio.timeout(5):
        sdk = relay.RelayClient(project=PROJECT, token="wrong", host=fake.host)
        with pytest.raises(relay.RelayError) as info:
            await sdk.connect()
        await sdk.disconnect()
    assert info.value.code == -32002
