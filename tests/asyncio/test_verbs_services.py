"""relay_asyncio's other verbs end to end: fax, tap, stream, pay, transcribe, ai (action
handles), send_digits and queues (replies), and every plain verb (reply dicts)."""

from __future__ import annotations

from typing import Any

import pytest

import relay_asyncio
from relay_asyncio import Call
from relay_asyncio.testing import FakeRelayHandle

from .scripted import scenario
from .verbs_support import OK, arm, dialled, params_of, push

RTP = {"type": "rtp", "params": {"addr": "127.0.0.1", "port": 4000}}

#: (Call method, its arguments, the action class, the wire method, the stop method,
#: the terminal event (type, params)).
ACTIONS: list[tuple[str, dict[str, Any], str, str, str, tuple[str, dict[str, Any]]]] = [
    ("send_fax", {"document": "https://f/doc.pdf", "identity": "+1555"}, "FaxAction",
     "calling.send_fax", "calling.send_fax.stop",
     ("calling.call.fax", {"fax": {"type": "finished", "params": {"success": True, "pages": 2}}})),
    ("receive_fax", {}, "FaxAction", "calling.receive_fax", "calling.receive_fax.stop",
     ("calling.call.fax", {"fax": {"type": "finished", "params": {"success": True}}})),
    ("tap", {"tap": {"type": "audio", "params": {"direction": "both"}}, "device": RTP},
     "TapAction", "calling.tap", "calling.tap.stop",
     ("calling.call.tap", {"state": "finished", "tap": {}, "device": RTP})),
    ("stream", {"url": "wss://s/x", "track": "both_tracks"}, "StreamAction", "calling.stream",
     "calling.stream.stop", ("calling.call.stream", {"state": "finished"})),
    ("pay", {"payment_connector_url": "https://pay", "input_method": "dtmf"}, "PayAction",
     "calling.pay", "calling.pay.stop", ("calling.call.pay", {"result": "success"})),
    ("transcribe", {"status_url": "https://t"}, "TranscribeAction", "calling.transcribe",
     "calling.transcribe.stop", ("calling.call.transcribe", {"state": "finished"})),
]  # fmt: skip


async def _start(call: Call, method: str, arguments: dict[str, Any]) -> Any:
    positional = {"send_fax": "document", "stream": "url", "pay": "payment_connector_url"}
    arguments = dict(arguments)
    args = [arguments.pop(positional[method])] if method in positional else []
    if method == "tap":
        args = [arguments.pop("tap"), arguments.pop("device")]
    return await getattr(call, method)(*args, **arguments)


@pytest.mark.parametrize(("method", "arguments", "cls", "wire", "stop", "terminal"), ACTIONS)
@scenario()
async def test_each_action_starts_stops_and_settles(
    fake: FakeRelayHandle,
    method: str,
    arguments: dict[str, Any],
    cls: str,
    wire: str,
    stop: str,
    terminal: tuple[str, dict[str, Any]],
) -> None:
    async with dialled(fake) as (_, call):
        arm(fake, wire, stop)
        done: list[Any] = []
        action = await _start(call, method, {**arguments, "on_completed": done.append})
        assert type(action) is getattr(relay_asyncio, cls)
        (params,) = params_of(fake, wire)
        assert params["control_id"] == action.control_id
        if method == "pay":
            assert params["input"] == "dtmf"  # input_method's wire name
        assert await action.stop() == OK
        assert params_of(fake, stop)[0]["control_id"] == action.control_id
        event_type, event = terminal
        if method == "tap":  # a tap succeeded if it ever tapped (RELAY.md H.5.7)
            tapping = {**event, "state": "tapping"}
            push(fake, call, event_type, control_id=action.control_id, **tapping)
        push(fake, call, event_type, control_id=action.control_id, **event)
        finished = await action.wait(timeout=2)
        assert finished.reason == "finished" and finished.succeeded, finished
        assert done == [finished] and action.is_done


@scenario()
async def test_ai_ends_on_its_stop_reply_and_sends_ai_params_as_params(
    fake: FakeRelayHandle,
) -> None:
    async with dialled(fake) as (_, call):
        arm(fake, "calling.ai", "calling.ai.stop")
        action = await call.ai(prompt={"text": "Be brief"}, ai_params={"x": 1}, SWAIG={"f": []})
        assert isinstance(action, relay_asyncio.AIAction)
        (params,) = params_of(fake, "calling.ai")
        assert params["params"] == {"x": 1} and params["SWAIG"] == {"f": []}
        await action.stop()
        finished = await action.wait(timeout=2)
        assert finished.reason == "stopped" and finished.succeeded


@scenario()
async def test_send_digits_and_queues_return_the_reply(fake: FakeRelayHandle) -> None:
    async with dialled(fake) as (_, call):
        arm(fake, "calling.queue.enter", "calling.queue.leave")
        arm(fake, "calling.queue.leave")
        # Simulated (not armed): the reply, once the finished event came.
        assert (await call.send_digits("12w#"))["code"] == "200"
        assert params_of(fake, "calling.send_digits")[0]["digits"] == "12w#"
        assert await call.queue_enter("sales", status_url="https://q") == OK
        assert await call.queue_leave("sales", queue_id="q-1") == OK
        assert await call.queue_leave("support") == OK
        (enter,) = params_of(fake, "calling.queue.enter")
        same, other = params_of(fake, "calling.queue.leave")
        assert same["control_id"] == enter["control_id"]  # the enter's id (RELAY.md H.5.13)
        assert same["queue_id"] == "q-1"
        assert other["control_id"] != enter["control_id"]
        with pytest.raises(relay_asyncio.InvalidArgumentError, match=r"^digits: 'x'"):
            await call.send_digits("x")


#: (Call method, positional args, keyword args, wire method, params expected in the request).
PLAIN: list[tuple[str, list[Any], dict[str, Any], str, dict[str, Any]]] = [
    ("transfer", ["context:sales"], {"future": 1}, "calling.transfer",
     {"dest": "context:sales", "future": 1}),
    ("refer", [{"type": "sip", "params": {"to": "sip:a@b"}}], {"status_url": "https://r"},
     "calling.refer", {"device": {"type": "sip", "params": {"to": "sip:a@b"}}}),
    ("hold", [], {}, "calling.hold", {}),
    ("unhold", [], {}, "calling.unhold", {}),
    ("denoise", [], {}, "calling.denoise", {}),
    ("denoise_stop", [], {}, "calling.denoise.stop", {}),
    ("echo", [], {"timeout": 5}, "calling.echo", {"timeout": 5}),
    ("bind_digit", ["*1", "calling.play"], {"bind_params": {"a": 1}, "realm": "r"},
     "calling.bind_digit", {"digits": "*1", "bind_method": "calling.play", "params": {"a": 1}}),
    ("clear_digit_bindings", [], {"realm": "r"}, "calling.clear_digit_bindings", {"realm": "r"}),
    ("live_transcribe", [{"start": {"lang": "en"}}], {}, "calling.live_transcribe",
     {"action": {"start": {"lang": "en"}}}),
    ("live_translate", [{"stop": {}}], {"status_url": "https://t"}, "calling.live_translate",
     {"action": {"stop": {}}, "status_url": "https://t"}),
    ("join_conference", ["room"], {"muted": True, "stream_obj": {"url": "wss://s"}},
     "calling.join_conference", {"name": "room", "muted": True, "stream": {"url": "wss://s"}}),
    ("leave_conference", ["conf-1"], {}, "calling.leave_conference", {"conference_id": "conf-1"}),
    ("join_room", ["video"], {}, "calling.join_room", {"name": "video"}),
    ("leave_room", [], {}, "calling.leave_room", {}),
    ("ai_message", [], {"message_text": "hi", "role": "user"}, "calling.ai_message",
     {"message_text": "hi", "role": "user"}),
    ("ai_hold", [], {"timeout": "30"}, "calling.ai_hold", {"timeout": "30"}),
    ("ai_unhold", [], {"prompt": "back"}, "calling.ai_unhold", {"prompt": "back"}),
    ("amazon_bedrock", [], {"prompt": "p", "ai_params": {"x": 1}}, "calling.amazon_bedrock",
     {"prompt": "p", "params": {"x": 1}}),
    ("user_event", [], {"event": {"kind": "hello"}}, "calling.user_event",
     {"event": {"kind": "hello"}}),
]  # fmt: skip


@scenario()
async def test_every_plain_verb_sends_its_request_and_returns_the_reply(
    fake: FakeRelayHandle,
) -> None:
    async with dialled(fake) as (_, call):
        for method, args, kwargs, wire, expected in PLAIN:
            arm(fake, wire)
            assert await getattr(call, method)(*args, **kwargs) == OK, method
            (params,) = params_of(fake, wire)
            assert params["call_id"] == call.call_id
            assert {k: params.get(k) for k in expected} == expected, method


@scenario()
async def test_plain_verbs_are_validated_and_404_is_call_gone(fake: FakeRelayHandle) -> None:
    async with dialled(fake) as (_, call):
        with pytest.raises(relay_asyncio.InvalidArgumentError, match=r"^bind_method: 'play'"):
            await call.bind_digit("1", "play")
        with pytest.raises(relay_asyncio.InvalidArgumentError, match=r"^node_id: 'other' given"):
            await call.transfer("a", node_id="other")  # would address another call
        arm(fake, "calling.hold", result={"code": "410", "message": "Gone"})
        with pytest.raises(relay_asyncio.CallGoneError):
            await call.hold()
        assert params_of(fake, "calling.bind_digit") == params_of(fake, "calling.transfer") == []
