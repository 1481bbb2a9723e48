"""The payload codec of the ``messaging.*`` events (RELAY.md J.3), both roles.

``messaging.state`` (outbound progress) and ``messaging.receive`` (an
inbound SMS/MMS) carry the same inner ``params``.  The fake server builds
them as :class:`MessagePayload` and sends :func:`encode_message_payload`; the
client session and :func:`~relay_core.decode_event` read them with
:func:`decode_message_payload`.

Decoding checks the key fields (``message_id``, ``message_state``: non-empty
strings, else :class:`~relay_core.RemoteProtocolError` naming the event and
the field, never a value).  Other fields are lenient, as J.3 allows: a
missing or mistyped ``body`` reads ``""``, ``media`` and ``tags`` ``()``
(non-string items skipped), ``segments`` ``None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, final

import attrs

from .._errors import RemoteProtocolError
from .._ids import JSONDict, JSONObject, JSONValue

__all__ = [
    "MESSAGE_EVENT_TYPES",
    "MESSAGE_RECEIVE",
    "MESSAGE_STATE",
    "MessagePayload",
    "decode_message_payload",
    "encode_message_payload",
]

MESSAGE_STATE: Final = "messaging.state"
MESSAGE_RECEIVE: Final = "messaging.receive"
MESSAGE_EVENT_TYPES: Final = frozenset({MESSAGE_STATE, MESSAGE_RECEIVE})


@final
@attrs.frozen(kw_only=True, slots=True)
class MessagePayload:
    """The inner params of one ``messaging.state`` or ``messaging.receive`` event."""

    message_id: str
    message_state: str
    context: str = ""
    direction: str = ""
    from_number: str = ""
    to_number: str = ""
    body: str = ""
    media: tuple[str, ...] = ()
    segments: int | None = None
    tags: tuple[str, ...] = ()
    #: Only on ``undelivered`` / ``failed`` (RELAY.md J.3).
    reason: str | None = None


def _key(event_type: str, params: JSONObject, key: str) -> str:
    value = params.get(key)
    if not isinstance(value, str) or not value:
        raise RemoteProtocolError(f"{event_type}: {key} must be a non-empty string")
    return value


def _text(params: JSONObject, key: str) -> str:
    value = params.get(key)
    return value if isinstance(value, str) else ""


def _strings(value: JSONValue) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def decode_message_payload(event_type: str, params: JSONObject) -> MessagePayload:
    """Read one messaging event's params.

    Raises:
        RemoteProtocolError: ``message_id`` or ``message_state`` is missing
            or not a non-empty string (the message names the field).
    """
    segments = params.get("segments")
    reason = params.get("reason")
    return MessagePayload(
        message_id=_key(event_type, params, "message_id"),
        message_state=_key(event_type, params, "message_state"),
        context=_text(params, "context"),
        direction=_text(params, "direction"),
        from_number=_text(params, "from_number"),
        to_number=_text(params, "to_number"),
        body=_text(params, "body"),
        media=_strings(params.get("media")),
        segments=segments if isinstance(segments, int) and not isinstance(segments, bool) else None,
        tags=_strings(params.get("tags")),
        reason=reason if isinstance(reason, str) and reason else None,
    )


def encode_message_payload(payload: MessagePayload) -> JSONDict:
    """The wire params, in the key order of RELAY.md J.3 (``reason`` only when set)."""
    params: JSONDict = {
        "message_id": payload.message_id,
        "context": payload.context,
        "direction": payload.direction,
        "from_number": payload.from_number,
        "to_number": payload.to_number,
        "body": payload.body,
        "media": list(payload.media),
        "segments": payload.segments if payload.segments is not None else 1,
        "tags": list(payload.tags),
        "message_state": payload.message_state,
    }
    if payload.reason is not None:
        params["reason"] = payload.reason
    return params
