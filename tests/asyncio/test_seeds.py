"""The published example programs, with only the import changed, against the fake server.

Each program runs in its own interpreter (``client.run()`` blocks until
Ctrl-C, as in production).  A two-line bootstrap points the programs' Space
host (``your-space.signalwire.com``) at the fake server; nothing else in them
is touched.  The fake accepts their placeholder credentials.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

from relay_asyncio.testing import FakeRelayHandle

from .scripted import scenario
from .served import FROM, sent

SEEDS = Path(__file__).parent / "seeds"
ROOT = Path(__file__).parents[2]
BOOT = (
    "import sys, relay_asyncio._client as c\n"
    "c.websocket_url = lambda host: sys.argv[1]\n"
    "exec(compile(open(sys.argv[2]).read(), sys.argv[2], 'exec'), {'__name__': '__main__'})\n"
)


async def launch(fake: FakeRelayHandle, seed: str) -> asyncio.subprocess.Process:
    source = SEEDS / f"{seed}.txt"
    assert "from relay_asyncio import RelayClient" in source.read_text()
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        BOOT,
        fake.url,
        str(source),
        cwd=ROOT,
        env={"PYTHONUNBUFFERED": "1", "PATH": ""},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(process: asyncio.subprocess.Process) -> str:
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


@scenario(6)
async def test_seed_simple_outbound_call(fake: FakeRelayHandle) -> None:
    await finish(await launch(fake, "client_dial_simple"))
    assert len(sent(fake, "calling.dial")) == 1
    (play,) = sent(fake, "calling.play")
    (end,) = sent(fake, "calling.end")
    assert play.params["play"] == [{"type": "tts", "params": {"text": "Hello!"}}]
    assert end.params["reason"] == "hangup"
    call = fake.server.call(str(end.params["call_id"]))
    assert call is not None and call.end_reason == "hangup"
    assert call.destination == "+15559876543" and not call.plays
    await fake.wait_until(lambda: fake.connections() == [])


@scenario(6)
async def test_seeds_serial_and_parallel_dial(fake: FakeRelayHandle) -> None:
    await asyncio.gather(
        finish(await launch(fake, "client_dial_serial")),
        finish(await launch(fake, "client_dial_parallel")),
    )
    plans: list[Any] = [e.params["devices"] for e in sent(fake, "calling.dial")]
    shapes = sorted(tuple(len(group) for group in plan) for plan in plans)
    assert shapes == [(1, 1), (2,)]
    answered = [c for c in fake.server.calls(live_only=False) if c.end_reason is None]
    # Both programs leave their answered call up (the seeds do not hang up).
    assert sorted(c.destination for c in answered) == ["+15552222222", "+15552222222"]


@scenario(6)
async def test_seed_inbound_connect_with_run_and_ctrl_c(fake: FakeRelayHandle) -> None:
    process = await launch(fake, "call_connect")
    fake.inject_inbound_call(context="default", from_number=FROM, to_number="+15551112222")
    assert process.stdout is not None
    line = (await process.stdout.readline()).decode()
    assert line.startswith("Connect result: {'code': '200', 'message': ")
    assert "'state': 'connected'" in line
    (connect,) = sent(fake, "calling.connect")
    plan: Any = connect.params["devices"]
    assert [len(group) for group in plan] == [1, 1]
    bridged = [c for c in fake.server.calls() if c.bridged_to is not None]
    assert sorted(c.destination for c in bridged) == sorted([FROM, "+15551234567"])
    process.send_signal(signal.SIGINT)
    await finish(process)
    await fake.wait_until(lambda: fake.connections() == [])
