"""relay_trio against the served fake's verb simulation, in virtual time (autojump clock).

An IVR on one outbound call: a menu whose callee presses 2, a PIN, answering
machine detection that waits for the beep, then a voicemail recording.
Minutes of simulated greetings and timeouts pass instantly.  ``execute``
returns on the reply, so each step waits for the last one's result event
(two collects running at once would share the callee's turns).
"""

from __future__ import annotations

from typing import Any

import pytest
import trio

import relay_trio
from relay_core import JSONObject, JSONValue
from relay_core.testing import Answers
from relay_trio.testing import FakeRelayHandle, open_fake_relay_server

CALLEE = "+15557770002"


def events(fake: FakeRelayHandle, event_type: str) -> list[Any]:
    return [e.event_params for e in fake.server.journal if e.event_type == event_type]


@pytest.mark.trio
async def test_an_ivr_in_virtual_time(autojump_clock: Any) -> None:
    async with open_fake_relay_server() as fake:
        script = Answers(
            after=1, presses=("2", "1234#"), says="call me back", answered_by="machine"
        )
        fake.server.directory.set(CALLEE, script)
        async with relay_trio.open_relay_client(
            project="test-project", token="test-token", host=fake.url
        ) as client:
            device: JSONObject = {
                "type": "phone",
                "params": {"to_number": CALLEE, "from_number": "+1555"},
            }
            call = await client.dial(devices=[[device]])
            ids = {"node_id": call.node_id, "call_id": call.call_id}
            start = trio.current_time()
            menu: list[JSONValue] = [
                {"type": "tts", "params": {"text": "Press 1 for sales, 2 for support."}}
            ]
            await client.execute(
                "calling.play_and_collect",
                {
                    **ids,
                    "control_id": "menu",
                    "play": menu,
                    "collect": {"digits": {"max": 1}},
                },
            )
            await fake.wait_until(lambda: len(events(fake, "calling.call.collect")) == 1)
            await client.execute(
                "calling.collect",
                {
                    **ids,
                    "control_id": "pin",
                    "digits": {"max": 8, "terminators": "#"},
                },
            )
            await fake.wait_until(lambda: len(events(fake, "calling.call.collect")) == 2)
            await client.execute(
                "calling.detect",
                {
                    **ids,
                    "control_id": "amd",
                    "detect": {"type": "machine", "params": {}},
                },
            )
            await fake.wait_until(lambda: len(events(fake, "calling.call.detect")) == 3)
            reply = await client.execute(
                "calling.record", {**ids, "control_id": "vm", "record": {"audio": {}}}
            )
            await fake.wait_until(lambda: len(events(fake, "calling.call.record")) == 2)
            elapsed = trio.current_time() - start
            await call.hangup()
    results = [p["result"]["params"]["digits"] for p in events(fake, "calling.call.collect")]
    assert results == ["2", "1234"]
    assert [p["detect"]["params"]["event"] for p in events(fake, "calling.call.detect")] == [
        "MACHINE",
        "READY",
        "finished",
    ]
    finished = events(fake, "calling.call.record")[-1]
    assert finished["state"] == "finished" and finished["url"] == reply["url"]
    assert elapsed > 6  # the greeting took its simulated seconds, instantly
