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
* Every other verb of RELAY.md H.5 (record, collect, detect, fax, tap,
  pay, queue, the plain verbs...) is simulated by the mixins in
  ``_collect_sim``, ``_actions_sim`` and ``_verbs_sim``, following the
  party's caller script (:class:`CallerScript`).

Nothing here reads a clock: every method takes ``now``, and timers live in a
:class:`Scheduler` that the server drives.  Work scheduled "now" (an
immediate rejection, the next serial group) also goes through the scheduler,
so a request's response always leaves before the events it causes.
"""

from __future__ import annotations

from typing import cast, final

from .._errors import LocalProtocolError
from .._ids import CallId, IdFactory, JSONDict, JSONObject, JSONValue, NodeId
from ..client._commands import (
    Answer,
    Connect,
    Dial,
    Disconnect,
    Hangup,
    Pass,
    Play,
    PlayPause,
    PlayResume,
    PlayStop,
    PlayVolume,
)
from ..client._events import CallRef
from ..client._state import CallState
from ..wire._convert import media_list, media_list_to_wire
from ..wire._payloads import PlayPayload
from ._actions_sim import _ActionsSim
from ._behaviours import Directory, _positive_seconds
from ._collect_sim import _CollectSim
from ._legs import (
    DEFAULT_INBOUND_RING_TIMEOUT,
    ChooseReceiver,
    Deliver,
    SessionKey,
    SimulatedCall,
    _Attempt,
    _decode,
    _fails_to_load,
    _Handler,
    _Invalid,
    _Leg,
    _plan,
    _Playback,
    _result,
    media_duration,
)
from ._scheduler import Scheduler
from ._verbs_sim import _VerbsSim

__all__ = ["PhoneNetwork"]


@final
class PhoneNetwork(_VerbsSim, _CollectSim, _ActionsSim):
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
        # Every other verb of RELAY.md H.5: _collect_sim, _actions_sim, _verbs_sim.
        self._init_sims()
        self._handlers.update(self._sim_handlers())

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
        """``calls`` (live legs), ``ended_calls``, ``pending_offers``, ``dial_tags``,
        ``verb_calls`` (legs with verb state), ``actions``, ``queues``, ``conferences``."""
        return {
            "calls": len(self._legs),
            "ended_calls": len(self._ended),
            "pending_offers": len(self._pending_offers),
            "dial_tags": len(self._dial_tags),
            **self._sim_table_sizes(),
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

    def _leg(self, call: CallRef) -> _Leg:
        leg = self._legs.get(call.call_id)
        if leg is not None:
            return leg
        if call.call_id in self._ended:
            raise _Invalid("410", "Call is gone")
        raise _Invalid("404", "Call not found")

    def _flat_media_ok(self, params: JSONObject, key: str) -> JSONObject:
        """``params`` with ``key``'s flat media shorthand nested, when ``accept_flat_media``.

        The leniency is a rewrite before the one strict decoder
        (``<Command>.from_params``), which still reports anything else.
        """
        raw = params.get(key)
        if not self.accept_flat_media or not isinstance(raw, list) or not raw:
            return params
        try:
            nested = media_list_to_wire(media_list(raw, field=key))
        except LocalProtocolError:
            return params  # the strict decoder names the problem
        return {**params, key: cast("JSONValue", nested)}

    def _dial(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        dial = _decode(Dial.from_params, params)
        plan = _plan(dial.devices)
        if (owner, dial.tag) in self._dial_tags:
            raise _Invalid("409", f"tag {dial.tag!r} is already dialing")
        attempt = _Attempt("dial", owner, dial.tag, plan, None)
        self._dial_tags[(owner, dial.tag)] = attempt
        self.scheduler.call_at(now, lambda when: self._start_attempt(attempt, when))
        return _result("200", "Dialing")

    def _connect(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        connect = _decode(Connect.from_params, self._flat_media_ok(params, "ringback"))
        # The wire tag is optional (the command fills one in only for a client).
        tag = connect.tag if params.get("tag") is not None else None
        a_leg = self._leg(connect.call)
        plan = _plan(connect.devices)
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
        leg = self._leg(_decode(Disconnect.from_params, params).call)
        if leg.bridge is None:
            raise _Invalid("409", "Call is not connected")
        bridge = leg.bridge
        self.scheduler.call_at(now, lambda when: self._unbridge(bridge, survivor=bridge.a))
        return _result("200", "Disconnecting")

    def _end(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        hangup = _decode(Hangup.from_params, params)
        leg = self._leg(hangup.call)
        reason = hangup.reason
        if leg.state is CallState.ENDING:
            raise _Invalid("410", "Call is already ending")
        self.scheduler.call_at(now, lambda when: self._ended_by_client(leg, reason, when))
        return _result("200", "Disconnecting call")

    def _answer(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        leg = self._leg(_decode(Answer.from_params, params).call)
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
        leg = self._leg(_decode(Pass.from_params, params).call)
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
        play = _decode(Play.from_params, self._flat_media_ok(params, "play"))
        leg = self._leg(play.call)
        control_id = play.control_id
        loop = 1 if play.loop is None else play.loop
        if not leg.live:
            raise _Invalid("410", "Call is gone")
        if control_id in leg.plays:
            raise _Invalid("409", f"control_id {control_id!r} is already playing")
        playback = _Playback(control_id, leg)
        elapsed = 0.0
        for item in play.media:
            if _fails_to_load(item):
                playback.error_at = elapsed
                break
            elapsed += media_duration(item) * self.time_scale
        playback.remaining = None if loop == 0 else elapsed * loop
        leg.plays[control_id] = playback
        self.scheduler.call_at(now, lambda when: self._start_play(playback, when))
        return _result("200", "Playing", call_id=leg.call_id, control_id=control_id)

    def _playback(self, call: CallRef, control_id: str) -> _Playback:
        leg = self._leg(call)
        playback = leg.plays.get(control_id)
        if playback is None:
            raise _Invalid("404", f"No play with control_id {control_id!r}")
        return playback

    def _control_result(self, playback: _Playback, message: str) -> JSONDict:
        return _result("200", message, call_id=playback.leg.call_id, control_id=playback.control_id)

    def _play_stop(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        stop = _decode(PlayStop.from_params, params)
        playback = self._playback(stop.call, stop.control_id)
        self.scheduler.call_at(now, lambda when: self._finish_play(playback, "finished"))
        return self._control_result(playback, "Stopped")

    def _play_pause(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        pause = _decode(PlayPause.from_params, params)
        playback = self._playback(pause.call, pause.control_id)
        self.scheduler.call_at(now, lambda when: self._pause_play(playback, when))
        return self._control_result(playback, "Paused")

    def _play_resume(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner
        resume = _decode(PlayResume.from_params, params)
        playback = self._playback(resume.call, resume.control_id)
        self.scheduler.call_at(now, lambda when: self._resume_play(playback, when))
        return self._control_result(playback, "Resumed")

    def _play_volume(self, owner: SessionKey, params: JSONObject, now: float) -> JSONDict:
        del owner, now
        volume = _decode(PlayVolume.from_params, params)
        playback = self._playback(volume.call, volume.control_id)
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
        event = PlayPayload(playback.control_id, state, call_id=leg.call_id, node_id=leg.node_id)
        self._send(leg.owner, event)
