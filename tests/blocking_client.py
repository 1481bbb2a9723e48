"""A blocking RELAY client: ``relay_core`` over websockets' threading API.

The core's promise is that any transport can drive it; this is the third
user after ``relay_trio`` and ``relay_asyncio``, written against nothing but
``relay_core``'s public names.  It does one thing at a time and never
reconnects, which keeps it short; every RELAY rule (handshake, acks,
deadlines, abandoning a dial) is still the core's.

The whole transport is :meth:`BlockingRelayClient._wait`: hand the core each
frame and ``time.monotonic()``, write what it queues, and block in
``recv(timeout=...)`` no longer than its next deadline.

    with BlockingRelayClient(config, "wss://relay.signalwire.com") as client:
        call = client.dial([[{"type": "phone", "params": {...}}]], timeout=30)
        client.play(call.ref, [{"type": "tts", "text": "Hello"}])
        client.hangup(call.ref)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from relay_core import (
    AuthenticationFailed,
    CallInfo,
    CallRef,
    CallStateChanged,
    ConnectionLostError,
    Dial,
    DialStateChanged,
    Event,
    Hangup,
    LivenessLost,
    Play,
    PlayState,
    PlayStateChanged,
    RelayConfig,
    RelaySession,
    RequestFailed,
    RequestId,
    SessionStarted,
)

__all__ = ["BlockingRelayClient"]


class BlockingRelayClient:
    """One RELAY session over one blocking WebSocket; use it as a context manager."""

    def __init__(self, config: RelayConfig, url: str, *, open_timeout: float = 10.0) -> None:
        self.session = RelaySession(config)
        self._url = url
        self._open_timeout = open_timeout

    def __enter__(self) -> BlockingRelayClient:
        with contextlib.ExitStack() as stack:
            ws = connect(self._url, open_timeout=self._open_timeout, compression=None)
            self._ws = stack.enter_context(ws)
            self.session.connection_made(now=time.monotonic())
            self._flush()
            self._wait(lambda event: isinstance(event, SessionStarted), self._open_timeout)
            self._closing = stack.pop_all()  # authenticated: keep the socket open
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.session.abandon_all(now=time.monotonic())  # end legs still ringing
            with contextlib.suppress(ConnectionClosed):  # keep the error that got us here
                self._flush()
            self.session.close(now=time.monotonic())
        finally:
            self._closing.close()

    def dial(self, devices: Any, *, timeout: float = 60.0) -> CallInfo:
        """Dial (``devices`` as for :class:`relay_core.Dial`); return the answered call.

        Raises ``DialError`` if no device answers and ``TimeoutError`` after
        ``timeout`` seconds, when the dial is abandoned (its legs are ended).
        """
        command = Dial(devices=devices)
        request_id = self.session.send(command, now=time.monotonic())
        self._flush()
        try:
            event = self._wait(
                lambda e: isinstance(e, DialStateChanged) and e.tag == command.tag and e.is_final,
                timeout,
                request_id,
            )
        except BaseException:
            self.session.abandon_dial(command.tag, now=time.monotonic())
            self._flush()
            raise
        assert isinstance(event, DialStateChanged)
        if event.call is None:
            raise event.error()
        return event.call

    def play(self, call: CallRef, media: Any, *, timeout: float = 300.0) -> PlayState:
        """Play ``media`` on ``call`` and wait until it is over: ``FINISHED`` or ``ERROR``."""
        command = Play(call=call, media=media)
        self.session.send(command, now=time.monotonic())
        self._flush()
        control_id = command.control_id
        event = self._wait(
            lambda e: isinstance(e, PlayStateChanged) and e.control_id == control_id and e.is_final,
            timeout,
        )
        assert isinstance(event, PlayStateChanged)
        return event.state

    def hangup(self, call: CallRef, *, timeout: float = 30.0) -> CallInfo:
        """End ``call`` and wait for ``ended``; returns its final snapshot."""
        request_id = self.session.send(Hangup(call=call), now=time.monotonic())
        self._flush()
        event = self._wait(
            lambda e: (
                isinstance(e, CallStateChanged) and e.call.call_id == call.call_id and e.is_final
            ),
            timeout,
            request_id,
        )
        assert isinstance(event, CallStateChanged)
        return event.call

    # -- the transport ---------------------------------------------------------

    def _flush(self) -> None:
        for frame in self.session.messages_to_send():
            self._ws.send(frame)

    def _wait(
        self, wanted: Callable[[Event], bool], timeout: float, request_id: RequestId | None = None
    ) -> Event:
        """Pump frames and deadlines until an event is ``wanted``; others are dropped.

        A failure of ``request_id`` raises its error; so does a dead link.
        """
        session = self.session
        give_up = time.monotonic() + timeout
        while True:
            while (event := session.next_event()) is not None:
                if wanted(event):
                    return event
                if isinstance(event, RequestFailed) and event.request_id == request_id:
                    raise event.error()
                if isinstance(event, AuthenticationFailed):
                    raise event.error()
                if isinstance(event, LivenessLost):
                    raise ConnectionLostError(-1, event.reason)
            now = time.monotonic()
            if now >= give_up:
                raise TimeoutError(f"nothing wanted arrived within {timeout:g} s")
            deadline = session.next_deadline()
            wake = give_up if deadline is None else min(deadline, give_up)
            try:
                frame = self._ws.recv(timeout=max(0.0, wake - now))
            except TimeoutError:
                session.handle_timeout(now=time.monotonic())
            except ConnectionClosed as closed:
                session.connection_lost(now=time.monotonic())
                raise ConnectionLostError(-1, f"the socket closed: {closed}") from closed
            else:
                try:
                    session.receive_text(frame, now=time.monotonic())
                finally:
                    self._flush()  # acks leave even if the frame was malformed
            self._flush()
