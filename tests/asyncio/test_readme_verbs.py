"""The README's relay_asyncio "Calling verbs" example, run verbatim against the fake server.

The code block is read from README.md and executed, so the README cannot
drift from what runs.  The inbound caller is the fake's simulation
(``inject_inbound_call(presses=..., says=...)``); its made-up durations are
scaled down so the real-time run stays short.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from relay_asyncio import Call, RelayClient
from relay_asyncio.testing import FakeRelayHandle
from relay_core.testing import CallerScript

from .scripted import scenario

README = Path(__file__).parents[2] / "README.md"


def readme_example(marker: str) -> str:
    """The first ```python block after ``marker`` in README.md."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(marker) :]
    match = re.search(r"```python\n(.*?)```", after, re.DOTALL)
    assert match is not None, f"no python block after {marker!r}"
    return match.group(1)


def voicemail_example() -> Any:
    namespace: dict[str, Any] = {}
    exec(readme_example("The same IVR shape"), namespace)  # our own README, verbatim
    return namespace["voicemail"]


@pytest.mark.parametrize(("presses", "left_a_message"), [("1", True), ("9", False)])
@scenario(seconds=8)
async def test_the_readme_voicemail(
    fake: FakeRelayHandle, presses: str, left_a_message: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    voicemail = voicemail_example()
    fake.server.network.time_scale = 0.01
    outcome: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

    async def on_call(call: Call) -> None:
        try:
            outcome.set_result(await voicemail(call))
        except Exception as exc:  # the test reports it
            outcome.set_exception(exc)

    client = RelayClient(
        project="test-project", token="test-token", host=fake.url, contexts=["office"]
    )
    client.on_call(on_call)
    async with client:
        fake.inject_inbound_call(
            context="office", from_number="+15553334444", to_number="+15551112222",
            caller=CallerScript(presses=presses, says="please call me back", input_after=0.05),
        )  # fmt: skip
        url = await outcome
    if left_a_message:
        assert url is not None and url.startswith("https://")
        assert f"voicemail at {url}" in capsys.readouterr().out
        record: list[Any] = [e.params for e in fake.server.journal if e.method == "calling.record"]
        assert record[0]["record"]["audio"] == {"beep": True, "end_silence_timeout": 2}
    else:
        assert url is None
    assert not fake.server.calls()  # every leg ended
