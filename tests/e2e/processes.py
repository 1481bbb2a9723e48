"""Helpers for the end-to-end tests that run ``sansio-relay`` as real processes."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
for _name in ("SIGNALWIRE_SPACE", "SIGNALWIRE_PROJECT_ID", "SIGNALWIRE_API_TOKEN"):
    ENV.pop(_name, None)


class Lines:
    """A process stream read by a thread, so a missing line fails instead of hanging."""

    def __init__(self, stream: IO[str] | None) -> None:
        assert stream is not None
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def expect(self, text: str, timeout: float = 10.0) -> str:
        """The next line containing ``text`` (the lines before it are kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {text!r}; saw {self.seen[-20:]}") from None
            if line is None:
                self._queue.put(None)
                raise AssertionError(f"the stream ended without {text!r}; saw {self.seen[-20:]}")
            self.seen.append(line)
            if text in line:
                return line

    def count(self, text: str, wanted: int, timeout: float = 10.0) -> None:
        """Read until ``wanted`` lines (seen so far) contain ``text``."""
        deadline = time.monotonic() + timeout
        while sum(text in line for line in self.seen) < wanted:
            self.expect(text, timeout=max(0.0, deadline - time.monotonic()))

    def finish(self, timeout: float = 10.0) -> list[str]:
        """Every line, once the stream ended (the process exited)."""
        self._thread.join(timeout)
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.seen.append(line)
        return self.seen


class Proc:
    """``python -m relay_trio ARGS`` with both streams read by threads."""

    def __init__(
        self, *args: str, stdin: int = subprocess.DEVNULL, env: dict[str, str] | None = None
    ) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "relay_trio", *args],
            cwd=ROOT,
            env={**ENV, **(env or {})},
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out = Lines(self.popen.stdout)
        self.err = Lines(self.popen.stderr)

    def send(self, text: str) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(text)
        self.popen.stdin.flush()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait()


def fake_server() -> tuple[Proc, str]:
    """A ``fake-server`` process on a free port, and its URL."""
    proc = Proc("fake-server", "--port", "0", stdin=subprocess.PIPE)
    url = proc.out.expect("fake RELAY server listening on ").rsplit(" ", 1)[-1]
    return proc, url


def worker(url: str, *args: str, **env: str) -> Proc:
    """A ``serve`` process running tests/e2e/serve_app.py's handler on office."""
    args = args or ("serve_app:answer_and_hold",)
    return Proc(
        "serve", "--app-dir", str(HERE), "--context", "office", "--host", url,
        "--project", "test-project", "--token", "test-token", *args, env=env,
    )  # fmt: skip
