"""Dial a number, report the answered call, hang up and wait for the end."""

from signalwire.relay import CALL_STATE_ENDED, RelayClient


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
            ],
            tag="dial-family",
        )
        print("dialed:", call.state, call.direction, call.tag)
        print("device:", call.device["params"]["to_number"])
        await call.hangup()
        ended = await call.wait_for_ended()
        print("ended:", type(ended).__name__, ended.call_state == CALL_STATE_ENDED)
        print("reason:", ended.params.get("end_reason"))
