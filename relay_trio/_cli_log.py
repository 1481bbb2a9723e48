"""The fake-server CLI's timeline: one readable line per thing that happened.

Lines come from the server's journal (every frame both ways, through
``on_journal``) and, for sockets closing, from watching the handle's open
connections.  Session lines name a session by :func:`session_label`, a short
hash of its ``protocol``: never the token, the project or the signature.
"""

from __future__ import annotations

import hashlib
from typing import Final, TextIO

from relay_core import (
    CallReceived,
    CallStateChanged,
    ConnectionId,
    ConnectStateChanged,
    Device,
    DialStateChanged,
    Event,
    FakeRelayServer,
    JournalEntry,
    JSONObject,
    MessageReceived,
    MessageStateChanged,
    OtherDevice,
    PhoneDevice,
    PlayStateChanged,
    RemoteProtocolError,
    SipDevice,
    decode_event,
)
from relay_core.testing import CLIENT_TO_SERVER, SERVER_TO_CLIENT
from relay_core.wire import ErrorResponse, Response

from ._cli_verbs import describe_verb
from .testing import FakeRelayHandle

__all__ = ["Timeline", "describe", "describe_event", "session_label"]

#: Requests waiting for their answer (to name the method of a rejection);
#: past this many the oldest is forgotten.
MAX_PENDING_REQUESTS: Final = 1000


def session_label(protocol: str) -> str:
    """A short, stable name for a session (8 hex digits of a hash of its protocol)."""
    return hashlib.blake2s(protocol.encode(), digest_size=4).hexdigest()


def _destination(device: Device | None, *, inbound: bool = False) -> str:
    """The number or address a call rang (``inbound``: the caller's)."""
    match device:
        case PhoneDevice(to_number=to, from_number=from_):
            found = from_ if inbound else to
        case SipDevice(to=to, from_=from_):
            found = from_ if inbound else to
        case OtherDevice(params=params):
            keys = ("from_number", "from") if inbound else ("to_number", "to")
            found = next((v for k in keys if isinstance(v := params.get(k), str)), None)
        case _:
            found = None
    return found or "?"


def describe_event(event: Event) -> str | None:
    """One line for a typed call event, ``None`` for the events the log leaves out."""
    match event:
        case CallStateChanged(call=call, state=state, tag=tag, end_reason=reason):
            inbound = call.direction == "inbound"
            where = _destination(call.device, inbound=inbound)
            line = f"call {call.call_id} {'from' if inbound else 'to'} {where} {state.value}"
            if reason:
                line += f" ({reason})"
            if tag:
                line += f" [tag {tag}]"
            return line
        case DialStateChanged(tag=tag, state=state, call=winner, reason=reason):
            line = f"dial {tag} {state.value}"
            if winner is not None:
                line += f": call {winner.call_id} to {_destination(winner.device)}"
            return line + (f" ({reason})" if reason else "")
        case ConnectStateChanged(call=ref, state=state, peer=peer, failed_reason=reason):
            line = f"connect {ref.call_id} {state.value}"
            if peer is not None:
                line += f" with {peer.call_id}"
            return line + (f" ({reason})" if reason else "")
        case PlayStateChanged(call=ref, control_id=control_id, state=state):
            return f"play {control_id} on call {ref.call_id} {state.value}"
        case CallReceived(call=call, context=context):
            where = _destination(call.device, inbound=True)
            return f"inbound call {call.call_id} from {where} offered on context {context or ''}"
        case MessageReceived(message=message):
            what = f"{len(message.media)} media" if message.media else f"{len(message.body)} chars"
            return (
                f"inbound message {message.message_id} from {message.from_number} to "
                f"{message.to_number} on context {message.context} ({what})"
            )
        case MessageStateChanged(message=message, state=state, reason=reason):
            line = f"message {message.message_id} to {message.to_number} {state.value}"
            return line + (f" ({reason})" if reason else "")
        case _:
            return None


def describe(entry: JournalEntry) -> str | None:
    """One line for a call event sent to a client, ``None`` for other frames.

    The event is read by the core's ``decode_event``: the same typed events a
    client gets, no parsing of our own.
    """
    event_type = entry.event_type
    if entry.direction != SERVER_TO_CLIENT or event_type is None:
        return None
    try:
        event = decode_event(event_type, entry.event_params)
    except RemoteProtocolError as exc:  # names the missing field, never a value
        return f"{event_type} unreadable: {exc.message}"
    line = describe_event(event)
    return line if line is not None else describe_verb(event_type, entry.event_params)


def _rejection(result: JSONObject) -> str | None:
    """``"CODE message"`` for a result whose ``code`` is not 2xx (RELAY.md D), else ``None``."""
    code = result.get("code")
    if code is None or (str(code)[:1] == "2" and len(str(code)) == 3):
        return None
    message = result.get("message")
    return f"{code} {message}" if isinstance(message, str) else str(code)


def _error(message: ErrorResponse) -> str:
    return f"{message.code} {message.message}"


class Timeline:
    """Prints the log lines, each stamped with seconds since the server started.

    Feed it every journal entry (:meth:`__call__`, the server's
    ``on_journal``), set :attr:`server` once the server exists (session
    lines then list the contexts), and run :meth:`watch_closes` to hear
    about sockets that close.
    """

    def __init__(self, out: TextIO, start: float) -> None:
        self.out = out
        self.start = start
        self.server: FakeRelayServer | None = None
        #: (connection, request id) → method, for requests not answered yet.
        self._pending: dict[tuple[ConnectionId, str], str] = {}
        #: Authenticated sockets still open → their session's protocol.
        self._sockets: dict[ConnectionId, str] = {}

    def line(self, when: float, text: str) -> None:
        """Print one timeline line."""
        print(f"[{when - self.start:9.3f}] {text}", file=self.out, flush=True)

    def __call__(self, entry: JournalEntry) -> None:
        text = self._describe(entry)
        if text is not None:
            self.line(entry.time, text)

    def _describe(self, entry: JournalEntry) -> str | None:
        conn = entry.connection
        if entry.direction == CLIENT_TO_SERVER:
            method, request_id = entry.method, entry.request_id
            if method is not None and request_id is not None:
                if len(self._pending) >= MAX_PENDING_REQUESTS:
                    del self._pending[next(iter(self._pending))]
                self._pending[conn, str(request_id)] = method
            return None
        message = entry.message
        if not isinstance(message, Response | ErrorResponse):
            line = describe(entry)  # an event (or a request or a frame we injected)
            protocol = self._sockets.get(conn)
            if line is not None and entry.event_type == "calling.call.receive" and protocol:
                line += f" to session {session_label(protocol)}"  # who got the offer
            return line
        if message.id is None:  # the error answer to a frame the server could not read
            return f"connection {conn}: frame rejected: {_error(message)}"
        method = self._pending.pop((conn, str(message.id)), None)
        if method is None:
            return None  # the answer to nothing the client asked (e.g. injected)
        if method == "signalwire.connect":
            return self._connected(conn, message)
        if method in ("signalwire.receive", "signalwire.unreceive") and (
            isinstance(message, Response) and _rejection(message.result) is None
        ):
            return self._contexts(conn, method.partition(".")[2])
        if isinstance(message, ErrorResponse):
            return f"{method} rejected: {_error(message)}"
        rejection = _rejection(message.result)
        return None if rejection is None else f"{method} rejected: {rejection}"

    def _connected(self, conn: ConnectionId, message: Response | ErrorResponse) -> str:
        if isinstance(message, ErrorResponse):
            return f"connection {conn}: signalwire.connect rejected: {_error(message)}"
        protocol = message.result.get("protocol")
        if not isinstance(protocol, str):
            return f"connection {conn}: session started"
        self._sockets[conn] = protocol
        how = "resumed" if message.result.get("session_restored") is True else "connected"
        line = f"session {session_label(protocol)} {how} on connection {conn}"
        info = None if self.server is None else self.server.session_of(conn)
        if info is not None:
            line += f", contexts: {', '.join(info.contexts) or '(none)'}"
        return line

    def _contexts(self, conn: ConnectionId, verb: str) -> str | None:
        protocol = self._sockets.get(conn)
        info = None if self.server is None else self.server.session_of(conn)
        if protocol is None or info is None:
            return None
        contexts = ", ".join(info.contexts) or "(none)"
        return f"session {session_label(protocol)} {verb}d, contexts: {contexts}"

    async def watch_closes(self, handle: FakeRelayHandle) -> None:
        """Print a line whenever an authenticated socket closes (runs until cancelled)."""
        while True:
            await handle.wait_until(lambda: not self._sockets.keys() <= set(handle.connections()))
            open_now = set(handle.connections())
            for conn in [c for c in self._sockets if c not in open_now]:
                protocol = self._sockets.pop(conn)
                self.line(handle.now(), self._closed(handle.server, conn, protocol))

    @staticmethod
    def _closed(server: FakeRelayServer, conn: ConnectionId, protocol: str) -> str:
        label = session_label(protocol)
        for info in server.sessions():
            if info.protocol == protocol and info.connection not in (None, conn):
                return f"session {label}: connection {conn} closed (now on {info.connection})"
        return f"session {label} disconnected (connection {conn} closed)"
