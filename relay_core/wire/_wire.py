"""The wire codec: one text frame in, one typed JSON-RPC message out, and back.

This is the single decode boundary of both roles (client session and fake
server).  Every malformed input becomes a :class:`RemoteProtocolError` here,
chained with ``from``; nothing else escapes :func:`decode`.

RELAY.md B: every frame is one JSON-RPC 2.0 object.  Requests (either
direction) carry ``method`` and an object ``params``; responses carry ``id``
and either ``result`` or ``error``.

Hostile input: a frame nested deeper than :data:`MAX_DEPTH` levels is
refused here (a request with a usable id is answered ``-32600``), so no
value that leaves this module can make ``repr``, ``==`` or an encoder recurse
past Python's limit in either role or in the application.  Error messages
quote peer values through :func:`short_repr`: cut, and never recursive.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Final, NamedTuple, TypeAlias

from .._errors import RemoteProtocolError, short_repr
from .._ids import JSONDict, JSONObject, JSONValue

try:  # An optional accelerator: the same results, several times faster.
    import orjson

    # orjson.loads itself, not a wrapper: one Python call less per frame.
    _loads: Callable[[str | bytes], JSONValue] = orjson.loads

    _fallback_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

    def dumps(value: JSONValue) -> str:
        """Serialise a JSON value compactly (no spaces, UTF-8 kept)."""
        try:
            return orjson.dumps(value).decode()
        except TypeError:  # integers beyond 64 bits, which json handles
            return _fallback_encoder.encode(value)

    JSON_LIBRARY = "orjson"
except ImportError:  # pragma: no cover - exercised only without orjson
    _json_decoder = json.JSONDecoder()
    _json_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

    def _loads(text: str | bytes) -> JSONValue:
        if isinstance(text, bytes):
            text = text.decode()
        value: JSONValue = _json_decoder.decode(text)
        return value

    def dumps(value: JSONValue) -> str:
        """Serialise a JSON value compactly (no spaces, UTF-8 kept)."""
        return _json_encoder.encode(value)

    JSON_LIBRARY = "json"

#: The deepest nesting a frame may have (the frame object itself is level 1).
#: RELAY frames nest about eight levels; this leaves room for any application
#: data while keeping every consumer far from the interpreter's recursion limit.
MAX_DEPTH: Final = 500
#: A frame this short cannot nest deeper than MAX_DEPTH: only longer frames
#: are checked, which keeps the check off the event path (events are ~700 B).
_SHALLOW_LENGTH: Final = 2 * MAX_DEPTH + 1

#: A JSON-RPC id: RELAY uses strings; integers are tolerated from peers.
WireId: TypeAlias = str | int

_EMPTY: Final[JSONObject] = {}


# Messages are NamedTuples: immutable, compared by value, and about twice as
# cheap to build as frozen attrs classes on the event path (benchmarks/).


class Request(NamedTuple):
    """A JSON-RPC request (``id`` set) or notification (``id`` is ``None``)."""

    id: WireId | None
    method: str
    params: JSONObject


class Response(NamedTuple):
    """A successful JSON-RPC response."""

    id: WireId
    result: JSONObject


class ErrorResponse(NamedTuple):
    """A JSON-RPC error response."""

    id: WireId | None
    code: int
    message: str
    data: JSONValue = None


Message: TypeAlias = Request | Response | ErrorResponse

#: ``Request(...)`` runs a generated Python ``__new__``; this is what it calls.
_new_tuple: Final = tuple.__new__


class MalformedRequestError(RemoteProtocolError):
    """A request that names an ``id`` but is otherwise invalid.

    Attributes:
        request_id: the id to answer with a JSON-RPC error.
        error_code: ``-32600`` (invalid request) or ``-32602`` (invalid params).
    """

    def __init__(self, message: str, *, request_id: WireId, error_code: int) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.error_code = error_code


_describe = short_repr


def _too_deep(text: str | bytes, obj: JSONValue) -> bool:
    """Whether ``obj`` (decoded from ``text``) nests deeper than MAX_DEPTH."""
    if isinstance(text, bytes):
        openers = text.count(b"[") + text.count(b"{")
    else:
        openers = text.count("[") + text.count("{")
    if openers <= MAX_DEPTH:
        return False
    # Walked without recursion: this value is exactly what cannot be recursed.
    # Both JSON libraries build plain dicts and lists.
    stack: list[tuple[JSONValue, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = value.values() if type(value) is dict else value
        for child in children:  # type: ignore[union-attr]
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
    return False


def decode(text: str | bytes) -> Message:
    """Decode one WebSocket text frame into a JSON-RPC message.

    Args:
        text: the frame's payload.

    Returns:
        A :class:`Request`, :class:`Response` or :class:`ErrorResponse`.

    Raises:
        RemoteProtocolError: the frame is not a valid JSON-RPC 2.0 object.
            :class:`MalformedRequestError` when it is a request with a usable
            ``id`` (the receiver should answer it with a JSON-RPC error).
    """
    try:
        obj = _loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RemoteProtocolError(f"frame is not valid JSON: {exc}") from exc
    except RecursionError:  # pragma: no cover - json (not orjson) on deep input
        cause = ValueError("nested too deeply to parse")  # parse errors chain a ValueError
        raise RemoteProtocolError(f"frame is not valid JSON: {cause}") from cause
    return _message(text, obj)


def _message(text: str | bytes, obj: JSONValue) -> Message:
    """The JSON-RPC checks of :func:`decode` on the decoded ``obj``."""
    # Fast path: JSON objects decode to plain dicts.
    if type(obj) is not dict and not isinstance(obj, Mapping):
        raise RemoteProtocolError(f"frame is not a JSON object: {_describe(obj)}")
    version = obj.get("jsonrpc")
    if version != "2.0":
        raise RemoteProtocolError(f"frame has jsonrpc={_describe(version)}, expected '2.0'")
    raw_id = obj.get("id")
    frame_id: WireId | None = None
    if raw_id is not None:
        if type(raw_id) is not str and (not isinstance(raw_id, int) or isinstance(raw_id, bool)):
            raise RemoteProtocolError(f"frame has an invalid id: {_describe(raw_id)}")
        frame_id = raw_id
    method = obj.get("method")
    if len(text) > _SHALLOW_LENGTH and _too_deep(text, obj):
        error = f"frame nests deeper than {MAX_DEPTH} levels"
        if method is not None and frame_id is not None:
            raise MalformedRequestError(error, request_id=frame_id, error_code=-32600)
        raise RemoteProtocolError(error)
    if method is not None:
        # The event path, inlined (one Python call less per frame): a
        # string method and an object params, as _decode_request checks.
        params = obj.get("params", _EMPTY)
        if type(method) is str and method and type(params) is dict:
            return _new_tuple(Request, (frame_id, method, params))
        return _decode_request(obj, method, frame_id)
    if frame_id is None:
        raise RemoteProtocolError("response frame has no id")
    if "error" in obj:
        return _decode_error(frame_id, obj["error"])
    if "result" in obj:
        return Response(frame_id, _result_object(obj["result"]))
    raise RemoteProtocolError("frame has neither method nor result nor error")


#: What :func:`decode_event` returns: ``(ack, params, None)`` for an event on
#: the fast path (``ack`` is ``None`` for a notification), else
#: ``(None, None, message)``.
EventFrame: TypeAlias = tuple[str | None, JSONObject | None, "Message | None"]


def decode_event(text: str | bytes) -> EventFrame:
    """:func:`decode`, with the client's event path cut short.

    A ``signalwire.event`` request with object params and a plain string id
    (or none) comes back as ``(ack, params, None)``, with no :class:`Request`
    built (about a tenth of the whole receive path): ``ack`` is the frame
    that acknowledges it, exactly :func:`encode_result`'s.  Every other frame
    comes back as ``(None, None, decode(text))``, or raises as :func:`decode`
    (a plain reply, ``{"jsonrpc", "id", "result": {...}}``, by a shortcut).
    """
    try:
        obj = _loads(text)
    except Exception:
        return None, None, decode(text)  # raises the error decode words
    # Exactly the frames decode reads as Request(id, "signalwire.event",
    # params) with a plain id: a JSON-RPC 2.0 object, not nested too deep.
    if (
        type(obj) is dict
        and obj.get("method") == "signalwire.event"
        and obj.get("jsonrpc") == "2.0"
        and (len(text) <= _SHALLOW_LENGTH or not _too_deep(text, obj))
    ):
        params = obj.get("params")
        request_id = obj.get("id")
        if type(params) is dict:
            if request_id is None:
                return None, params, None
            # The id goes between quotes as it is when it needs no JSON escape
            # (no '"', '\\' or control character): always so in a frame with no
            # backslash at all, which a ~700 B memchr tells (isprintable() on
            # the id costs more); otherwise as encode_result checks.
            if type(request_id) is str and (
                (type(text) is str and "\\" not in text)
                or ('"' not in request_id and "\\" not in request_id and request_id.isprintable())
            ):
                return f'{{"jsonrpc":"2.0","id":"{request_id}","result":{{}}}}', params, None
    elif (
        type(obj) is dict
        and "method" not in obj
        and "error" not in obj
        and type(result := obj.get("result")) is dict
        and "result" not in result
        and type(frame_id := obj.get("id")) is str
        and obj.get("jsonrpc") == "2.0"
        and len(text) <= _SHALLOW_LENGTH
    ):
        # A reply to one of our requests (a dial's, say): exactly what
        # _message makes of it, without its general checks.
        return None, None, _new_tuple(Response, (frame_id, result))
    return None, None, _message(text, obj)


def _decode_request(obj: JSONObject, method: JSONValue, frame_id: WireId | None) -> Request:
    if type(method) is not str or not method:
        error = f"request has an invalid method: {_describe(method)}"
        if frame_id is not None:
            raise MalformedRequestError(error, request_id=frame_id, error_code=-32600)
        raise RemoteProtocolError(error)
    params = obj.get("params", _EMPTY)
    if type(params) is not dict and not isinstance(params, Mapping):
        error = f"{method}: params must be an object, got {_describe(params)}"
        if frame_id is not None:
            raise MalformedRequestError(error, request_id=frame_id, error_code=-32602)
        raise RemoteProtocolError(error)
    return _new_tuple(Request, (frame_id, method, params))


def _decode_error(frame_id: WireId, error: JSONValue) -> ErrorResponse:
    # RELAY.md B.2: a non-object error becomes code -1 with the value as text.
    if not isinstance(error, Mapping):
        return ErrorResponse(frame_id, -1, _text(error))
    code = error.get("code")
    message = error.get("message")
    return ErrorResponse(
        frame_id,
        code if type(code) is int else -1,
        _text(message),
        error.get("data"),
    )


def _text(value: JSONValue) -> str:
    """A peer value as message text: strings as they are, anything else described."""
    return value if isinstance(value, str) else short_repr(value, 200)


def _result_object(result: JSONValue) -> JSONObject:
    # RELAY.md B.2: a bare result becomes {"raw": value}; a Blade-era wrapped
    # result ({"result": {"code": ...}}) is unwrapped.
    if not isinstance(result, Mapping):
        return {"raw": result}
    inner = result.get("result")
    if isinstance(inner, Mapping) and "code" in inner:
        return inner
    return result


def parse_code(value: JSONValue) -> int | None:
    """Read a RELAY result code (``"200"`` or ``200``); ``None`` if it is not one.

    Only ASCII digits count (``int()`` also takes ``"²"``-like digits of other
    scripts, or raises on them), with at most 18 of them, so a hostile code
    can neither raise nor cost quadratic time.
    """
    if type(value) is int:
        return value if -(2**63) <= value < 2**63 else None
    if type(value) is not str:
        return None
    digits = value[1:] if value[:1] == "-" else value
    if 0 < len(digits) <= 18 and digits.isascii() and digits.isdigit():
        return int(value)
    return None


def is_success_code(value: JSONValue) -> bool:
    """RELAY.md D: any 2xx, as a 3-digit string or an integer, or no code at all."""
    if value is None:
        return True
    code = parse_code(value)
    if code is None or not 200 <= code <= 299:
        return False
    return not isinstance(value, str) or len(value) == 3


def _id_text(request_id: WireId | None) -> str:
    if isinstance(request_id, str):
        # Ids are UUID-like: quote them directly unless JSON needs escapes.
        if '"' not in request_id and "\\" not in request_id and request_id.isprintable():
            return f'"{request_id}"'
        return dumps(request_id)
    return "null" if request_id is None else str(request_id)


def encode_request(request_id: WireId | None, method: str, params: JSONObject) -> str:
    """Encode a request frame (``request_id=None`` for a notification)."""
    frame: JSONDict = {"jsonrpc": "2.0"}
    if request_id is not None:
        frame["id"] = request_id
    frame["method"] = method
    frame["params"] = params
    return dumps(frame)


def encode_result(request_id: WireId, result: JSONObject = _EMPTY) -> str:
    """Encode a success response; the empty-result form is the event ack."""
    if not result:
        # The ack of every event: a plain string id is quoted inline (no call).
        if (
            type(request_id) is str
            and '"' not in request_id
            and "\\" not in request_id
            and request_id.isprintable()
        ):
            return f'{{"jsonrpc":"2.0","id":"{request_id}","result":{{}}}}'
        return f'{{"jsonrpc":"2.0","id":{_id_text(request_id)},"result":{{}}}}'
    return dumps({"jsonrpc": "2.0", "id": request_id, "result": result})


def encode_error(request_id: WireId | None, code: int, message: str, data: JSONValue = None) -> str:
    """Encode a JSON-RPC error response."""
    error: JSONDict = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return dumps({"jsonrpc": "2.0", "id": request_id, "error": error})


#: Signature shared by callers that decode frames (lets tests swap codecs).
Decoder: TypeAlias = Callable[[str | bytes], Message]
