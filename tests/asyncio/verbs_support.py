"""Helpers of the verb tests: a dialled call on the served fake, scripted replies and events.

These tests script the server: they arm the reply of the verb's method
(``arm_response``, which takes precedence over the fake's simulation) and
push the exact events they need (``push_event``), so each rule of the
client is tested on chosen frames.  ``test_verbs_simulated`` runs the verbs
against the simulation instead.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from relay_asyncio import Call, RelayClient
from relay_asyncio.testing import FakeRelayHandle

from .served import phone, sent

OK = {"code": "200", "message": "OK"}


@asynccontextmanager
async def dialled(fake: FakeRelayHandle) -> AsyncIterator[tuple[RelayClient, Call]]:
    """A client and an answered outbound call."""
    async with RelayClient(project="test-project", token="test-token", host=fake.url) as client:
        call = await client.dial([[phone("+15552222222")]])
        yield client, call


def arm(fake: FakeRelayHandle, *methods: str, result: dict[str, Any] | None = None) -> None:
    """The next request of each ``method`` is answered ``result`` (default 200)."""
    for method in methods:
        fake.server.arm_response(method, result=OK if result is None else result)


def push(fake: FakeRelayHandle, call: Call, event_type: str, **params: Any) -> None:
    """Send ``event_type`` about ``call`` (its ids added)."""
    (conn,) = fake.connections()
    fake.push_event(conn, event_type, {"node_id": call.node_id, "call_id": call.call_id, **params})


def params_of(fake: FakeRelayHandle, method: str) -> list[dict[str, Any]]:
    """The params of every ``method`` request the client sent, in order."""
    return [json.loads(entry.text)["params"] for entry in sent(fake, method)]
