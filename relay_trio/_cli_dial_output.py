"""``sansio-relay dial --json``: one JSON object a line, for scripts.

Every line has ``event``, and all but the last ``t`` (seconds since the
command started):

* ``session``: ``{"state": "authenticated" | "resumed", "url"?}``;
* ``step``: the script's own notes, ``{"text": ...}`` (what the text timeline
  prints after ``--``);
* ``call``: ``{"call_id", "state", "direction", "to"?, "reason"?}``;
* ``dial``: ``{"tag", "state", "call_id"?, "to"?, "reason"?}``;
* ``connect``: ``{"call_id", "state", "peer_id"?, "to"?, "reason"?}``;
* ``play``: ``{"call_id", "control_id", "state"}``;
* ``error``: ``{"call_id"?, "message"}``;
* ``outcome``, the last line: ``{"outcome": "answered" | "failed" | "timeout" |
  "error" | "interrupted", "reason"?, "call_id"?, "exit_code"}``.
"""

from __future__ import annotations

from typing import Any, TextIO

import orjson
import trio

from relay_core import (
    CallErrorReported,
    CallReceived,
    CallStateChanged,
    ConnectStateChanged,
    DialStateChanged,
    Event,
    PlayStateChanged,
    SessionStarted,
)

from ._demo import Timeline, _destination
from ._sync import EventStream

__all__ = ["JsonTimeline", "event_json"]


def event_json(event: Event) -> dict[str, Any] | None:
    """The JSON line's fields for one core event (``None``: not shown)."""
    match event:
        case SessionStarted(restored=restored):
            return {"event": "session", "state": "resumed" if restored else "authenticated"}
        case CallStateChanged(call=info, state=state, end_reason=reason):
            fields: dict[str, Any] = {
                "event": "call",
                "call_id": info.call_id,
                "state": state.value,
                "direction": info.direction,
                "to": _destination(info),
            }
        case DialStateChanged(tag=tag, state=state, call=info, reason=reason):
            fields = {"event": "dial", "tag": tag, "state": state.value}
            if info is not None:
                fields.update(call_id=info.call_id, to=_destination(info))
        case ConnectStateChanged(call=ref, state=state, peer=peer, failed_reason=reason):
            fields = {"event": "connect", "call_id": ref.call_id, "state": state.value}
            if peer is not None:
                fields.update(peer_id=peer.call_id, to=_destination(peer))
        case PlayStateChanged(call=ref, control_id=control_id, state=state):
            return {
                "event": "play",
                "call_id": ref.call_id,
                "control_id": control_id,
                "state": state.value,
            }
        case CallErrorReported(call=ref, message=message):
            fields = {"event": "error", "message": message}
            if ref is not None:
                fields["call_id"] = ref.call_id
            return fields
        case CallReceived(call=info):
            return {"event": "call", "call_id": info.call_id, "state": "offered"}
        case _:
            return None
    if reason:
        fields["reason"] = reason
    return fields


class JsonTimeline(Timeline):
    """The demo's timeline, written as JSON lines (same events, same steps)."""

    def __init__(self, out: TextIO, events: EventStream[Event], start: float) -> None:
        super().__init__(out, events, start)
        self._json_out = out
        self._json_start = start

    def emit(self, fields: dict[str, Any]) -> None:
        """Write one line: ``t`` first, then ``fields``."""
        line = {"t": round(trio.current_time() - self._json_start, 3), **fields}
        self._json_out.write(orjson.dumps(line).decode() + "\n")
        self._json_out.flush()

    def line(self, who: str, what: str) -> None:
        if who == "session":
            self.emit({"event": "session", "state": "authenticated", "url": what.split()[-1]})

    async def step(self, what: str) -> None:
        while len(self._events):
            await trio.sleep(0)
        self.emit({"event": "step", "text": what})

    def event(self, event: Event) -> None:
        fields = event_json(event)
        if fields is not None:
            self.emit(fields)
