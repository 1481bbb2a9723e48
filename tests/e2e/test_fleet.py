"""A fleet on one context, end to end: three ``serve`` processes against one
``fake-server`` process.

300 inbound calls, placed in two waves of 150 through the fake server's
standard input; each call is held 1.5 s by tests/e2e/serve_app.py.  Mid-way
(after the first wave is answered) one worker gets SIGTERM: its calls in
progress finish, it gets no offer once its unreceive is answered, it exits
0, and the two others take the second wave.  Every call is answered exactly
once (by exactly one worker's handler) and ends with our hangup: none lost.
"""

from __future__ import annotations

import re
import signal
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from .processes import Proc, fake_server, worker

WAVE = 150
HOLD = "1.5"
CALL_ID = re.compile(r"call ([0-9a-f-]{36})")


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    started: list[Proc] = []
    yield started
    for proc in started:
        proc.stop()


def place(fake: Proc, first: int, count: int) -> None:
    fake.send("".join(f"call +1555{n:07} +15550001111\n" for n in range(first, first + count)))


def ids(lines: list[str], text: str) -> list[str]:
    """The call id of every line containing ``text``."""
    return [match.group(1) for line in lines if text in line and (match := CALL_ID.search(line))]


@pytest.mark.timeout(120)
def test_three_workers_share_a_context_and_one_drains_mid_way(procs: list[Proc]) -> None:
    started = time.monotonic()
    fake, url = fake_server()
    procs.append(fake)
    workers = [
        worker(url, "serve_app:answer_and_hold", "--grace", "20", SERVE_APP_HOLD=HOLD)
        for _ in range(3)
    ]
    procs += workers
    for proc in workers:
        proc.err.expect("serving ", timeout=20)
    fake.out.count("connected on connection", 3, timeout=20)

    place(fake, 0, WAVE)
    fake.out.count("placed inbound call", WAVE, timeout=30)
    fake.out.count(" answered", WAVE, timeout=30)
    victim = workers[1]
    victim.popen.send_signal(signal.SIGTERM)
    place(fake, WAVE, WAVE)  # at once: offers may cross the unreceive, and are passed back
    victim.err.expect("unreceived office: no new offers", timeout=10)
    fake.out.count("placed inbound call", 2 * WAVE, timeout=30)
    assert victim.popen.wait(timeout=30) == 0
    fake.out.count("ended (hangup)", 2 * WAVE, timeout=60)
    for proc in (workers[0], workers[2]):
        proc.popen.send_signal(signal.SIGTERM)
    for proc in (workers[0], workers[2]):
        assert proc.popen.wait(timeout=30) == 0
    elapsed = time.monotonic() - started
    fake.popen.send_signal(signal.SIGINT)
    assert fake.popen.wait(timeout=10) == 0

    placed = ids(fake.out.seen, "placed inbound call")
    assert len(set(placed)) == 2 * WAVE
    fake_lines = fake.out.seen
    # Each call answered exactly once, ended by our hangup: none lost.
    assert Counter(ids(fake_lines, " answered")) == Counter(placed)
    assert Counter(ids(fake_lines, "ended (hangup)")) == Counter(placed)
    assert not [line for line in fake_lines if "noAnswer" in line]

    logs = [proc.err.finish() for proc in workers]
    finished = [ids(lines, "handler finished call") for lines in logs]
    assert Counter(call for calls in finished for call in calls) == Counter(placed)
    spread = [len(calls) for calls in finished]

    # The victim: its calls finished, no offer after its unreceive was answered.
    # The fake server's log is in the order it did things: find the victim's
    # unreceive there, then look for an offer to it after.
    unreceived = next(line for line in fake_lines if " unreceived, contexts: " in line)
    label = unreceived.split("session ")[1].split()[0]
    after = fake_lines[fake_lines.index(unreceived) :]
    assert not [line for line in after if f"to session {label}" in line]
    assert [line for line in fake_lines if f"to session {label}" in line]
    lines = logs[1]
    draining = next(line for line in lines if "draining: unreceiving office" in line)
    assert int(draining.split("; ")[1].split()[0]) > 0  # calls in progress at the signal
    drained = next(line for line in lines if "drained: " in line)
    handled, passed = (
        int(n) for n in re.findall(r"(\d+) (?:calls handled|offers passed)", drained)
    )
    assert f"({handled} finished, 0 cut" in drained and handled == spread[1]
    assert len(ids(lines, "offered on context")) == handled + passed
    # The others took the second wave.
    assert spread[0] + spread[2] >= WAVE and min(spread) > 0
    assert not any("Traceback" in line for lines in [fake.err.finish(), *logs] for line in lines)
    print(f"fleet: {2 * WAVE} calls, spread {spread}, victim passed {passed}, {elapsed:.1f} s")
