"""``sansio-relay serve`` as a process against a ``fake-server`` process: the
per-call log, the drain on SIGTERM with a call in progress (trio and asyncio),
the second signal, and the app spec's usage errors."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from relay_trio._cli_serve import main

from .processes import Proc, fake_server, worker


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    started: list[Proc] = []
    yield started
    for proc in started:
        proc.stop()


def call_id(placed: str) -> str:
    return placed.split("placed inbound call ")[1].split()[0]


@pytest.mark.parametrize("loop", ["trio", "asyncio"])
def test_sigterm_lets_the_call_in_progress_finish_then_exits_0(
    loop: str, procs: list[Proc]
) -> None:
    fake, url = fake_server()
    procs.append(fake)
    app = "serve_app:answer_and_hold" + ("_asyncio" if loop == "asyncio" else "")
    serve = worker(url, app, "--loop", loop, "--grace", "10", SERVE_APP_HOLD="1.5")
    procs.append(serve)
    serve.err.expect("serving ")
    fake.out.expect("connected on connection")
    fake.send("call +15553334444 +15550001111\n")
    first = call_id(fake.out.expect("placed inbound call"))
    serve.err.expect(f"call {first} from +15553334444 answered")
    started = time.monotonic()
    serve.popen.send_signal(signal.SIGTERM)
    serve.err.expect("SIGTERM: draining")
    serve.err.expect("unreceived office: no new offers")
    fake.send("call +15553335555 +15550001111\n")  # no worker left: it waits
    fake.out.expect("no session receives context 'office' yet")
    serve.err.expect(f"handler finished call {first}")
    assert "drained: 1 calls handled (1 finished, 0 cut" in serve.err.expect("drained: ")
    assert serve.popen.wait(timeout=10) == 0
    assert time.monotonic() - started < 5  # the call's 1.5 s, not the 10 s grace
    fake.out.expect(f"call {first} from +15553334444 ended (hangup)")
    lines = serve.err.finish()
    assert not any("Traceback" in line or "test-token" in line for line in lines)
    # One line per call event, each naming the call id.
    assert any(f"call {first} from +15553334444 ended (hangup)" in line for line in lines)
    assert lines[-1].endswith("exiting")


def test_grace_running_out_hangs_up_and_a_second_signal_exits_at_once(
    procs: list[Proc],
) -> None:
    fake, url = fake_server()
    procs.append(fake)
    cut = worker(url, "serve_app:answer_and_hold", "--grace", "0.5", SERVE_APP_HOLD="60")
    held = worker(url, "serve_app:answer_and_hold", "--grace", "60", SERVE_APP_HOLD="60")
    procs += [cut, held]
    for proc in (cut, held):
        proc.err.expect("serving ")
    fake.out.count("connected on connection", 2)
    fake.send("call +15553334444 +15550001111\ncall +15553335555 +15550001111\n")
    cut.err.expect(" answered")
    held.err.expect(" answered")  # round robin: one call each

    cut.popen.send_signal(signal.SIGTERM)
    cut.err.expect("grace over: cutting 1 calls in progress")
    assert "(0 finished, 1 cut at the grace)" in cut.err.expect("drained: ")
    assert cut.popen.wait(timeout=10) == 0
    fake.out.expect("ended (hangup)")

    held.popen.send_signal(signal.SIGTERM)
    held.err.expect("unreceived office")
    started = time.monotonic()
    held.popen.send_signal(signal.SIGINT)
    assert held.popen.wait(timeout=10) == 128 + signal.SIGINT
    assert time.monotonic() - started < 3
    held.err.expect("second signal (SIGINT): exiting now")


@pytest.mark.parametrize(
    ("app", "message"),
    [
        ("serve_app", "is not MODULE:HANDLER"),
        ("no_such_module_xyz:handler", "no module 'no_such_module_xyz'"),
        ("serve_app:missing", "has no 'missing'"),
        ("serve_app:not_async", "is not an async function"),
    ],
)
def test_a_bad_app_is_a_usage_error(
    app: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from .processes import HERE

    with pytest.raises(SystemExit) as exited:
        main([app, "--context", "office", "--app-dir", str(HERE)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and message in err.splitlines()[-1]
