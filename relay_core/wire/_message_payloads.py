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
from typing import Final, NamedTuple

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


class MessagePayload(NamedTuple):
    """The inner params of one ``messaging.state`` or ``messaging.receive`` event.

    A named tuple: immutable, and built in a fraction of a frozen attrs
    class's time (decoding is on every messaging event's path).
    """

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


def _missing(event_type: str, key: str) -> RemoteProtocolError:
    return RemoteProtocolError(f"{event_type}: {key} must be a non-empty string")


def _strings(value: JSONValue) -> tuple[str, ...]:
    if not value or isinstance(value, str) or not isinstance(value, Sequence):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def decode_message_payload(event_type: str, params: JSONObject) -> MessagePayload:
    """Read one messaging event's params.

    Raises:
        RemoteProtocolError: ``message_id`` or ``message_state`` is missing
            or not a non-empty string (the message names the field).
    """
    get = params.get
    message_id = get("message_id")
    if type(message_id) is not str or not message_id:
        raise _missing(event_type, "message_id")
    state = get("message_state")
    if type(state) is not str or not state:
        raise _missing(event_type, "message_state")
    context, direction, from_number, to_number, body, segments, reason = (
        get("context"),
        get("direction"),
        get("from_number"),
        get("to_number"),
        get("body"),
        get("segments"),
        get("reason"),
    )
    return MessagePayload(
        message_id,
        state,
        context if type(context) is str else "",
        direction if type(direction) is str else "",
        from_number if type(from_number) is str else "",
        to_number if type(to_number) is str else "",
        body if type(body) is str else "",
        _strings(get("media")),
        segments if type(segments) is int else None,
        _strings(get("tags")),
        reason if type(reason) is str and reason else None,
    )


def encode_message_payload(payload: MessagePayload) -> JSONDict:
    """The wire params, in the key order of RELAY.md J.3 (``segments``, ``reason`` only when set).

    ``decode_message_payload(t, encode_message_payload(p)) == p`` for every
    payload whose key fields are non-empty and ``reason`` is not ``""``.
    """
    params: JSONDict = {
        "message_id": payload.message_id,
        "context": payload.context,
        "direction": payload.direction,
        "from_number": payload.from_number,
        "to_number": payload.to_number,
        "body": payload.body,
        "media": list(payload.media),
        "segments": payload.segments,
        "tags": list(payload.tags),
        "message_state": payload.message_state,
    }
    if payload.segments is None:
        del params["segments"]
    if payload.reason is not None:
        params["reason"] = payload.reason
    return params
