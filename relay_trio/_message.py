"""SMS/MMS on the trio client: :class:`Message`, ``send_message`` and ``incoming_messages``.

The core follows each message (RELAY.md J): this module only keeps the
user's :class:`Message` objects, keyed by the request id of their
``messaging.send`` (every state event names it, even one that beat the
reply), and hands inbound messages to a bounded channel.  An inbound
message with no room there is dropped by the core's policy
(``refuse_message``: counted, logged), since it cannot be passed back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import trio

from relay_core import (
    InboundMessageRefused,
    MessageId,
    MessageInfo,
    MessageReceived,
    MessageState,
    MessageStateChanged,
    RelayError,
    RequestFailed,
    RequestId,
    SendMessage,
    SessionClosedError,
    message_context,
)

from ._dispatch import Dispatch
from ._sync import Waiter

__all__ = ["Message", "Messaging"]

log = logging.getLogger("relay_trio")


class Message:
    """One SMS/MMS: sent by :meth:`RelayClient.send_message` or received.

    Attributes mirror the latest state event: ``message_id``, ``context``,
    ``direction``, ``from_number``, ``to_number``, ``body``, ``media``,
    ``segments``, ``tags``, ``state`` and ``reason``.
    """

    def __init__(self, info: MessageInfo) -> None:
        self._done = trio.Event()
        self._error: RelayError | None = None
        self.expired = False
        self._update(info)

    def _update(self, info: MessageInfo) -> None:
        self.info = info
        self.message_id: str = info.message_id
        self.context = info.context
        self.direction = info.direction
        self.from_number = info.from_number
        self.to_number = info.to_number
        self.body = info.body
        self.media = list(info.media)
        self.segments = info.segments
        self.tags = list(info.tags)
        self.state: MessageState = info.state
        self.reason = info.reason

    def __repr__(self) -> str:
        return (
            f"<Message {self.message_id or '(sending)'} {self.direction} to {self.to_number} "
            f"{self.state.value}>"
        )

    @property
    def done(self) -> bool:
        """Whether the message reached its final state (or expired, or is inbound)."""
        return self._done.is_set() or self.state is MessageState.RECEIVED

    async def wait(self) -> MessageState:
        """Wait for the final state: ``DELIVERED``, ``UNDELIVERED`` or ``FAILED``.

        When no final state comes within ``RelayConfig.message_timeout`` of
        the last one, returns the last state (``SENT``: fate unknown) and
        :attr:`expired` is true.  Wrap it in ``trio.move_on_after`` for a
        shorter bound.

        Raises:
            SessionClosedError: the client closed first.
        """
        if self.state is MessageState.RECEIVED:
            await trio.lowlevel.checkpoint()
            return self.state
        await self._done.wait()
        if self._error is not None:
            raise self._error
        return self.state

    async def delivered(self) -> bool:
        """Wait for the final state; whether the carrier confirmed delivery."""
        return await self.wait() is MessageState.DELIVERED

    def _on_state(self, event: MessageStateChanged) -> None:
        self._update(event.message)
        if event.is_final:
            self.expired = event.expired
            self._done.set()

    def _close(self, error: RelayError) -> None:
        if not self._done.is_set():
            self._error = error
            self._done.set()


class Messaging(Dispatch):
    """The client's messaging part (``relay_trio.RelayClient`` builds on it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Outbound messages followed, by the request id of their send.
        self._sent: dict[RequestId, Message] = {}
        # Inbound messages wait here, as many as inbound calls may.
        size = self._incoming.statistics().max_buffer_size
        self._inbox, self._inbox_out = trio.open_memory_channel[Message](size)

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
    ) -> Message:
        """Send an SMS (``body``) or MMS (``media`` URLs); returns once the server accepts it.

        ``context`` is where its state events go (default: the session's
        protocol); ``await message.wait()`` for its final state.

        Raises:
            InvalidArgumentError: a bad number, no body nor media, ...; nothing was sent.
            LocalProtocolError: ``RelayConfig.max_messages`` are in flight; nothing was sent.
            RequestError: the server refused the message (e.g. code 400).
        """
        command = SendMessage(
            to_number=to_number,
            from_number=from_number,
            context=message_context(context, self._session.protocol),
            body=body,
            media=media,
            tags=tags,
            region=region,
        )
        request_id = self._session.send(command, now=trio.current_time())
        waiter: Waiter[Any] = Waiter()
        self._requests[request_id] = waiter
        message = self._sent[request_id] = Message(
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
            )
        )
        self._pump()
        try:
            await self._flush()
            outcome = await waiter.wait()
        except BaseException:
            self._sent.pop(request_id, None)
            raise
        if isinstance(outcome, RequestFailed):
            self._sent.pop(request_id, None)
            raise outcome.error()
        if not message.message_id:  # no state beat the reply; the core checked the id
            message.message_id = str(outcome.result["message_id"])
        if message.done:
            self._sent.pop(request_id, None)
        return message

    def incoming_messages(self) -> trio.MemoryReceiveChannel[Message]:
        """Inbound messages on this client's contexts: ``async for message in ...``.

        Each goes to one consumer; iteration ends when the client closes.
        While nobody takes them, as many wait as ``max_pending_calls``; the
        next ones are dropped (``statistics().refused_messages``).
        """
        return self._inbox_out.clone()

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
                try:
                    self._inbox.send_nowait(Message(info))
                except (trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError):
                    self._session.refuse_message(info, now=trio.current_time())
            case InboundMessageRefused(message=info):
                log.warning("no room for inbound message %s; dropped it", info.message_id)

    async def _shutdown(self) -> None:
        await super()._shutdown()
        for message in self._sent.values():
            message._close(SessionClosedError())
        self._sent.clear()
        self._inbox.close()
