"""The realistic RELAY frames every benchmark arm uses, from one generator.

The event stream models 100 live inbound calls, interleaved round-robin.  Each
call walks one lifecycle of nine ``signalwire.event`` frames, then a fresh call
takes its slot (a new ``call_id``), so there are always 100 live calls and every
frame is news to a client (no repeated states that a core would drop):

====  ======================  ===================================
step  event_type              inner params
====  ======================  ===================================
0     calling.call.receive    call_state created (the offer)
1     calling.call.state      ringing
2     calling.call.state      answered
3, 5  calling.call.play       playing (control_ids the client never started)
4, 6  calling.call.play       finished
7     calling.call.state      ending (end_reason hangup)
8     calling.call.state      ended
====  ======================  ===================================

That is 44 % ``calling.call.state``, 44 % ``calling.call.play`` and 11 %
``calling.call.receive``.  Frames carry the full envelope (RELAY.md E.1:
``event_channel``, ``timestamp``, ``project_id``, ``space_id``) and the inner
fields the real server sends (``node_id``, ``segment_id``, the device), with
UUID-shaped ids; they average about 650 bytes.  Play events name control ids
the client does not know, so a client routes them by ``call_id`` only
(RELAY.md E.2.7).

The inner params are written by the wire payload codec
(``relay_core.wire.encode_payload``), the one the fake server writes with and
the client reads with.  Templates are encoded once; filling one is a few byte joins, so the load
server can push far faster than any client consumes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Final

import orjson

from relay_core.wire import (
    CallObject,
    CallReceivePayload,
    CallStatePayload,
    DialPayload,
    Payload,
    PlayPayload,
    encode_payload,
)

LIVE_CALLS: Final = 100
STEPS: Final = 9
CYCLE: Final = LIVE_CALLS * STEPS

PROJECT_ID: Final = "9b3e5c1a-7d0a-4b8e-9f7e-0b6a2f0e9c11"
SPACE_ID: Final = "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9"
SIGNATURE: Final = "0d8d4317c6e9b1f2a3d4e5f60718e426"
PROTOCOL: Final = (
    f"signalwire_{SIGNATURE}_830b7622-b03b-4a11-9109-19bf2c9e27cf"
    "_78429ef1-283b-4fa9-8ebc-16b59f95bb1f"
)
NODE_ID: Final = "a7a6b5c4-d3e2-4f10-9e8d-7c6b5a493827@us-east"
CONTEXT: Final = "office"
BASE_TIMESTAMP: Final = 1715012345.123456


def event_id(index: int) -> str:
    """The JSON-RPC id of the ``index``-th pushed event (UUID-shaped, 36 chars)."""
    return f"5c0e7d0a-4b8e-4f7e-9a43-{index:012x}"


def call_id(slot: int, generation: int) -> str:
    """The ``call_id`` of the call in ``slot`` during lifecycle ``generation``."""
    return f"{slot:08x}-ca11-4c0e-8d1f-{generation:012x}"


def dial_call_id(index: int) -> str:
    """The ``call_id`` of the leg the load server creates for the ``index``-th dial."""
    return f"d1a1{index:04x}-0b0b-4c0e-8d1f-{index:012x}"[:36]


def dial_answer(leg: str, tag: str, device: Any, segment_id: str) -> list[Payload]:
    """The four events the load server answers a dial with: the leg created,
    answered, the dial answered with it as the winner, the leg ended (hang-up)."""
    segment = {"segment_id": segment_id}

    def state(call_state: str, end_reason: str | None = None) -> CallStatePayload:
        return CallStatePayload(
            leg, call_state, node_id=NODE_ID, tag=tag, direction="outbound",
            end_reason=end_reason, device=device, extra=segment,
        )  # fmt: skip

    winner = CallObject(
        leg, node_id=NODE_ID, tag=tag, call_state="answered", direction="outbound",
        device=device, extra={"dial_winner": True, **segment},
    )  # fmt: skip
    return [
        state("created"),
        state("answered"),
        DialPayload(tag, "answered", node_id=NODE_ID, call=winner),
        state("ended", "hangup"),
    ]


def _placeholder(name: str) -> str:
    return f"@{name}@".ljust(36, "#")


_EVENT_PH: Final = _placeholder("EVENT")
_CALL_PH: Final = _placeholder("CALL")
_PLACEHOLDER_RE: Final = re.compile(rb"(@[A-Z]+@#+)")
_NAMES: Final = {_EVENT_PH.encode(): "event", _CALL_PH.encode(): "call"}


def _phone(slot: int) -> dict[str, Any]:
    return {
        "type": "phone",
        "params": {
            "from_number": f"+1555{3000000 + slot:07d}",
            "to_number": f"+1555{1110000 + slot % 7:07d}",
        },
    }


def envelope(event_type: str, params: dict[str, Any], *, stamp: float) -> dict[str, Any]:
    """The outer ``params`` of a ``signalwire.event`` (RELAY.md E.1)."""
    return {
        "event_type": event_type,
        "event_channel": PROTOCOL,
        "timestamp": stamp,
        "project_id": PROJECT_ID,
        "space_id": SPACE_ID,
        "params": params,
    }


def event_request(request_id: str, outer: dict[str, Any]) -> dict[str, Any]:
    """A whole ``signalwire.event`` request frame."""
    return {"jsonrpc": "2.0", "id": request_id, "method": "signalwire.event", "params": outer}


def _segment(slot: int, step: int) -> str:
    return f"5e9e{slot:04x}-2c1d-4e8f-9a0b-{step:012x}"


def _inner(slot: int, step: int) -> tuple[str, dict[str, Any]]:
    """The event type and inner params of ``step`` for the call in ``slot`` (the wire codec's)."""
    event: Payload
    if step in (3, 4, 5, 6):
        control = f"c0de{slot:04x}-7a7a-4b4b-8c8c-{step // 5:012x}"
        state = "playing" if step in (3, 5) else "finished"
        event = PlayPayload(control, state, call_id=_CALL_PH, node_id=NODE_ID)
        return event.event_type, encode_payload(event)
    call_state = {0: "created", 1: "ringing", 2: "answered", 7: "ending", 8: "ended"}[step]
    extra = {"segment_id": _segment(slot, 0)}
    if step == 0:
        event = CallReceivePayload(
            _CALL_PH, NODE_ID, tag="", call_state=call_state, direction="inbound",
            context=CONTEXT, device=_phone(slot), extra=extra,
        )  # fmt: skip
    else:
        event = CallStatePayload(
            _CALL_PH, call_state, node_id=NODE_ID, tag="", direction="inbound",
            end_reason="hangup" if step >= 7 else None, context=CONTEXT, device=_phone(slot),
            extra=extra,
        )  # fmt: skip
    return event.event_type, encode_payload(event)


def ws_header(length: int, opcode: int = 0x1) -> bytes:
    """An unmasked, final WebSocket frame header (server to client)."""
    first = 0x80 | opcode
    if length < 126:
        return bytes((first, length))
    if length < 1 << 16:
        return bytes((first, 126)) + length.to_bytes(2, "big")
    return bytes((first, 127)) + length.to_bytes(8, "big")


class Template:
    """One pre-encoded frame with fixed-width holes for the event and call ids."""

    __slots__ = ("keys", "length", "literals")

    def __init__(self, frame: dict[str, Any]) -> None:
        raw = orjson.dumps(frame)
        pieces = _PLACEHOLDER_RE.split(raw)
        self.literals: list[bytes] = pieces[0::2]
        self.keys: list[str] = [_NAMES[piece] for piece in pieces[1::2]]
        #: Payload length in bytes (the holes are as wide as the ids).
        self.length = len(raw)

    def fill(self, ids: dict[str, bytes]) -> bytes:
        """The frame's JSON bytes with the holes filled."""
        literals = self.literals
        out = [literals[0]]
        for key, literal in zip(self.keys, literals[1:], strict=True):
            out.append(ids[key])
            out.append(literal)
        return b"".join(out)


def _templates(
    inner: Callable[[int, int], tuple[str, dict[str, Any]]] | None = None,
) -> list[Template]:
    """One template per (step, slot); ``inner`` writes the step's event (default ``_inner``)."""
    inner = inner or _inner
    out = []
    for step in range(STEPS):
        for slot in range(LIVE_CALLS):
            event_type, params = inner(slot, step)
            stamp = round(BASE_TIMESTAMP + step * 0.25 + slot * 0.001, 6)
            outer = envelope(event_type, params, stamp=stamp)
            out.append(Template(event_request(_EVENT_PH, outer)))
    return out


#: ``TEMPLATES[i % CYCLE]`` is the template of the ``i``-th event.
TEMPLATES: Final = _templates()


def stream_frame(index: int, templates: list[Template] | None = None) -> bytes:
    """The ``index``-th event frame of the stream (JSON bytes; ``templates``: another mix)."""
    generation, rest = divmod(index, CYCLE)
    slot = rest % LIVE_CALLS
    template = (templates or TEMPLATES)[rest]
    ids = {"event": event_id(index).encode(), "call": call_id(slot, generation).encode()}
    return template.fill(ids)


def stream(count: int, start: int = 0) -> Iterator[bytes]:
    """``count`` consecutive event frames."""
    for index in range(start, start + count):
        yield stream_frame(index)


def stream_texts(count: int) -> list[str]:
    """The first ``count`` frames as ``str``, as a WebSocket library hands them over."""
    return [frame.decode() for frame in stream(count)]


def offer_frame(index: int) -> bytes:
    """The ``index``-th inbound offer: RELAY.md I's full ``calling.call.receive``.

    Every offer has its own ``call_id``, ``segment_id`` and caller/callee
    numbers (as real traffic does: a shared device would let the client's
    device cache serve every call from one object and halve the figure).
    """
    device = {
        "type": "phone",
        "params": {
            "from_number": f"+1{2000000000 + index:010d}",
            "to_number": f"+1{8000000000 + index:010d}",
        },
    }
    event = CallReceivePayload(
        call_id(index % 1000, index), NODE_ID, tag="", call_state="created",
        direction="inbound", context=CONTEXT, device=device,
        extra={"segment_id": _segment(index % 0x10000, index)},
    )  # fmt: skip
    stamp = round(BASE_TIMESTAMP + index * 0.001, 6)
    outer = envelope(event.event_type, encode_payload(event), stamp=stamp)
    return orjson.dumps(event_request(event_id(index), outer))


def stream_mix(count: int) -> dict[str, int]:
    """How many frames of each event type the first ``count`` frames hold."""
    mix: dict[str, int] = {}
    for index in range(count):
        kind, _ = _inner(0, (index % CYCLE) // LIVE_CALLS)
        mix[kind] = mix.get(kind, 0) + 1
    return mix


def mean_frame_bytes(count: int = CYCLE) -> float:
    """The mean size of a stream frame's JSON payload."""
    return sum(len(frame) for frame in stream(count)) / count
