"""Answer one inbound call on the "office" context, report it, hang up."""

import asyncio

from signalwire.relay import RelayClient


async def main() -> None:
    client = RelayClient(contexts=["office"])
    done = asyncio.get_running_loop().create_future()

    @client.on_call
    async def handle(call):
        try:
            print("offered:", call.direction, call.context, call.state)
            print("from:", call.device["params"]["from_number"])
            await call.answer()
            answered = await call.wait_for_answered(timeout=5)
            print("answered:", answered.params.get("call_state"))
            await call.hangup()
            ended = await call.wait_for_ended(timeout=5)
            print("ended:", ended.call_state)
            done.set_result(None)
        except Exception as exc:
            done.set_exception(exc)

    async with client:
        await asyncio.wait_for(done, timeout=5)
