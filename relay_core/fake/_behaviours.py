"""Destination behaviours and the :class:`Directory` that maps numbers to them.

Every destination (an E.164 number or a SIP URI) has a behaviour:
:class:`Answers` after N seconds, :class:`NeverAnswers`, :class:`Busy`,
:class:`Declines` or :class:`Fails`.  Behaviours are plain values with a JSON
form, so the CLI and the pytest plugin can load a directory from a file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final, TypeAlias, final

import attrs

from .._errors import LocalProtocolError
from .._ids import JSONDict, JSONValue
from ._callers import (
    SCRIPT_KEYS,
    CallerScript,
    _check_answered_by,
    _check_input_after,
    _check_pages,
    _check_pays,
    _check_presses,
    _check_says,
    _turns,
    script_fields,
    script_to_json,
)

__all__ = [
    "Answers",
    "Busy",
    "Declines",
    "DestinationBehavior",
    "Directory",
    "Fails",
    "NeverAnswers",
    "behavior_from_json",
    "behavior_to_json",
]


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

    Once up, the callee follows a caller script (:class:`CallerScript`, same
    fields): ``presses`` and ``says`` (one turn per collect: ``"1#"`` or
    ``("1", "1234#")``), ``answered_by`` (``human``, ``machine`` or ``fax``),
    ``input_after`` (seconds before it starts pressing or speaking once the
    network listens), ``pays`` (a ``calling.pay`` result) and ``fax_pages``.
    E.g. ``Answers(after=1, presses="1#", says="sales")``.
    """

    after: float = attrs.field(default=1.0, validator=_delay)
    hangup_after: float | None = attrs.field(default=None, validator=_optional_delay)
    presses: tuple[str, ...] = attrs.field(default=(), converter=_turns, validator=_check_presses)
    says: tuple[str, ...] = attrs.field(default=(), converter=_turns, validator=_check_says)
    answered_by: str = attrs.field(default="human", validator=_check_answered_by)
    input_after: float = attrs.field(default=1.0, validator=_check_input_after)
    pays: str = attrs.field(default="success", validator=_check_pays)
    fax_pages: int = attrs.field(default=1, validator=_check_pages)

    @property
    def script(self) -> CallerScript:
        """What the callee does once up, as a :class:`CallerScript`."""
        return CallerScript(**{key: getattr(self, key) for key in SCRIPT_KEYS})


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

    Names: ``answer`` (``after``, ``hangup_after`` and the caller-script
    keys ``presses``, ``says``, ``answered_by``, ``input_after``, ``pays``,
    ``fax_pages``: ``{"behavior": "answer", "after": 1, "presses": "1#",
    "says": ["sales"], "answered_by": "machine"}``), ``no_answer``, ``busy``
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
    script: dict[str, object] = {}
    if name == "answer":
        script = script_fields(value, path=path)
    for key, raw in value.items():
        if key == "behavior" or (name == "answer" and key in SCRIPT_KEYS):
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
                    after=1.0 if after is None else after,
                    hangup_after=numbers.get("hangup_after"),
                    **script,  # type: ignore[arg-type]  # checked by script_fields
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
            out.update(script_to_json(behavior))
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
