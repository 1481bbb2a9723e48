"""The fake-server CLI's timeline lines for the verbs' events; ``call``'s caller script."""

from __future__ import annotations

import pytest

from relay_core.testing import Answers, FakeServerScripting
from relay_trio._cli_commands import run_command
from relay_trio._cli_fake_server import describe

from ..fake.wire_client import WireClient
from .test_cli_commands import served


def timeline(client: WireClient) -> list[str]:
    lines = (describe(entry) for entry in client.server.journal)
    return [line for line in lines if line is not None and not line.startswith(("call ", "dial "))]


def test_timeline_prints_every_verb_readably() -> None:
    client = WireClient()
    callee = Answers(after=1, presses="42#", says="sales", answered_by="machine", fax_pages=2)
    call = client.dial(behaviour=callee)
    cid = call["call_id"]
    client.server.network.time_scale = 0.1
    prompt = [{"type": "tts", "params": {"text": "Hi"}}]
    digits = {"digits": {"max": 4, "terminators": "#"}}
    client.result(
        "calling.play_and_collect", {**call, "control_id": "pac", "play": prompt, "collect": digits}
    )
    client.advance(5)
    client.result("calling.record", {**call, "control_id": "rec", "record": {"audio": {}}})
    client.advance(5)
    client.result("calling.detect", {**call, "control_id": "det", "detect": {"type": "machine"}})
    client.advance(5)
    client.result(
        "calling.send_fax", {**call, "control_id": "fax", "document": "https://x.example/a.pdf"}
    )
    client.advance(5)
    client.result(
        "calling.pay", {**call, "control_id": "pay", "payment_connector_url": "https://p.example"}
    )
    client.advance(5)
    client.result("calling.queue.enter", {**call, "control_id": "q", "queue_name": "support"})
    client.result("calling.denoise", call)
    client.result("calling.join_conference", {**call, "name": "standup"})
    tap = {"type": "audio", "params": {"direction": "both"}}
    device = {"type": "ws", "params": {"uri": "wss://tap.example.com"}}
    client.result("calling.tap", {**call, "control_id": "tap", "tap": tap, "device": device})
    client.advance(1)
    client.hangup(call)
    client.advance(1)
    lines = timeline(client)
    expected = [
        f"collect pac on call {cid}: digits 42 (terminator #)",
        f"record rec on call {cid} finished: https://files.example.com/recordings/rec.mp3"
        " (2.05 s, 16400 bytes)",
        f"detect det on call {cid} (machine): MACHINE",
        f"detect det on call {cid} (machine): READY (beep)",
        f"fax fax on call {cid} (send) page 2",
        f"fax fax on call {cid} (send) finished: success, 2 pages",
        f"pay pay on call {cid}: payment-card-number (attempt 1)",
        f"pay pay on call {cid}: result success",
        f"queue q on call {cid}: enqueued in support (position 1 of 1)",
        f"denoise on call {cid} on",
        f"tap tap on call {cid} tapping",
        f"tap tap on call {cid} finished",
    ]
    for line in expected:
        assert line in lines, (line, lines)
    conference = [line for line in lines if line.startswith("conference standup")]
    assert [line.rsplit(" ", 1)[1] for line in conference] == ["join", "leave"]


@pytest.mark.trio
async def test_call_command_scripts_the_caller() -> None:
    async with served() as (handle, commands):
        out, err = await commands.run(
            "call --presses 1 --presses='1234#' --says 'sales please' --answered-by machine"
            " +15553334444 +1555"
        )
        assert err == [] and out[0].startswith("placed inbound call")
        [leg] = handle.server.network._legs.values()
        assert isinstance(leg.behavior, Answers)
        assert leg.behavior.presses == ("1", "1234#")
        assert leg.behavior.says == ("sales please",)
        assert leg.behavior.answered_by == "machine"


def test_calls_command_lists_running_actions() -> None:
    client = WireClient()
    call = client.dial()
    record = {"record": {"audio": {"initial_timeout": 0}}}
    client.result("calling.record", {**call, "control_id": "rec-1", **record})
    client.result("calling.send_digits", {**call, "control_id": "dtmf-1", "digits": "WWWW"})
    client.advance(0)
    handle = FakeServerScripting(client.server, "127.0.0.1", 0, None)
    [line] = run_command(handle, "calls")
    assert line.endswith(", running: record rec-1, send_digits dtmf-1"), line
