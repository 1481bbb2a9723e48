"""Newcomer item 3 / hostile item 7: no part of a credential reaches a log line, at any level.

Every logger at DEBUG (root, websockets, trio-websocket, both adapters,
asyncio), a full session on each adapter against the served fake server:
login, dial, play, hangup, a server-requested disconnect and the resume
(which sends ``authorization_state``), another dial, close.  Credentials are
random strings over an alphabet nothing else in a log uses, so any 4
consecutive characters of one (or 8 of its base64 form) in a record is a leak.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from relay_core import FakeRelayServer, describe_frame, wire_logger
from relay_core.testing import SERVER_TO_CLIENT

from .harness import Env, fast_server, requests_seen

#: Outside the base64 and hex alphabets and off every English word: a random nonce
#: logged by websockets (Sec-WebSocket-Key/Accept are base64) can never match a
#: 4-gram by chance, which letters did about once in a thousand runs.
_ALPHABET = "~!^*|"
ROOT = Path(__file__).resolve().parents[2]


def secret(length: int) -> str:
    return "".join(random.choice(_ALPHABET) for _ in range(length))


def leaks(text: str, secrets: list[str]) -> list[str]:
    """Every 4-gram of a secret (8-gram of its base64 form) found in ``text``."""
    found = []
    for value in secrets:
        forms = [(value, 4), (json.dumps(value)[1:-1], 4)]
        forms.append((base64.b64encode(value.encode()).decode(), 8))
        forms.append((base64.urlsafe_b64encode(value.encode()).decode().rstrip("="), 8))
        for form, size in forms:
            found += [form[i : i + size] for i in range(len(form) - size + 1)]
    return sorted({gram for gram in found if gram in text})


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.lines.append(repr(record.args))


@pytest.fixture
def every_logger_at_debug() -> Iterator[Capture]:
    """Root and every known logger at DEBUG, everything captured (restored after)."""
    names = [
        "",
        "websockets",
        "websockets.client",
        "websockets.server",
        "trio-websocket",
        "relay_trio",
        "relay_asyncio",
        "asyncio",
        *logging.root.manager.loggerDict,
    ]
    loggers = [logging.getLogger(name) for name in names]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    capture = Capture()
    logging.getLogger().addHandler(capture)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    try:
        yield capture
    finally:
        logging.getLogger().removeHandler(capture)
        for logger, level, disabled in saved:
            logger.setLevel(level)
            logger.disabled = disabled


def distinctive_blobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake server's authorization_state in the distinctive alphabet too."""
    monkeypatch.setattr(FakeRelayServer, "_new_blob", lambda self: secret(48))


@pytest.mark.parametrize("contexts", [[], ["office"]], ids=["no-contexts", "contexts"])
@pytest.mark.parametrize("jwt", [False, True], ids=["token", "jwt"])
def test_no_credential_in_any_log_record(
    env: Env,
    every_logger_at_debug: Capture,
    monkeypatch: pytest.MonkeyPatch,
    fast_reconnect: None,
    jwt: bool,
    contexts: list[str],
) -> None:
    distinctive_blobs(monkeypatch)
    token, jwt_token = secret(40), secret(120)
    server = fast_server(credentials={"proj-1": token}, jwt_tokens=[jwt_token])
    states: list[str] = []
    auth = {"jwt_token": jwt_token} if jwt else {"project": "proj-1", "token": token}

    async def body(env: Env) -> None:
        async with (
            env.serve(server) as fake,
            env.client(**auth, host=fake.url, contexts=contexts) as client,
        ):
            call = await client.dial()
            await client.play(call)
            await client.hangup(call)
            [conn] = fake.connections()
            fake.request_disconnect(conn)
            assert await env.wait_until(
                fake, lambda: requests_seen(fake, "signalwire.connect") == 2
            )
            call = await client.dial()  # on the resumed session
            await client.hangup(call)
            assert token not in repr(client.raw) and jwt_token not in repr(client.raw)
        for entry in server.journal:
            if entry.direction == SERVER_TO_CLIENT and entry.event_type == (
                "signalwire.authorization.state"
            ):
                states.append(entry.event_params["authorization_state"])  # type: ignore[arg-type]

    env.run(body, limit=10)
    resumed = [
        json.loads(e.text)["params"]
        for e in server.journal
        if e.method == "signalwire.connect" and "authorization_state" in e.text
    ]
    assert resumed, "the resume must send authorization_state (else the test proves little)"
    assert len(states) >= 2
    text = "\n".join(every_logger_at_debug.lines)
    assert "> TEXT" in text or "< TEXT" in text  # websockets' frame lines are there, described
    assert "signalwire.connect" in text
    assert leaks(text, [token, jwt_token, *states]) == []


def test_describe_frame_keeps_no_value() -> None:
    token = secret(40)
    frame = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": "c0ffee-1",
            "method": "signalwire.connect",
            "params": {"authentication": {"project": "p", "token": token}},
        }
    )
    described = describe_frame(frame)
    assert described == f"request signalwire.connect id=c0ffee-1 ({len(frame)} bytes)"
    event = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 7,
            "method": "signalwire.event",
            "params": {"event_type": "signalwire.authorization.state", "params": {"a": token}},
        }
    )
    assert describe_frame(event).startswith("request signalwire.event signalwire.authorization")
    assert describe_frame(b"\xff not json") == "(10 bytes)"
    assert describe_frame('{"id": "' + token + ' x", "result": {}}').startswith("result id=<")


def test_demo_verbose_logs_no_credential() -> None:
    """``python -m relay_trio demo -v`` (the embedded fake server, sped up)."""
    proc = subprocess.run(
        [sys.executable, "-m", "relay_trio", "demo", "-v", "--speed", "50"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-2000:]
    assert "TEXT request signalwire.connect" in output  # frames are logged, described
    assert "test-token" not in output and "-token" not in output
    assert "authorization_state" not in output


def test_wire_logger_redacts_credential_headers_and_describes_frames(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Frame:  # websockets.frames.Frame's shape
        opcode = type("Op", (), {"name": "TEXT"})()
        data = b'{"jsonrpc": "2.0", "id": "1", "method": "x.y", "params": {"t": "QXZJKVWq"}}'

    caplog.set_level(logging.DEBUG, logger="websockets.client")
    log = wire_logger("websockets.client")
    log.debug("> %s: %s", "Authorization", "Basic QXZJKVWqxzjkvw==")
    log.debug("> %s: %s", "Host", "example.com")
    log.debug("> %s", Frame())
    assert [r.getMessage() for r in caplog.records] == [
        "> Authorization: [redacted]",
        "> Host: example.com",
        f"> TEXT request x.y id=1 ({len(Frame.data)} bytes)",
    ]
    assert all(r.name == "websockets.client" for r in caplog.records)
