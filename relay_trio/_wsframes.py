"""The WebSocket fast path: whole text frames framed and unframed without websockets' parser.

websockets' sans-I/O protocol parses each frame with a chain of generators
and serializes each with a ``Frame`` and a ``BytesIO``: about a third of the
client's CPU per RELAY event once the core is fast (benchmarks/RESULTS.md).
The frames RELAY exchanges are nearly all one kind: a whole (``fin``),
unmasked, uncompressed text frame from the server, a whole masked text frame
from the client.  :class:`FrameReader` takes those out of the byte stream
itself and hands every other frame (ping, close, fragments, anything odd)
to the protocol whole, so the protocol's parser always stands at a frame
boundary and keeps every rule it enforces (control frames, close handshake,
fragment order, size limits, protocol errors).  The sending side is
:func:`relay_core.wire.frame_texts`, with websockets' ``apply_mask``.

Neither is used when the protocol logs frames at DEBUG (the caller checks
``protocol.debug``), so wire logging is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from websockets.client import ClientProtocol
from websockets.protocol import OPEN

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - websockets without its C extension
    from websockets.utils import apply_mask

__all__ = ["FrameReader", "apply_mask"]

#: First header byte of a whole text or binary frame without reserved bits.
_WHOLE_TEXT: Final = 0x81
_WHOLE_BINARY: Final = 0x82


class FrameReader:
    """Splits received bytes into messages: whole text frames here, any other via the protocol.

    The protocol only ever receives whole frames (after the handshake, whose
    last byte the caller must not overshoot), so its parser is always at a
    frame boundary when a fast frame comes by.  Bounded: at most one
    incomplete frame of at most the protocol's ``max_message_size`` is held
    (a larger one goes to the protocol at once, which fails the connection).
    """

    def __init__(
        self, protocol: ClientProtocol, messages: Callable[[Sequence[object]], list[bytes]]
    ) -> None:
        self._protocol = protocol
        self._messages = messages  # turns protocol events into messages (fragments joined)
        self._buffer = b""
        #: Chunks of an incomplete frame, and the bytes it needs in all (joined once, when whole).
        self._parts: list[bytes] = []
        self._held = 0
        self._needed = 0
        # websockets >= 15 names the limit and the fragment count so; older
        # releases (the trio extra allows 13) get websockets' own path only.
        known = hasattr(protocol, "max_message_size") and hasattr(protocol, "current_size")
        limit = getattr(protocol, "max_message_size", None)
        self._limit = (1 << 63) if limit is None else int(limit)
        #: Everything goes to the protocol from now on (it logs frames, or the stream broke).
        self._slow = protocol.debug or not known

    def feed(self, data: bytes | bytearray, messages: list[bytes]) -> None:
        """Append the messages that ``data`` completes to ``messages``."""
        if not isinstance(data, bytes):
            data = bytes(data)
        protocol = self._protocol
        if self._slow:
            protocol.receive_data(data)
            messages += self._messages(protocol.events_received())
            return
        if self._needed:  # a frame split across reads: join its chunks only once it is whole
            self._parts.append(data)
            self._held += len(data)
            if self._held < self._needed:
                return
            data = b"".join(self._parts)
            self._parts = []
            self._needed = 0
        buffer = self._buffer + data if self._buffer else data
        size = len(buffer)
        limit = self._limit
        at = 0
        fast = protocol.state is OPEN and protocol.current_size is None
        while size - at >= 2:
            head = buffer[at]
            length = buffer[at + 1]  # the mask bit set (a server must not) takes the slow path
            start = at + 2
            if length == 126:
                if size - at < 4:
                    break
                length = int.from_bytes(buffer[start : start + 2], "big")
                start += 2
            elif length == 127:
                if size - at < 10:
                    break
                length = int.from_bytes(buffer[start : start + 8], "big")
                start += 8
            elif length > 127:  # masked: the protocol rejects it
                length = limit + 1
            end = start + length
            if length > limit:
                # Too large (or broken): the protocol fails the connection.
                self._slow = True
                protocol.receive_data(buffer[at:])
                messages += self._messages(protocol.events_received())
                self._buffer = b""
                return
            if end > size:  # wait for the rest of this frame
                self._parts = [buffer[at:]]
                self._held = size - at
                self._needed = end - at
                self._buffer = b""
                return
            if fast and head in (_WHOLE_TEXT, _WHOLE_BINARY):
                messages.append(buffer[start:end])
            else:
                protocol.receive_data(buffer[at:end])
                messages += self._messages(protocol.events_received())
                fast = protocol.state is OPEN and protocol.current_size is None
            at = end
        self._buffer = buffer[at:] if at else buffer

    def feed_eof(self, messages: list[bytes]) -> None:
        """The stream ended: the protocol gets what is left, then the end."""
        protocol = self._protocol
        rest = b"".join([self._buffer, *self._parts])
        self._buffer, self._parts, self._needed = b"", [], 0
        if rest:
            protocol.receive_data(rest)
        self._slow = True
        protocol.receive_eof()
        messages += self._messages(protocol.events_received())
