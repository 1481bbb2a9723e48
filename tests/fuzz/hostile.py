"""Hostile values and a fast seeded frame mutator, shared by the long run and the
hypothesis tests.

A frame starts as a well-formed template (built by a role harness from what it
tracks, so mutations hit live calls, dials and pending requests), then one to
three mutations replace, delete or add a value somewhere inside it, and
sometimes the encoded text itself is cut or corrupted.  Values JSON cannot
carry through an encoder (nesting past orjson's 254 levels, 5,000-digit
numbers, ``NaN``) go in as raw text: a placeholder string is encoded and then
swapped for the raw text.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, Final

import orjson


def deep_array(levels: int) -> str:
    return "[" * levels + "]" * levels


def deep_object(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


#: Raw JSON text (or near-JSON) that no encoder would produce.
RAW: Final[tuple[str, ...]] = (
    *(deep_array(n) for n in (254, 255, 499, 500, 501, 999, 1023, 1030, 3000)),
    *(deep_object(n) for n in (255, 498, 600, 1022)),
    "[" * 400 + '{"x":' * 300 + "1" + "}" * 300 + "]" * 400,
    "1" * 30,
    "-" + "9" * 25,
    "9" * 5000,
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "-0",
    "1E+2",
    "0.0000000000000000000000000001",
    '"\\ud800"',
    '"\\u0000"',
    "tru",
    "[1,]",
    "{,}",
)

_ODD_STRINGS: Final[tuple[str, ...]] = (
    "", "²", "³00", "2²0", "٢٠٠", "২০০", "-", "--1", "200", "404", "2000", "-200", "1e3",
    " 200", "200 ", "0x1f", "\u0661", "null", "true", "NaN", "\u0000", "\t", "é", "🦜" * 3,
    "a" * 300, "9" * 5000, "x" * 100_000,
    "created", "ringing", "answered", "ending", "ended", "dialing", "failed",
    "connecting", "connected", "disconnected", "playing", "paused", "finished", "error",
    "phone", "sip", "tts", "calling.call.state", "calling.call.dial", "signalwire.event",
)  # fmt: skip
_NUMBERS: Final[tuple[Any, ...]] = (
    0, -1, 1, 200, 204, 404, 2**31, 2**63 - 1, -(2**63), 0.5, -0.0, 1e308, 200.0, 3.14,
)  # fmt: skip
_CONTAINERS: Final[tuple[Any, ...]] = (
    [], {}, [1], {"a": 1}, [[[]]], [None], {"": None}, ["200"],
    {"type": "phone", "params": {}}, {"type": "phone"}, {"call_id": ""},
)  # fmt: skip
SCALARS: Final[tuple[Any, ...]] = (None, True, False, *_NUMBERS, *_ODD_STRINGS)
HOSTILE: Final[tuple[Any, ...]] = (*SCALARS, *_CONTAINERS)

#: Keys worth adding: every field some RELAY frame reads.
KEYS: Final[tuple[str, ...]] = (
    "jsonrpc", "id", "method", "params", "result", "error", "code", "message", "data",
    "event_type", "call_id", "node_id", "tag", "call_state", "dial_state", "connect_state",
    "state", "control_id", "call", "peer", "device", "devices", "context", "contexts",
    "end_reason", "reason", "failed_reason", "direction", "restart", "timestamp",
    "authentication", "protocol", "authorization_state", "session_restored", "play",
    "media", "volume", "type", "to_number", "from_number", "timeout", "headers", "codecs",
)  # fmt: skip

_PLACEHOLDER = "\x00R{}\x00"
_HUGE = "x" * 1_000_000


class Mutator:
    """Seeded, fast mutations of a frame (a dict) into hostile JSON text.

    Args:
        rng: the only source of randomness (same seed, same frames).
        mutate: probability that a frame is mutated at all (the rest stay
            valid, so the roles keep real state to be attacked).
        corrupt: probability that the encoded text is then cut or corrupted.
    """

    def __init__(self, rng: random.Random, mutate: float = 0.7, corrupt: float = 0.07) -> None:
        self.rng = rng
        self.mutate = mutate
        self.corrupt = corrupt

    def hostile(self, known: Sequence[Any] = ()) -> Any:
        """A hostile value: known ids often (they reach live state), else the pools."""
        rng = self.rng
        roll = rng.random()
        if known and roll < 0.3:
            return rng.choice(known)
        if roll < 0.45:
            return _PLACEHOLDER.format(rng.randrange(len(RAW)))
        if roll < 0.4501:
            return _HUGE  # rare: a megabyte string
        value = rng.choice(HOSTILE)
        return orjson.loads(orjson.dumps(value)) if isinstance(value, list | dict) else value

    def text(self, frame: dict[str, Any], known: Sequence[Any] = ()) -> str | bytes:
        """Encode a mutated copy of ``frame`` (sometimes), corrupting the text sometimes."""
        rng = self.rng
        if rng.random() < self.mutate:
            frame = orjson.loads(orjson.dumps(frame))  # templates share their parts
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                self._mutate_once(frame, known)
        text = orjson.dumps(frame).decode()
        if "\\u0000R" in text:
            text = self._fill_raw(text)
        roll = rng.random()
        if roll < self.corrupt * 0.85:
            return self._corrupt(text)
        if roll < self.corrupt:
            return text.encode()[: rng.randrange(1, len(text) + 1)]  # may cut UTF-8
        return text

    def _mutate_once(self, frame: dict[str, Any], known: Sequence[Any]) -> None:
        rng = self.rng
        # Walk to a random container, usually a few levels down.
        node: Any = frame
        for _ in range(rng.randrange(5)):
            children = [
                key
                for key, value in (node.items() if isinstance(node, dict) else enumerate(node))
                if isinstance(value, dict | list) and value
            ]
            if not children:
                break
            node = node[rng.choice(children)]
        op = rng.random()
        if isinstance(node, dict):
            if node and op < 0.55:
                node[rng.choice(list(node))] = self.hostile(known)
            elif node and op < 0.75:
                del node[rng.choice(list(node))]
            else:
                node[rng.choice(KEYS)] = self.hostile(known)
        elif isinstance(node, list):
            if node and op < 0.6:
                node[rng.randrange(len(node))] = self.hostile(known)
            elif node and op < 0.8:
                del node[rng.randrange(len(node))]
            else:
                node.append(self.hostile(known))

    def _fill_raw(self, text: str) -> str:
        for index, raw in enumerate(RAW):
            marker = f'"\\u0000R{index}\\u0000"'
            if marker in text:
                text = text.replace(marker, raw)
        return text

    def _corrupt(self, text: str) -> str:
        rng = self.rng
        if not text:
            return "{"
        at = rng.randrange(len(text))
        match rng.randrange(6):
            case 0:
                return text[:at]  # truncated
            case 1:
                return text[:at] + text[at + 1 :]
            case 2:
                return text[:at] + rng.choice('{}[]":,\\0a\x00é') + text[at:]
            case 3:
                return text[:at] + text[at:] * 2
            case 4:
                return "[" + text + "]"
            case _:
                return text + rng.choice(("", " ", "\n", "x", "{}", text))
