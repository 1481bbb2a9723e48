"""Prompt with text-to-speech and collect the digits the callee presses."""

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
        collect = {"initial_timeout": 5, "digits": {"max": 4, "terminators": "#"}}
        action = await call.prompt_tts("Enter your PIN, then hash.", collect)
        event = await action.wait()
        print("collect:", type(event).__name__, event.event_type)
        print("result:", event.result)
        await call.hangup()
