"""``python -m relay_trio fake-server`` as a real process: URL line, logging, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect

from relay_trio.__main__ import main as dispatch
from relay_trio._cli_fake_server import describe, load_directory

ROOT = Path(__file__).resolve().parents[2]

HANDSHAKE = {
    "jsonrpc": "2.0",
    "id": "hs",
    "method": "signalwire.connect",
    "params": {
        "version": {"major": 2, "minor": 0, "revision": 0},
        "agent": "cli-test",
        "event_acks": True,
        "authentication": {"project": "p1", "token": "t1"},
    },
}


def start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "relay_trio", "fake-server", "--port", "0", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def stop() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def read_until(proc: subprocess.Popen[str], prefix: str) -> str:
    assert proc.stdout is not None
    for _ in range(20):
        line = proc.stdout.readline()
        if line.startswith(prefix):
            return line.strip()
        if not line:
            break
    raise AssertionError(
        f"no line starting with {prefix!r}; stderr: {proc.stderr.read() if proc.stderr else ''}"
    )


def test_cli_serves_logs_and_stops_on_ctrl_c(
    tmp_path: Path, stop: list[subprocess.Popen[str]]
) -> None:
    directory = tmp_path / "directory.json"
    directory.write_text(
        json.dumps({"numbers": {"+15557654321": {"behavior": "answer", "after": 0.05}}})
    )
    proc = start("--tls", "--directory", str(directory), "--project", "p1", "--token", "t1")
    stop.append(proc)
    url = read_until(proc, "fake RELAY server listening on ").rsplit(" ", 1)[-1]
    ca_path = read_until(proc, "CA certificate: ").split(": ", 1)[1]
    assert url.startswith("wss://127.0.0.1:")
    context = ssl.create_default_context(cafile=ca_path)
    with connect(url, ssl=context, open_timeout=5) as ws:
        ws.send(json.dumps(HANDSHAKE))
        result = json.loads(ws.recv(timeout=5))
        assert result["result"]["session_restored"] is False
        blob = json.loads(ws.recv(timeout=5))
        ws.send(json.dumps({"jsonrpc": "2.0", "id": blob["id"], "result": {}}))
        dial = {
            "jsonrpc": "2.0",
            "id": "d1",
            "method": "calling.dial",
            "params": {
                "tag": "cli",
                "devices": [[{"type": "phone", "params": {"to_number": "+15557654321"}}]],
            },
        }
        ws.send(json.dumps(dial))
        states = []
        while "answered" not in states:
            frame = json.loads(ws.recv(timeout=5))
            if frame.get("method") == "signalwire.event":
                ws.send(json.dumps({"jsonrpc": "2.0", "id": frame["id"], "result": {}}))
                states.append(
                    frame["params"]["params"].get("call_state")
                    or frame["params"]["params"].get("dial_state")
                )
    assert "connected" in read_until(proc, "[")
    assert "dialing" in read_until(proc, "[")
    assert "created" in read_until(proc, "[")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0
    assert proc.stderr is not None and "stopped" in proc.stderr.read()


def test_bad_directory_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"numbers": {"+1555": "ring twice"}}')
    assert dispatch(["fake-server", "--directory", str(bad)]) == 2
    assert "ring twice" in capsys.readouterr().err
    assert dispatch(["fake-server", "--directory", str(tmp_path / "missing.json")]) == 2


def test_dispatcher_usage_and_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert dispatch([]) == 2
    assert "fake-server" in capsys.readouterr().err
    assert dispatch(["--help"]) == 0
    assert dispatch(["nope"]) == 2


def test_directory_file_layers_on_the_default() -> None:
    directory = load_directory(None)
    assert directory.lookup("+15551111111") == load_directory(None).lookup("+15551111111")


def test_log_lines() -> None:
    from relay_core._fake_server import SERVER_TO_CLIENT, JournalEntry
    from relay_core._wire import Request

    def event(event_type: str, params: dict[str, object]) -> JournalEntry:
        envelope = {"event_type": event_type, "params": params}
        return JournalEntry(
            seq=1, time=0.0, connection=1, direction=SERVER_TO_CLIENT,  # type: ignore[arg-type]
            text="", message=Request("e", "signalwire.event", envelope),  # type: ignore[arg-type]
        )  # fmt: skip

    device = {"type": "phone", "params": {"to_number": "+15551111111"}}
    line = describe(
        event(
            "calling.call.state",
            {
                "call_id": "c1",
                "direction": "outbound",
                "call_state": "ended",
                "end_reason": "noAnswer",
                "tag": "t",
                "device": device,
            },
        )
    )
    assert line == "call c1 to +15551111111 ended (noAnswer) [tag t]"
    line = describe(
        event("calling.call.dial", {"tag": "t", "dial_state": "failed", "reason": "busy"})
    )
    assert line == "dial t failed (busy)"
    line = describe(
        event(
            "calling.call.connect",
            {"call_id": "a", "connect_state": "connected", "peer": {"call_id": "p"}},
        )
    )
    assert line == "connect a connected with p"
    assert (
        describe(
            event("calling.call.play", {"call_id": "a", "control_id": "x", "state": "playing"})
        )
        == "play x on call a playing"
    )
    inbound = {"type": "phone", "params": {"from_number": "+15553334444", "to_number": "+1555"}}
    line = describe(
        event("calling.call.receive", {"call_id": "a", "context": "office", "device": inbound})
    )
    assert line == "inbound call a from +15553334444 offered on context office"
    assert describe(event("signalwire.authorization.state", {})) is None
