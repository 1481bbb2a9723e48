"""The scripting verbs an adapter's served fake server exposes, clock included.

Shared by ``relay_trio.testing`` and ``relay_asyncio.testing``: each verb
runs on the server at the served clock's ``now`` and flushes the output.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._ids import JSONObject
from ..client._events import CallRef
from ._callers import CallerScript
from ._fake_server import FakeRelayServer
from ._messaging import SimulatedMessage
from ._records import ConnectionId

__all__ = ["FakeServerScripting"]


class FakeServerScripting:
    """Where a served fake server listens, and the scripting verbs that flush.

    Shared by the adapters' handles (``relay_trio.testing``,
    ``relay_asyncio.testing``), which provide ``now()`` (the server's clock)
    and ``kick()`` (flush every connection's output and re-arm the timer after
    a change); each verb here changes the server, then kicks.

    Attributes:
        server: the sans-IO server (journal, directory, calls).
        url: ``ws://127.0.0.1:PORT`` (``wss://`` with TLS).
        host: ``127.0.0.1:PORT``, the official SDK's ``host`` argument.
        port: the listening port.
        ca_path: PEM file of the test CA that signed the server certificate
            (``None`` without TLS); point ``SIGNALWIRE_RELAY_CA_FILE`` at it.
    """

    def __init__(self, server: FakeRelayServer, host: str, port: int, ca_path: str | None) -> None:
        self.server = server
        self.port = port
        self.host = f"{host}:{port}"
        self.url = f"{'wss' if ca_path else 'ws'}://{self.host}"
        self.ca_path = ca_path

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"

    def now(self) -> float:
        """The server's current time (the adapter's clock)."""
        raise NotImplementedError

    def kick(self) -> None:
        """Flush outputs and re-arm the timer after a change."""
        raise NotImplementedError

    def inject_inbound_call(
        self,
        *,
        context: str,
        from_number: str,
        to_number: str,
        device: JSONObject | None = None,
        caller: CallerScript | None = None,
        presses: str | Sequence[str] | None = None,
        says: str | Sequence[str] | None = None,
    ) -> CallRef:
        """Place an inbound call (see :meth:`FakeRelayServer.inject_inbound_call`)."""
        ref = self.server.inject_inbound_call(
            context=context,
            from_number=from_number,
            to_number=to_number,
            device=device,
            caller=caller,
            presses=presses,
            says=says,
            now=self.now(),
        )
        self.kick()
        return ref

    def script_call(
        self,
        call_id: str,
        *,
        caller: CallerScript | None = None,
        presses: str | Sequence[str] | None = None,
        says: str | Sequence[str] | None = None,
    ) -> CallerScript:
        """Change what the party on a live call does (see :meth:`FakeRelayServer.script_call`)."""
        return self.server.script_call(call_id, caller=caller, presses=presses, says=says)

    def inject_inbound_message(
        self,
        *,
        context: str,
        from_number: str,
        to_number: str,
        body: str = "",
        media: tuple[str, ...] = (),
    ) -> SimulatedMessage:
        """An SMS/MMS arrives (see :meth:`FakeRelayServer.inject_inbound_message`)."""
        message = self.server.inject_inbound_message(
            context=context,
            from_number=from_number,
            to_number=to_number,
            body=body,
            media=media,
            now=self.now(),
        )
        self.kick()
        return message

    def hangup_call(self, call_id: str, *, reason: str = "hangup") -> None:
        """The far end hangs up a live call."""
        self.server.hangup_call(call_id, reason=reason, now=self.now())
        self.kick()

    def request_disconnect(self, conn: ConnectionId, *, restart: bool = False) -> str:
        """Send ``signalwire.disconnect``; the socket closes after the ack."""
        request_id = self.server.request_disconnect(conn, restart=restart, now=self.now())
        self.kick()
        return request_id

    def drop(self, conn: ConnectionId) -> None:
        """Close the socket abruptly (no WebSocket close handshake)."""
        self.server.drop(conn, now=self.now())
        self.kick()

    def send_ping(self, conn: ConnectionId) -> str:
        """Send ``signalwire.ping`` now."""
        ping_id = self.server.send_ping(conn, now=self.now())
        self.kick()
        return ping_id

    def push_event(self, conn: ConnectionId, event_type: str, params: JSONObject) -> str:
        """Send an arbitrary ``signalwire.event``."""
        event_id = self.server.push_event(conn, event_type, params, now=self.now())
        self.kick()
        return event_id

    def inject_raw(self, conn: ConnectionId, text: str) -> None:
        """Send ``text`` as one frame, as is."""
        self.server.inject_raw(conn, text, now=self.now())
        self.kick()
