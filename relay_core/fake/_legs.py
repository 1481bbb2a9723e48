"""The records of the simulated network: legs, attempts, bridges and plays.

A leg is one call in the network (ours or a callee's); an attempt is one
``calling.dial`` or ``calling.connect`` walking its device plan; the request
parameter parsers answer the RELAY error codes of RELAY.md H.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, NewType, TypeAlias, TypeVar, final

import attrs

from .._errors import InvalidArgumentError
from .._ids import CallId, JSONDict, JSONObject, JSONValue, NodeId
from ..client._events import CallRef
from ..client._state import CallState
from ..wire._convert import device_to_wire
from ..wire._values import (
    AudioMedia,
    Device,
    DevicePlan,
    Media,
    OtherDevice,
    PhoneDevice,
    RingtoneMedia,
    SilenceMedia,
    SipDevice,
    TtsMedia,
)
from ._behaviours import Answers, DestinationBehavior
from ._scheduler import Timer

__all__ = ["SessionKey", "SimulatedCall", "media_duration"]

#: The session a leg's events go to: its ``protocol`` string.
SessionKey = NewType("SessionKey", str)

#: ``calling.end`` reasons (RELAY.md H.2).
_END_REASONS: Final = frozenset({"hangup", "cancel", "busy", "noAnswer", "decline", "error"})
_LIVE: Final = frozenset({CallState.CREATED, CallState.RINGING, CallState.ANSWERED})
#: Ended calls are remembered, as snapshots, to answer ``410`` rather than
#: ``404`` and for :meth:`PhoneNetwork.call`: for ``ENDED_CALL_SECONDS`` after
#: their end and at most ``ENDED_CALL_MEMORY`` of them (oldest forgotten first).
ENDED_CALL_MEMORY: Final = 1_000
ENDED_CALL_SECONDS: Final = 300.0
#: Seconds an inbound call rings unanswered before its caller gives up.
DEFAULT_INBOUND_RING_TIMEOUT: Final = 60.0

#: Simulated play durations in seconds (see :func:`media_duration`).
TTS_CHARACTERS_PER_SECOND: Final = 15.0
MIN_TTS_SECONDS: Final = 0.5
AUDIO_SECONDS: Final = 2.0
RINGTONE_SECONDS: Final = 5.0
OTHER_MEDIA_SECONDS: Final = 1.0


@final
@attrs.frozen(kw_only=True)
class SimulatedCall:
    """A snapshot of one leg in the simulated network (for tests and logs)."""

    call_id: CallId
    node_id: NodeId
    #: ``"inbound"`` or ``"outbound"``.
    direction: str
    state: CallState
    end_reason: str | None
    #: The number or URI this leg rings (the caller's number for inbound calls).
    destination: str
    tag: str | None
    #: The other leg of the current bridge.
    bridged_to: CallRef | None
    context: str | None
    #: The protocol string of the session that gets this leg's events.
    owner: SessionKey | None
    #: ``control_id`` of every play running on this leg.
    plays: tuple[str, ...]

    @property
    def ref(self) -> CallRef:
        """``CallRef(call_id, node_id)``."""
        return CallRef(self.call_id, self.node_id)


class _Invalid(Exception):
    """A request the network answers with a non-2xx result."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Bridge:
    __slots__ = ("a", "b", "tag")

    def __init__(self, a: _Leg, b: _Leg, tag: str | None) -> None:
        self.a = a
        self.b = b
        self.tag = tag


class _Playback:
    __slots__ = ("control_id", "error_at", "leg", "remaining", "started", "state", "timer")

    def __init__(self, control_id: str, leg: _Leg) -> None:
        self.control_id = control_id
        self.leg = leg
        #: Simulated seconds left (``None``: loops forever).
        self.remaining: float | None = None
        #: Seconds into the play at which it fails (a ``.invalid`` audio URL).
        self.error_at: float | None = None
        self.started = 0.0
        self.state = "playing"
        self.timer: Timer | None = None


class _Leg:
    __slots__ = (
        "attempt",
        "behavior",
        "bridge",
        "call_id",
        "connecting",
        "context",
        "destination",
        "device",
        "direction",
        "end_reason",
        "node_id",
        "owner",
        "passed_by",
        "peer",
        "plays",
        "ring_timeout",
        "state",
        "tag",
        "timers",
    )

    def __init__(
        self,
        call_id: CallId,
        node_id: NodeId,
        direction: str,
        device: JSONObject,
        destination: str,
        owner: SessionKey | None,
        tag: str | None,
    ) -> None:
        self.call_id = call_id
        self.node_id = node_id
        self.direction = direction
        self.device = device
        self.destination = destination
        self.owner = owner
        self.tag = tag
        self.state = CallState.CREATED
        self.end_reason: str | None = None
        #: What ``peer`` reports in this leg's state events (RELAY.md G.3).
        self.peer: _Leg | None = None
        self.bridge: _Bridge | None = None
        #: The dial or connect this leg rings for.
        self.attempt: _Attempt | None = None
        #: As an A leg: its connect in progress.
        self.connecting: _Attempt | None = None
        self.behavior: DestinationBehavior = Answers()
        self.ring_timeout = 30.0
        self.timers: list[Timer] = []
        self.plays: dict[str, _Playback] = {}
        self.context: str | None = None
        self.passed_by: set[SessionKey] = set()

    @property
    def ref(self) -> CallRef:
        return CallRef(self.call_id, self.node_id)

    @property
    def live(self) -> bool:
        return self.state in _LIVE

    def snapshot(self) -> SimulatedCall:
        bridge = self.bridge
        partner = None if bridge is None else (bridge.b if bridge.a is self else bridge.a)
        return SimulatedCall(
            call_id=self.call_id,
            node_id=self.node_id,
            direction=self.direction,
            state=self.state,
            end_reason=self.end_reason,
            destination=self.destination,
            tag=self.tag,
            bridged_to=None if partner is None else partner.ref,
            context=self.context,
            owner=self.owner,
            plays=tuple(self.plays),
        )


class _Attempt:
    """One ``calling.dial`` or ``calling.connect`` walking its device plan."""

    __slots__ = (
        "a_leg",
        "finished",
        "index",
        "kind",
        "legs",
        "owner",
        "plan",
        "tag",
    )

    def __init__(
        self,
        kind: str,
        owner: SessionKey,
        tag: str | None,
        plan: list[list[tuple[JSONObject, Device]]],
        a_leg: _Leg | None,
    ) -> None:
        self.kind = kind
        self.owner = owner
        self.tag = tag
        self.plan = plan
        self.a_leg = a_leg
        self.index = -1
        self.legs: list[_Leg] = []
        self.finished = False


# --- request parsing helpers -----------------------------------------------------


def _result(code: str, message: str, **extra: JSONValue) -> JSONDict:
    out: JSONDict = {"code": code, "message": message}
    out.update(extra)
    return out


_C = TypeVar("_C")


def _decode(read: Callable[[JSONObject], _C], params: JSONObject) -> _C:
    """A request's typed command, read by its class's ``from_params``; bad params -> 400."""
    try:
        return read(params)
    except InvalidArgumentError as exc:
        raise _Invalid("400", exc.message) from exc


def _plan(devices: DevicePlan) -> list[list[tuple[JSONObject, Device]]]:
    """The decoded plan with each device's wire form (echoed in its call events)."""
    return [[(device_to_wire(device), device) for device in group] for group in devices]


def _destination(device: Device) -> str:
    match device:
        case PhoneDevice(to_number=number):
            return number
        case SipDevice(to=uri):
            return uri
        case OtherDevice(type=kind, params=params):
            to = params.get("to")
            return to if isinstance(to, str) and to else kind


def _device_timeout(device: Device) -> float | None:
    match device:
        case PhoneDevice(timeout=timeout) | SipDevice(timeout=timeout):
            return timeout
        case OtherDevice(params=params):
            raw = params.get("timeout")
            if isinstance(raw, int | float) and not isinstance(raw, bool) and raw > 0:
                return float(raw)
            return None


def media_duration(media: Media) -> float:
    """Simulated seconds one media item plays.

    ``tts``: 15 characters per second, at least 0.5 s; ``silence``: its
    ``duration``; ``audio``: 2 s; ``ringtone``: its ``duration`` or 5 s;
    anything else: 1 s.
    """
    match media:
        case TtsMedia(text=text):
            return max(MIN_TTS_SECONDS, len(text) / TTS_CHARACTERS_PER_SECOND)
        case SilenceMedia(duration=duration):
            return float(duration)
        case AudioMedia():
            return AUDIO_SECONDS
        case RingtoneMedia(duration=duration):
            return RINGTONE_SECONDS if duration is None else float(duration)
        case _:
            return OTHER_MEDIA_SECONDS


def _fails_to_load(media: Media) -> bool:
    """An audio URL on the reserved ``.invalid`` TLD fails to play (``error``)."""
    if not isinstance(media, AudioMedia):
        return False
    host = media.url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host.lower().endswith(".invalid")


#: Delivers one event: (owner, event_type, inner params).
Deliver: TypeAlias = Callable[[SessionKey | None, str, JSONDict], None]
#: Picks the session to offer an inbound call to: (context, sessions that
#: passed it) → a session, or ``None`` when nobody receives that context now.
ChooseReceiver: TypeAlias = Callable[[str, frozenset[SessionKey]], SessionKey | None]
_Handler: TypeAlias = Callable[[SessionKey, JSONObject, float], JSONDict]
