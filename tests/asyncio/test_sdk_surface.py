"""The rest of the official SDK's surface: attributes, environment variables, ``RelayError``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import signalwire.relay as official

import relay_asyncio
from relay_asyncio import Call, InvalidArgumentError, RelayClient
from relay_core import max_calls_from

from .scripted import ScriptedServer, scenario, scripted_server


@pytest_asyncio.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    async with scripted_server() as server:
        yield server


def test_max_active_calls_from_the_argument_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert max_calls_from(None, {}) is None  # the core's default (1000, as the SDK's)
    assert max_calls_from(None, {"RELAY_MAX_ACTIVE_CALLS": " 7 "}) == 7
    assert max_calls_from(3, {"RELAY_MAX_ACTIVE_CALLS": "7"}) == 3  # the argument wins
    for bad in ("0", "many", "2.5"):
        with pytest.raises(InvalidArgumentError, match=f"RELAY_MAX_ACTIVE_CALLS.*{bad}"):
            max_calls_from(None, {"RELAY_MAX_ACTIVE_CALLS": bad})
    monkeypatch.setenv("RELAY_MAX_ACTIVE_CALLS", "7")
    assert RelayClient(project="p", token="t")._config.max_calls == 7
    assert RelayClient(project="p", token="t", max_active_calls=2)._config.max_calls == 2
    monkeypatch.setenv("RELAY_MAX_ACTIVE_CALLS", "lots")
    with pytest.raises(InvalidArgumentError, match="RELAY_MAX_ACTIVE_CALLS"):
        RelayClient(project="p", token="t")


def test_client_attributes_as_the_official_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SIGNALWIRE_SPACE", "SIGNALWIRE_JWT_TOKEN", "RELAY_MAX_ACTIVE_CALLS"):
        monkeypatch.delenv(name, raising=False)
    ours = RelayClient(project="p", token="PT-secret", contexts=["office"])
    theirs = official.RelayClient(project="p", token="PT-secret", contexts=["office"])
    for name in ("project", "token", "jwt_token", "host", "contexts", "relay_protocol"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert "PT-secret" not in repr(ours)
    jwt = RelayClient(jwt_token="JWT-secret")
    assert (jwt.project, jwt.token, jwt.jwt_token) == ("", "", "JWT-secret")


def test_relay_error_has_the_official_fields() -> None:
    error = relay_asyncio.RelayError(404, "gone")
    assert (error.code, error.message) == (404, "gone")
    assert issubclass(relay_asyncio.CallGoneError, relay_asyncio.RelayError)


@scenario()
async def test_an_inbound_call_carries_project_and_segment(server: ScriptedServer) -> None:
    client = RelayClient(project="proj-1", token="t", host=server.url, contexts=["office"])
    offered: asyncio.Queue[Call] = asyncio.Queue()
    client.on_call(offered.put)
    async with client:
        peer = await server.accept()
        await peer.event(
            "calling.call.receive",
            {"node_id": "n1", "call_id": "in-1", "context": "office", "call_state": "created",
             "project_id": "proj-9", "segment_id": "seg-1"},
        )  # fmt: skip
        call = await offered.get()
        assert (call.project_id, call.segment_id, call.context) == ("proj-9", "seg-1", "office")
        await peer.event("calling.call.receive", {"node_id": "n1", "call_id": "in-2"})
        second = await offered.get()
        assert (second.project_id, second.segment_id) == ("proj-1", "")  # the client's project
        # A plain class, as the official SDK's: a program may keep its own attributes on a
        # call, and defaults held at class level (to save memory) stay per call.
        call.note = "vip"  # type: ignore[attr-defined]  # a user's own attribute
        call.peer, call.dropped_events, call.end_reason = second, 3, "hangup"
        assert call.note == "vip"  # type: ignore[attr-defined]
        assert (second.peer, second.dropped_events, second.end_reason) == (None, 0, None)
        assert not hasattr(second, "note") and Call.peer is None
