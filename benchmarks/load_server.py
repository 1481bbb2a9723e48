"""A fast RELAY load server for the benchmarks, run in its own process.

    python -m benchmarks.load_server --cert server.pem --key server.key

It listens on 127.0.0.1 twice (plain ``ws://`` and TLS ``wss://``), prints
``{"event": "listening", "plain": PORT, "tls": PORT}`` and takes commands as
JSON lines on stdin; results come back as JSON lines on stdout.

It is a hand-rolled WebSocket server on ``asyncio.Protocol`` so that it stays
far faster than any client it measures: event frames are pre-encoded
(``frames.Template``), pushed in batches with one ``transport.write`` each,
and acks are classified without a full JSON-RPC parse.  It speaks enough RELAY
for every client: it answers ``signalwire.connect`` (any credentials, no
compression negotiated), ``signalwire.ping``, ``signalwire.receive``, every
``calling.*`` with ``{"code": "200"}``, and ``calling.dial`` with the result
followed at once by the leg's ``state(created)``, ``state(answered)``,
``dial(answered)`` and ``state(ended)`` (a callee hang-up, so clients do not
pile up live calls): dial latency is protocol round trips only.

Commands:

``{"cmd": "arm", "mode": "events"|"mix"|"offers", "n": N, "pid": PID, ...}``
    The next connection to authenticate gets this job: after ``settle``
    seconds the server pushes ``n`` stream frames (``events``; ``mix``: the
    record/collect stream) or ``n``
    inbound offers with distinct call ids (``offers``), keeping at most
    ``window`` unacknowledged, ``batch`` per write.  When the last ack is in it
    reports ``{"event": "done", ...}`` with the wall time from the first push
    to the last ack, the client's CPU time over that window (read from
    ``/proc/PID/task/*/schedstat``) and its own.  Jobs armed with the same
    ``group`` (and ``group_size``) wait until that many connections hold one,
    then start together (several clients in one process).
``{"cmd": "stats"}``
    Counters (connections, dials answered, acks, stray responses).
``{"cmd": "quit"}``
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import os
import ssl
import sys
import time
from collections import deque
from typing import Any

import orjson

from relay_core.wire import Payload, encode_payload

from . import frames, mix_frames, scale_frames

try:  # websockets ships a C helper; fall back to pure Python.
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover

    def apply_mask(data: bytes, mask: bytes) -> bytes:
        n = len(data)
        key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
        return (int.from_bytes(data, "big") ^ key).to_bytes(n, "big")


_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_NODE = frames.NODE_ID


def cpu_ns(pid: int) -> int | None:
    """On-CPU nanoseconds of every thread of ``pid`` (None if unreadable)."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as fh:
                total += int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total


class Job:
    """A push job for the next authenticated connection, its frames built up front."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.mode: str = spec["mode"]
        self.n: int = int(spec["n"])
        self.pid: int | None = spec.get("pid")
        self.window: int = int(spec.get("window", 512))
        self.batch: int = int(spec.get("batch", 64))
        self.settle: float = float(spec.get("settle", 0.1))
        #: Frames pushed before the clock starts (``scale``: the live calls' offers).
        self.warm = 0
        #: Whole WebSocket frames (header + JSON), ready to write.
        self.wire: list[bytes] = []
        #: The JSON-RPC id of each frame, to check every ack.
        self.ids: list[str] = []
        #: Jobs sharing a ``group`` start together once all of them are connected.
        self.group: str | None = spec.get("group")
        self.group_size: int = int(spec.get("group_size", 1))
        if self.mode == "scale":
            live = int(spec["live"])
            payloads = scale_frames.prefill(live) + scale_frames.timed(live, self.n)
            self.warm = live
            self.ids = scale_frames.frame_ids(live, self.n)
            self.wire = [frames.ws_header(len(p)) + p for p in payloads]
            self.n += live
            return
        make = {"events": frames.stream_frame, "mix": mix_frames.mix_frame}.get(
            self.mode, frames.offer_frame
        )
        for index in range(self.n):
            payload = make(index)
            self.wire.append(frames.ws_header(len(payload)) + payload)
            self.ids.append(frames.event_id(index))


class LoadServer:
    def __init__(self) -> None:
        self.jobs: deque[Job] = deque()
        self.connections = 0
        self.dials = 0
        self.stray_responses = 0
        self.acks = 0
        #: Connections holding a job of each not yet complete start group.
        self.groups: dict[str, list[Connection]] = {}

    def emit(self, message: dict[str, Any]) -> None:
        sys.stdout.write(orjson.dumps(message).decode() + "\n")
        sys.stdout.flush()


def _headers(raw: bytes) -> dict[str, str]:
    lines = raw.decode("latin-1").split("\r\n")
    out = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        out[name.strip().lower()] = value.strip()
    return out


def _result(request_id: Any, result: dict[str, Any]) -> bytes:
    payload = orjson.dumps({"jsonrpc": "2.0", "id": request_id, "result": result})
    return frames.ws_header(len(payload)) + payload


class Connection(asyncio.Protocol):
    """One client socket: handshake, frame parsing, RELAY answers, pushing."""

    def __init__(self, server: LoadServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.fragments: list[bytes] = []
        self.job: Job | None = None
        self.pushed = 0
        self.acked = 0
        self.outstanding: set[str] = set()
        self.t_start = 0.0
        self.cpu_client_start: int | None = None
        self.cpu_server_start = 0
        self.pushing = False
        self.event_seq = 0
        self.job_requests: dict[str, int] = {}

    # -- transport ---------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.connections += 1

    def connection_lost(self, exc: Exception | None) -> None:
        job = self.job
        if job is not None and self.acked < job.n:
            self.server.emit(
                {"event": "aborted", "mode": job.mode, "pushed": self.pushed, "acked": self.acked}
            )
        self.job = None

    def write(self, data: bytes) -> None:
        assert self.transport is not None
        if not self.transport.is_closing():
            self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            headers = _headers(bytes(buf[:end]))
            del buf[: end + 4]
            key = headers.get("sec-websocket-key", "").encode()
            accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
            self.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
            )
            self.upgraded = True
        self._frames()

    def _frames(self) -> None:
        buf = self.buffer
        size = len(buf)
        pos = 0
        while size - pos >= 2:
            b0 = buf[pos]
            b1 = buf[pos + 1]
            length = b1 & 0x7F
            head = pos + 2
            if length == 126:
                if size - head < 2:
                    break
                length = int.from_bytes(buf[head : head + 2], "big")
                head += 2
            elif length == 127:
                if size - head < 8:
                    break
                length = int.from_bytes(buf[head : head + 8], "big")
                head += 8
            if b1 & 0x80:
                if size - head < 4 + length:
                    break
                mask = bytes(buf[head : head + 4])
                head += 4
                payload = apply_mask(bytes(buf[head : head + length]), mask)
            else:
                if size - head < length:
                    break
                payload = bytes(buf[head : head + length])
            pos = head + length
            self._frame(b0, payload)
        if pos:
            del buf[:pos]

    def _frame(self, b0: int, payload: bytes) -> None:
        opcode = b0 & 0x0F
        fin = b0 & 0x80
        if opcode in (0x1, 0x2):
            if fin:
                self._text(payload)
            else:
                self.fragments = [payload]
        elif opcode == 0x0:
            self.fragments.append(payload)
            if fin:
                whole = b"".join(self.fragments)
                self.fragments = []
                self._text(whole)
        elif opcode == 0x8:  # close: echo the code, then hang up
            self.write(frames.ws_header(len(payload[:2]), 0x8) + payload[:2])
            assert self.transport is not None
            self.transport.close()
        elif opcode == 0x9:  # ping
            self.write(frames.ws_header(len(payload), 0xA) + payload)

    # -- RELAY -------------------------------------------------------------

    def _text(self, payload: bytes) -> None:
        if b'"method"' not in payload:  # a response: an event ack (RELAY.md B.3)
            message = orjson.loads(payload)
            request_id = message.get("id") if type(message) is dict else None
            if request_id in self.outstanding:
                self.outstanding.discard(request_id)
                self.acked += 1
                self.server.acks += 1
                self._after_ack()
            else:
                self.server.stray_responses += 1
            return
        message = orjson.loads(payload)
        method = message.get("method")
        request_id = message.get("id")
        params = message.get("params") or {}
        if request_id is None:
            return
        if self.pushing:  # a client that passes or ends offers mid-run is noted
            self.job_requests[method] = self.job_requests.get(method, 0) + 1
        if method == "signalwire.connect":
            self._on_connect(request_id)
        elif method == "calling.dial":
            self._on_dial(request_id, params)
        elif isinstance(method, str) and method.startswith(("calling.", "signalwire.")):
            # ping, receive/unreceive and every calling.* verb
            self.write(_result(request_id, {"code": "200", "message": "OK"}))
        else:
            error = orjson.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": request_id,
                    "error": {"code": -32601, "message": f"Method not found: {method}"},
                }
            )
            self.write(frames.ws_header(len(error)) + error)

    def _on_connect(self, request_id: Any) -> None:
        self.write(
            _result(
                request_id,
                {
                    "identity": _NODE,
                    "nodeid": _NODE,
                    "master_nodeid": "00000000-0000-4000-8000-000000000000@us-east",
                    "protocol": frames.PROTOCOL,
                    "session_restored": False,
                    "sessionid": f"bench-session-{self.server.connections}",
                    "authorization": {
                        "project": frames.PROJECT_ID,
                        "scopes": ["calling", "messaging"],
                        "signature": frames.SIGNATURE,
                        "expires_at": None,
                    },
                },
            )
        )
        if self.job is None and self.server.jobs:
            job = self.job = self.server.jobs.popleft()
            ready = [self]
            if job.group is not None:  # a multi-client run: start every connection at once
                ready = self.server.groups.setdefault(job.group, [])
                ready.append(self)
                if len(ready) < job.group_size:
                    return
                del self.server.groups[job.group]
            for connection in ready:
                asyncio.get_running_loop().call_later(job.settle, connection._start)

    def _event(self, event: Payload) -> bytes:
        """One event frame, its params written by the wire payload codec."""
        self.event_seq += 1
        params = encode_payload(event)
        outer = frames.envelope(event.event_type, params, stamp=round(time.time(), 6))
        payload = orjson.dumps(frames.event_request(f"dial-ev-{self.event_seq:028d}", outer))
        return frames.ws_header(len(payload)) + payload

    def _on_dial(self, request_id: Any, params: dict[str, Any]) -> None:
        server = self.server
        index = server.dials
        server.dials += 1
        tag = params.get("tag")
        tag = tag if isinstance(tag, str) else ""
        device: Any = None
        with contextlib.suppress(LookupError, TypeError):
            device = params["devices"][0][0]
        answer = frames.dial_answer(
            frames.dial_call_id(index), tag, device, f"5e9e0000-2c1d-4e8f-9a0b-{index:012x}"
        )
        out = [_result(request_id, {"code": "200", "message": "Dialing"})]
        out += [self._event(event) for event in answer]
        self.write(b"".join(out))

    # -- pushing -----------------------------------------------------------

    def _start(self) -> None:
        job = self.job
        if job is None or self.transport is None or self.transport.is_closing():
            return
        self.cpu_client_start = cpu_ns(job.pid) if job.pid else None
        self.cpu_server_start = time.process_time_ns()
        self.t_start = time.perf_counter()
        self.pushing = True
        self._push()

    def _push(self) -> None:
        job = self.job
        assert job is not None
        in_flight = self.pushed - self.acked
        room = job.window - in_flight
        if in_flight and room < job.batch:
            return
        count = min(room, job.n - self.pushed)
        if count <= 0:
            return
        start = self.pushed
        self.outstanding.update(job.ids[start : start + count])
        self.pushed += count
        self.write(b"".join(job.wire[start : start + count]))

    def _after_ack(self) -> None:
        job = self.job
        if job is None or not self.pushing:
            return
        if self.acked == job.warm and job.warm:  # the live calls are in: start the clock
            self.cpu_client_start = cpu_ns(job.pid) if job.pid else None
            self.cpu_server_start = time.process_time_ns()
            self.t_start = time.perf_counter()
            self.job_requests = {}
        if self.acked < job.n:
            self._push()
            return
        wall = time.perf_counter() - self.t_start
        timed = job.n - job.warm
        server_cpu = (time.process_time_ns() - self.cpu_server_start) / 1e9
        client_end = cpu_ns(job.pid) if job.pid else None
        client_cpu = None
        if client_end is not None and self.cpu_client_start is not None:
            client_cpu = (client_end - self.cpu_client_start) / 1e9
        self.pushing = False
        self.job = None
        self.server.emit(
            {
                "event": "done",
                "mode": job.mode,
                "n": timed,
                "seconds": wall,
                "rate": timed / wall,
                "client_cpu": client_cpu,
                "server_cpu": server_cpu,
                "requests": self.job_requests,
                "t_start": self.t_start,
                "t_end": self.t_start + wall,
            }
        )


async def _control(server: LoadServer, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        command = orjson.loads(line)
        cmd = command.get("cmd")
        if cmd == "arm":
            server.jobs.append(Job(command))
            server.emit({"event": "armed", "mode": command["mode"]})
        elif cmd == "stats":
            server.emit(
                {
                    "event": "stats",
                    "connections": server.connections,
                    "dials": server.dials,
                    "acks": server.acks,
                    "stray_responses": server.stray_responses,
                    "cpu": time.process_time(),
                }
            )
        elif cmd == "clear":
            server.jobs.clear()
            server.emit({"event": "cleared"})
        elif cmd == "quit":
            break
    stop.set()


async def _main(cert: str | None, key: str | None, host: str) -> None:
    server = LoadServer()
    loop = asyncio.get_running_loop()
    plain = await loop.create_server(lambda: Connection(server), host, 0, backlog=1024)
    ports: dict[str, Any] = {"event": "listening", "plain": plain.sockets[0].getsockname()[1]}
    servers = [plain]
    if cert and key:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        secure = await loop.create_server(
            lambda: Connection(server), host, 0, ssl=context, backlog=1024
        )
        ports["tls"] = secure.sockets[0].getsockname()[1]
        servers.append(secure)
    server.emit(ports)
    stop = asyncio.Event()
    await _control(server, stop)
    for listener in servers:
        listener.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cert", help="PEM certificate chain for the TLS listener")
    parser.add_argument("--key", help="PEM private key for the TLS listener")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    asyncio.run(_main(args.cert, args.key, args.host))


if __name__ == "__main__":
    main()
