"""Detect whether a human or a machine answered."""

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
        action = await call.detect_answering_machine(initial_timeout=4.5, timeout=30)
        event = await action.wait()
        print("detect:", type(event).__name__, event.detect["type"])
        print("answered by:", event.detect["params"]["event"])
        await call.hangup()
