"""The plain verbs (RELAY.md H.5.14): a reply, and an event where H.5.14 shows one.

* ``calling.transfer`` → ``Transferring``; nothing else (control leaves the client).
* ``calling.refer`` → ``Starting SIP REFER``; ``calling.call.refer``
  ``inProgress`` (``sip_refer_response_code`` ``202``), then the refer
  target (``device.params.to``, looked up in the :class:`Directory`) decides:
  it answers → ``finished`` (notify ``200``) and the call ends (``hangup``:
  it was transferred away); busy → ``busy`` (``486``); never answers →
  ``noAnswer`` (``408``) at the ring timeout; declines → ``cancel``
  (``603``); fails → ``error`` (``500``).
* ``calling.hold`` / ``calling.unhold`` → ``calling.call.hold`` ``state``
  ``hold`` / ``unhold``.
* ``calling.denoise`` / ``calling.denoise.stop`` → ``calling.call.denoise``
  ``denoised`` ``true`` / ``false``.
* ``calling.echo`` → ``calling.call.echo`` ``echoing``, then ``finished``
  after ``timeout`` seconds (``0`` or none: when the call ends).
* ``calling.join_conference`` → the reply carries ``conference_id`` (one per
  conference ``name``); ``calling.conference`` ``join``;
  ``calling.leave_conference`` (and the call's end) → ``leave``.
* ``calling.bind_digit`` / ``calling.clear_digit_bindings``,
  ``calling.live_transcribe`` / ``calling.live_translate`` (``action``: one
  of ``start``, ``stop``, ``summarize``, and ``inject`` for translate),
  ``calling.join_room`` / ``calling.leave_room``, ``calling.ai_message``,
  ``calling.ai_hold`` / ``calling.ai_unhold``, ``calling.amazon_bedrock``,
  ``calling.user_event``: the reply only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final, TypeVar

from .._ids import JSONDict, JSONObject
from ..client._verb_commands import (
    AIHold,
    AIMessage,
    AIUnhold,
    AmazonBedrock,
    BindDigit,
    ClearDigitBindings,
    Denoise,
    DenoiseStop,
    Echo,
    Hold,
    JoinConference,
    JoinRoom,
    LeaveConference,
    LeaveRoom,
    LiveTranscribe,
    LiveTranslate,
    Refer,
    Transfer,
    Unhold,
    UserEvent,
)
from ..wire._activity_payloads import (
    ConferencePayload,
    DenoisePayload,
    EchoPayload,
    HoldPayload,
    ReferPayload,
)
from ._behaviours import Answers, Busy, Declines, Fails
from ._legs import SessionKey, _decode, _Invalid, _Leg, _result
from ._sim_base import MAX_BINDINGS_PER_CALL, VerbCommand, _CallSim, _SimAction, _SimBase

if TYPE_CHECKING:
    from ._legs import _Handler

__all__ = ["REPLY_ONLY"]

_P = TypeVar("_P", bound=VerbCommand)

#: Plain verbs answered with a reply and nothing else: method → (decoder, message).
REPLY_ONLY: Final[Mapping[str, tuple[Callable[[JSONObject], VerbCommand], str]]] = {
    JoinRoom.method: (JoinRoom.from_params, "Joining room"),
    LeaveRoom.method: (LeaveRoom.from_params, "Leaving room"),
    AIMessage.method: (AIMessage.from_params, "Message sent"),
    AIHold.method: (AIHold.from_params, "AI on hold"),
    AIUnhold.method: (AIUnhold.from_params, "AI resumed"),
    AmazonBedrock.method: (AmazonBedrock.from_params, "AI started"),
    UserEvent.method: (UserEvent.from_params, "Event sent"),
    Transfer.method: (Transfer.from_params, "Transferring"),
}
#: SIP codes of a refer target's outcome (refer ``state`` → notify code).
_REFER_CODES: Final = {
    "finished": "200",
    "busy": "486",
    "noAnswer": "408",
    "cancel": "603",
    "error": "500",
}


class _Echo(_SimAction):
    kind = "echo"

    def __init__(self, host: _SimBase, leg: _Leg, control_id: str, timeout: float) -> None:
        super().__init__(host, leg, control_id)
        self.timeout = timeout

    def event(self, state: str) -> None:
        self.emit(EchoPayload(self.leg.call_id, node_id=self.leg.node_id, state=state))

    def begin(self, now: float) -> None:
        self.event("echoing")
        if self.timeout > 0:
            self.at(now + self.timeout, self.stop)

    def stop(self, now: float) -> None:
        self.event("finished")
        self.finish()


class _VerbsSim(_SimBase):
    """The plain verbs of :mod:`._verbs_sim`."""

    def _sim_handlers(self) -> dict[str, _Handler]:
        handlers = super()._sim_handlers()
        handlers.update(
            {
                Refer.method: self._refer,
                Hold.method: self._flag_verb(Hold.from_params, "held", True, "Call on hold"),
                Unhold.method: self._flag_verb(Unhold.from_params, "held", False, "Call off hold"),
                Denoise.method: self._flag_verb(
                    Denoise.from_params, "denoised", True, "Denoiser on"
                ),
                DenoiseStop.method: self._flag_verb(
                    DenoiseStop.from_params, "denoised", False, "Denoiser off"
                ),
                Echo.method: self._echo,
                BindDigit.method: self._bind_digit,
                ClearDigitBindings.method: self._clear_digit_bindings,
                LiveTranscribe.method: self._live_transcribe,
                LiveTranslate.method: self._live_translate,
                JoinConference.method: self._join_conference,
                LeaveConference.method: self._leave_conference,
            }
        )
        for method, (read, message) in REPLY_ONLY.items():
            handlers[method] = self._reply_only(read, message)
        return handlers

    def _plain(self, read: Callable[[JSONObject], _P], params: JSONObject) -> tuple[_P, _Leg]:
        command = _decode(read, params)
        return command, self._live_leg(command.call)

    def _reply_only(self, read: Callable[[JSONObject], VerbCommand], message: str) -> _Handler:
        def handle(owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
            del owner, now
            _command, leg = self._plain(read, params)
            return _result("200", message, call_id=leg.call_id)

        return handle

    def _refer(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command, leg = self._plain(Refer.from_params, params)
        target = command.device.to
        behavior = self.directory.lookup(target)
        match behavior:
            case Answers(after=after):
                state, delay = "finished", after
            case Busy(after=after):
                state, delay = "busy", after
            case Declines(after=after):
                state, delay = "cancel", after
            case Fails(after=after):
                state, delay = "error", after
            case _:
                state, delay = "noAnswer", self.directory.ring_timeout

        def refer_event(state: str, notify: str | None) -> None:
            if leg.live:
                self._emit(
                    leg,
                    ReferPayload(
                        leg.call_id,
                        node_id=leg.node_id,
                        state=state,
                        sip_refer_to=target,
                        sip_refer_response_code="202",
                        sip_notify_response_code=notify,
                    ),
                )

        def outcome(when: float) -> None:
            refer_event(state, _REFER_CODES[state])
            if state == "finished" and leg.live:
                self._remote_end(leg, "hangup", when)  # transferred away

        self.scheduler.call_at(now, lambda when: refer_event("inProgress", None))
        leg.timers.append(self.scheduler.call_at(now + delay, outcome))
        return _result("200", "Starting SIP REFER", call_id=leg.call_id)

    def _flag_verb(
        self, read: Callable[[JSONObject], VerbCommand], name: str, value: bool, message: str
    ) -> _Handler:
        def handle(owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
            del owner
            _command, leg = self._plain(read, params)
            sim = self._sim(leg)
            setattr(sim, name, value)

            def event(when: float) -> None:
                if not leg.live:
                    return
                if name == "held":
                    state = "hold" if value else "unhold"
                    self._emit(leg, HoldPayload(leg.call_id, node_id=leg.node_id, state=state))
                else:
                    self._emit(
                        leg, DenoisePayload(leg.call_id, node_id=leg.node_id, denoised=value)
                    )

            self.scheduler.call_at(now, event)
            return _result("200", message, call_id=leg.call_id)

        return handle

    def _echo(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command, leg = self._plain(Echo.from_params, params)
        self._echoes += 1
        action = _Echo(self, leg, f"echo-{self._echoes}", command.timeout or 0.0)
        reply = self._start_action(action, now, "Echo started")
        del reply["control_id"]  # a plain verb: the client sent none
        return reply

    def _bind_digit(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner, now
        command, leg = self._plain(BindDigit.from_params, params)
        if not command.bind_method.startswith("calling."):
            raise _Invalid("400", f"bind_method: {command.bind_method!r} is not a calling.* method")
        sim = self._sim(leg)
        if len(sim.bindings) >= MAX_BINDINGS_PER_CALL:
            raise _Invalid("409", f"too many digit bindings (at most {MAX_BINDINGS_PER_CALL})")
        sim.bindings.append((command.realm, command.digits))
        return _result("200", "Digit binding created", call_id=leg.call_id)

    def _clear_digit_bindings(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner, now
        command, leg = self._plain(ClearDigitBindings.from_params, params)
        sim = self._sim(leg)
        realm = command.realm
        sim.bindings = [b for b in sim.bindings if realm is not None and b[0] != realm]
        return _result("200", "Digit bindings cleared", call_id=leg.call_id)

    def _live_transcribe(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner, now
        command, leg = self._plain(LiveTranscribe.from_params, params)
        return _result("200", _live("transcription", command.operation), call_id=leg.call_id)

    def _live_translate(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner, now
        command, leg = self._plain(LiveTranslate.from_params, params)
        return _result("200", _live("translation", command.operation), call_id=leg.call_id)

    # -- conferences ---------------------------------------------------------------

    def _conference_event(self, leg: _Leg, conference_id: str, name: str, status: str) -> None:
        self._emit(
            leg, ConferencePayload(conference_id, name=name, status=status, call_id=leg.call_id)
        )

    def _join_conference(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command, leg = self._plain(JoinConference.from_params, params)
        name = command.name
        sim = self._sim(leg)
        if name in sim.conferences:
            raise _Invalid("409", f"The call is already in conference {name!r}")
        conference_id, members = self._conferences.setdefault(
            name, (f"conf-{self._new_id()}", set())
        )
        members.add(leg.call_id)
        sim.conferences.add(name)
        self.scheduler.call_at(
            now,
            lambda when: (
                self._conference_event(leg, conference_id, name, "join") if leg.live else None
            ),
        )
        return _result(
            "200", "Joining conference", call_id=leg.call_id, conference_id=conference_id
        )

    def _leave_conference(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        command, leg = self._plain(LeaveConference.from_params, params)
        conference_id = command.conference_id
        sim = self._sim(leg)
        name = next((n for n in sim.conferences if self._conferences[n][0] == conference_id), None)
        if name is None:
            raise _Invalid("404", f"The call is not in conference {conference_id!r}")
        self._leave_conference_now(leg, sim, name)
        self.scheduler.call_at(
            now,
            lambda when: (
                self._conference_event(leg, conference_id, name, "leave") if leg.live else None
            ),
        )
        return _result("200", "Leaving conference", call_id=leg.call_id)

    def _leave_conference_now(self, leg: _Leg, sim: _CallSim, name: str) -> None:
        sim.conferences.discard(name)
        _conference_id, members = self._conferences[name]
        members.discard(leg.call_id)
        if not members:
            del self._conferences[name]

    def _leave_all(self, leg: _Leg, sim: _CallSim, now: float) -> None:
        super()._leave_all(leg, sim, now)
        for name in list(sim.conferences):
            conference_id = self._conferences[name][0]
            self._leave_conference_now(leg, sim, name)
            self._conference_event(leg, conference_id, name, "leave")


def _live(what: str, operation: JSONObject) -> str:
    """The reply message of a live transcription or translation ``action``."""
    verb = next(iter(operation), "start")
    done = {"start": "started", "stop": "stopped"}.get(verb, f"{verb} requested")
    return f"Live {what} {done}"
