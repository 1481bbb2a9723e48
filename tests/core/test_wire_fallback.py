"""The codec gives the same results with the stdlib json fallback as with orjson.

The fallback runs in a subprocess: reloading the codec in this process would
leave the session holding the old message classes.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from relay_core import RemoteProtocolError
from relay_core.wire import _wire as fast

FRAMES = [
    '{"jsonrpc":"2.0","id":"ev-1","method":"signalwire.event","params":{"event_type":"x","params":{"a":"é"}}}',
    '{"jsonrpc":"2.0","id":7,"result":{"code":"200","message":"ok"}}',
    '{"jsonrpc":"2.0","id":"r","error":{"code":-32002,"message":"Authentication failed"}}',
]  # fmt: skip
# The fallback also refuses (never crashes on) deep nesting, like orjson.

SCRIPT = """
import sys
sys.modules["orjson"] = None
from relay_core.wire import _wire
assert _wire.JSON_LIBRARY == "json"
frames = {frames!r}
for frame in frames:
    print(repr(_wire.decode(frame)))
    print(repr(_wire.decode(frame.encode())))
print(_wire.encode_request("a", "m", {{"text": "héllo", "n": [1, 2.5, None]}}))
print(_wire.encode_result("a"))
deep_method = '{{"jsonrpc":"2.0","id":"d","method":' + "[" * 600 + "]" * 600 + "}}"
for bad in ("{{nope", "[" * 5000 + "]" * 5000, deep_method):
    try:
        _wire.decode(bad)
    except _wire.RemoteProtocolError as exc:
        print("rejected", getattr(exc, "error_code", None))
"""


def test_fallback_decodes_and_encodes_the_same() -> None:
    output = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(frames=FRAMES)],
        capture_output=True,
        text=True,
        check=True,
        encoding="utf-8",
    ).stdout.splitlines()
    expected = []
    for frame in FRAMES:
        expected += [repr(fast.decode(frame))] * 2
    expected.append(fast.encode_request("a", "m", {"text": "héllo", "n": [1, 2.5, None]}))
    expected.append(fast.encode_result("a"))
    expected += ["rejected None", "rejected None", "rejected -32600"]
    assert output == expected


def test_fast_path_is_orjson() -> None:
    assert fast.JSON_LIBRARY == "orjson"
    with pytest.raises(RemoteProtocolError):
        fast.decode(b"\xff\xfe")
