"""Play text-to-speech on an answered call, follow the play events, hang up."""

from signalwire.relay import EVENT_CALL_PLAY, RelayClient


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
        states = []
        call.on(EVENT_CALL_PLAY, lambda event: states.append(event.params["state"]))
        action = await call.play(
            [{"type": "tts", "params": {"text": "Hello from the differential test"}}],
            volume=2.0,
        )
        result = await action.wait()
        print("play result:", type(result).__name__, result.params["state"])
        print("completed:", action.completed, action.is_done)
        await call.hangup()
        await call.wait_for_ended()
        print("play states:", states)
