"""Both roles under hostile frames, with the documented contract checked per frame.

The contract (``RelaySession.receive_text`` and ``FakeRelayServer.receive_text``):

* only :class:`RemoteProtocolError` escapes the client; nothing escapes the server;
* every request with a usable id (a JSON object, ``jsonrpc`` ``"2.0"``, a string or
  integer ``id``, a ``method``) gets exactly one reply, so every event exactly
  one ack; anything else gets no reply from the client and at most one
  (``id: null``) error from the server;
* no state is left after the calls end: once every call, dial, connect and play
  has had its final event and every deadline has passed, the client tracks
  nothing and the device cache holds no large server text.

Each harness keeps its role busy between frames (commands, abandons, drops,
resumes, time passing), so mutated frames meet live state.  Outcomes go to a
:class:`Tally`; nothing here raises for a contract breach.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any, Final

import orjson

from relay_core import (
    Answer,
    CallGoneError,
    CallId,
    CallRef,
    Connect,
    Dial,
    Hangup,
    LocalProtocolError,
    NodeId,
    Play,
    RelayConfig,
    RelaySession,
    RemoteProtocolError,
    SessionClosedError,
    SessionState,
)
from relay_core.testing import FakeRelayServer
from relay_core.wire import _device_cache

from ..helpers import Ids
from .hostile import Mutator

PHONE_A: Final = {"type": "phone", "params": {"to_number": "+15551110001", "from_number": "+1555"}}
NUMBERS: Final = ("+15552222222", "+15551111111", "+15551234567", "+15559999999", "+1555")
CALL_STATES: Final = ("created", "ringing", "answered", "ending", "ended")
DIAL_STATES: Final = ("dialing", "answered", "failed")
CONNECT_STATES: Final = ("connecting", "connected", "disconnected", "failed")
PLAY_STATES: Final = ("playing", "paused", "finished", "error")
TAGS: Final = tuple(f"t{n}" for n in range(6))


class Tally:
    """What a run saw: frames, documented refusals, escapes and contract breaches."""

    def __init__(self) -> None:
        self.frames = 0
        self.refused = 0
        self.escapes: Counter[str] = Counter()
        self.breaches: Counter[str] = Counter()
        #: The first frame of each escape or breach kind (cut), to reproduce it.
        self.examples: dict[str, str] = {}

    def note(self, kind: str, counter: Counter[str], frame: str | bytes) -> None:
        counter[kind] += 1
        if kind not in self.examples:
            self.examples[kind] = repr(frame[:300])

    @property
    def clean(self) -> bool:
        return not self.escapes and not self.breaches


def usable_request_id(text: str | bytes) -> str | int | None:
    """The id a reply must carry, judged independently of the codec."""
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if type(obj) is not dict or obj.get("jsonrpc") != "2.0" or obj.get("method") is None:
        return None
    request_id = obj.get("id")
    return request_id if type(request_id) in (str, int) else None


def replies(out: list[str]) -> list[Any]:
    """Ids of the reply frames (frames without a method) among ``out``."""
    found = []
    for text in out:
        frame = orjson.loads(text)
        if "method" not in frame:
            found.append(frame.get("id"))
    return found


def _event(event_id: Any, event_type: str, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": event_id,
        "method": "signalwire.event",
        "params": {"event_type": event_type, "event_channel": "ch", "timestamp": 1.5,
                   "params": params},
    }  # fmt: skip


class ClientHarness:
    """A :class:`RelaySession` fed hostile server frames."""

    role = "client"
    CONFIG: Final = RelayConfig(
        project="fuzz", token="fuzz-token", contexts=("office",), ping_interval=None,
        max_calls=40, max_queued_requests=40,
    )  # fmt: skip

    def __init__(self, rng: random.Random, tally: Tally) -> None:
        self.rng = rng
        self.tally = tally
        self.mutator = Mutator(rng)
        self.now = 0.0
        self.pending_calls = 0
        self._new_id = Ids(prefix="c")
        self.session = self._fresh()

    def _fresh(self) -> RelaySession:
        session = RelaySession(self.CONFIG, new_id=self._new_id, random=lambda: 0.5)
        self.session = session
        self._connect(restored=False)
        return session

    def _connect(self, *, restored: bool) -> None:
        session = self.session
        session.connection_made(now=self.now)
        hello = orjson.loads(session.messages_to_send()[0])
        result = {"protocol": "proto-1", "session_restored": restored, "identity": "i"}
        session.receive_text(orjson.dumps({"jsonrpc": "2.0", "id": hello["id"],
                                           "result": result}), now=self.now)  # fmt: skip
        self._drain()

    def _drain(self) -> list[str]:
        session = self.session
        while (event := session.next_event()) is not None:
            try:
                repr(event)  # the application can print whatever it is handed
            except Exception as exc:
                self.tally.note(f"repr(event): {type(exc).__name__}", self.tally.escapes, "")
        return session.messages_to_send()

    def _reconnect(self) -> None:
        self.session.connection_lost(now=self.now)
        self._drain()
        if self.session.state is SessionState.CLOSED:
            self._fresh()
        else:
            self._connect(restored=self.rng.random() < 0.5)

    # -- what the role knows, for templates ------------------------------------

    def _known(self) -> list[Any]:
        calls = self.session._calls
        known: list[Any] = [*calls.calls, *calls.dials, *calls.plays, *TAGS]
        known.extend(self.session._pending)
        return known

    def _pick(self, pool: Any, fallback: str) -> Any:
        items = list(pool)
        return self.rng.choice(items) if items and self.rng.random() < 0.8 else fallback

    # -- one step --------------------------------------------------------------

    def act(self) -> None:
        """Between frames: what an application and its adapter do."""
        rng, session, now = self.rng, self.session, self.now
        roll = rng.random()
        calls = list(session._calls.calls.values())
        call = CallRef(rng.choice(calls).call_id, "n1") if calls else CallRef("cx", "n1")  # type: ignore[arg-type]
        try:
            if roll < 0.06:
                session.send(Dial(devices=[[PHONE_A]], tag=rng.choice(TAGS)), now=now)  # type: ignore[list-item]
            elif roll < 0.09:
                media = [{"type": "silence", "params": {"duration": 1}}]
                session.send(Play(call=call, media=media, control_id=None), now=now)
            elif roll < 0.12:
                session.send(Connect(call=call, devices=[[PHONE_A]], tag=rng.choice(TAGS)), now=now)  # type: ignore[list-item]
            elif roll < 0.14:
                session.send(rng.choice((Answer(call=call), Hangup(call=call))), now=now)
            elif roll < 0.16:
                session.abandon_dial(rng.choice(TAGS), now=now)  # type: ignore[arg-type]
            elif roll < 0.17:
                session.abandon_connect(call, now=now)
            elif roll < 0.18:
                session.refuse_call(call, now=now)
            elif roll < 0.19 or session.state in (SessionState.DRAINING, SessionState.REJECTED):
                self._reconnect()
            elif roll < 0.25:
                self.now += rng.choice((0.5, 5.0, 11.0, 70.0))
                session.handle_timeout(now=self.now)
        except (LocalProtocolError, SessionClosedError, CallGoneError):
            pass  # documented local refusals (CallGoneError: a command on an ended call)
        except Exception as exc:
            self.tally.note(f"act: {type(exc).__name__}", self.tally.escapes, "<act>")
        if session.state is SessionState.CLOSED:
            self._fresh()
        self._drain()

    def ensure_pending(self) -> None:
        """Have a request waiting for its answer (responses then meet a live waiter)."""
        if not self.session._pending and self.session.state is SessionState.READY:
            # A call id never seen before: one the core saw end (or hung up) is refused.
            self.pending_calls += 1
            call = CallRef(CallId(f"cx-{self.pending_calls}"), NodeId("n1"))
            self.session.send(Answer(call=call), now=self.now)
            self._drain()

    def frame(self, kind: int | None = None) -> str | bytes:
        """A server frame of ``kind`` (0-11, default random) from live state, then mutated."""
        rng = self.rng
        calls = self.session._calls
        call_id = self._pick(calls.calls, "cx")
        tag = self._pick([*calls.dials, *TAGS], "t0")
        pending = self._pick(self.session._pending, "p-unknown")
        node = {"node_id": "n1"}
        kind = rng.randrange(12) if kind is None else kind
        eid = f"e{self.tally.frames}"
        frame: dict[str, Any]
        if kind < 3:
            frame = _event(eid, "calling.call.state", {**node, "call_id": call_id, "tag": tag,
                           "call_state": rng.choice(CALL_STATES), "direction": "outbound",
                           "device": PHONE_A, "end_reason": "hangup"})  # fmt: skip
        elif kind == 3:
            winner = {**node, "call_id": call_id, "tag": tag, "device": PHONE_A}
            frame = _event(eid, "calling.call.dial", {**node, "tag": tag,
                           "dial_state": rng.choice(DIAL_STATES), "call": winner})  # fmt: skip
        elif kind == 4:
            peer = {**node, "call_id": self._pick(calls.calls, "px"), "device": PHONE_A}
            frame = _event(eid, "calling.call.connect", {**node, "call_id": call_id, "tag": tag,
                           "connect_state": rng.choice(CONNECT_STATES), "peer": peer})  # fmt: skip
        elif kind == 5:
            frame = _event(eid, "calling.call.play", {**node, "call_id": call_id,
                           "control_id": self._pick(calls.plays, "cz"),
                           "state": rng.choice(PLAY_STATES)})  # fmt: skip
        elif kind == 6:
            frame = _event(eid, "calling.call.receive", {**node, "call_id": f"in{eid}",
                           "call_state": "created", "context": "office",
                           "direction": "inbound", "device": PHONE_A})  # fmt: skip
        elif kind == 7:
            event_type = rng.choice(("calling.error", "calling.call.record", "x.y",
                                     "signalwire.authorization.state"))  # fmt: skip
            frame = _event(eid, event_type, {"call_id": call_id, "code": "500", "message": "m",
                           "authorization_state": "blob"})  # fmt: skip
        elif kind < 10:
            result = {"code": rng.choice(("200", "404", 200)), "message": "ok", "call_id": call_id}
            frame = {"jsonrpc": "2.0", "id": pending, "result": result}
            if rng.random() < 0.3:
                frame = {"jsonrpc": "2.0", "id": pending, "error": {"code": -32000, "message": "x"}}
        elif kind == 10:
            frame = {"jsonrpc": "2.0", "id": eid, "method": "signalwire.ping",
                     "params": {"timestamp": 1.0}}  # fmt: skip
        else:
            method = rng.choice(("signalwire.disconnect", "nope", "signalwire.ping"))
            frame = {"jsonrpc": "2.0", "id": eid, "method": method,
                     "params": {"restart": rng.random() < 0.5}}  # fmt: skip
        return self.mutator.text(frame, self._known())

    def feed(self, text: str | bytes) -> None:
        """One frame in; the contract checked."""
        tally = self.tally
        tally.frames += 1
        expected = usable_request_id(text)
        try:
            self.session.receive_text(text, now=self.now)
        except RemoteProtocolError:
            tally.refused += 1
        except Exception as exc:
            tally.note(type(exc).__name__, tally.escapes, text)
        got = replies(self._drain())
        if got != ([] if expected is None else [expected]):
            tally.note(f"{len(got)} replies", tally.breaches, text)

    # -- the end of the calls ---------------------------------------------------

    def quiesce(self) -> None:
        """End everything through the protocol, let every deadline pass, check nothing is left."""
        session = self.session
        if session.state is not SessionState.READY:
            self._reconnect()
            session = self.session
        calls = session._calls
        valid: list[dict[str, Any]] = []
        for tag in list(calls.dials):
            valid.append(_event("q", "calling.call.dial", {"tag": tag, "dial_state": "failed"}))
        for connect in list(calls.connects.values()):
            final = "disconnected" if connect.phase.value == "connected" else "failed"
            valid.append(_event("q", "calling.call.connect", {"call_id": connect.call.call_id,
                                "tag": connect.tag, "connect_state": final}))  # fmt: skip
            valid.append(_event("q", "calling.call.state", {"call_id": connect.call.call_id,
                                "node_id": "n1", "call_state": "ended"}))  # fmt: skip
        for control_id, play in list(calls.plays.items()):
            valid.append(_event("q", "calling.call.play", {"call_id": play.call.call_id,
                                "control_id": control_id, "state": "finished"}))  # fmt: skip
        for call in list(calls.calls.values()):
            ended = {"call_id": call.call_id, "node_id": "n1", "tag": call.tag,
                     "call_state": "ended"}  # fmt: skip
            valid.append(_event("q", "calling.call.state", ended))
        for request_id in list(session._pending):
            valid.append({"jsonrpc": "2.0", "id": request_id, "result": {"code": "200"}})
        for frame in valid:
            try:
                session.receive_text(orjson.dumps(frame), now=self.now)
            except Exception as exc:
                self.tally.note(f"quiesce: {type(exc).__name__}", self.tally.escapes, repr(frame))
        self._drain()
        for _ in range(50):
            due = session.next_deadline()
            if due is None:
                break
            self.now = max(self.now, due)
            session.handle_timeout(now=self.now)
            self._drain()
        stats = session.statistics()
        left = {
            "calls": stats.live_calls, "dials": stats.live_dials,
            "connects": stats.live_connects, "plays": stats.live_actions,
            "abandoned": stats.abandoned_work, "pending": stats.pending_requests,
            "queued": stats.queued_requests,
            **{name: len(getattr(calls, name)) for name in
               ("_started", "_ending", "_uncertain", "_expiry", "_connect_tags")},
        }  # fmt: skip
        if _device_cache.cached_text_size() > _device_cache.MAX_ENTRIES * 256:
            left["device_cache"] = 1
        for name, count in left.items():
            if count:
                self.tally.note(f"state left: {name}", self.tally.breaches, "<quiesce>")


class ServerHarness:
    """A :class:`FakeRelayServer` fed hostile client frames on several connections."""

    role = "server"
    HANDSHAKE: Final = {
        "version": {"major": 2, "minor": 0, "revision": 0}, "agent": "fuzz", "event_acks": True,
        "authentication": {"project": "test-project", "token": "test-token"},
        "contexts": ["office"],
    }  # fmt: skip

    def __init__(self, rng: random.Random, tally: Tally) -> None:
        self.rng = rng
        self.tally = tally
        self.mutator = Mutator(rng)
        self.now = 0.0
        self._new_id = Ids(prefix="s")
        self.server_requests: list[str] = []
        self.call_ids: list[str] = []
        self._fresh()

    def _fresh(self) -> None:
        self.server = FakeRelayServer(new_id=self._new_id, journal_limit=64)
        self.conns: list[Any] = []
        for _ in range(3):
            self._open(authenticate=True)

    def _open(self, *, authenticate: bool) -> None:
        conn = self.server.connection_made(now=self.now)
        self.conns.append(conn)
        if authenticate:
            hello = {"jsonrpc": "2.0", "id": "hs", "method": "signalwire.connect",
                     "params": self.HANDSHAKE}  # fmt: skip
            self._guarded(lambda: self.server.receive_text(conn, orjson.dumps(hello), now=self.now))
        self._drain()

    def _guarded(self, action: Any, label: str = "") -> None:
        try:
            action()
        except Exception as exc:
            self.tally.note(f"{label}{type(exc).__name__}", self.tally.escapes, label or "<setup>")

    def _drain(self) -> None:
        server = self.server
        for conn in server.connections_with_output():
            for text in server.messages_to_send(conn):
                if '"method"' in text:
                    request_id = orjson.loads(text).get("id")
                    if isinstance(request_id, str):
                        self.server_requests.append(request_id)
        del self.server_requests[:-50]
        for close in server.connections_to_close():
            if close.connection in self.conns:
                self.conns.remove(close.connection)
                server.connection_lost(close.connection, now=self.now)

    def act(self) -> None:
        rng, server = self.rng, self.server
        roll = rng.random()
        if roll < 0.08:
            self.now += rng.choice((0.3, 1.0, 5.0, 31.0, 120.0))
            self._guarded(lambda: server.handle_timeout(now=self.now), "handle_timeout: ")
        elif roll < 0.09 or not self.conns:
            self._open(authenticate=rng.random() < 0.8)
        elif roll < 0.10 and len(self.conns) > 1:
            conn = self.conns.pop(rng.randrange(len(self.conns)))
            server.connection_lost(conn, now=self.now)
        elif roll < 0.11:
            self._guarded(
                lambda: server.inject_inbound_call(
                    context="office",
                    from_number="+15550001111",
                    to_number="+15550002222",
                    now=self.now,
                ),
                "inject_inbound_call: ",
            )
        if self.tally.frames % 5000 == 4999:
            self._fresh()  # bounded memory over a long run (server expiry is not our subject)
        self._drain()

    def frame(self, kind: int | None = None) -> str | bytes:
        """A client frame of ``kind`` (0-13, default random), then mutated."""
        rng = self.rng
        if self.tally.frames % 50 == 0:  # snapshots are costly; ids change slowly
            self.call_ids = [str(call.call_id) for call in self.server.calls()][-30:]
        calls = self.call_ids
        call = {"call_id": rng.choice(calls) if calls else "cx", "node_id": self.server.node_id}
        device = {"type": "phone", "params": {"to_number": rng.choice(NUMBERS),
                  "from_number": "+15550000000", "timeout": rng.choice((1, 5, 30))}}  # fmt: skip
        control_id = rng.choice(("p1", "p2"))
        rid = f"r{self.tally.frames}"
        kind = rng.randrange(14) if kind is None else kind
        params: dict[str, Any]
        if kind < 3 and self.server_requests:
            ack: dict[str, Any] = {"jsonrpc": "2.0", "id": rng.choice(self.server_requests),
                                   "result": {}}  # fmt: skip
            return self.mutator.text(ack, self.server_requests[-5:])
        methods: dict[int, tuple[str, dict[str, Any]]] = {
            3: ("signalwire.connect", dict(self.HANDSHAKE)),
            4: ("signalwire.ping", {"timestamp": 1.0}),
            5: (rng.choice(("signalwire.receive", "signalwire.unreceive")), {"contexts": ["x"]}),
            6: ("calling.dial", {"tag": rng.choice(TAGS), "devices": [[device]]}),
            7: ("calling.connect", {**call, "tag": rng.choice(TAGS), "devices": [[device]],
                                    "ringback": [{"type": "ringtone", "params": {"name": "us"}}]}),
            8: ("calling.end", {**call, "reason": "hangup"}),
            9: (rng.choice(("calling.answer", "calling.pass", "calling.disconnect")), call),
            10: ("calling.play", {**call, "control_id": control_id, "volume": 0,
                                  "play": [{"type": "tts", "params": {"text": "hi"}}]}),
            11: (rng.choice(("calling.play.stop", "calling.play.pause", "calling.play.resume",
                             "calling.play.volume")), {**call, "control_id": control_id,
                                                       "volume": 2}),
            12: (rng.choice(("calling.record", "nope", "blade.execute")), call),
        }  # fmt: skip
        method, params = methods.get(kind, ("calling.dial", {"tag": "t0", "devices": [[device]]}))
        frame = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
        return self.mutator.text(frame, [*calls, *TAGS, control_id])

    def feed(self, text: str | bytes) -> None:
        tally = self.tally
        tally.frames += 1
        conn = self.rng.choice(self.conns)
        expected = usable_request_id(text)
        try:
            self.server.receive_text(conn, text, now=self.now)
        except Exception as exc:
            tally.note(type(exc).__name__, tally.escapes, text)
            return
        out = self.server.messages_to_send(conn)
        got = replies(out)
        if expected is not None:
            ok = got == [expected]
        else:
            ok = got in ([], [None])
            tally.refused += bool(got)
        if not ok:
            tally.note(f"{len(got)} replies", tally.breaches, text)
        for text_out in out:  # keep the server's own requests for acks
            if '"method"' in text_out:
                request_id = orjson.loads(text_out).get("id")
                if isinstance(request_id, str):
                    self.server_requests.append(request_id)
        self._drain()

    def quiesce(self) -> None:
        """The server's memory over time belongs to its own suite; only escapes count here."""
        self.now += 300.0
        self._guarded(lambda: self.server.handle_timeout(now=self.now), "handle_timeout: ")
        self._drain()


ROLES: Final[dict[str, type[ClientHarness | ServerHarness]]] = {
    "client": ClientHarness,
    "server": ServerHarness,
}


def run(role: str, frames: int, seed: int, *, quiesce_every: int = 2000) -> Tally:
    """Feed ``frames`` hostile frames to one role; returns what happened."""
    tally = Tally()
    harness = ROLES[role](random.Random(seed), tally)
    for index in range(frames):
        harness.act()
        harness.feed(harness.frame())
        if index % quiesce_every == quiesce_every - 1:
            harness.quiesce()
    harness.quiesce()
    return tally
