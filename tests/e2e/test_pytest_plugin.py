"""The pytest plugin (sansio_relay_pytest) loaded in a child pytest, both loops."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

USER_TESTS = """
import json

import pytest
import trio
import trio_websocket
from websockets.asyncio.client import connect

from relay_core.testing import Busy

HANDSHAKE = json.dumps({"jsonrpc": "2.0", "id": "hs", "method": "signalwire.connect", "params": {
    "version": {"major": 2, "minor": 0, "revision": 0}, "agent": "t", "event_acks": True,
    "authentication": {"project": "test-project", "token": "test-token"}}})


@pytest.fixture
def fake_relay_directory(fake_relay_directory):
    fake_relay_directory.set("+15557654321", Busy())
    return fake_relay_directory


@pytest.mark.trio
async def test_trio_fixture(fake_relay_server):
    assert fake_relay_server.url.startswith("ws://127.0.0.1:")
    assert fake_relay_server.server.directory.lookup("+15557654321") == Busy()
    async with trio_websocket.open_websocket_url(fake_relay_server.url) as ws:
        await ws.send_message(HANDSHAKE)
        assert "protocol" in json.loads(await ws.get_message())["result"]


@pytest.mark.asyncio
async def test_asyncio_fixture(fake_relay_server_asyncio):
    async with connect(fake_relay_server_asyncio.url) as ws:
        await ws.send(HANDSHAKE)
        assert "protocol" in json.loads(await ws.recv())["result"]


@pytest.mark.asyncio
async def test_official_sdk_env(fake_relay_sdk_env):
    import signalwire.relay as relay
    async with relay.RelayClient() as client:  # everything from the environment
        assert client.relay_protocol.startswith("signalwire_")
    assert fake_relay_sdk_env.url.startswith("wss://")
"""


def test_plugin_fixtures_in_a_child_pytest(tmp_path: Path) -> None:
    (tmp_path / "test_user_app.py").write_text(USER_TESTS)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("SIGNALWIRE_SPACE", "SIGNALWIRE_PROJECT_ID", "SIGNALWIRE_API_TOKEN"):
        env.pop(name, None)
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "sansio_relay_pytest",
            "-p", "no:cacheprovider", "-o", "asyncio_mode=strict",
            "-o", "asyncio_default_fixture_loop_scope=function", str(tmp_path),
        ],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    # All three ran: none skipped, none deselected.
    assert "3 passed" in result.stdout, result.stdout
    assert "skipped" not in result.stdout, result.stdout
