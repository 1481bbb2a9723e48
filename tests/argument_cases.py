"""Bad argument values, by kind, shared by both adapters' argument matrices.

Each kind lists values a public call must refuse with an
``InvalidArgumentError`` naming the argument, before anything is sent.
"""

from __future__ import annotations

import math

NAN = math.nan
INF = math.inf

#: A timeout where ``None`` (or ``inf``) means "no limit".
SECONDS_OR_NONE: list[object] = [-1, 0, -0.5, "5", True, NAN]
#: A timeout that must be given.
SECONDS: list[object] = [*SECONDS_OR_NONE, None, INF]
#: A duration or a price the server interprets (``None``: not sent).
POSITIVE_OR_NONE: list[object] = [-1, 0, "5", True, NAN, INF]
#: A count of at least one.
COUNT: list[object] = [0, -1, "5", True, 1.5, None]
#: A count that may be zero.
COUNT_OR_ZERO: list[object] = [-1, "5", True, 1.5, None]
#: A volume in dB (``None``: not sent).
VOLUME_OR_NONE: list[object] = [-41, 40.5, "5", True, NAN, INF]
VOLUME: list[object] = [*VOLUME_OR_NONE, None]
#: An optional non-empty string.
TEXT_OR_NONE: list[object] = ["", 5]
TEXT: list[object] = [*TEXT_OR_NONE, None]
#: Arguments whose value an error message must not show.
SECRETS = frozenset({"token", "jwt_token"})


def names_the_value(message: str, name: str, value: object) -> bool:
    """Whether ``message`` names the argument and shows the value (or the bad item of a list)."""
    if name in SECRETS:  # a credential is never shown, even a malformed one
        return message.startswith(f"{name}: ") and message.endswith("(value not shown)")
    shown = [value, *value] if isinstance(value, list) else [value]
    return message.startswith(f"{name}: ") and any(repr(v)[:40] in message for v in shown)
