"""Process plumbing for the orchestrator: the load server and one arm per subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Results:
    """Samples per metric, each tagged with its round; notes per arm."""

    samples: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)
    #: Free-form breakdowns (the memory rows' top allocation sites).
    details: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, key: str, round_index: int, value: float | None) -> None:
        if value is not None:
            self.samples.setdefault(key, []).append((round_index, float(value)))

    def fail(self, key: str, message: str) -> None:
        self.failures.setdefault(key, []).append(message)

    def values(self, key: str) -> list[float]:
        return [value for _, value in self.samples.get(key, [])]

    def by_round(self, key: str) -> dict[int, float]:
        return dict(self.samples.get(key, []))


class Placement:
    """Which CPU the clients and the load server run on.

    On a machine with two or more usable CPUs every client (and in-process
    measurement) is pinned to the first and the load server plus this
    orchestrator to the last, so each side of a run owns a core and the two
    never fight over one.  ``None``: no pinning.
    """

    client: int | None = None
    server: int | None = None

    @classmethod
    def configure(cls, pin: bool) -> str:
        cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        if not pin or len(cpus) < 2:
            cls.client = cls.server = None
            return "not pinned"
        cls.client, cls.server = cpus[0], cpus[-1]
        os.sched_setaffinity(0, {cls.server})
        return (
            f"clients pinned to CPU {cls.client}, load server and orchestrator to CPU {cls.server}"
        )


def _pin(pid: int, cpu: int | None) -> None:
    if cpu is not None:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, {cpu})


class ArmSkipped(Exception):
    """The arm's library or API is not there (yet)."""


class ArmFailed(Exception):
    """The arm crashed, timed out or reported an error."""


def _environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONHASHSEED", "0")
    for name, value in (extra or {}).items():
        if value:
            env[name] = value
        else:  # an empty value removes the variable
            env.pop(name, None)
    return env


def _pump(stream: IO[str], sink: queue.Queue[dict[str, Any] | None]) -> None:
    for line in stream:
        line = line.strip()
        if not line:
            continue
        try:
            sink.put(json.loads(line))
        except json.JSONDecodeError:
            sink.put({"noise": line})
    sink.put(None)


class Child:
    """A subprocess that speaks JSON lines on stdout and takes words on stdin."""

    def __init__(
        self, args: list[str], env: dict[str, str] | None = None, *, server: bool = False
    ) -> None:
        self.stderr_file = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in finish()
        self.proc = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=_environment(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr_file,
            text=True,
            bufsize=1,
        )
        _pin(self.proc.pid, Placement.server if server else Placement.client)
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        assert self.proc.stdout is not None
        self.thread = threading.Thread(
            target=_pump, args=(self.proc.stdout, self.messages), daemon=True
        )
        self.thread.start()
        self.closed = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def tell(self, word: str) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(word + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def stderr_tail(self, lines: int = 8) -> str:
        self.stderr_file.seek(0)
        text = self.stderr_file.read().strip().splitlines()
        return " | ".join(text[-lines:])

    def expect(
        self,
        keys: Iterable[str],
        timeout: float,
        also: Callable[[], dict[str, Any] | None] | None = None,
    ) -> dict[str, Any]:
        """The next message holding one of ``keys``; skips and errors raise.

        ``also`` is polled while waiting (the load server's queue), so a
        message from elsewhere can end the wait too.
        """
        wanted = tuple(keys)
        deadline = time.monotonic() + timeout
        while True:
            if also is not None:
                other = also()
                if other is not None:
                    return other
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ArmFailed(f"timed out waiting for {wanted}; stderr: {self.stderr_tail()}")
            try:
                message = self.messages.get(timeout=min(remaining, 0.05 if also else 1.0))
            except queue.Empty:
                continue
            if message is None:
                self.proc.wait(timeout=5)
                raise ArmFailed(
                    f"exited with {self.proc.returncode} before {wanted}; "
                    f"stderr: {self.stderr_tail()}"
                )
            if "skip" in message:
                raise ArmSkipped(str(message["skip"]))
            if "error" in message:
                raise ArmFailed(f"{message['error']}; stderr: {self.stderr_tail()}")
            if any(key in message for key in wanted):
                return message

    def finish(self, timeout: float = 10.0) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        finally:
            if self.proc.stdin is not None:
                with contextlib.suppress(OSError):
                    self.proc.stdin.close()
            self.stderr_file.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.finish(timeout=5)


class LoadServerProcess:
    """The load server subprocess and its command channel."""

    def __init__(self, cert: str, key: str) -> None:
        self.child = Child(
            ["-m", "benchmarks.load_server", "--cert", cert, "--key", key], server=True
        )
        hello = self.child.expect(["event"], timeout=30)
        if hello.get("event") != "listening":
            raise RuntimeError(f"load server did not start: {hello}")
        self.plain_port: int = hello["plain"]
        self.tls_port: int = hello["tls"]

    def command(self, **command: Any) -> None:
        assert self.child.proc.stdin is not None
        self.child.proc.stdin.write(json.dumps(command) + "\n")
        self.child.proc.stdin.flush()

    def wait(self, events: Iterable[str], timeout: float) -> dict[str, Any]:
        wanted = set(events)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = self.child.messages.get(timeout=0.1)
            except queue.Empty:
                continue
            if message is None:
                raise RuntimeError(f"load server exited: {self.child.stderr_tail()}")
            if message.get("event") in wanted:
                return message
        raise TimeoutError(f"load server: no {sorted(wanted)} within {timeout:g} s")

    def poll(self, events: Iterable[str]) -> dict[str, Any] | None:
        """A waiting server message among ``events``, or None (others are dropped)."""
        wanted = set(events)
        while True:
            try:
                message = self.child.messages.get_nowait()
            except queue.Empty:
                return None
            if message is None:
                raise RuntimeError(f"load server exited: {self.child.stderr_tail()}")
            if message.get("event") in wanted:
                return message

    def arm(self, **job: Any) -> None:
        self.command(cmd="arm", **job)
        self.wait(["armed"], timeout=10)

    def clear(self) -> None:
        self.command(cmd="clear")
        self.wait(["cleared"], timeout=10)

    def stats(self) -> dict[str, Any]:
        self.command(cmd="stats")
        return self.wait(["stats"], timeout=10)

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.command(cmd="quit")
        self.child.finish(timeout=10)


def run_inproc(args: list[str], timeout: float = 300.0) -> dict[str, Any]:
    """Run ``python -m benchmarks.inproc ARGS`` and return its JSON answer."""
    with subprocess.Popen(
        [sys.executable, "-m", "benchmarks.inproc", *args],
        cwd=ROOT,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        _pin(proc.pid, Placement.client)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
    completed = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    if completed.returncode != 0:
        tail = " | ".join(completed.stderr.strip().splitlines()[-6:])
        raise ArmFailed(f"inproc {args[0]} exited {completed.returncode}: {tail}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    if "skip" in result:
        raise ArmSkipped(str(result["skip"]))
    return result
