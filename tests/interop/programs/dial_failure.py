"""Dial a busy number, then one that never answers with a short timeout; report the errors."""

from signalwire.relay import RelayClient, RelayError


async def main() -> None:
    client = RelayClient(contexts=["office"])
    async with client:
        for number, timeout in (("+15550000486", 5.0), ("+15551111111", 0.1)):
            try:
                await client.dial(
                    devices=[
                        [
                            {
                                "type": "phone",
                                "params": {"to_number": number, "from_number": "+15550000000"},
                            }
                        ]
                    ],
                    dial_timeout=timeout,
                )
            except RelayError as exc:
                print("failed:", number, exc.code, isinstance(exc, RelayError))
            else:
                print("answered?", number)
