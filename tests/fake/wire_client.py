"""A frame-level client for the fake server's verb tests: JSON in, JSON out, time by ``now``.

No RelaySession: the tests read exactly what the server writes (request →
reply → events), ack every event, and let simulated time pass timer by timer.
"""

from __future__ import annotations

import json
from typing import Any

from relay_core.testing import Answers, Directory, FakeRelayServer

from .helpers import make_server
from .test_server_session import connect_frame

Params = dict[str, Any]
FROM = "+15550000000"


class WireClient:
    """One authenticated socket on a fake server, receiving context ``office``."""

    def __init__(
        self, directory: Directory | None = None, *, server: FakeRelayServer | None = None
    ) -> None:
        self.server = server if server is not None else make_server(directory)
        self.now = 0.0
        self.conn = self.server.connection_made(now=0.0)
        self.events: list[tuple[float, str, Params]] = []
        self.replies: dict[str, Params] = {}
        self._ids = 0
        self.frame(connect_frame(contexts=["office"]))
        self.events.clear()

    # -- frames ------------------------------------------------------------------

    def frame(self, frame: Params) -> None:
        self.server.receive_text(self.conn, json.dumps(frame), now=self.now)
        self.drain()

    def drain(self) -> None:
        while True:
            out = self.server.messages_to_send(self.conn)
            if not out:
                return
            for text in out:
                message = json.loads(text)
                if message.get("method") == "signalwire.event":
                    inner = message["params"]
                    self.events.append((self.now, inner["event_type"], inner["params"]))
                    ack = {"jsonrpc": "2.0", "id": message["id"], "result": {}}
                    self.server.receive_text(self.conn, json.dumps(ack), now=self.now)
                elif "id" in message and ("result" in message or "error" in message):
                    self.replies[str(message["id"])] = message

    def request(self, method: str, params: Params) -> Params:
        """Send one request; returns its whole response frame (``result`` or ``error``)."""
        self._ids += 1
        request_id = f"req-{self._ids}"
        self.frame({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        return self.replies.pop(request_id)

    def result(self, method: str, params: Params) -> Params:
        """Send one request; returns its ``result`` (fails on a JSON-RPC error)."""
        response = self.request(method, params)
        assert "result" in response, response
        result: Params = response["result"]
        return result

    # -- time --------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass, firing every server timer on its time."""
        target = self.now + seconds
        while (deadline := self.server.next_deadline()) is not None and deadline <= target:
            self.now = max(self.now, deadline)
            self.server.handle_timeout(now=self.now)
            self.drain()
        self.now = target
        self.server.handle_timeout(now=self.now)
        self.drain()

    # -- calls -------------------------------------------------------------------

    def dial(self, number: str = "+15552222222", behaviour: Answers | None = None) -> Params:
        """An answered outbound call: ``{"node_id", "call_id"}``; events cleared."""
        if behaviour is not None:
            self.server.directory.set(number, behaviour)
        device = {"type": "phone", "params": {"to_number": number, "from_number": FROM}}
        tag = f"tag-{self._ids}"
        assert self.result("calling.dial", {"tag": tag, "devices": [[device]]})["code"] == "200"
        for _ in range(100):
            for _when, kind, params in self.events:
                if kind == "calling.call.dial" and params["dial_state"] == "answered":
                    call = params["call"]
                    self.events.clear()
                    return {"node_id": call["node_id"], "call_id": call["call_id"]}
            self.advance(0.5)
        raise AssertionError("the dial never answered")

    def inbound(self, **script: Any) -> Params:
        """An inbound call, answered: ``{"node_id", "call_id"}``; events cleared."""
        ref = self.server.inject_inbound_call(
            context="office",
            from_number="+15553334444",
            to_number="+15551112222",
            now=self.now,
            **script,
        )
        self.drain()
        call = {"node_id": ref.node_id, "call_id": ref.call_id}
        assert self.result("calling.answer", call)["code"] == "200"
        self.advance(0)
        self.events.clear()
        return call

    def hangup(self, call: Params) -> None:
        """The far end hangs up now."""
        self.server.hangup_call(call["call_id"], now=self.now)
        self.drain()

    # -- reading -----------------------------------------------------------------

    def take(self, *types: str) -> list[tuple[float, str, Params]]:
        """The events so far (of ``types`` if given); clears them all."""
        out = [e for e in self.events if not types or e[1] in types]
        self.events.clear()
        return out
