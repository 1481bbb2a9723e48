"""Record what the callee says, report the recording, hang up."""

from signalwire.relay import RelayClient


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
        action = await call.record({"beep": True, "format": "wav", "end_silence_timeout": 0.1})
        event = await action.wait()
        print("record:", type(event).__name__, event.state, action.completed)
        print("file:", event.url, event.duration > 0, event.size > 44)
        await call.hangup()
