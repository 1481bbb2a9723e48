"""``sansio-relay dial`` against the embedded fake server: the timeline, --json,
and the exit status by outcome (in-process, with the server's clock 20x)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from relay_trio._cli_dial import EXIT, main, parse_plan

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--speed", "20"]


@pytest.fixture(autouse=True)
def no_space(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SIGNALWIRE_SPACE", "SIGNALWIRE_PROJECT_ID", "SIGNALWIRE_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def dial(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main([*args, *FAST], out=out)
    return code, out.getvalue()


def test_answered_plays_waits_and_hangs_up() -> None:
    code, out = dial("+15552222222", "--say", "Hello", "--hangup-after", "2")
    assert code == EXIT["answered"] == 0
    lines = out.splitlines()
    answered = next(i for i, line in enumerate(lines) if line.endswith(" answered"))
    order = [
        next(i for i, line in enumerate(lines) if text in line)
        for text in ("play playing", "play finished", "on the line for 2 s", "ended (hangup)")
    ]
    assert answered < order[0] and order == sorted(order)
    assert lines[-1] == "answered (exit 0)"


def test_busy_fails_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = dial("+15551110003")
    assert code == EXIT["failed"] == 1
    assert "ended (busy)" in out
    assert "failed: busy (exit 1)" in capsys.readouterr().err


def test_nobody_answering_within_the_timeout_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = dial("+15551111111", "--timeout", "3")
    assert code == EXIT["timeout"] == 3
    assert "timeout: nobody answered within 3 s" in capsys.readouterr().err


def test_json_lines_for_a_serial_failover_then_a_parallel_connect() -> None:
    code, out = dial(
        "+15551111111", "--ring-timeout", "2", "+15559999999",
        "--connect-to", "+15551110001,+15551110002", "--json",
    )  # fmt: skip
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    *events, outcome = lines
    assert outcome == {
        "event": "outcome", "outcome": "answered", "call_id": outcome["call_id"], "exit_code": 0,
    }  # fmt: skip
    times = [line["t"] for line in events]
    assert times == sorted(times)
    calls = [(e["to"], e["state"], e.get("reason")) for e in events if e["event"] == "call"]
    assert ("+15551111111", "ended", "noAnswer") in calls
    assert ("+15559999999", "answered", None) in calls
    (connected,) = [e for e in events if e["event"] == "connect" and e["state"] == "connected"]
    assert connected["call_id"] == outcome["call_id"] and connected["to"] == "+15551110002"
    assert events[-1] == {"t": events[-1]["t"], "event": "step", "text": "done"}


def test_a_failed_connect_exits_1_and_hangs_up(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = dial("+15552222222", "--connect-to", "+15551110003")
    assert code == 1
    assert "failed: connect: busy" in capsys.readouterr().err
    assert "ended (hangup)" in out


def test_a_space_from_the_environment_is_dialled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNALWIRE_SPACE", "ws://127.0.0.1:9")  # discard: refused
    monkeypatch.setenv("SIGNALWIRE_PROJECT_ID", "p")
    monkeypatch.setenv("SIGNALWIRE_API_TOKEN", "t")
    out = io.StringIO()
    code = main(["+15552222222", "--open-timeout", "0.5", "--json"], out=out)
    assert code == EXIT["error"] == 4
    (line,) = [json.loads(text) for text in out.getvalue().splitlines()]
    assert line["outcome"] == "error" and "127.0.0.1:9" in line["reason"]


def test_plan_syntax() -> None:
    plan = parse_plan(["+15551111111,sip:bob@example.com", "+15552222222"], "+15550000000", 5)
    assert [[d["type"] for d in group] for group in plan] == [["phone", "sip"], ["phone"]]
    assert plan[0][1]["params"] == {
        "to": "sip:bob@example.com", "from": "sip:15550000000@sansio-relay.invalid", "timeout": 5,
    }  # fmt: skip
    assert plan[1][0]["params"]["from_number"] == "+15550000000"


@pytest.mark.parametrize(
    "plan", ["5551234", "+1555,", ",+1555", "sip:nobody", "+1555 1", "+0123", "+1" + "2" * 15]
)
def test_a_bad_plan_is_a_usage_error(plan: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([plan])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "error: argument PLAN: " in err.splitlines()[-1]


def test_the_console_script_is_installed_and_dials() -> None:
    script = Path(sys.executable).with_name("sansio-relay")
    assert script.exists(), "pip install -e . installs the sansio-relay console script"
    done = subprocess.run(
        [str(script), "dial", "+15551110003", "--json", *FAST],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    outcome = json.loads(done.stdout.splitlines()[-1])
    assert outcome == {"event": "outcome", "outcome": "failed", "reason": "busy", "exit_code": 1}
