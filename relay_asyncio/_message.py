"""SMS/MMS on the asyncio client, as the official SDK names them: ``send_message``, ``on_message``.

The core follows each message (RELAY.md J); this module keeps the user's
:class:`Message` objects, keyed by the request id of their
``messaging.send`` (every state event names it, even one that beat the
reply), and runs the ``on_message`` handler for inbound messages in its own
task, under the client's ``max_concurrent_handlers`` (shared with
``on_call``).  An inbound message with no handler or no free slot is
dropped by the core's policy (``refuse_message``: counted, logged): it
cannot be passed back.  Listeners (``message.on``) and ``on_completed`` run
in one task per message, in order, never in the reader.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Final, TypeAlias

from relay_core import (
    InboundMessageRefused,
    InvalidArgumentError,
    MessageId,
    MessageInfo,
    MessageReceived,
    MessageState,
    MessageStateChanged,
    RelayError,
    RequestId,
    SendMessage,
    SessionClosedError,
    check_timeout,
    message_context,
)

from ._call import notify
from ._dispatch import Dispatch
from ._sdk_events import RelayEvent
from ._sdk_parse import sdk_event

__all__ = ["Listener", "Message", "MessageHandler", "Messaging"]

log = logging.getLogger("relay_asyncio")

#: ``@client.on_message``: a coroutine function taking the inbound :class:`Message`.
MessageHandler: TypeAlias = Callable[["Message"], Awaitable[object]]
#: A listener: a function or coroutine function taking a ``MessageStateEvent`` (the
#: official SDK's class; its ``.core`` is the core's :class:`MessageStateChanged`).
Listener: TypeAlias = Callable[[RelayEvent], object]
#: Pending listener runs per message (a message has at most six states).
_LISTENER_BUFFER: Final = 16


class Message:
    """One SMS/MMS (the official SDK's ``signalwire.relay.Message``).

    Attributes (as the latest state event says): ``message_id``,
    ``context``, ``direction``, ``from_number``, ``to_number``, ``body``,
    ``media``, ``segments``, ``state`` (a :class:`~relay_core.MessageState`,
    a ``str``), ``reason`` (``""`` unless undelivered or failed) and ``tags``.
    """

    def __init__(self, client: Messaging, info: MessageInfo) -> None:
        self._client = client
        self._done: asyncio.Future[RelayEvent] = client._future()
        self._on_completed: Callable[[RelayEvent], object] | None = None
        self._listeners: list[Listener] = []
        self._inbox: deque[tuple[list[Listener], RelayEvent, bool]] | None = None
        self._worker: asyncio.Task[None] | None = None
        #: Whether the session stopped following it with no final state.
        self.expired = False
        self._update(info)

    def _update(self, info: MessageInfo) -> None:
        self.message_id: str = info.message_id
        self.context = info.context
        self.direction = info.direction
        self.from_number = info.from_number
        self.to_number = info.to_number
        self.body = info.body
        self.media = list(info.media)
        self.segments = info.segments or 0
        self.state: MessageState = info.state
        self.reason = info.reason or ""
        self.tags = list(info.tags)

    def __repr__(self) -> str:
        return (
            f"Message(id={self.message_id!r}, direction={self.direction!r}, "
            f"state={self.state.value!r}, to={self.to_number!r})"
        )

    @property
    def is_done(self) -> bool:
        """Whether a final state came (or the message expired)."""
        return self._done.done()

    @property
    def result(self) -> RelayEvent | None:
        """The final event, or ``None`` while the message is in flight."""
        if self._done.done() and not self._done.exception():
            return self._done.result()
        return None

    def on(self, handler: Listener) -> None:
        """Call ``handler(event)`` for each later state change (sync or async)."""
        if not callable(handler):
            raise InvalidArgumentError(f"handler: {handler!r} is not callable")
        self._listeners.append(handler)

    async def wait(self, timeout: float | None = None) -> RelayEvent:
        """Wait for the final state; returns its event (``event.message_state``).

        An inbound message is final already (``received``).  A message whose
        final state does not come within
        ``RelayConfig.message_timeout`` of the last returns an event with
        ``expired`` set and the last state (``sent``: fate unknown).

        Raises:
            TimeoutError: ``timeout`` passed first (the message is still followed).
            SessionClosedError: the client closed first.
        """
        timeout = check_timeout("timeout", timeout, allow_none=True)
        if timeout is None:
            return await asyncio.shield(self._done)
        async with asyncio.timeout(timeout):
            return await asyncio.shield(self._done)

    def _on_state(self, core: MessageStateChanged) -> None:
        self._update(core.message)
        # What the official SDK's listeners and wait() get: built only for them.
        event: RelayEvent | None = None
        if core.is_final:
            self.expired = core.expired
            if not self._done.done():
                event = sdk_event(core)
                self._done.set_result(event)
        if self._listeners or (core.is_final and self._on_completed is not None):
            event = event or sdk_event(core)
            inbox = self._inbox
            if inbox is None:
                inbox = self._inbox = deque(maxlen=_LISTENER_BUFFER)
            inbox.append((list(self._listeners), event, core.is_final))
            if self._worker is None:
                self._worker = self._client._spawn(self._run_listeners())

    async def _run_listeners(self) -> None:
        inbox = self._inbox
        assert inbox is not None
        try:
            while inbox:
                listeners, event, final = inbox.popleft()
                callbacks = [*listeners]
                if final and self._on_completed is not None:
                    callbacks.append(self._on_completed)
                await notify(callbacks, event, "message", self.message_id)
        finally:
            self._worker = None

    def _close(self, error: RelayError) -> None:
        if not self._done.done():
            self._done.set_exception(error)


class Messaging(Dispatch):
    """The client's messaging part (``relay_asyncio.RelayClient`` builds on it)."""

    _on_message: MessageHandler | None = None

    def _reset(self) -> None:
        super()._reset()
        #: Outbound messages followed, by the request id of their send.
        self._sent: dict[RequestId, Message] = {}

    def on_message(self, handler: MessageHandler) -> MessageHandler:
        """Register the inbound-message handler (usable as a decorator)."""
        if not callable(handler):
            raise InvalidArgumentError(f"handler: {handler!r} is not callable")
        self._on_message = handler
        return handler

    async def send_message(
        self,
        *,
        to_number: str,
        from_number: str,
        context: str | None = None,
        body: str | None = None,
        media: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        region: str | None = None,
        on_completed: Callable[[RelayEvent], object] | None = None,
    ) -> Message:
        """Send an SMS (``body``) or MMS (``media`` URLs); returns once the server accepts it.

        As the official SDK: ``context`` defaults to the session's protocol;
        ``on_completed(event)`` runs at the final state.  Then ``await
        message.wait()``.

        Raises:
            InvalidArgumentError: a bad number, no body nor media, ...; nothing was sent
                (a ``ValueError``, as the official SDK raises).
            LocalProtocolError: ``RelayConfig.max_messages`` are in flight; nothing was sent.
            RequestError: the server refused the message (e.g. code 400).
        """
        if on_completed is not None and not callable(on_completed):
            raise InvalidArgumentError(f"on_completed: {on_completed!r} is not callable")
        session = self._live()
        command = SendMessage(
            to_number=to_number,
            from_number=from_number,
            context=message_context(context, session.protocol),
            body=body,
            media=media,
            tags=tags,
            region=region,
        )
        request_id = session.send(command, now=self._now())
        request = self._requests[request_id] = self._future()
        message = self._sent[request_id] = Message(
            self,
            MessageInfo(
                message_id=MessageId(""),
                direction="outbound",
                context=command.context or "",
                from_number=from_number,
                to_number=to_number,
                body=body or "",
                media=command.media,
                tags=command.tags,
                request_id=request_id,
            ),
        )
        message._on_completed = on_completed
        self._pump()
        try:
            result = await request
        except BaseException:
            self._sent.pop(request_id, None)
            raise
        if not message.message_id:  # no state beat the reply; the core checked the id
            message.message_id = str(result["message_id"])
        if message.is_done:
            self._sent.pop(request_id, None)
        return message

    def _on_message_event(
        self, event: MessageReceived | MessageStateChanged | InboundMessageRefused
    ) -> None:
        match event:
            case MessageStateChanged(message=info):
                request_id = info.request_id
                message = None if request_id is None else self._sent.get(request_id)
                if message is not None:
                    message._on_state(event)
                    if event.is_final and request_id not in self._requests:
                        del self._sent[request_id]  # type: ignore[arg-type]
            case MessageReceived(message=info):
                handler = self._on_message
                if handler is None or self._closing or self._handlers >= self._max_handlers:
                    assert self._session is not None
                    self._session.refuse_message(info, now=self._now())
                    return
                self._handlers += 1
                message = Message(self, info)
                # Inbound: nothing follows (RELAY.md J.5), so wait() returns at once.
                final = MessageStateChanged(message=info, state=info.state)
                message._done.set_result(sdk_event(final))
                self._spawn(self._run_message_handler(handler, message))
            case InboundMessageRefused(message=info):
                log.warning(
                    "inbound message %s dropped: no free on_message handler", info.message_id
                )

    async def _run_message_handler(self, handler: MessageHandler, message: Message) -> None:
        try:
            await handler(message)
        except Exception:
            log.exception("on_message handler failed for message %s", message.message_id)
        finally:
            self._handlers -= 1

    async def _shutdown(self) -> None:
        try:
            await super()._shutdown()
        finally:
            error = self._fatal or SessionClosedError("the RelayClient was closed")
            for message in self._sent.values():
                message._close(error)
            self._sent.clear()
