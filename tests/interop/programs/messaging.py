"""Send an SMS and wait for its delivery; read one inbound SMS."""

import asyncio

from signalwire.relay import MESSAGE_STATE_DELIVERED, RelayClient, RelayEvent


async def main() -> None:
    client = RelayClient(contexts=["office"])
    received = asyncio.get_running_loop().create_future()

    @client.on_message
    async def on_message(message):
        print("received:", message.direction, message.from_number, message.body, message.state)
        received.set_result(None)

    async with client:
        completed = []
        message = await client.send_message(
            to_number="+15552222222",
            from_number="+15551111111",
            body="Your code is 4821",
            tags=["otp"],
            on_completed=lambda event: completed.append(event.params["message_state"]),
        )
        print("sent:", message.direction, message.state, message.body)
        event = await message.wait(timeout=5)
        print("final:", isinstance(event, RelayEvent), event.event_type)
        print("state:", message.state == MESSAGE_STATE_DELIVERED, event.params["message_state"])
        print("tags:", message.tags, message.reason == "")
        await asyncio.wait_for(received, timeout=5)
        await asyncio.sleep(0.05)  # on_completed may run in a task of its own
        print("completed:", completed)
