"""Send DTMF on an answered call, then hang up."""

import asyncio

from signalwire.relay import EVENT_CALL_SEND_DIGITS, RelayClient


async def main() -> None:
    client = RelayClient(contexts=["office"])
    async with client:
        call = await client.dial(
            devices=[
                [
                    {
                        "type": "phone",
                        "params": {"to_number": "+15557770001", "from_number": "+15550000000"},
                    }
                ]
            ]
        )
        done = asyncio.ensure_future(call.wait_for(EVENT_CALL_SEND_DIGITS, timeout=5))
        reply = await call.send_digits("1w234#")
        print("send_digits:", reply["code"], reply["message"])
        event = await done
        print("event:", type(event).__name__, event.state)
        await call.hangup()
