"""The simulated telephone network behind :class:`~relay_core.FakeRelayServer`.

Theory of operation
-------------------
Every destination (an E.164 number or a SIP URI) has a *behaviour* looked up
in a :class:`Directory`: :class:`Answers` after N seconds, :class:`NeverAnswers`
(rings until the device's ``timeout``), :class:`Busy`, :class:`Declines` or
:class:`Fails`.  :class:`PhoneNetwork` turns ``calling.*`` requests into legs
that follow those behaviours and reports what happens with the event shapes
of RELAY.md E-I:

* ``calling.dial`` and ``calling.connect`` walk the device plan (F.1): serial
  groups one after another, the members of a group in parallel; the first
  answer wins and the other members of its group end with ``cancel``.  The
  winner's ``state(answered)`` precedes ``dial(answered)`` / ``connect
  (connected)``; the losers' teardown follows it (F.7, G.6); every leg's
  ``ended`` precedes ``dial(failed)`` / ``connect(failed)`` (F.8, G.7).
* A leg rejected at once (:class:`Busy` or :class:`Fails` with ``after=0``)
  goes ``created`` → ``ended`` (F.8); any other leg rings first and ends with
  ``ending`` → ``ended`` (F.6).
* ``calling.end`` ends any live leg, ringing ones included.  When the caller
  ends the last live leg of a dial or connect group, the whole attempt fails
  with that reason (no further group is tried: the caller gave up).
* Plays last a simulated time (:func:`media_duration`), then finish.

Nothing here reads a clock: every method takes ``now``, and timers live in a
:class:`Scheduler` that the server drives.  Work scheduled "now" (an
immediate rejection, the next serial group) also goes through the scheduler,
so a request's response always leaves before the events it causes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Final, NewType, TypeAlias, final

import attrs

from .._errors import LocalProtocolError
from .._ids import CallId, IdFactory, JSONDict, JSONObject, JSONValue, NodeId
from ..client._events import CallRef
from ..client._state import CallState
from ..wire._convert import device_from_wire, media_from_wire, media_list
from ..wire._values import (
    AudioMedia,
    Device,
    Media,
    OtherDevice,
    PhoneDevice,
    RingtoneMedia,
    SilenceMedia,
    SipDevice,
    TtsMedia,
)
from ._scheduler import Scheduler, Timer

__all__ = [
    "Answers",
    "Busy",
    "Declines",
    "DestinationBehavior",
    "Directory",
    "Fails",
    "NeverAnswers",
    "PhoneNetwork",
    "Scheduler",
    "SessionKey",
    "SimulatedCall",
    "media_duration",
]

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


# --- behaviours --------------------------------------------------------------


def _check_delay(name: str, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise LocalProtocolError(f"{name}: {value!r} is not a number of seconds >= 0")


def _delay(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    _check_delay(attribute.name, value)


def _optional_delay(
    _instance: object, attribute: attrs.Attribute[float | None], value: float | None
) -> None:
    if value is not None:
        _check_delay(attribute.name, value)


@final
@attrs.frozen(kw_only=True)
class Answers:
    """The destination rings, then answers after ``after`` seconds.

    If the device's ring ``timeout`` is shorter, it ends with ``noAnswer``
    instead.  With ``hangup_after``, the callee hangs up that many seconds
    after answering (end reason ``hangup``).
    """

    after: float = attrs.field(default=1.0, validator=_delay)
    hangup_after: float | None = attrs.field(default=None, validator=_optional_delay)


@final
@attrs.frozen(kw_only=True)
class NeverAnswers:
    """The destination rings until the device's ``timeout``, then ``noAnswer``."""


@final
@attrs.frozen(kw_only=True)
class Busy:
    """The destination is busy: the leg ends with ``busy`` after ``after`` seconds.

    With ``after=0`` (the default) the leg never rings: ``created`` → ``ended``.
    """

    after: float = attrs.field(default=0.0, validator=_delay)


@final
@attrs.frozen(kw_only=True)
class Declines:
    """The destination rings, then rejects the call (``decline``) after ``after`` seconds."""

    after: float = attrs.field(default=1.0, validator=_delay)


@final
@attrs.frozen(kw_only=True)
class Fails:
    """The network cannot reach the destination: the leg ends with ``error``.

    With ``after=0`` (the default) the leg never rings.
    """

    after: float = attrs.field(default=0.0, validator=_delay)


#: What a destination does when it is called.
DestinationBehavior: TypeAlias = Answers | NeverAnswers | Busy | Declines | Fails

_BEHAVIOR_NAMES: Final = {
    "answer": Answers,
    "no_answer": NeverAnswers,
    "busy": Busy,
    "decline": Declines,
    "error": Fails,
}


def behavior_from_json(value: JSONValue, *, path: str = "behavior") -> DestinationBehavior:
    """Parse a behaviour: ``"busy"`` or ``{"behavior": "answer", "after": 2}``.

    Names: ``answer`` (``after``, ``hangup_after``), ``no_answer``, ``busy``
    (``after``), ``decline`` (``after``), ``error`` (``after``).

    Raises:
        LocalProtocolError: unknown name or bad parameter; names ``path``.
    """
    if isinstance(value, str):
        value = {"behavior": value}
    if not isinstance(value, Mapping):
        raise LocalProtocolError(f"{path}: {value!r} is not a behaviour name or object")
    name = value.get("behavior")
    if not isinstance(name, str) or name not in _BEHAVIOR_NAMES:
        raise LocalProtocolError(
            f"{path}.behavior: {name!r} is not one of {', '.join(_BEHAVIOR_NAMES)}"
        )
    numbers: dict[str, float | None] = {}
    for key, raw in value.items():
        if key == "behavior":
            continue
        allowed = ("after", "hangup_after") if name == "answer" else ("after",)
        if name == "no_answer" or key not in allowed:
            raise LocalProtocolError(f"{path}.{key}: not a parameter of {name!r}")
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int | float)):
            raise LocalProtocolError(f"{path}.{key}: {raw!r} is not a number of seconds")
        numbers[key] = None if raw is None else float(raw)
    try:
        match name:
            case "answer":
                after = numbers.get("after")
                return Answers(
                    after=1.0 if after is None else after, hangup_after=numbers.get("hangup_after")
                )
            case "no_answer":
                return NeverAnswers()
            case "busy":
                return Busy(after=numbers.get("after") or 0.0)
            case "decline":
                after = numbers.get("after")
                return Declines(after=1.0 if after is None else after)
            case _:
                return Fails(after=numbers.get("after") or 0.0)
    except LocalProtocolError as exc:
        raise LocalProtocolError(f"{path}.{exc.message}") from exc


def behavior_to_json(behavior: DestinationBehavior) -> JSONDict:
    """The JSON form :func:`behavior_from_json` reads."""
    match behavior:
        case Answers(after=after, hangup_after=hangup_after):
            out: JSONDict = {"behavior": "answer", "after": after}
            if hangup_after is not None:
                out["hangup_after"] = hangup_after
            return out
        case NeverAnswers():
            return {"behavior": "no_answer"}
        case Busy(after=after):
            return {"behavior": "busy", "after": after}
        case Declines(after=after):
            return {"behavior": "decline", "after": after}
        case Fails(after=after):
            return {"behavior": "error", "after": after}


# --- the directory -----------------------------------------------------------


def _positive_seconds(value: float, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise LocalProtocolError(f"{name}: {value!r} is not a positive number of seconds")
    return float(value)


#: The documented default directory (see :meth:`Directory.default`).
DEFAULT_ENTRIES: Final[Mapping[str, DestinationBehavior]] = {
    # The README demo and the seeds' serial failover: the first never answers.
    "+15551111111": NeverAnswers(),
    "+15552222222": Answers(after=1.0),
    "+15551234567": Answers(after=1.0),
    "+15559876543": Answers(after=1.0),
    "+15559999999": Answers(after=1.0),
    # RELAY.md F.6 / G.6 / G.7 transcripts.
    "+15551110001": NeverAnswers(),
    "+15551110002": Answers(after=1.0),
    "+15551110003": Busy(),
    # Reserved numbers: the last three digits are the matching SIP status.
    "+15550000486": Busy(),
    "+15550000603": Declines(after=1.0),
    "+15550000408": NeverAnswers(),
    "+15550000500": Fails(),
}


@final
class Directory:
    """Who answers what: a behaviour per destination, and a rule for the rest.

    Keys are the exact destination strings: a phone device's ``to_number``
    (``+15551110001``) or a SIP device's ``to`` (``sip:alice@example.com``).
    Any other destination gets :attr:`fallback`.

    Args:
        entries: behaviour per destination.
        default: behaviour of every destination not in ``entries``
            (default: answers after 1 s); kept as :attr:`fallback`.
        ring_timeout: seconds a device rings when it carries no ``timeout``
            of its own (the server default of RELAY.md F.1).
    """

    def __init__(
        self,
        entries: Mapping[str, DestinationBehavior] | None = None,
        *,
        default: DestinationBehavior | None = None,
        ring_timeout: float = 30.0,
    ) -> None:
        self._entries: dict[str, DestinationBehavior] = {}
        #: The behaviour of every destination without an entry.
        self.fallback: DestinationBehavior = Answers(after=1.0) if default is None else default
        self._ring_timeout = _positive_seconds(ring_timeout, "ring_timeout")
        for destination, behavior in (entries or {}).items():
            self.set(destination, behavior)

    @classmethod
    def default(cls) -> Directory:
        """The documented default directory (a fresh copy each time).

        ======================  ===========================================
        destination             behaviour
        ======================  ===========================================
        ``+15551111111``        never answers (rings until ``timeout``)
        ``+15552222222``        answers after 1 s
        ``+15551234567``        answers after 1 s
        ``+15559876543``        answers after 1 s
        ``+15559999999``        answers after 1 s
        ``+15551110001``        never answers (RELAY.md F.6, G.6)
        ``+15551110002``        answers after 1 s
        ``+15551110003``        busy at once (RELAY.md G.7)
        ``+15550000486``        busy at once (SIP 486)
        ``+15550000603``        rings 1 s, then declines (SIP 603)
        ``+15550000408``        never answers (SIP 408)
        ``+15550000500``        fails at once, reason ``error`` (SIP 500)
        anything else           answers after 1 s
        ======================  ===========================================

        A device without ``timeout`` rings for 30 s.
        """
        return cls(DEFAULT_ENTRIES)

    @property
    def ring_timeout(self) -> float:
        """Seconds a device without its own ``timeout`` rings."""
        return self._ring_timeout

    @ring_timeout.setter
    def ring_timeout(self, value: float) -> None:
        self._ring_timeout = _positive_seconds(value, "ring_timeout")

    @property
    def entries(self) -> Mapping[str, DestinationBehavior]:
        """A copy of the scripted destinations."""
        return dict(self._entries)

    def set(self, destination: str, behavior: DestinationBehavior) -> None:
        """Script one destination (replacing what it did before).

        Raises:
            LocalProtocolError: empty destination or not a behaviour.
        """
        if not isinstance(destination, str) or not destination:
            raise LocalProtocolError(f"destination: {destination!r} is not a non-empty string")
        if not isinstance(behavior, Answers | NeverAnswers | Busy | Declines | Fails):
            raise LocalProtocolError(f"behavior: {behavior!r} is not a destination behaviour")
        self._entries[destination] = behavior

    def remove(self, destination: str) -> None:
        """Forget a scripted destination (it gets ``fallback`` again)."""
        self._entries.pop(destination, None)

    def lookup(self, destination: str) -> DestinationBehavior:
        """The behaviour of ``destination``."""
        return self._entries.get(destination, self.fallback)

    def copy(self) -> Directory:
        """An independent copy."""
        return Directory(self._entries, default=self.fallback, ring_timeout=self._ring_timeout)

    @classmethod
    def from_json(cls, value: JSONValue, *, base: Directory | None = None) -> Directory:
        """Build a directory from decoded JSON (e.g. a ``--directory`` file).

        The format::

            {"default": {"behavior": "answer", "after": 1},
             "ring_timeout": 30,
             "numbers": {"+15551110001": "no_answer",
                         "sip:alice@example.com": {"behavior": "answer", "after": 2}}}

        Every key is optional.  Entries are added on top of ``base`` (a copy
        of it; default: an empty directory answering everything after 1 s).

        Raises:
            LocalProtocolError: the document is malformed; the message names
                the bad key.
        """
        if not isinstance(value, Mapping):
            raise LocalProtocolError("directory: expected a JSON object")
        for key in value:
            if key not in ("default", "ring_timeout", "numbers"):
                raise LocalProtocolError(f"directory.{key}: unknown key")
        directory = base.copy() if base is not None else cls()
        if "default" in value:
            directory.fallback = behavior_from_json(value["default"], path="directory.default")
        ring_timeout = value.get("ring_timeout")
        if ring_timeout is not None:
            if isinstance(ring_timeout, bool) or not isinstance(ring_timeout, int | float):
                raise LocalProtocolError(
                    f"directory.ring_timeout: {ring_timeout!r} is not a number"
                )
            directory.ring_timeout = ring_timeout
        numbers = value.get("numbers", {})
        if not isinstance(numbers, Mapping):
            raise LocalProtocolError("directory.numbers: expected an object")
        for destination, behavior in numbers.items():
            directory.set(
                destination, behavior_from_json(behavior, path=f"directory.numbers[{destination}]")
            )
        return directory

    def to_json(self) -> JSONDict:
        """The JSON form :meth:`from_json` reads."""
        return {
            "default": behavior_to_json(self.fallback),
            "ring_timeout": self._ring_timeout,
            "numbers": {key: behavior_to_json(value) for key, value in self._entries.items()},
        }

    def __repr__(self) -> str:
        return f"<Directory {len(self._entries)} entries, fallback={self.fallback!r}>"


# --- calls -------------------------------------------------------------------


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


def _parse_plan(value: JSONValue) -> list[list[tuple[JSONObject, Device]]]:
    """Validate a device plan (RELAY.md F.1), keeping the client's objects verbatim."""
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise _Invalid("400", "devices: expected a non-empty list of device groups")
    plan: list[list[tuple[JSONObject, Device]]] = []
    for index, group in enumerate(value):
        if isinstance(group, Mapping):
            raise _Invalid("400", "devices: expected a list of lists of devices, got a flat list")
        if not isinstance(group, Sequence) or isinstance(group, str) or not group:
            raise _Invalid("400", f"devices[{index}]: expected a non-empty list of devices")
        members: list[tuple[JSONObject, Device]] = []
        for position, member in enumerate(group):
            try:
                device = device_from_wire(member, strict=True, path=f"devices[{index}][{position}]")
            except LocalProtocolError as exc:
                raise _Invalid("400", exc.message) from exc
            assert isinstance(member, Mapping)  # the strict parse checked it
            members.append((member, device))
        plan.append(members)
    return plan


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


def _parse_media(value: JSONValue, field: str, *, flat_ok: bool) -> tuple[Media, ...]:
    """Validate a media list; only the nested wire form unless ``flat_ok`` (RELAY.md H.4)."""
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise _Invalid("400", f"{field}: expected a non-empty list of media items")
    if flat_ok:
        try:
            return media_list(value, field=field)
        except LocalProtocolError as exc:
            raise _Invalid("400", exc.message) from exc
    items: list[Media] = []
    for index, item in enumerate(value):
        try:
            items.append(media_from_wire(item, strict=True, path=f"{field}[{index}]"))
        except LocalProtocolError as exc:
            raise _Invalid("400", exc.message) from exc
    return tuple(items)


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


def _text_param(params: JSONObject, key: str) -> str:
    value = params.get(key)
    if not isinstance(value, str) or not value:
        raise _Invalid("400", f"{key}: required, a non-empty string")
    return value


def _optional_text_param(params: JSONObject, key: str) -> str | None:
    value = params.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise _Invalid("400", f"{key}: {value!r} is not a non-empty string")
    return value


def _volume_param(params: JSONObject, *, required: bool) -> None:
    volume = params.get("volume")
    if volume is None and not required:
        return
    if isinstance(volume, bool) or not isinstance(volume, int | float) or not -40 <= volume <= 40:
        raise _Invalid("400", f"volume: {volume!r} is not a number of dB from -40 to 40")


#: Delivers one event: (owner, event_type, inner params).
Deliver: TypeAlias = Callable[[SessionKey | None, str, JSONDict], None]
#: Picks the session to offer an inbound call to: (context, sessions that
#: passed it) → a session, or ``None`` when nobody receives that context now.
ChooseReceiver: TypeAlias = Callable[[str, frozenset[SessionKey]], SessionKey | None]
_Handler: TypeAlias = Callable[[SessionKey, JSONObject, float], JSONDict]


@final
class PhoneNetwork:
    """The simulated network: legs, dials, connects, plays and inbound calls.

    The server calls :meth:`handle` for every ``calling.*`` request of an
    authenticated session and drives :attr:`scheduler`.  Events go out
    through ``deliver``; inbound offers pick their session through
    ``choose_receiver``.

    Args:
        directory: who answers what.
        scheduler: the timers the server drives.
        new_id: makes call ids.
        node_id: the ``node_id`` of every call.
        deliver: sends one event to a session.
        choose_receiver: picks the session for an inbound call.
        accept_flat_media: also accept the flat media shorthand (which the
            real server does not expect, RELAY.md H.4); default: code 400.
        inbound_ring_timeout: seconds an inbound call waits to be answered
            (offered or not) before its caller gives up: it ends with
            ``noAnswer``.
    """

    def __init__(
        self,
        directory: Directory,
        *,
        scheduler: Scheduler,
        new_id: IdFactory,
        node_id: str,
        deliver: Deliver,
        choose_receiver: ChooseReceiver,
        accept_flat_media: bool = False,
        inbound_ring_timeout: float = DEFAULT_INBOUND_RING_TIMEOUT,
    ) -> None:
        self.directory = directory
        self.inbound_ring_timeout = _positive_seconds(inbound_ring_timeout, "inbound_ring_timeout")
        self.accept_flat_media = accept_flat_media
        self.scheduler = scheduler
        self._new_id = new_id
        self.node_id = NodeId(node_id)
        self._deliver = deliver
        self._choose_receiver = choose_receiver
        self._legs: dict[CallId, _Leg] = {}
        self._ended: dict[CallId, SimulatedCall] = {}
        self._ended_at: dict[CallId, float] = {}
        self._pending_offers: dict[CallId, _Leg] = {}
        self._dial_tags: dict[tuple[SessionKey, str], _Attempt] = {}
        self._handlers: dict[str, _Handler] = {
            "calling.dial": self._dial,
            "calling.connect": self._connect,
            "calling.disconnect": self._disconnect,
            "calling.end": self._end,
            "calling.answer": self._answer,
            "calling.pass": self._pass,
            "calling.play": self._play,
            "calling.play.stop": self._play_stop,
            "calling.play.pause": self._play_pause,
            "calling.play.resume": self._play_resume,
            "calling.play.volume": self._play_volume,
        }

    # -- reading -------------------------------------------------------------

    @property
    def methods(self) -> frozenset[str]:
        """The ``calling.*`` methods the network implements."""
        return frozenset(self._handlers)

    def call(self, call_id: str) -> SimulatedCall | None:
        """A snapshot of a live or recently ended leg, or ``None``."""
        leg = self._legs.get(CallId(call_id))
        return self._ended.get(CallId(call_id)) if leg is None else leg.snapshot()

    def calls(self, *, live_only: bool = True) -> list[SimulatedCall]:
        """Snapshots of every live leg (and recently ended ones unless ``live_only``)."""
        live = [leg.snapshot() for leg in self._legs.values()]
        return live if live_only else [*self._ended.values(), *live]

    def table_sizes(self) -> dict[str, int]:
        """``calls`` (live legs), ``ended_calls``, ``pending_offers`` and ``dial_tags``."""
        return {
            "calls": len(self._legs),
            "ended_calls": len(self._ended),
            "pending_offers": len(self._pending_offers),
            "dial_tags": len(self._dial_tags),
        }

    # -- requests ------------------------------------------------------------

    def handle(self, owner: SessionKey, method: str, params: JSONObject, now: float) -> JSONDict:
        """Run one ``calling.*`` request and return its ``result`` object.

        Failures are results with a string code (RELAY.md D): ``400`` bad
        params, ``404`` unknown call, ``409`` conflict, ``410`` call gone.

        Raises:
            KeyError: ``method`` is not one of :attr:`methods`.
        """
        handler = self._handlers[method]
        try:
            return handler(owner, params, now)
        except _Invalid as exc:
            return _result(exc.code, exc.message)

    def _leg(self, params: JSONObject) -> _Leg:
        call_id = params.get("call_id")
        if not isinstance(call_id, str) or not call_id:
            raise _Invalid("400", "call_id: required, a non-empty string")
        if not isinstance(params.get("node_id"), str):
            raise _Invalid("400", "node_id: required, a string")
        leg = self._legs.get(CallId(call_id))
        if leg is not None:
            return leg
        if CallId(call_id) in self._ended:
            raise _Invalid("410", "Call is gone")
        raise _Invalid("404", "Call not found")

    def _dial(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        tag = _text_param(params, "tag")
        plan = _parse_plan(params.get("devices"))
        max_duration = params.get("max_duration")  # [PY] sends it top-level; accepted, unused
        if max_duration is not None and (
            isinstance(max_duration, bool) or not isinstance(max_duration, int | float)
        ):
            raise _Invalid("400", f"max_duration: {max_duration!r} is not a number")
        if (owner, tag) in self._dial_tags:
            raise _Invalid("409", f"tag {tag!r} is already dialing")
        attempt = _Attempt("dial", owner, tag, plan, None)
        self._dial_tags[(owner, tag)] = attempt
        self.scheduler.call_at(now, lambda when: self._start_attempt(attempt, when))
        return _result("200", "Dialing")

    def _connect(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        a_leg = self._leg(params)
        tag = _optional_text_param(params, "tag")
        plan = _parse_plan(params.get("devices"))
        if params.get("ringback") is not None:
            _parse_media(params.get("ringback"), "ringback", flat_ok=self.accept_flat_media)
        if not a_leg.live or a_leg.state is CallState.ENDING:
            raise _Invalid("410", "Call is gone")
        if a_leg.bridge is not None or a_leg.connecting is not None:
            raise _Invalid("409", "Call is already connected or connecting")
        if a_leg.attempt is not None and a_leg.state is not CallState.ANSWERED:
            raise _Invalid("409", "Call is still ringing")
        attempt = _Attempt("connect", a_leg.owner or owner, tag, plan, a_leg)
        a_leg.connecting = attempt
        self.scheduler.call_at(now, lambda when: self._start_attempt(attempt, when))
        return _result("200", "Connecting")

    def _disconnect(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg = self._leg(params)
        if leg.bridge is None:
            raise _Invalid("409", "Call is not connected")
        bridge = leg.bridge
        self.scheduler.call_at(now, lambda when: self._unbridge(bridge, survivor=bridge.a))
        return _result("200", "Disconnecting")

    def _end(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg = self._leg(params)
        reason = params.get("reason", "hangup")
        if not isinstance(reason, str) or reason not in _END_REASONS:
            raise _Invalid(
                "400", f"reason: {reason!r} is not one of {', '.join(sorted(_END_REASONS))}"
            )
        if leg.state is CallState.ENDING:
            raise _Invalid("410", "Call is already ending")
        self.scheduler.call_at(now, lambda when: self._ended_by_client(leg, reason, when))
        return _result("200", "Disconnecting call")

    def _answer(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg = self._leg(params)
        if leg.state is CallState.ANSWERED:
            return _result("200", "Answered")
        if leg.direction != "inbound":
            raise _Invalid("409", "Only an inbound call can be answered")
        if not leg.live:
            raise _Invalid("410", "Call is gone")
        leg.state = CallState.ANSWERED  # at once: a play sent right after must find it answered
        self._pending_offers.pop(leg.call_id, None)
        self.scheduler.call_at(now, lambda when: self._emit_state(leg))
        return _result("200", "Answered")

    def _pass(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg = self._leg(params)
        if leg.direction != "inbound" or leg.state is not CallState.CREATED:
            raise _Invalid("409", "Only an offered inbound call can be passed")
        if leg.owner is not None:
            leg.passed_by.add(leg.owner)
        leg.owner = None
        self.scheduler.call_at(now, lambda when: self._offer(leg))
        return _result("200", "Passing call")

    # -- plays ---------------------------------------------------------------

    def _play(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg = self._leg(params)
        control_id = _text_param(params, "control_id")
        media = _parse_media(params.get("play"), "play", flat_ok=self.accept_flat_media)
        _volume_param(params, required=False)
        loop = params.get("loop", 1)
        if isinstance(loop, bool) or not isinstance(loop, int) or loop < 0:
            raise _Invalid("400", f"loop: {loop!r} is not an integer >= 0 (0 = forever)")
        if not leg.live:
            raise _Invalid("410", "Call is gone")
        if control_id in leg.plays:
            raise _Invalid("409", f"control_id {control_id!r} is already playing")
        playback = _Playback(control_id, leg)
        elapsed = 0.0
        for item in media:
            if _fails_to_load(item):
                playback.error_at = elapsed
                break
            elapsed += media_duration(item)
        playback.remaining = None if loop == 0 else elapsed * loop
        leg.plays[control_id] = playback
        self.scheduler.call_at(now, lambda when: self._start_play(playback, when))
        return _result("200", "Playing", call_id=leg.call_id, control_id=control_id)

    def _playback(self, params: JSONObject) -> _Playback:
        leg = self._leg(params)
        control_id = _text_param(params, "control_id")
        playback = leg.plays.get(control_id)
        if playback is None:
            raise _Invalid("404", f"No play with control_id {control_id!r}")
        return playback

    def _control_result(self, playback: _Playback, message: str) -> JSONDict:
        return _result("200", message, call_id=playback.leg.call_id, control_id=playback.control_id)

    def _play_stop(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        playback = self._playback(params)
        self.scheduler.call_at(now, lambda when: self._finish_play(playback, "finished"))
        return self._control_result(playback, "Stopped")

    def _play_pause(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        playback = self._playback(params)
        behavior = params.get("behavior")
        if behavior is not None and not isinstance(behavior, str):
            raise _Invalid("400", f"behavior: {behavior!r} is not a string")
        self.scheduler.call_at(now, lambda when: self._pause_play(playback, when))
        return self._control_result(playback, "Paused")

    def _play_resume(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        playback = self._playback(params)
        self.scheduler.call_at(now, lambda when: self._resume_play(playback, when))
        return self._control_result(playback, "Resumed")

    def _play_volume(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner, now
        playback = self._playback(params)
        _volume_param(params, required=True)
        return self._control_result(playback, "Volume changed")

    def _start_play(self, playback: _Playback, now: float) -> None:
        if playback.leg.plays.get(playback.control_id) is not playback:
            return
        self._emit_play(playback, "playing")
        playback.started = now
        self._arm_play(playback, now)

    def _arm_play(self, playback: _Playback, now: float) -> None:
        if playback.error_at is not None:
            outcome, delay = "error", playback.error_at
        elif playback.remaining is not None:
            outcome, delay = "finished", playback.remaining
        else:
            return  # loops forever: only a stop or the call's end finishes it
        playback.timer = self.scheduler.call_at(
            now + delay, lambda when: self._finish_play(playback, outcome)
        )

    def _pause_play(self, playback: _Playback, now: float) -> None:
        if playback.state != "playing" or playback.leg.plays.get(playback.control_id) is None:
            return
        elapsed = now - playback.started
        if playback.remaining is not None:
            playback.remaining = max(0.0, playback.remaining - elapsed)
        if playback.error_at is not None:
            playback.error_at = max(0.0, playback.error_at - elapsed)
        if playback.timer is not None:
            playback.timer.cancel()
        playback.state = "paused"
        self._emit_play(playback, "paused")

    def _resume_play(self, playback: _Playback, now: float) -> None:
        if playback.state != "paused" or playback.leg.plays.get(playback.control_id) is None:
            return
        playback.state = "playing"
        playback.started = now
        self._emit_play(playback, "playing")
        self._arm_play(playback, now)

    def _finish_play(self, playback: _Playback, state: str) -> None:
        leg = playback.leg
        if leg.plays.get(playback.control_id) is not playback:
            return
        del leg.plays[playback.control_id]
        if playback.timer is not None:
            playback.timer.cancel()
        self._emit_play(playback, state)

    def _emit_play(self, playback: _Playback, state: str) -> None:
        leg = playback.leg
        self._deliver(
            leg.owner,
            "calling.call.play",
            {
                "node_id": leg.node_id,
                "call_id": leg.call_id,
                "control_id": playback.control_id,
                "state": state,
            },
        )

    # -- dial and connect ----------------------------------------------------

    def _start_attempt(self, attempt: _Attempt, now: float) -> None:
        a_leg = attempt.a_leg
        if attempt.kind == "dial":
            params: JSONDict = {"node_id": self.node_id}
            if attempt.tag is not None:
                params["tag"] = attempt.tag
            params["dial_state"] = "dialing"
            self._deliver(attempt.owner, "calling.call.dial", params)
        else:
            assert a_leg is not None
            if not a_leg.live:
                return
            self._emit_connect(a_leg, attempt.tag, "connecting")
        self._start_group(attempt, now)

    def _start_group(self, attempt: _Attempt, now: float) -> None:
        attempt.index += 1
        group = attempt.plan[attempt.index]
        attempt.legs = []
        for device_wire, device in group:
            destination = _destination(device)
            leg = _Leg(
                CallId(self._new_id()),
                self.node_id,
                "outbound",
                device_wire,
                destination,
                attempt.owner,
                attempt.tag,
            )
            leg.attempt = attempt
            leg.peer = attempt.a_leg
            leg.behavior = self.directory.lookup(destination)
            timeout = _device_timeout(device)
            leg.ring_timeout = self.directory.ring_timeout if timeout is None else timeout
            self._legs[leg.call_id] = leg
            attempt.legs.append(leg)
            self._emit_state(leg)
        immediate = [leg for leg in attempt.legs if _rejects_at_once(leg.behavior)]
        for leg in attempt.legs:
            if leg not in immediate:
                leg.state = CallState.RINGING
                self._emit_state(leg)
        for leg in attempt.legs:
            self._arm_leg(leg, now)

    def _arm_leg(self, leg: _Leg, now: float) -> None:
        behavior = leg.behavior
        timeout = leg.ring_timeout
        outcome: str
        match behavior:
            case Answers(after=after):
                outcome, delay = "answered", after
            case NeverAnswers():
                outcome, delay = "noAnswer", timeout
            case Busy(after=after):
                outcome, delay = "busy", after
            case Declines(after=after):
                outcome, delay = "decline", after
            case Fails(after=after):
                outcome, delay = "error", after
        if delay > timeout:
            outcome, delay = "noAnswer", timeout

        def callback(when: float) -> None:
            if outcome == "answered":
                self._leg_answered(leg, when)
            else:
                self._leg_rejected(leg, outcome, when)

        leg.timers.append(self.scheduler.call_at(now + delay, callback))

    def _leg_answered(self, leg: _Leg, now: float) -> None:
        attempt = leg.attempt
        if attempt is None or attempt.finished or leg.state is not CallState.RINGING:
            return
        attempt.finished = True
        self._forget_attempt(attempt)
        leg.state = CallState.ANSWERED
        self._emit_state(leg)
        if attempt.kind == "dial":
            winner: JSONDict = {"call_id": leg.call_id, "node_id": leg.node_id}
            if leg.tag is not None:
                winner["tag"] = leg.tag
            winner.update(
                dial_winner=True, call_state="answered", direction="outbound", device=leg.device
            )
            params: JSONDict = {"node_id": self.node_id}
            if attempt.tag is not None:
                params["tag"] = attempt.tag
            params.update(dial_state="answered", call=winner)
            self._deliver(attempt.owner, "calling.call.dial", params)
        else:
            a_leg = attempt.a_leg
            assert a_leg is not None
            a_leg.connecting = None
            bridge = _Bridge(a_leg, leg, attempt.tag)
            a_leg.bridge = leg.bridge = bridge
            a_leg.peer = leg
            peer: JSONDict = {"call_id": leg.call_id, "node_id": leg.node_id}
            if attempt.tag is not None:
                peer["tag"] = attempt.tag
            peer["device"] = leg.device
            self._emit_connect(a_leg, attempt.tag, "connected", peer=peer)
        # RELAY.md F.7: the server cancels the losers by itself.
        for other in attempt.legs:
            if other is not leg and other.live:
                self._end_leg(other, "cancel", now)
        hangup_after = leg.behavior.hangup_after if isinstance(leg.behavior, Answers) else None
        if hangup_after is not None:
            leg.timers.append(
                self.scheduler.call_at(
                    now + hangup_after, lambda when: self._remote_end(leg, "hangup", when)
                )
            )

    def _leg_rejected(self, leg: _Leg, reason: str, now: float) -> None:
        self._remote_end(leg, reason, now)

    def _ended_by_client(self, leg: _Leg, reason: str, now: float, *, give_up: bool = True) -> None:
        if not leg.live:
            return
        attempt = leg.attempt
        self._end_leg(leg, reason, now)
        if attempt is not None:
            self._after_leg_lost(attempt, reason, now, give_up=give_up)

    def _remote_end(self, leg: _Leg, reason: str, now: float) -> None:
        """The far end hangs up (or the network drops) a leg."""
        self._ended_by_client(leg, reason, now, give_up=False)

    def end_calls_of(self, owner: SessionKey, *, now: float) -> int:
        """End every live leg whose events go to ``owner`` (its session expired).

        Answered legs end with ``hangup``, the others with ``cancel``; no
        dial or connect goes on to its next device group.  Returns how many
        legs it ended (peers ended with them included).
        """
        before = len(self._legs)
        for leg in [leg for leg in self._legs.values() if leg.owner == owner]:
            if leg.live:
                reason = "hangup" if leg.state is CallState.ANSWERED else "cancel"
                self._ended_by_client(leg, reason, now)
        return before - len(self._legs)

    def _after_leg_lost(self, attempt: _Attempt, reason: str, now: float, *, give_up: bool) -> None:
        """A ringing leg ended: try the next group, or fail once nothing is left."""
        if attempt.finished or any(leg.live for leg in attempt.legs):
            return
        a_leg = attempt.a_leg
        if a_leg is not None and not a_leg.live:
            give_up = True
        if not give_up and attempt.index + 1 < len(attempt.plan):
            self._start_group(attempt, now)
            return
        attempt.finished = True
        self._forget_attempt(attempt)
        if attempt.kind == "dial":
            params: JSONDict = {"node_id": self.node_id}
            if attempt.tag is not None:
                params["tag"] = attempt.tag
            params.update(dial_state="failed", reason=reason, source="outbound")
            self._deliver(attempt.owner, "calling.call.dial", params)
        else:
            assert a_leg is not None
            a_leg.connecting = None
            if a_leg.live:
                self._emit_connect(a_leg, attempt.tag, "failed", failed_reason=reason)

    def _forget_attempt(self, attempt: _Attempt) -> None:
        if attempt.tag is not None and self._dial_tags.get((attempt.owner, attempt.tag)) is attempt:
            del self._dial_tags[(attempt.owner, attempt.tag)]

    def _emit_connect(
        self,
        a_leg: _Leg,
        tag: str | None,
        state: str,
        *,
        peer: JSONDict | None = None,
        failed_reason: str | None = None,
    ) -> None:
        params: JSONDict = {"node_id": a_leg.node_id, "call_id": a_leg.call_id}
        if tag is not None:
            params["tag"] = tag
        params["connect_state"] = state
        if peer is not None:
            params["peer"] = peer
        if failed_reason is not None:
            params["failed_reason"] = failed_reason
        self._deliver(a_leg.owner, "calling.call.connect", params)

    def _unbridge(self, bridge: _Bridge, *, survivor: _Leg | None) -> None:
        """Tear a bridge down; ``survivor`` gets ``connect(disconnected)`` (RELAY.md G.5)."""
        a, b = bridge.a, bridge.b
        if a.bridge is not bridge:
            return
        a.bridge = b.bridge = None
        if a.peer is b:
            a.peer = None
        if survivor is None:
            return
        other = b if survivor is a else a
        peer: JSONDict = {
            "call_id": other.call_id,
            "node_id": other.node_id,
            "device": other.device,
        }
        if survivor.live:
            self._emit_connect(survivor, bridge.tag, "disconnected", peer=peer)

    # -- ending legs ---------------------------------------------------------

    def _end_leg(self, leg: _Leg, reason: str, now: float) -> None:
        """End a live leg: its plays finish, then ``ending`` (if it rang) and ``ended``."""
        for timer in leg.timers:
            timer.cancel()
        leg.timers.clear()
        for playback in list(leg.plays.values()):
            self._finish_play(playback, "finished")
        connecting = leg.connecting
        if connecting is not None and not connecting.finished:
            # The A leg goes away mid-connect: its ringing peers are cancelled.
            connecting.finished = True
            leg.connecting = None
            for peer_leg in connecting.legs:
                if peer_leg.live:
                    self._end_leg(peer_leg, "cancel", now)
        leg.end_reason = reason
        # RELAY.md F.8: a leg rejected before it rang goes straight to ended.
        if leg.state is not CallState.CREATED or leg.direction == "inbound":
            leg.state = CallState.ENDING
            self._emit_state(leg)
        leg.state = CallState.ENDED
        self._emit_state(leg)
        del self._legs[leg.call_id]
        self._pending_offers.pop(leg.call_id, None)
        bridge = leg.bridge
        if bridge is not None and bridge.a is leg:
            # The caller (A leg) hung up: the service ends the bridged leg
            # too, with ordinary state events and no connect event (G.3).
            self._unbridge(bridge, survivor=None)
            self._end_leg(bridge.b, "hangup", now)
        elif bridge is not None:
            # RELAY.md G.3/G.6: the peer hung up; the A leg stays up and
            # hears "disconnected".
            self._unbridge(bridge, survivor=bridge.a)
        self._remember_ended(leg, now)
        # Ended legs keep nothing alive: what they pointed at may be large.
        leg.attempt = leg.connecting = leg.peer = None

    def _remember_ended(self, leg: _Leg, now: float) -> None:
        ended, ended_at = self._ended, self._ended_at
        ended[leg.call_id] = leg.snapshot()
        ended_at[leg.call_id] = now
        # Oldest first; up to two per end: O(1), and a backlog still drains.
        for _ in range(2):
            call_id = next(iter(ended_at))
            if len(ended) <= ENDED_CALL_MEMORY and ended_at[call_id] > now - ENDED_CALL_SECONDS:
                break
            del ended[call_id], ended_at[call_id]

    def _emit_state(self, leg: _Leg) -> None:
        params: JSONDict = {"node_id": leg.node_id, "call_id": leg.call_id}
        if leg.tag is not None:
            params["tag"] = leg.tag
        params["direction"] = leg.direction
        params["call_state"] = leg.state.value
        if leg.end_reason is not None and leg.state in (CallState.ENDING, CallState.ENDED):
            params["end_reason"] = leg.end_reason
        if leg.peer is not None:
            params["peer"] = {"call_id": leg.peer.call_id, "node_id": leg.peer.node_id}
        if leg.context is not None:
            params["context"] = leg.context
        params["device"] = leg.device
        self._deliver(leg.owner, "calling.call.state", params)

    # -- scripting -----------------------------------------------------------

    def hangup(self, call_id: str, *, reason: str = "hangup", now: float) -> None:
        """The far end of a live leg hangs up (or the network drops it).

        Raises:
            LocalProtocolError: no live leg has that id, or ``reason`` is empty.
        """
        leg = self._legs.get(CallId(call_id))
        if leg is None:
            raise LocalProtocolError(f"call_id: no live call {call_id!r}")
        if not isinstance(reason, str) or not reason:
            raise LocalProtocolError(f"reason: {reason!r} is not a non-empty string")
        self.scheduler.call_at(now, lambda when: self._remote_end(leg, reason, when))

    def inject_inbound_call(
        self,
        *,
        context: str,
        from_number: str,
        to_number: str,
        now: float,
        device: JSONObject | None = None,
    ) -> CallRef:
        """Place a call into ``context``, offered to one session receiving it.

        Delivered as ``calling.call.receive`` (RELAY.md I) to the first
        session whose contexts include ``context``; if none does yet, the
        offer waits until one does.  Unanswered after
        ``inbound_ring_timeout`` seconds, it ends with ``noAnswer``.
        ``device`` replaces the default ``{"type": "phone", "params":
        {"from_number": ..., "to_number": ...}}`` (e.g. a SIP device).

        Raises:
            LocalProtocolError: empty context or number.
        """
        for name, value in (("context", context), ("from_number", from_number)):
            if not isinstance(value, str) or not value:
                raise LocalProtocolError(f"{name}: {value!r} is not a non-empty string")
        if not isinstance(to_number, str) or not to_number:
            raise LocalProtocolError(f"to_number: {to_number!r} is not a non-empty string")
        wire: JSONObject = (
            device
            if device is not None
            else {"type": "phone", "params": {"from_number": from_number, "to_number": to_number}}
        )
        leg = _Leg(CallId(self._new_id()), self.node_id, "inbound", wire, from_number, None, None)
        leg.context = context
        self._legs[leg.call_id] = leg
        self._offer_at(leg, now)
        # Nobody answers within the ring timeout: the caller gives up.
        leg.timers.append(
            self.scheduler.call_at(
                now + self.inbound_ring_timeout, lambda when: self._unanswered(leg, when)
            )
        )
        return leg.ref

    def _unanswered(self, leg: _Leg, now: float) -> None:
        if leg.state is CallState.CREATED:
            self._remote_end(leg, "noAnswer", now)

    def offer_pending(self, now: float) -> None:
        """Retry the waiting inbound offers (a session started receiving)."""
        for leg in list(self._pending_offers.values()):
            self._offer_at(leg, now)

    def _offer_at(self, leg: _Leg, now: float) -> None:
        self.scheduler.call_at(now, lambda when: self._offer(leg))

    def _offer(self, leg: _Leg) -> None:
        if leg.state is not CallState.CREATED or leg.owner is not None:
            return
        assert leg.context is not None
        owner = self._choose_receiver(leg.context, frozenset(leg.passed_by))
        if owner is None:
            self._pending_offers[leg.call_id] = leg
            return
        self._pending_offers.pop(leg.call_id, None)
        leg.owner = owner
        self._deliver(
            owner,
            "calling.call.receive",
            {
                "node_id": leg.node_id,
                "call_id": leg.call_id,
                "tag": "",
                "call_state": leg.state.value,
                "direction": "inbound",
                "context": leg.context,
                "device": leg.device,
            },
        )


def _rejects_at_once(behavior: DestinationBehavior) -> bool:
    return isinstance(behavior, Busy | Fails) and behavior.after == 0
