"""The event stream at a chosen number of live calls (the flat-as-work-grows arm).

``live`` calls are offered first (untimed: ``prefill``); then the timed stream
walks them one at a time through the same nine-frame lifecycle as
:mod:`benchmarks.frames` (ringing, answered, four plays, ending, ended, and
a fresh offer in the slot), so the client always tracks ``live`` calls (one
fewer between an ``ended`` and the next offer) and the event mix is the same
at every level.  Devices and control ids repeat per ``slot % 100`` exactly as
in the 100-call stream, so the only thing that grows is the number of live
calls.
"""

from __future__ import annotations

from typing import Final

from .frames import LIVE_CALLS, TEMPLATES, call_id, event_id

#: The timed lifecycle of one slot: steps 1..8 of the current call, then 0 (the next offer).
ORDER: Final = (1, 2, 3, 4, 5, 6, 7, 8, 0)


def _fill(index: int, step: int, slot: int, generation: int) -> bytes:
    template = TEMPLATES[step * LIVE_CALLS + slot % LIVE_CALLS]
    ids = {"event": event_id(index).encode(), "call": call_id(slot, generation).encode()}
    return template.fill(ids)


def prefill(live: int) -> list[bytes]:
    """The ``live`` offers that open the run (frame ``i`` offers slot ``i``)."""
    return [_fill(slot, 0, slot, 0) for slot in range(live)]


def timed(live: int, count: int) -> list[bytes]:
    """``count`` frames after the prefill: whole lifecycles, slot after slot."""
    out = []
    for position in range(count):
        chunk, offset = divmod(position, len(ORDER))
        generation, slot = divmod(chunk, live)
        step = ORDER[offset]
        out.append(_fill(live + position, step, slot, generation + (step == 0)))
    return out


def frame_ids(live: int, count: int) -> list[str]:
    """The JSON-RPC ids of ``prefill(live) + timed(live, count)``, in order."""
    return [event_id(index) for index in range(live + count)]
