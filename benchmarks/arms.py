"""One client arm per process, driven by the orchestrator over stdin/stdout.

    python -m benchmarks.arms ARM MODE --host 127.0.0.1:PORT [options]

ARM is a client (``relay_asyncio``, ``relay_trio``, ``sdk``: the official
``signalwire-sdk``) or a floor (``raw_ws``, ``raw_sansio``, ``raw_trio``,
``raw_ws_trio``, ``raw_wsproto``: decode + ack and nothing else); MODE is ``events``,
``dials`` or ``memory``.  ``--host`` is what a user passes: ``127.0.0.1:PORT``
means ``wss://`` (trusting ``SIGNALWIRE_RELAY_CA_FILE``), a ``ws://`` URL
means plain WebSocket.

Protocol (one JSON object per stdout line):

1. the arm imports its library and checks the API it needs, then prints
   ``{"ready": true}`` or ``{"skip": "why"}`` (and exits);
2. it waits for ``go`` on stdin, connects and prints ``{"connected": true}``;
3. ``events``: the client just runs (the load server pushes and counts acks)
   until ``stop``.  ``dials``: it runs the dial levels and prints
   ``{"result": ...}`` per level.  ``memory``: it takes a tracemalloc
   baseline, waits for ``snap`` (the server's offers are all acknowledged),
   prints ``{"result": {"bytes": ...}}``, then waits for ``stop``.

CPU time of the event window is read by the load server from ``/proc`` (so the
window matches the server's clock exactly); dial CPU is ``getrusage`` here.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import inspect
import json
import math
import os
import resource
import ssl
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from .inproc import top_sites

PROJECT = "9b3e5c1a-7d0a-4b8e-9f7e-0b6a2f0e9c11"
TOKEN = "PT-bench-token"
CONTEXTS = ["office"]
DEVICES = [
    [{"type": "phone", "params": {"to_number": "+15551110001", "from_number": "+15550000000"}}]
]
MEMORY_CALL_CAP = 100_000
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
HELLO_ID = "raw-connect-1"
#: The ``signalwire.connect`` request every raw floor sends once the socket is open.
HELLO = {
    "jsonrpc": "2.0",
    "id": HELLO_ID,
    "method": "signalwire.connect",
    "params": {
        "version": {"major": 2, "minor": 0, "revision": 0},
        "agent": "bench-raw/1.0",
        "event_acks": True,
        "authentication": {"project": PROJECT, "token": TOKEN},
        "contexts": CONTEXTS,
    },
}


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def read_line() -> str:
    return sys.stdin.readline().strip()


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def dial_summary(
    concurrency: int, latencies: list[float], errors: int, wall: float, cpu: float
) -> dict[str, Any]:
    latencies.sort()
    done = len(latencies)
    return {
        "concurrency": concurrency,
        "dials": done,
        "errors": errors,
        "seconds": wall,
        "rate": done / wall if wall > 0 else 0.0,
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "cpu": cpu,
    }


def ws_url(host: str) -> str:
    return host if "://" in host else f"wss://{host}"


def client_ssl_context() -> ssl.SSLContext | None:
    ca_file = os.environ.get("SIGNALWIRE_RELAY_CA_FILE")
    if not ca_file:
        return None
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=ca_file)
    return context


def _accepts(function: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def client_kwargs(host: str, factory: Callable[..., Any], caps: tuple[str, ...]) -> dict[str, Any]:
    """Constructor arguments for a client arm.

    Each cap in ``caps`` that ``factory`` accepts is set high enough that no
    offer is ever passed back: a passed call's later events are dropped
    unprocessed, which would flatter the client.
    """
    kwargs: dict[str, Any] = {
        "project": PROJECT,
        "token": TOKEN,
        "host": host,
        "contexts": list(CONTEXTS),
    }
    for cap in caps:
        if _accepts(factory, cap):
            kwargs[cap] = MEMORY_CALL_CAP
    return kwargs


# -- asyncio arms: the official SDK and relay_asyncio share one API ---------------


def load_asyncio_client(arm: str) -> Any:
    """Import the ``RelayClient`` class of an asyncio arm; raise SystemExit to skip."""
    module_name = "signalwire.relay" if arm == "sdk" else "relay_asyncio"
    try:
        module = __import__(module_name, fromlist=["RelayClient"])
    except Exception as exc:  # any import failure means "not available"
        skip(f"{module_name} does not import: {type(exc).__name__}: {exc}")
    client_class = getattr(module, "RelayClient", None)
    if client_class is None:
        skip(f"{module_name}.RelayClient is missing (not available yet)")
    for attribute in ("on_call", "dial", "__aenter__", "__aexit__"):
        if not hasattr(client_class, attribute):
            skip(f"{module_name}.RelayClient has no {attribute} (not available yet)")
    return client_class


def skip(reason: str) -> None:
    say({"skip": reason})
    raise SystemExit(0)


async def _async_line() -> str:
    return await asyncio.get_running_loop().run_in_executor(None, read_line)


async def _trio_line() -> str:
    import trio

    return await trio.to_thread.run_sync(read_line, abandon_on_cancel=True)


async def _wait_for(word: str, line: Callable[[], Awaitable[str]] = _async_line) -> None:
    while True:
        got = await line()
        if got == word or not got:
            return


def _make_asyncio_client(client_class: Any, host: str) -> Any:
    caps = ("max_active_calls", "max_concurrent_handlers")
    client = client_class(**client_kwargs(host, client_class.__init__, caps))

    async def on_call(call: Any) -> None:
        del call

    client.on_call(on_call)
    return client


class DialLevel:
    """One concurrency level: C workers share a budget of ``total`` dials."""

    def __init__(self, dial: Callable[[], Awaitable[Any]], total: int) -> None:
        self.dial = dial
        self.remaining = total
        self.errors = 0
        self.latencies: list[float] = []

    async def worker(self) -> None:
        while self.remaining > 0:
            self.remaining -= 1
            started = time.perf_counter()
            try:
                await self.dial()
            except Exception:
                self.errors += 1
                continue
            self.latencies.append(time.perf_counter() - started)


async def run_dial_levels(
    dial: Callable[[], Awaitable[Any]],
    levels: list[int],
    totals: list[int],
    run_workers: Callable[[DialLevel, int], Awaitable[Any]],
) -> None:
    """Warm up, then time each level; ``run_workers`` runs C workers to completion."""
    for _ in range(20):  # warm-up, untimed
        await dial()
    for concurrency, total in zip(levels, totals, strict=True):
        level = DialLevel(dial, total)
        gc.collect()
        cpu0 = cpu_seconds()
        wall0 = time.perf_counter()
        await run_workers(level, concurrency)
        wall = time.perf_counter() - wall0
        cpu = cpu_seconds() - cpu0
        say({"result": dial_summary(concurrency, level.latencies, level.errors, wall, cpu)})


async def _asyncio_workers(level: DialLevel, concurrency: int) -> None:
    await asyncio.gather(*(level.worker() for _ in range(concurrency)))


async def measure_memory(
    client: Any, sleep: Callable[[float], Awaitable[Any]], line: Callable[[], Awaitable[str]]
) -> None:
    """The memory mode: baseline, wait for ``snap``, report the growth, wait for ``stop``."""
    await sleep(0.2)
    gc.collect()
    before = tracemalloc.take_snapshot()
    baseline = tracemalloc.get_traced_memory()[0]
    say({"baseline": baseline})
    await _wait_for("snap", line)
    await sleep(0.3)  # let handler tasks finish
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - baseline
    top = top_sites(before, tracemalloc.take_snapshot())
    say({"result": {"bytes": used, "tracked": _tracked_calls(client), "top": top}})
    await _wait_for("stop", line)


async def run_asyncio_arm(arm: str, mode: str, args: argparse.Namespace) -> None:
    client_class = load_asyncio_client(arm)
    say({"ready": True})
    await _wait_for("go")
    memory = mode == "memory"
    if memory:
        tracemalloc.start()
    client = _make_asyncio_client(client_class, args.host)
    async with client:
        say({"connected": True})
        if mode == "events":
            await _wait_for("stop")
            say({"stats": _statistics(client)})
        elif mode == "dials":

            async def dial() -> Any:
                return await client.dial(devices=DEVICES)

            await run_dial_levels(dial, args.levels, args.totals, _asyncio_workers)
        else:
            await measure_memory(client, asyncio.sleep, _async_line)


_NO_STATISTICS = object()


def _core_statistics(client: Any) -> Any:
    """``client.statistics()``, or ``_NO_STATISTICS`` where there is none or it fails."""
    statistics = getattr(client, "statistics", None)
    if not callable(statistics):
        return _NO_STATISTICS
    try:
        return statistics()
    except Exception:
        return _NO_STATISTICS


def _statistics(client: Any) -> dict[str, Any] | None:
    """The core's counters, for adapters that expose ``statistics()``."""
    stats = _core_statistics(client)
    if stats is _NO_STATISTICS:
        return None
    names = ("events_received", "dropped_events", "malformed_frames", "live_calls")
    return {name: getattr(stats, name, None) for name in names}


def _tracked_calls(client: Any) -> int | None:
    calls = getattr(client, "_calls", None)
    if isinstance(calls, dict):
        return len(calls)
    live = getattr(_core_statistics(client), "live_calls", None)
    return live if isinstance(live, int) else None


# -- raw floors: decode + ack and nothing else ---------------------------------------


def raw_floor_ready(arm: str, mode: str, args: argparse.Namespace) -> Callable[[Any], Any]:
    """Skip unless ``events``; pick the JSON decoder, print ready and return the decoder."""
    if mode != "events":
        skip(f"{arm} only runs the event benchmark")
    loads: Callable[[str | bytes], Any] = orjson.loads if args.json == "orjson" else json.loads
    say({"ready": True})
    return loads


def websockets_options(url: str) -> dict[str, Any]:
    """``connect()`` options of the websockets floors (asyncio and trio alike)."""
    return {
        "ssl": client_ssl_context() if url.startswith("wss://") else None,
        "compression": None,
        "ping_interval": None,
        "max_size": MAX_MESSAGE_BYTES,
    }


async def say_hello(
    send: Callable[[str], Awaitable[Any]],
    receive: Callable[[], Awaitable[Any]],
    loads: Callable[[Any], Any],
) -> None:
    """Send ``HELLO``, skip messages until its response, print connected."""
    await send(json.dumps(HELLO))
    while loads(await receive()).get("id") != HELLO_ID:
        pass
    say({"connected": True})


async def trio_serve_until_stop(task: Callable[[], Awaitable[Any]]) -> None:
    """Run ``task`` in a nursery until ``stop`` arrives, print no stats, cancel it."""
    import trio

    async with trio.open_nursery() as nursery:
        nursery.start_soon(task)
        await _trio_line()  # "stop"
        say({"stats": None})
        nursery.cancel_scope.cancel()


async def run_raw_ws(mode: str, args: argparse.Namespace) -> None:
    try:
        from websockets.asyncio.client import connect
    except ImportError as exc:
        skip(f"websockets does not import: {exc}")
    loads = raw_floor_ready("raw_ws", mode, args)
    await _wait_for("go")
    url = ws_url(args.host)
    async with connect(url, **websockets_options(url)) as ws:
        await say_hello(ws.send, ws.recv, loads)

        async def reader() -> None:
            async for raw in ws:
                message = loads(raw)
                if "method" in message and "id" in message:
                    await ws.send(f'{{"jsonrpc":"2.0","id":"{message["id"]}","result":{{}}}}')

        task = asyncio.ensure_future(reader())
        await _wait_for("stop")
        say({"stats": None})
        task.cancel()


def run_raw_trio(mode: str, args: argparse.Namespace) -> None:
    """The trio floor: trio-websocket receive + decode + ack, nothing else."""
    try:
        import trio
        from trio_websocket import open_websocket_url
    except ImportError as exc:
        skip(f"trio-websocket does not import: {exc}")
    loads = raw_floor_ready("raw_trio", mode, args)

    async def main() -> None:
        await _trio_line()  # "go"
        url = ws_url(args.host)
        context = client_ssl_context() if url.startswith("wss://") else None
        async with open_websocket_url(url, context, max_message_size=MAX_MESSAGE_BYTES) as ws:
            await say_hello(ws.send_message, ws.get_message, loads)

            async def reader() -> None:
                while True:
                    message = loads(await ws.get_message())
                    if "method" in message and "id" in message:
                        ack = f'{{"jsonrpc":"2.0","id":"{message["id"]}","result":{{}}}}'
                        await ws.send_message(ack)

            await trio_serve_until_stop(reader)

    trio.run(main)


def run_raw_ws_trio(mode: str, args: argparse.Namespace) -> None:
    """The websockets.trio floor: ``recv()`` + decode + ``send()`` per message, nothing else."""
    try:
        import trio
        from websockets.trio.client import connect as trio_connect
    except ImportError as exc:
        skip(f"websockets.trio does not import: {exc}")
    loads = raw_floor_ready("raw_ws_trio", mode, args)

    async def main() -> None:
        await _trio_line()  # "go"
        url = ws_url(args.host)
        async with trio_connect(url, **websockets_options(url)) as ws:
            await say_hello(ws.send, ws.recv, loads)

            async def reader() -> None:
                while True:
                    message = loads(await ws.recv())
                    if "method" in message and "id" in message:
                        await ws.send(f'{{"jsonrpc":"2.0","id":"{message["id"]}","result":{{}}}}')

            await trio_serve_until_stop(reader)

    trio.run(main)


async def run_raw_sansio(mode: str, args: argparse.Namespace) -> None:
    """An asyncio floor with batched acks: websockets' sans-I/O protocol on a Protocol.

    Every ``data_received`` answers all the events it completed and writes the
    acks with one ``transport.write``.
    """
    try:
        from websockets.client import ClientProtocol
        from websockets.frames import Frame, Opcode
        from websockets.uri import parse_uri
    except ImportError as exc:
        skip(f"websockets' sans-I/O layer does not import: {exc}")
    loads = raw_floor_ready("raw_sansio", mode, args)
    await _wait_for("go")
    url = ws_url(args.host)
    uri = parse_uri(url)
    protocol = ClientProtocol(uri, max_size=MAX_MESSAGE_BYTES)
    connected = asyncio.Event()
    closed = asyncio.Event()

    class Client(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            self.transport = transport
            self.handshake_done = False
            self.parts: list[bytes] = []
            protocol.send_request(protocol.connect())
            self.flush()

        def flush(self) -> None:
            data = protocol.data_to_send()
            if data:
                self.transport.write(b"".join(data))

        def data_received(self, data: bytes) -> None:
            protocol.receive_data(data)
            for event in protocol.events_received():
                if not self.handshake_done:  # the handshake response
                    self.handshake_done = True
                    protocol.send_text(json.dumps(HELLO).encode())
                    continue
                assert isinstance(event, Frame)
                if event.opcode in (Opcode.TEXT, Opcode.CONT):
                    self.parts.append(event.data)
                    if not event.fin:
                        continue
                    message = loads(b"".join(self.parts))
                    self.parts.clear()
                    if "method" in message and "id" in message:
                        ack = f'{{"jsonrpc":"2.0","id":"{message["id"]}","result":{{}}}}'
                        protocol.send_text(ack.encode())
                    elif message.get("id") == HELLO_ID:
                        connected.set()
            self.flush()

        def connection_lost(self, exc: Exception | None) -> None:
            closed.set()

    loop = asyncio.get_running_loop()
    context = client_ssl_context() if uri.secure else None
    transport, _ = await loop.create_connection(
        Client, uri.host, uri.port, ssl=context, server_hostname=uri.host if context else None
    )
    await connected.wait()
    say({"connected": True})
    await _wait_for("stop")
    say({"stats": None})
    transport.close()


def run_raw_wsproto(mode: str, args: argparse.Namespace) -> None:
    """A trio floor without trio-websocket: wsproto on a trio stream, acks batched.

    Reads up to 64 KiB at a time, answers every event in that read, and writes
    all the acks with one ``send_all``: what a trio client could reach if it
    did its own framing instead of one ``send_message`` per ack.
    """
    try:
        import trio
        from wsproto import ConnectionType, WSConnection
        from wsproto.events import (
            AcceptConnection,
            CloseConnection,
            Ping,
            Request,
            TextMessage,
        )
    except ImportError as exc:
        skip(f"wsproto does not import: {exc}")
    loads = raw_floor_ready("raw_wsproto", mode, args)

    async def main() -> None:
        await _trio_line()  # "go"
        url = ws_url(args.host)
        host_port = url.split("://", 1)[1].rstrip("/")
        host, _, port = host_port.rpartition(":")
        stream: Any = await trio.open_tcp_stream(host, int(port))
        if url.startswith("wss://"):
            context = client_ssl_context() or ssl.create_default_context()
            stream = trio.SSLStream(stream, context, server_hostname=host)
            await stream.do_handshake()
        ws = WSConnection(ConnectionType.CLIENT)
        await stream.send_all(ws.send(Request(host=host_port, target="/")))
        connected = False
        partial: list[str] = []

        async def pump() -> None:
            nonlocal connected
            while True:
                data = await stream.receive_some(65536)
                if not data:
                    return
                ws.receive_data(data)
                out = []
                for event in ws.events():
                    if isinstance(event, AcceptConnection):
                        out.append(ws.send(TextMessage(data=json.dumps(HELLO))))
                    elif isinstance(event, TextMessage):
                        partial.append(event.data)
                        if not event.message_finished:
                            continue
                        message = loads("".join(partial))
                        partial.clear()
                        if "method" in message and "id" in message:
                            ack = f'{{"jsonrpc":"2.0","id":"{message["id"]}","result":{{}}}}'
                            out.append(ws.send(TextMessage(data=ack)))
                        elif message.get("id") == HELLO_ID and not connected:
                            connected = True
                            say({"connected": True})
                    elif isinstance(event, Ping):
                        out.append(ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        return
                if out:
                    await stream.send_all(b"".join(out))

        await trio_serve_until_stop(pump)

    trio.run(main)


# -- relay_trio -----------------------------------------------------------------------


def run_trio_arm(mode: str, args: argparse.Namespace) -> None:
    try:
        import trio

        import relay_trio
    except Exception as exc:  # any import failure means "not available"
        skip(f"relay_trio does not import: {type(exc).__name__}: {exc}")
    opener = getattr(relay_trio, "open_relay_client", None)
    if opener is None:
        skip("relay_trio.open_relay_client is missing (not available yet)")
    say({"ready": True})

    async def consume_calls(client: Any) -> None:
        incoming = client.incoming_calls()
        if hasattr(incoming, "__aenter__"):
            async with incoming as calls:
                async for _call in calls:
                    pass
        else:
            async for _call in incoming:
                pass

    async def main() -> None:
        await _wait_for("go", _trio_line)
        memory = mode == "memory"
        if memory:
            tracemalloc.start()
        kwargs = client_kwargs(args.host, opener, ("max_pending_calls", "max_calls"))
        async with opener(**kwargs) as client, trio.open_nursery() as nursery:
            say({"connected": True})
            if hasattr(client, "incoming_calls"):
                nursery.start_soon(consume_calls, client)
            if mode == "events":
                await _wait_for("stop", _trio_line)
                say({"stats": _statistics(client)})
            elif mode == "dials":
                await trio_dials(client)
            else:
                await measure_memory(client, trio.sleep, _trio_line)
            nursery.cancel_scope.cancel()

    async def trio_dials(client: Any) -> None:
        dial_takes_keyword = _accepts(client.dial, "devices")

        async def dial() -> Any:
            if dial_takes_keyword:
                return await client.dial(devices=DEVICES)
            return await client.dial(DEVICES)

        async def run_workers(level: DialLevel, concurrency: int) -> None:
            async with trio.open_nursery() as workers:
                for _ in range(concurrency):
                    workers.start_soon(level.worker)

        await run_dial_levels(dial, args.levels, args.totals, run_workers)

    trio.run(main)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="one benchmark client arm")
    parser.add_argument(
        "arm",
        choices=[
            "raw_ws",
            "raw_sansio",
            "raw_trio",
            "raw_ws_trio",
            "raw_wsproto",
            "relay_asyncio",
            "relay_trio",
            "sdk",
        ],
    )
    parser.add_argument("mode", choices=["events", "dials", "memory"])
    parser.add_argument("--host", required=True)
    parser.add_argument("--levels", type=int, nargs="*", default=[1, 100])
    parser.add_argument("--totals", type=int, nargs="*", default=[200, 2000])
    parser.add_argument("--json", choices=["orjson", "json"], default="orjson")
    args = parser.parse_args(argv)
    if len(args.levels) != len(args.totals):
        parser.error("--levels and --totals need the same length")
    try:
        if args.arm == "relay_trio":
            run_trio_arm(args.mode, args)
        elif args.arm == "raw_ws":
            asyncio.run(run_raw_ws(args.mode, args))
        elif args.arm == "raw_sansio":
            asyncio.run(run_raw_sansio(args.mode, args))
        elif args.arm == "raw_trio":
            run_raw_trio(args.mode, args)
        elif args.arm == "raw_ws_trio":
            run_raw_ws_trio(args.mode, args)
        elif args.arm == "raw_wsproto":
            run_raw_wsproto(args.mode, args)
        else:
            asyncio.run(run_asyncio_arm(args.arm, args.mode, args))
    except SystemExit:
        raise
    except BaseException as exc:
        say({"error": f"{type(exc).__name__}: {exc}"})
        raise


if __name__ == "__main__":
    main()
