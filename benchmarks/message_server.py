"""The fake RELAY server for the messaging benchmark, run in its own process.

    python -m benchmarks.message_server [--after SECONDS]

It serves :class:`relay_core.testing.FakeRelayServer` (``wss://`` on
loopback with a throw-away CA, the arms' credentials) with every number
delivering ``after`` seconds after ``sent``, prints ``{"event": "listening",
"host": "127.0.0.1:PORT", "ca": PEM_PATH}`` and takes JSON lines on stdin:

``{"cmd": "inject", "n": N, "context": C}``
    N inbound SMS arrive on context C (to the one session receiving it), in
    batches of 100, each batch flushed before the next; then it prints
    ``{"event": "injected", "n": N}``.
``{"cmd": "stats"}``
    ``{"event": "stats", ...}``: messages sent through it, undeliverable ones.
``{"cmd": "quit"}``
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import trio

from relay_core.testing import Delivered, FakeRelayServer, MessageDirectory
from relay_trio.testing import open_fake_relay_server

from .arms._common import PROJECT, TOKEN

BATCH = 100


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def main(after: float) -> None:
    server = FakeRelayServer(
        credentials={PROJECT: TOKEN},
        message_directory=MessageDirectory(default=Delivered(after=after)),
        journal_limit=100,
    )
    async with open_fake_relay_server(server, tls=True) as fake:
        say({"event": "listening", "host": fake.host, "ca": fake.ca_path})
        while True:
            line = await trio.to_thread.run_sync(sys.stdin.readline, abandon_on_cancel=True)
            if not line:
                return
            command = json.loads(line)
            if command["cmd"] == "quit":
                return
            if command["cmd"] == "stats":
                sent = sum(1 for m in server.messaging.messages() if m.direction == "outbound")
                say(
                    {
                        "event": "stats",
                        "remembered_outbound": sent,
                        "undeliverable": server.messaging.undeliverable,
                    }
                )
            elif command["cmd"] == "inject":
                n, context = int(command["n"]), str(command["context"])
                for start in range(0, n, BATCH):
                    for index in range(start, min(n, start + BATCH)):
                        server.inject_inbound_message(
                            context=context,
                            from_number="+15553334444",
                            to_number="+15550000000",
                            body=f"inbound {index}",
                            now=fake.now(),
                        )
                    fake.kick()
                    await trio.sleep(0)
                say({"event": "injected", "n": n})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the fake server of the messaging benchmark")
    parser.add_argument("--after", type=float, default=0.0, help="delivery receipt delay (s)")
    trio.run(main, parser.parse_args().after)
