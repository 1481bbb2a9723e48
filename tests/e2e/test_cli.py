"""``python -m relay_trio fake-server`` and ``demo`` as real processes: URL line,
logging, stdin commands, Ctrl-C, and every bad option value as a usage error."""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from websockets.sync.client import ClientConnection, connect

from relay_trio.__main__ import main as dispatch
from relay_trio._cli_dial import build_parser as dial_parser
from relay_trio._cli_fake_server import _parser as fake_server_parser
from relay_trio._cli_fake_server import describe, load_directory
from relay_trio._cli_serve import build_parser as serve_parser
from relay_trio._demo import build_parser as demo_parser

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


ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}


def start(*args: str, stdin: int = subprocess.DEVNULL) -> subprocess.Popen[str]:
    # stdin at /dev/null as under a process manager: EOF must not stop the server.
    return subprocess.Popen(
        [sys.executable, "-m", "relay_trio", "fake-server", "--port", "0", *args],
        cwd=ROOT,
        env=ENV,
        stdin=stdin,
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
    # stdin stays open: Ctrl-C must stop the server while it waits for a command.
    proc = start(
        "--tls", "--directory", str(directory), "--project", "p1", "--token", "t1",
        stdin=subprocess.PIPE,
    )  # fmt: skip
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
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0
    assert time.monotonic() - started < 2.0
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    assert "stopped" in stderr and "Fatal" not in stderr and "Traceback" not in stderr


def test_bad_directory_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"numbers": {"+1555": "ring twice"}}')
    assert dispatch(["fake-server", "--directory", str(bad)]) == 2
    assert "ring twice" in capsys.readouterr().err
    assert dispatch(["fake-server", "--directory", str(tmp_path / "missing.json")]) == 2


def test_dispatcher_usage_and_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert dispatch([]) == 2
    usage = capsys.readouterr().err
    assert all(f"  {name} " in usage for name in ("demo", "fake-server", "dial", "serve"))
    assert dispatch(["--help"]) == 0
    assert dispatch(["nope"]) == 2


def test_directory_file_layers_on_the_default() -> None:
    directory = load_directory(None)
    assert directory.lookup("+15551111111") == load_directory(None).lookup("+15551111111")


def test_log_lines() -> None:
    from relay_core.testing import SERVER_TO_CLIENT, JournalEntry
    from relay_core.wire import Request

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


# -- bad option values --------------------------------------------------------------


BAD_VALUES = [
    ("demo", "--speed", "0"),  # hung forever: trio's MockClock(rate=0) never advances
    ("demo", "--speed", "-1"),
    ("demo", "--speed", "inf"),
    ("demo", "--speed", "nan"),
    ("demo", "--speed", "1000"),  # the client's own timers share the clock
    ("demo", "--talk", "-1"),
    ("demo", "--talk", "inf"),
    ("demo", "--ring-timeout", "0"),
    ("demo", "--open-timeout", "-1"),
    ("fake-server", "--port", "99999"),  # was taken modulo 65536: port 34463
    ("fake-server", "--port", "-5"),
    ("fake-server", "--port", "http"),
    ("fake-server", "--ping-interval", "0"),
    ("dial", "--timeout", "0"),
    ("dial", "--timeout", "nan"),
    ("dial", "--ring-timeout", "-1"),
    ("dial", "--hangup-after", "-1"),
    ("dial", "--open-timeout", "0"),
    ("dial", "--speed", "0"),
    ("serve", "--grace", "-1"),
    ("serve", "--grace", "inf"),
    ("serve", "--max-concurrent", "0"),
    ("serve", "--max-concurrent", "many"),
    ("serve", "--open-timeout", "0"),
]


@pytest.mark.parametrize(("command", "option", "value"), BAD_VALUES)
def test_bad_option_value_is_a_one_line_usage_error(
    command: str, option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        dispatch([command, option, value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"error: argument {option}: {value!r} is not " in err.splitlines()[-1]


@pytest.mark.parametrize(
    ("command", "option", "value"), [("demo", "--speed", "0"), ("fake-server", "--port", "99999")]
)
def test_bad_option_value_exits_2_as_a_process(command: str, option: str, value: str) -> None:
    # Before the fix the first hung and the second served on port 34463.
    done = subprocess.run(
        [sys.executable, "-m", "relay_trio", command, option, value],
        cwd=ROOT,
        env=ENV,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"argument {option}: {value!r}" in done.stderr.splitlines()[-1]


def test_demo_speed_needs_the_embedded_server(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        dispatch(["demo", "--host", "example.signalwire.com", "--speed", "2"])
    assert exited.value.code == 2
    assert "argument --speed: only the embedded" in capsys.readouterr().err


@pytest.mark.parametrize(
    "parser",
    [demo_parser(), fake_server_parser(), dial_parser(), serve_parser()],
    ids=["demo", "fake", "dial", "serve"],
)
def test_every_option_has_help_with_its_default(parser: argparse.ArgumentParser) -> None:
    squeezed = "".join(parser.format_help().split())  # wrapping moves spaces
    for action in parser._actions:
        assert action.help, action.option_strings
        if action.default not in (None, False, argparse.SUPPRESS):
            assert "".join(f"(default: {action.default})".split()) in squeezed, action.dest


# -- the fake server's stdin commands and timeline, as a process --------------------


class Lines:
    """A process stream read by a thread, so a missing line fails instead of hanging."""

    def __init__(self, stream: IO[str] | None) -> None:
        assert stream is not None
        self._queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))

    def expect(self, text: str, timeout: float = 5.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {text!r}; saw {self.seen}") from None
            self.seen.append(line)
            if text in line:
                return line


def rpc(ws: ClientConnection, request_id: str, method: str, params: dict[str, Any]) -> None:
    ws.send(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}))


def receive(ws: ClientConnection, want: str) -> dict[str, Any]:
    """Frames until the response ``want`` or the event of type ``want``; events are acked."""
    while True:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=5))
        if frame.get("method") == "signalwire.event":
            ws.send(json.dumps({"jsonrpc": "2.0", "id": frame["id"], "result": {}}))
            if frame["params"]["event_type"] == want:
                return frame
        elif frame.get("id") == want:
            return frame


def handshake(ws: ClientConnection, project: str, token: str) -> None:
    params: dict[str, Any] = {**HANDSHAKE["params"]}  # type: ignore[dict-item]
    params["contexts"] = ["office"]
    params["authentication"] = {"project": project, "token": token}
    rpc(ws, "hs", "signalwire.connect", params)
    assert "result" in receive(ws, "hs")


def test_stdin_commands_place_a_call_and_the_log_tells_why_a_request_failed(
    stop: list[subprocess.Popen[str]],
) -> None:
    credentials = ("proj-cli", "tok-cli-secret")
    proc = start("--project", credentials[0], "--token", credentials[1], stdin=subprocess.PIPE)
    stop.append(proc)
    out, err = Lines(proc.stdout), Lines(proc.stderr)
    assert proc.stdin is not None
    url = out.expect("listening on ").rsplit(" ", 1)[-1]
    with connect(url, open_timeout=5) as ws:
        handshake(ws, *credentials)
        connected = out.expect(" connected on connection 1, contexts: office")
        label = connected.split("] session ")[1].split()[0]
        # A bad line is one error on stderr; the next command still runs.
        proc.stdin.write("bogus\ncall --context office +15553334444 +15550001111\n")
        proc.stdin.flush()
        assert err.expect("unknown command").endswith("unknown command 'bogus' (try: help)")
        offer = receive(ws, "calling.call.receive")["params"]["params"]
        assert offer["context"] == "office"
        assert offer["device"]["params"]["from_number"] == "+15553334444"
        out.expect(f"placed inbound call {offer['call_id']}")

        # The official docs' flat TTS item: 400, and the log line says why.
        call = {"call_id": offer["call_id"], "node_id": offer["node_id"]}
        flat = [{"type": "tts", "text": "Hi"}]
        rpc(ws, "play", "calling.play", {**call, "control_id": "c1", "play": flat})
        assert receive(ws, "play")["result"]["code"] == "400"
        rejected = out.expect("calling.play rejected:")
        assert "rejected: 400 play[0]: flat media item" in rejected
    out.expect(f"session {label} disconnected (connection 1 closed)")
    proc.stdin.close()  # EOF: no more commands, but the server keeps serving
    err.expect("end of standard input")
    with connect(url, open_timeout=5) as ws:
        handshake(ws, *credentials)
    out.expect(" connected on connection 2")
    # Neither the token nor the project, in whole or in part.
    text = "\n".join(out.seen + err.seen)
    assert "tok-" not in text and "proj-" not in text and "cli-secret" not in text

    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=5) == 0
    assert time.monotonic() - started < 2.0
