"""A hand-driven RELAY server: the test scripts the server side frame by frame.

Small on purpose: it answers ``signalwire.connect`` (see ``on_connect``) and
journals every frame; everything else is the test's job, which is what makes
malformed frames, drops and reconnects easy to stage.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, ParamSpec, TypeVar

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

PROTOCOL = "signalwire_sig_0d8d4317_830b7622"
Frame = dict[str, Any]
ConnectHandler = Callable[["Peer", Frame], Awaitable[None]]


async def accept_connect(peer: Peer, request: Frame) -> None:
    """Accept every ``signalwire.connect``; resume when the protocol is known."""
    restored = request["params"].get("protocol") == PROTOCOL
    result = {"protocol": PROTOCOL, "identity": "ident@test", "session_restored": restored}
    await peer.reply(request, result)


async def reject_connect(peer: Peer, request: Frame) -> None:
    """Reject ``signalwire.connect`` as a real server does (RELAY.md C.2)."""
    await peer.error(request, -32002, "Authentication failed")


class Peer:
    """One client connection, seen from the server."""

    def __init__(self, ws: ServerConnection, on_connect: ConnectHandler) -> None:
        self.ws = ws
        self.on_connect = on_connect
        self.requests: asyncio.Queue[Frame] = asyncio.Queue()
        self.responses: dict[str, Frame] = {}
        #: Every frame, in order: ("in", frame) from the client, ("out", frame) to it.
        self.journal: list[tuple[str, Any]] = []
        self.closed = asyncio.Event()
        #: Set once ``signalwire.connect`` has been answered.
        self.answered_connect = asyncio.Event()
        self._arrived = asyncio.Event()
        self._ids = itertools.count(1)

    async def pump(self) -> None:
        try:
            async for text in self.ws:
                frame = json.loads(text)
                self.journal.append(("in", frame))
                if "method" not in frame:
                    self.responses[frame["id"]] = frame
                    self._arrived.set()
                elif frame["method"] == "signalwire.connect":
                    await self.on_connect(self, frame)
                    self.answered_connect.set()
                else:
                    self.requests.put_nowait(frame)
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    # -- reading ----------------------------------------------------------

    async def request(self, method: str | None = None, timeout: float = 2.0) -> Frame:
        """The next client request (not a response); checks its method."""
        async with asyncio.timeout(timeout):
            frame = await self.requests.get()
        if method is not None:
            assert frame["method"] == method, frame
        return frame

    async def ack(self, frame_id: str, timeout: float = 2.0) -> Frame:
        """Wait for the client's response to one of our requests."""
        async with asyncio.timeout(timeout):
            while frame_id not in self.responses:
                self._arrived.clear()
                await self._arrived.wait()
        return self.responses[frame_id]

    def sent(self, method: str) -> list[Frame]:
        """Every request the client sent with ``method``."""
        return [f for d, f in self.journal if d == "in" and f.get("method") == method]

    # -- writing ----------------------------------------------------------

    async def send(self, frame: Frame | str | bytes) -> None:
        self.journal.append(("out", frame))
        await self.ws.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    async def reply(self, request: Frame, result: Frame | None = None) -> None:
        if result is None:
            result = {"code": "200", "message": "OK"}
        await self.send({"jsonrpc": "2.0", "id": request["id"], "result": result})

    async def error(self, request: Frame, code: int, message: str) -> None:
        error = {"code": code, "message": message}
        await self.send({"jsonrpc": "2.0", "id": request["id"], "error": error})

    async def event(self, event_type: str, params: Frame, *, wait_ack: bool = True) -> str:
        """Push a ``signalwire.event``; by default wait for its ack."""
        event_id = f"ev-{next(self._ids)}"
        envelope = {"event_type": event_type, "params": params}
        await self.send(
            {"jsonrpc": "2.0", "id": event_id, "method": "signalwire.event", "params": envelope}
        )
        if wait_ack:
            ack = await self.ack(event_id)
            assert ack == {"jsonrpc": "2.0", "id": event_id, "result": {}}, ack
        return event_id

    async def state(self, call_id: str, state: str, **extra: Any) -> None:
        params = {"node_id": "n1", "call_id": call_id, "call_state": state, **extra}
        await self.event("calling.call.state", params)

    async def close(self) -> None:
        await self.ws.close()


class ScriptedServer:
    """Accepts connections and hands each one to the test as a :class:`Peer`."""

    def __init__(self) -> None:
        self.peers: asyncio.Queue[Peer] = asyncio.Queue()
        self.on_connect: ConnectHandler = accept_connect
        self.host = self.url = ""
        self.connections = 0

    async def accept(self, timeout: float = 2.0) -> Peer:
        async with asyncio.timeout(timeout):
            return await self.peers.get()

    async def handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        peer = Peer(ws, self.on_connect)
        self.peers.put_nowait(peer)
        await peer.pump()


@asynccontextmanager
async def scripted_server(
    tls: ssl.SSLContext | None = None, port: int = 0
) -> AsyncIterator[ScriptedServer]:
    """Serve on 127.0.0.1 (a free port by default); ``.url`` and ``.host`` point at it."""
    server = ScriptedServer()
    async with serve(
        server.handler, "127.0.0.1", port, ping_interval=None, compression=None, ssl=tls
    ) as ws_server:
        port = next(iter(ws_server.sockets)).getsockname()[1]
        server.host = f"127.0.0.1:{port}"
        server.url = f"{'wss' if tls else 'ws'}://{server.host}"
        yield server


# -- test conveniences ----------------------------------------------------------

P = ParamSpec("P")
R = TypeVar("R")

PHONE = {"type": "phone", "params": {"to_number": "+15551110001", "from_number": "+15550000000"}}
PLAN = [[PHONE]]


def scenario(
    seconds: float = 4.0,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Mark an async test and bound its body with ``asyncio.timeout``."""

    def decorate(test: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(test)
        async def bounded(*args: P.args, **kwargs: P.kwargs) -> R:
            async with asyncio.timeout(seconds):
                return await test(*args, **kwargs)

        return pytest.mark.asyncio(bounded)

    return decorate


async def answer_dial(peer: Peer, call_id: str = "leg-1") -> Frame:
    """Serve one ``calling.dial`` whose first device answers (RELAY.md F.7)."""
    request = await peer.request("calling.dial")
    tag = request["params"]["tag"]
    device = request["params"]["devices"][0][0]
    await peer.reply(request, {"code": "200", "message": "Dialing"})
    leg = {"tag": tag, "direction": "outbound", "device": device}
    await peer.state(call_id, "created", **leg)
    await peer.state(call_id, "answered", **leg)
    winner = {"call_id": call_id, "node_id": "n1", "dial_winner": True, **leg}
    dial = {"node_id": "n1", "tag": tag, "dial_state": "answered", "call": winner}
    await peer.event("calling.call.dial", dial)
    return request


def client_tasks() -> list[asyncio.Task[Any]]:
    """Tasks still running adapter code (none may outlive a client)."""
    names = ("RelayClient.", "Call.")
    tasks = asyncio.all_tasks()
    return [t for t in tasks if getattr(t.get_coro(), "__qualname__", "").startswith(names)]
