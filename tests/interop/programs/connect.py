"""Dial, then bridge the call to a second number; report the bridge; hang up."""

import asyncio

from signalwire.relay import CONNECT_STATE_CONNECTED, EVENT_CALL_CONNECT, RelayClient


async def main() -> None:
    client = RelayClient(contexts=["office"])
    async with client:
        call = await client.dial(
            devices=[
                [
                    {
                        "type": "phone",
                        "params": {"to_number": "+15552222222", "from_number": "+15550000000"},
                    }
                ]
            ]
        )
        bridged = asyncio.ensure_future(
            call.wait_for(
                EVENT_CALL_CONNECT,
                lambda event: event.connect_state in ("connected", "failed"),
                timeout=5,
            )
        )
        result = await call.connect(
            [
                [
                    {
                        "type": "phone",
                        "params": {"to_number": "+15559876543", "from_number": "+15550000000"},
                    }
                ]
            ],
            ringback=[{"type": "ringtone", "params": {"name": "us"}}],
        )
        print("connect:", result["code"])
        event = await bridged
        print("bridge:", type(event).__name__, event.connect_state == CONNECT_STATE_CONNECTED)
        print("peer:", sorted(event.peer))
        await call.hangup()
        await call.wait_for_ended()
