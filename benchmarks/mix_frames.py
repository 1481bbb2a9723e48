"""The record/collect event mix (issue 17, item 5): the events arm's stream, verbs swapped.

Same 100 live calls and nine-frame lifecycle as :mod:`benchmarks.frames`,
with the four plays (steps 3-6) replaced by the verbs' events (RELAY.md H.5.2,
H.5.3):

====  ======================  =============================================
step  event_type              inner params
====  ======================  =============================================
3     calling.call.record     ``recording`` with the ``record`` echo
4     calling.call.record     ``finished``: ``url``, ``duration``, ``size``
5     calling.call.collect    ``collecting``, ``start_of_input``
6     calling.call.collect    final ``digit`` result (``digits``, ``terminator``)
====  ======================  =============================================

so the mix is 44 % ``calling.call.state``, 22 % record, 22 % collect and 11 %
``calling.call.receive``.  As with the plays, the control ids are ones the
client never started (a server-side or other client's action): the client
routes them by ``call_id`` (RELAY.md E.2.7).  Built with the core's payload
codec (``relay_core.wire.encode_payload``).
"""

from __future__ import annotations

from typing import Any, Final

from relay_core.wire import CollectPayload, Payload, RecordPayload, encode_payload

from . import frames

_RECORD_ECHO: Final = {
    "audio": {"beep": True, "format": "mp3", "direction": "speak", "end_silence_timeout": 2}
}


def _control(kind: str, slot: int) -> str:
    return f"{kind}{slot:04x}-7a7a-4b4b-8c8c-000000000000"


def _inner(slot: int, step: int) -> tuple[str, dict[str, Any]]:
    """The event type and inner params of ``step``: the verbs at 3-6, else the base stream's."""
    event: Payload
    call = frames._CALL_PH
    node = frames.NODE_ID
    if step == 3:
        event = RecordPayload(
            _control("rec0", slot), call_id=call, node_id=node, state="recording",
            record=_RECORD_ECHO,
        )  # fmt: skip
    elif step == 4:
        event = RecordPayload(
            _control("rec0", slot), call_id=call, node_id=node, state="finished",
            record=_RECORD_ECHO, url=f"https://files.example.com/recordings/{slot:08x}.mp3",
            duration=7.4, size=59436,
        )  # fmt: skip
    elif step == 5:
        event = CollectPayload(
            _control("c011", slot), call_id=call, node_id=node, state="collecting",
            result={"type": "start_of_input"},
        )  # fmt: skip
    elif step == 6:
        event = CollectPayload(
            _control("c011", slot), call_id=call, node_id=node, final=True, state="finished",
            result={"type": "digit", "params": {"digits": f"{slot:04d}", "terminator": "#"}},
        )  # fmt: skip
    else:
        return frames._inner(slot, step)
    return event.event_type, encode_payload(event)


#: ``TEMPLATES[i % CYCLE]`` is the template of the ``i``-th event of the mix.
TEMPLATES: Final = frames._templates(_inner)


def mix_frame(index: int) -> bytes:
    """The ``index``-th frame of the record/collect stream (JSON bytes)."""
    return frames.stream_frame(index, TEMPLATES)


def stream_mix(count: int = frames.CYCLE) -> dict[str, int]:
    """How many frames of each event type the first ``count`` frames hold."""
    mix: dict[str, int] = {}
    for index in range(count):
        kind, _ = _inner(0, (index % frames.CYCLE) // frames.LIVE_CALLS)
        mix[kind] = mix.get(kind, 0) + 1
    return mix


def mean_frame_bytes(count: int = frames.CYCLE) -> float:
    """The mean size of a frame of the mix."""
    return sum(len(mix_frame(index)) for index in range(count)) / count
