"""A RELAY server stand-in that tests script frame by frame, over loopback.

Each accepted WebSocket becomes a :class:`Peer`; a background task reads
every frame the client sends into the shared :attr:`StandIn.journal` and the
peer's inbox, so assertions can look at everything the server saw even
after the client is gone.
"""

from __future__ import annotations

import itertools
import json
import math
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import trio
from trio_websocket import (
    ConnectionClosed,
    WebSocketConnection,
    WebSocketRequest,
    serve_websocket,
)
from wsproto.events import TextMessage

Frame = dict[str, Any]
OK: Frame = {"code": "200", "message": "OK"}
PROTOCOL = "signalwire_sig_1111_2222"


class Peer:
    """The server side of one client socket."""

    def __init__(self, standin: StandIn, ws: WebSocketConnection) -> None:
        self.standin = standin
        self.ws = ws
        self.received: list[Frame] = []
        self.closed = trio.Event()
        self._inbox_in, self._inbox = trio.open_memory_channel[Frame](math.inf)
        self._ids = itertools.count(1)
        self.acks: set[str] = set()
        self._acked = trio.Event()

    async def _read(self) -> None:
        try:
            while True:
                frame = json.loads(await self.ws.get_message())
                self.received.append(frame)
                self.standin.journal.append(frame)
                self._inbox_in.send_nowait(frame)
                if "result" in frame and isinstance(frame.get("id"), str):
                    self.acks.add(frame["id"])
                    self._acked.set()
                    self._acked = trio.Event()
        except ConnectionClosed:
            pass
        finally:
            self._inbox_in.close()
            self.closed.set()

    async def next_frame(self) -> Frame:
        """The next frame the client sent (acks included)."""
        return await self._inbox.receive()

    async def request(self, method: str | None = None) -> Frame:
        """The next request the client sent (acks and replies are skipped)."""
        while True:
            frame = await self.next_frame()
            if "method" in frame:
                assert method is None or frame["method"] == method, frame
                return frame

    async def send(self, frame: Frame | str) -> None:
        text = frame if isinstance(frame, str) else json.dumps(frame)
        await self.ws.send_message(text)

    async def send_together(self, *frames: Frame) -> None:
        """Send ``frames`` as one write, so the client reads them all at once."""
        ws: Any = self.ws  # trio-websocket has no batch send: use its wsproto and stream
        data = b"".join(ws._wsproto.send(TextMessage(data=json.dumps(f))) for f in frames)
        async with ws._stream_lock:
            await ws._stream.send_all(data)

    async def reply(self, request: Frame, result: Frame | None = None) -> None:
        await self.send({"jsonrpc": "2.0", "id": request["id"], "result": result or OK})

    async def error(self, request: Frame, code: int, message: str) -> None:
        error = {"code": code, "message": message}
        await self.send({"jsonrpc": "2.0", "id": request["id"], "error": error})

    async def event(self, event_type: str, **params: Any) -> str:
        """Push a ``signalwire.event``; returns its id."""
        event_id = f"ev-{next(self._ids)}"
        await self.send(
            {
                "jsonrpc": "2.0",
                "id": event_id,
                "method": "signalwire.event",
                "params": {"event_type": event_type, "params": params},
            }
        )
        return event_id

    async def fence(self) -> None:
        """Push an event and wait for its ack: the client has handled all before it."""
        event_id = await self.event("test.fence")
        while event_id not in self.acks:
            await self._acked.wait()

    async def state(self, call_id: str, state: str, *, tag: str | None, **extra: Any) -> str:
        params: dict[str, Any] = {"node_id": "n1", "call_id": call_id, "call_state": state}
        if tag is not None:
            params.update(tag=tag, direction="outbound")
        params.update(extra)
        return await self.event("calling.call.state", **params)

    async def handshake(self, *, restored: bool = False) -> Frame:
        """Accept ``signalwire.connect``; returns the request."""
        request = await self.request("signalwire.connect")
        await self.reply(
            request,
            {"identity": "id@test", "protocol": PROTOCOL, "session_restored": restored},
        )
        return request

    async def close(self) -> None:
        await self.ws.aclose()


class StandIn:
    """A loopback WebSocket server handing each connection to the test."""

    def __init__(self) -> None:
        self.url = ""
        self.journal: list[Frame] = []
        self.peers: list[Peer] = []
        self._new_in, self._new = trio.open_memory_channel[Peer](math.inf)

    async def accept(self) -> Peer:
        """The next client connection."""
        return await self._new.receive()

    async def accept_session(self, *, restored: bool = False) -> Peer:
        peer = await self.accept()
        await peer.handshake(restored=restored)
        return peer

    def methods(self) -> list[str]:
        return [frame["method"] for frame in self.journal if "method" in frame]

    def ends(self) -> dict[str, str]:
        """``call_id`` → reason of every ``calling.end`` the server received."""
        return {
            frame["params"]["call_id"]: frame["params"]["reason"]
            for frame in self.journal
            if frame.get("method") == "calling.end"
        }


@asynccontextmanager
async def open_standin(ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[StandIn]:
    standin = StandIn()

    async def handler(request: WebSocketRequest) -> None:
        ws = await request.accept()
        peer = Peer(standin, ws)
        standin.peers.append(peer)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(peer._read)
            standin._new_in.send_nowait(peer)
            await peer.closed.wait()

    async with trio.open_nursery() as nursery:
        server = await nursery.start(serve_websocket, handler, "127.0.0.1", 0, ssl_context)
        scheme = "ws" if ssl_context is None else "wss"
        standin.url = f"{scheme}://127.0.0.1:{server.port}"
        yield standin
        nursery.cancel_scope.cancel()
