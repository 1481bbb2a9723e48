"""Client WebSocket text frames (RFC 6455 5.2) for a batch of RELAY frames, in one pass.

Both adapters write what the core hands them this way when websockets would
frame them plainly (no frame logging, no extension): the bytes websockets'
``send_text`` writes, but the random masks, without its per-frame ``Frame``
object and ``BytesIO``, and one ``os.urandom`` for every mask of the batch.
The masking function is the adapter's (websockets' C ``apply_mask``): the core
imports no transport library.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

__all__ = ["frame_texts"]

#: A whole (FIN), uncompressed text frame's first byte.
_FIN_TEXT = 0x81


def frame_texts(texts: Sequence[str], apply_mask: Callable[[bytes, bytes], bytes]) -> list[bytes]:
    """``texts`` as masked, unfragmented client text frames, one ``bytes`` each."""
    masks = os.urandom(4 * len(texts))  # websockets draws each mask from os.urandom too
    out: list[bytes] = []
    append = out.append
    at = 0
    for text in texts:
        data = text.encode()
        length = len(data)
        mask = masks[at : at + 4]
        at += 4
        if length < 126:
            head = bytes((_FIN_TEXT, 0x80 | length))
        elif length < 65536:
            head = bytes((_FIN_TEXT, 0xFE)) + length.to_bytes(2, "big")
        else:
            head = bytes((_FIN_TEXT, 0xFF)) + length.to_bytes(8, "big")
        append(head + mask + apply_mask(data, mask))
    return out
