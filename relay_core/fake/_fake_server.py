"""The server role of RELAY, with no I/O: a fake SignalWire for offline tests.

Theory of operation
-------------------
:class:`FakeRelayServer` is the client core's mirror image.  It speaks the
same wire codec (``_wire``) and is driven the same way:

1. ``connection_made(now=...)`` for every accepted socket → a
   :class:`ConnectionId`;
2. ``receive_text(conn, frame, now=...)`` for every inbound text frame;
3. after *every* call (frames, timers, scripting), drain
   ``messages_to_send(conn)`` for each of ``connections_with_output()`` and
   close each socket listed by ``connections_to_close()``;
4. ``next_deadline()`` / ``handle_timeout(now=...)`` drive one timer;
5. ``connection_lost(conn, now=...)`` when a socket closes.

A connection must authenticate with ``signalwire.connect`` first (RELAY.md
C.1).  That creates a *session*, keyed by its ``protocol`` string, or
resumes one when the client presents a known ``protocol`` (C.7: same
protocol, ``session_restored: true``, calls kept, later events go to the new
socket).  Events for a session whose socket is gone or draining wait in the
session and are delivered after the resume; events already sent on a socket
that drops are not re-sent.

``calling.*`` requests go to the :class:`~relay_core.fake.PhoneNetwork`,
which simulates the phone network from a :class:`Directory`.

Scripting (for tests): :meth:`~FakeRelayServer.arm_response` (delay, swallow
or replace the next response to a method), :meth:`~FakeRelayServer.send_ping`,
:meth:`~FakeRelayServer.request_disconnect`, :meth:`~FakeRelayServer.drop`,
:meth:`~FakeRelayServer.push_event`, :meth:`~FakeRelayServer.inject_raw`,
:meth:`~FakeRelayServer.inject_inbound_call`,
:meth:`~FakeRelayServer.script_call` (what the party on a call presses and
says: collect, detect and record follow it) and
:meth:`~FakeRelayServer.hangup_call`.  Every frame, both ways, lands in
:attr:`~FakeRelayServer.journal` (the newest ``journal_limit`` of them).

Long life: it forgets what the real service would.  A closed connection is
removed at once; a session whose socket is gone waits ``resume_window``
seconds (default 60) for a resume, then its calls end and it is forgotten.
See :class:`FakeRelayServer` for every table's bound and
:meth:`~FakeRelayServer.table_sizes` to watch them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import final

from .._errors import LocalProtocolError, RemoteProtocolError
from .._ids import JSONObject
from ..client._events import CallRef
from ..wire._wire import (
    Message,
    decode,
)
from ._callers import CallerScript, caller_script
from ._handshake import _ServerProtocol
from ._messaging import SimulatedMessage
from ._records import _DRAINING, _READY, CloseRequest, ConnectionId, RpcError, _Plan

__all__ = ["FakeRelayServer"]


@final
class FakeRelayServer(_ServerProtocol):
    """A fake RELAY server: sessions, acks, pings and a simulated phone network.

    See the module docstring for how to drive it.  Every method that takes
    ``now`` may produce output: drain it afterwards.

    Args:
        credentials: accepted ``project`` → ``token`` pairs.
        jwt_tokens: accepted ``jwt_token`` values.
        jwt_project: the project a JWT session belongs to (default: the
            first project of ``credentials``).
        directory: who answers what (default: :meth:`Directory.default`).
        new_id: makes every id the server invents (calls, events, sessions);
            tests pass a counter for fixed transcripts.
        ping_interval: send ``signalwire.ping`` to every authenticated
            socket this often (``None``: only scripted pings).
        accept_flat_media: accept the flat media shorthand (``{"type":
            "tts", "text": ...}``) that the official SDK forwards verbatim;
            by default it is rejected with code ``400`` (RELAY.md H.4).
        reject_stale_authorization: answer ``-32003`` to a connect whose
            ``authorization_state`` is not the session's current blob
            (default: fall back to ``authentication``, RELAY.md C.3).
        journal_limit: keep only about this many journal entries, the newest
            (default :data:`DEFAULT_JOURNAL_LIMIT`; ``None``: keep all of them).
        on_journal: called with every new journal entry (e.g. a logger).
        resume_window: seconds a session whose socket went away waits for
            the client to resume it (default 60, simulated time).  After
            that its calls end (answered ones with ``hangup``, the others
            with ``cancel``), their events are dropped and the session is
            forgotten: a connect with its ``protocol`` starts a fresh one.
            A session told ``restart=True`` is forgotten when its socket goes.
        inbound_ring_timeout: seconds an injected inbound call waits to be
            answered before its caller gives up (``noAnswer``; default 60).

    Memory stays flat however long it runs.  Closed connections are removed
    at once.  A session lives while a socket is attached, plus
    ``resume_window``.  Every call ends (an inbound call nobody answers
    after ``inbound_ring_timeout``); ended calls are remembered for
    :data:`~relay_core.fake._legs.ENDED_CALL_SECONDS` (300 s), at most
    :data:`~relay_core.fake._legs.ENDED_CALL_MEMORY` (1000) of them.  The
    journal keeps about ``journal_limit`` entries.  Per socket at most
    :data:`MAX_UNACKED_EVENTS` unacked events and :data:`MAX_UNANSWERED_PINGS`
    pings are tracked; per session at most :data:`MAX_BUFFERED_EVENTS` events
    wait for a resume (oldest dropped first) and :data:`MAX_CONTEXTS`
    contexts are received.  Per call at most 64 actions run at once and 64
    digit bindings are kept; a call's verb state (actions, bindings, queue and
    conference membership) goes with it.  Cancelled timers are compacted away.
    Only what tests script themselves (``arm_response`` plans, directory
    entries) is unbounded.
    :meth:`table_sizes` reports every table.
    """

    # -- scripting -----------------------------------------------------------

    def arm_response(
        self,
        method: str,
        *,
        delay: float | None = None,
        withhold: bool = False,
        result: JSONObject | None = None,
        error: RpcError | None = None,
    ) -> None:
        """Script how the server treats the *next* request of ``method``.

        Plans queue up per method (FIFO); each is used once.

        Args:
            method: e.g. ``"calling.dial"`` or ``"signalwire.connect"``.
            delay: handle the request this many seconds late (its effects
                and its response), e.g. to exceed a client's request timeout.
            withhold: swallow the request: no effect, no response ever.
            result: answer with this ``result`` instead of doing anything
                (e.g. ``{"code": "410", "message": "Gone"}``).
            error: answer with this JSON-RPC error instead of doing anything.

        Raises:
            LocalProtocolError: contradictory or invalid options.
        """
        if not isinstance(method, str) or not method:
            raise LocalProtocolError(f"method: {method!r} is not a non-empty string")
        if delay is not None and (isinstance(delay, bool) or not delay >= 0):
            raise LocalProtocolError(f"delay: {delay!r} is not a number of seconds >= 0")
        if sum((withhold, result is not None, error is not None)) > 1:
            raise LocalProtocolError("give at most one of withhold, result and error")
        if withhold and delay is not None:
            raise LocalProtocolError("a withheld response cannot also be delayed")
        plan = _Plan(delay=delay, withhold=withhold, result=result, error=error)
        self._plans.setdefault(method, deque()).append(plan)

    def send_ping(self, conn: ConnectionId, *, now: float) -> str:
        """Send ``signalwire.ping`` (RELAY.md C.5) now; returns its id.

        Raises:
            LocalProtocolError: ``conn`` is unknown or closed.
        """
        connection = self._connection(conn)
        self.scheduler.run_due(now)
        ping_id = self._ping(connection, now)
        self.scheduler.run_due(now)
        return ping_id

    def request_disconnect(self, conn: ConnectionId, *, restart: bool = False, now: float) -> str:
        """Send ``signalwire.disconnect`` (RELAY.md C.6); close the socket after the ack.

        From now on the session's events wait for the next socket.  With
        ``restart=True`` the session cannot be resumed: the client's next
        connect starts a fresh one.

        Raises:
            LocalProtocolError: ``conn`` is not authenticated.
        """
        connection = self._connection(conn)
        session = connection.session
        if connection.state != _READY or session is None:
            raise LocalProtocolError(f"conn: connection {conn!r} is not authenticated")
        self.scheduler.run_due(now)
        connection.state = _DRAINING
        if restart:
            session.resumable = False
            del self._sessions[session.key]
        request_id = self._request(connection, "signalwire.disconnect", {"restart": restart}, now)
        connection.disconnect_id = request_id
        self.scheduler.run_due(now)
        return request_id

    def drop(self, conn: ConnectionId, *, now: float) -> None:
        """Drop the socket abruptly (no close handshake, no disconnect request).

        The session waits for a resume.  Idempotent.

        Raises:
            LocalProtocolError: ``conn`` was never made.
        """
        connection = self._connection(conn, allow_closed=True)
        if connection is None:
            return
        self._lose(connection, now)
        self._to_close.append(
            CloseRequest(connection=conn, code=1006, reason="dropped", abrupt=True)
        )
        self.scheduler.run_due(now)

    def push_event(
        self, conn: ConnectionId, event_type: str, params: JSONObject, *, now: float
    ) -> str:
        """Send an arbitrary ``signalwire.event`` on ``conn`` (tracked for its ack).

        For out-of-order or unknown events the network would not produce.
        Returns the event's id.

        Raises:
            LocalProtocolError: ``conn`` is unknown, closed or not authenticated.
        """
        connection = self._connection(conn)
        session = connection.session
        if session is None:
            raise LocalProtocolError(f"conn: connection {conn!r} is not authenticated")
        self.scheduler.run_due(now)
        return self._send_event(connection, session, event_type, params, now)

    def inject_raw(self, conn: ConnectionId, text: str, *, now: float) -> None:
        """Send ``text`` as one frame, as is (e.g. a malformed frame).

        Raises:
            LocalProtocolError: ``conn`` is unknown or closed.
        """
        connection = self._connection(conn)
        self.scheduler.run_due(now)
        try:
            message: Message | None = decode(text)
        except RemoteProtocolError:
            message = None
        self._write(connection, text, message, now)

    def inject_inbound_call(
        self,
        *,
        context: str,
        from_number: str,
        to_number: str,
        now: float,
        device: JSONObject | None = None,
        caller: CallerScript | None = None,
        presses: str | Sequence[str] | None = None,
        says: str | Sequence[str] | None = None,
    ) -> CallRef:
        """Place an inbound call into ``context`` (RELAY.md I).

        It is offered (``calling.call.receive``) to one session receiving
        that context; until one does, the offer waits.  ``calling.pass``
        moves it to another such session.

        Once answered, the caller follows ``caller`` (a :class:`CallerScript`:
        digits, words, ``answered_by``...; default: a silent human), with
        ``presses`` / ``says`` replacing its turns when given, e.g.
        ``presses=("1", "1234#")``: the first collect hears ``1``, the next
        ``1234#``.

        Returns:
            The new call's ``CallRef``.

        Raises:
            LocalProtocolError: an empty context or number, or a bad script.
        """
        script = caller_script(caller, presses, says)
        self.scheduler.run_due(now)
        ref = self.network.inject_inbound_call(
            context=context,
            from_number=from_number,
            to_number=to_number,
            now=now,
            device=device,
            caller=script,
        )
        self.scheduler.run_due(now)
        return ref

    def script_call(
        self,
        call_id: str,
        *,
        caller: CallerScript | None = None,
        presses: str | Sequence[str] | None = None,
        says: str | Sequence[str] | None = None,
    ) -> CallerScript:
        """Change what the party on a live call does from now on (e.g. a dialled callee).

        ``caller`` replaces its whole :class:`CallerScript`; ``presses`` /
        ``says`` replace its turns, which start over.  No event is sent.

        Raises:
            LocalProtocolError: no live call has that id, or a bad script.
        """
        return self.network.script_call(call_id, caller=caller, presses=presses, says=says)

    def hangup_call(self, call_id: str, *, reason: str = "hangup", now: float) -> None:
        """The far end of a live call hangs up (``ending`` → ``ended`` with ``reason``).

        Raises:
            LocalProtocolError: no live call has that id.
        """
        self.scheduler.run_due(now)
        self.network.hangup(call_id, reason=reason, now=now)
        self.scheduler.run_due(now)

    def inject_inbound_message(
        self,
        *,
        context: str,
        from_number: str,
        to_number: str,
        now: float,
        body: str = "",
        media: tuple[str, ...] = (),
    ) -> SimulatedMessage:
        """An SMS/MMS arrives on ``context`` (RELAY.md J.5): ``messaging.receive``.

        Given to one session receiving ``context`` (the oldest); with none,
        it is dropped (the result's ``session`` is ``None``).

        Raises:
            LocalProtocolError: an empty context or number, or neither body nor media.
        """
        self.scheduler.run_due(now)
        message = self.messaging.inject_inbound_message(
            context=context, from_number=from_number, to_number=to_number, body=body, media=media
        )
        self.scheduler.run_due(now)
        return message
