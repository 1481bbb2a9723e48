"""What the party on a simulated call does once it is up: presses, words, machine, fax, payment.

:class:`~relay_core.fake.Answers` carries these fields for a destination
(the callee of a dial or connect); :meth:`FakeRelayServer.inject_inbound_call`
takes the same :class:`CallerScript` for an inbound caller.  The verbs that
listen (``calling.collect``, ``calling.play_and_collect``, a ``digit``
detector, ``calling.record``) read them; see the simulation modules for the
timing.

* ``presses``: one string of DTMF per *turn* (``"1#"`` or ``("1",
  "1234#")``): each collect or digit detector that hears digits takes the
  next turn (an empty turn ``""``: silence that time); once they are used
  up the party presses nothing.
* ``says``: the same for speech (``"sales"`` or ``("sales", "yes")``).
* ``answered_by``: ``human`` (default), ``machine`` (a voicemail greeting,
  then the beep) or ``fax`` (answering-machine detection and fax detection
  read it).
* ``input_after``: seconds between the network starting to listen (after a
  prompt ends) and the party starting to press or speak (default 1).
* ``pays``: the result of a ``calling.pay`` (``success``, the default, or a
  failure result such as ``too-many-failed-attempts``).
* ``fax_pages``: pages a fax sent to or received from this party has.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final, final

import attrs

from .._errors import LocalProtocolError
from .._ids import JSONDict, JSONValue

__all__ = [
    "ANSWERED_BY",
    "caller_script",
    "DTMF_DIGITS",
    "PAY_RESULTS",
    "CallerScript",
    "script_to_json",
]

#: The DTMF characters a party can press.
DTMF_DIGITS: Final = frozenset("0123456789*#ABCD")
#: Who (or what) answers: what answering-machine detection reports.
ANSWERED_BY: Final = ("human", "machine", "fax")
#: The ``result`` values a scripted ``calling.pay`` may end with (RELAY.md H.5.9).
PAY_RESULTS: Final = (
    "success",
    "too-many-failed-attempts",
    "payment-connector-error",
    "caller-interrupted-with-star",
    "validation-error",
    "internal-error",
)
#: The JSON keys of a caller script (in a directory entry or on their own).
SCRIPT_KEYS: Final = ("presses", "says", "answered_by", "input_after", "pays", "fax_pages")


def _turns(value: object) -> tuple[str, ...]:
    """A string is one turn, a sequence of strings several (``None``: none)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, Sequence):
        return tuple(value)  # checked by the validator
    return value  # type: ignore[return-value]  # the validator names it


def _check_presses(_instance: object, _attribute: object, value: tuple[str, ...]) -> None:
    if not isinstance(value, tuple) or not all(isinstance(turn, str) for turn in value):
        raise LocalProtocolError(f"presses: {value!r} is not a string or a list of strings")
    for turn in value:
        bad = sorted(set(turn) - DTMF_DIGITS)
        if bad:
            raise LocalProtocolError(
                f"presses: {turn!r} has {''.join(bad)!r}, not DTMF (0-9, *, #, A-D)"
            )


def _check_says(_instance: object, _attribute: object, value: tuple[str, ...]) -> None:
    if not isinstance(value, tuple) or not all(
        isinstance(turn, str) and turn.strip() for turn in value
    ):
        raise LocalProtocolError(f"says: {value!r} is not a string or a list of non-empty strings")


def _check_answered_by(_instance: object, _attribute: object, value: str) -> None:
    if value not in ANSWERED_BY:
        raise LocalProtocolError(f"answered_by: {value!r} is not one of {', '.join(ANSWERED_BY)}")


def _check_input_after(_instance: object, _attribute: object, value: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise LocalProtocolError(f"input_after: {value!r} is not a number of seconds >= 0")


def _check_pays(_instance: object, _attribute: object, value: str) -> None:
    if value not in PAY_RESULTS:
        raise LocalProtocolError(f"pays: {value!r} is not one of {', '.join(PAY_RESULTS)}")


def _check_pages(_instance: object, _attribute: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise LocalProtocolError(f"fax_pages: {value!r} is not a whole number from 1 to 1000")


@final
@attrs.frozen(kw_only=True)
class CallerScript:
    """What the party on a call does once it is up (see the module docstring).

    The default is a silent human who pays successfully and whose faxes have
    one page.
    """

    presses: tuple[str, ...] = attrs.field(default=(), converter=_turns, validator=_check_presses)
    says: tuple[str, ...] = attrs.field(default=(), converter=_turns, validator=_check_says)
    answered_by: str = attrs.field(default="human", validator=_check_answered_by)
    input_after: float = attrs.field(default=1.0, validator=_check_input_after)
    pays: str = attrs.field(default="success", validator=_check_pays)
    fax_pages: int = attrs.field(default=1, validator=_check_pages)

    @property
    def silent(self) -> bool:
        """Presses nothing and says nothing."""
        return not self.presses and not self.says


#: The silent human every party is unless scripted.
SILENT: Final = CallerScript()


def script_fields(value: Mapping[str, JSONValue], *, path: str) -> dict[str, object]:
    """The caller-script keys of a JSON object, checked (the others are left alone).

    Raises:
        LocalProtocolError: a bad value; names ``path`` and the key.
    """
    out: dict[str, object] = {}
    for key in SCRIPT_KEYS:
        if key not in value or value[key] is None:
            continue
        raw = value[key]
        if key == "input_after" and (isinstance(raw, bool) or not isinstance(raw, int | float)):
            raise LocalProtocolError(f"{path}.input_after: {raw!r} is not a number of seconds")
        if key in ("presses", "says") and isinstance(raw, Sequence) and not isinstance(raw, str):
            raw = tuple(raw)
        out[key] = float(raw) if key == "input_after" else raw  # type: ignore[arg-type]
    try:
        CallerScript(**out)  # type: ignore[arg-type]
    except LocalProtocolError as exc:
        raise LocalProtocolError(f"{path}.{exc.message}") from exc
    return out


def caller_script(
    caller: CallerScript | None,
    presses: str | Sequence[str] | None,
    says: str | Sequence[str] | None,
) -> CallerScript:
    """``caller`` (default: silent) with ``presses`` / ``says`` replaced where given.

    Raises:
        LocalProtocolError: not a :class:`CallerScript`, or bad presses or words.
    """
    if caller is not None and not isinstance(caller, CallerScript):
        raise LocalProtocolError(f"caller: {caller!r} is not a CallerScript")
    script = caller or SILENT
    if presses is not None:
        script = attrs.evolve(script, presses=presses)
    if says is not None:
        script = attrs.evolve(script, says=says)
    return script


def script_to_json(script: object) -> JSONDict:
    """The caller-script keys that differ from the default (for a JSON form)."""
    out: JSONDict = {}
    for key in SCRIPT_KEYS:
        value = getattr(script, key)
        if value == getattr(SILENT, key):
            continue
        if isinstance(value, tuple):
            # One non-empty turn is written as a plain string ("" reads as no turn).
            out[key] = value[0] if len(value) == 1 and value[0] else list(value)
        else:
            out[key] = value
    return out
