"""relay_asyncio's ``send_digits``: the reply dict (the official SDK's shape), returned
only once the digits were sent (the ``finished`` event), as relay_trio's await.

The server is scripted (its reply armed, the events pushed by hand) so the
test holds the moment between the reply and the ``finished`` event.
"""

from __future__ import annotations

import asyncio

import pytest

from relay_asyncio.testing import FakeRelayHandle
from relay_core import CallGoneError

from .scripted import scenario
from .verbs_support import OK, arm, dialled, params_of, push


@scenario()
async def test_send_digits_returns_the_reply_after_the_finished_event(
    fake: FakeRelayHandle,
) -> None:
    async with dialled(fake) as (_, call):
        arm(fake, "calling.send_digits")
        sending = asyncio.create_task(call.send_digits("1w2#"))
        await asyncio.sleep(0.1)
        assert params_of(fake, "calling.send_digits")  # sent and answered...
        assert not sending.done()  # ...but the digits are not out yet
        (params,) = params_of(fake, "calling.send_digits")
        push(fake, call, "calling.call.send_digits", control_id=params["control_id"],
             state="finished")  # fmt: skip
        assert await sending == OK


@scenario()
async def test_send_digits_raises_call_gone_when_the_call_ends_first(
    fake: FakeRelayHandle,
) -> None:
    async with dialled(fake) as (_, call):
        arm(fake, "calling.send_digits")
        sending = asyncio.create_task(call.send_digits("123"))
        await asyncio.sleep(0.1)
        push(fake, call, "calling.call.state", call_state="ended", end_reason="hangup")
        with pytest.raises(CallGoneError, match="ended during its send_digits") as caught:
            await sending
    assert caught.value.code == 410
