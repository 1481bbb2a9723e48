"""The payload codec: the inner ``params`` of every ``calling.*`` event this library models.

One class per event payload, used by both roles: the fake server builds
every event it sends as one of these classes and sends its
:func:`encode_payload`; the client session (and the stateless
:func:`~relay_core.decode_event`) reads every event with
:func:`decode_payload`.  Whatever one role writes, the other reads with the
same code.

A payload is a checked view of the wire object, not a copy: decoding
checks the key fields (call id, tag, control id, state: non-empty strings,
else :class:`~relay_core.RemoteProtocolError` naming the event and the
field, never the value) and wraps the params; the fields a hot handler
reads are slots filled then, the others are read from the params when
asked.  That keeps decoding near 0.3 µs per event; a frozen attrs copy of
all fields (or a cattrs structure function) costs 1-2 µs, up to a quarter of
the whole receive loop (see the README's "Why no cattrs").  Payloads are
read-only by contract, not by a guard (a guarded slot costs 0.1 µs each on
the hot path): the decoder never changes the params, nor may anyone else.

The fields are wire-level data: ids and states are the strings on the wire
(the client maps states to its enums), a ``device`` is the raw JSON (the
client parses it through its cache).  An optional field reads ``None`` when
its key is absent or its value has the wrong type (a string; an object with
a ``call_id`` for a nested call; anything but ``null`` for a device); such a
pair, and every key not modelled, is in ``extra``, unchanged.  So every
object round-trips: ``encode_payload(decode_payload(t, d)) == d``, and
``decode_payload(t, encode_payload(p)) == p`` for a payload built from typed
fields whose ``extra`` names no modelled key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import ClassVar, Final, TypeAlias, cast

from .._errors import RemoteProtocolError
from .._ids import CallId, ControlId, JSONDict, JSONObject, JSONValue
from ._action_payloads import ACTION_PAYLOADS, ActionPayload
from ._activity_payloads import ACTIVITY_PAYLOADS, ActivityPayload
from ._payload_view import (
    _NO_EXTRA,
    CallObject,
    _checked,
    _device,
    _Field,
    _new,
    _read_call,
    _read_code,
    _read_key,
    _read_text,
    _read_value,
    _Text,
    _View,
    _wire,
)

__all__ = [
    "EVENT_TYPES",
    "CallErrorPayload",
    "CallObject",
    "CallReceivePayload",
    "CallStatePayload",
    "ConnectPayload",
    "DialPayload",
    "Payload",
    "PlayPayload",
    "decode_payload",
    "encode_payload",
]

# --- the payloads ---------------------------------------------------------------


class CallStatePayload(_View):
    """``calling.call.state`` (RELAY.md E.3, F.4, G.3)."""

    __slots__ = ("call_id", "call_state", "end_reason", "peer")
    _slot_readers = MappingProxyType(
        {"call_id": _read_key, "call_state": _read_key, "end_reason": _read_text,
         "peer": _read_call}
    )  # fmt: skip
    event_type: ClassVar[str] = "calling.call.state"
    call_id: CallId
    call_state: str
    end_reason: str | None
    peer: CallObject | None
    node_id = _Text("node_id")
    tag = _Text("tag")
    direction = _Text("direction")
    context = _Text("context")
    device = _device()

    def __init__(
        self,
        call_id: str,
        call_state: str,
        *,
        node_id: str | None = None,
        tag: str | None = None,
        direction: str | None = None,
        end_reason: str | None = None,
        peer: CallObject | None = None,
        context: str | None = None,
        device: JSONValue = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (("node_id", node_id), ("call_id", call_id), ("tag", tag), ("direction", direction),
             ("call_state", call_state), ("end_reason", end_reason), ("peer", _wire(peer)),
             ("context", context), ("device", device)),
            extra,
        )  # fmt: skip


class CallReceivePayload(_View):
    """``calling.call.receive``: an inbound offer (RELAY.md I); ``tag`` is often ``""``.

    ``node_id`` is optional here, as everywhere in the codec; the session
    refuses an offer without one (it could not answer it).
    """

    __slots__ = ("call_id", "call_state", "context", "device", "direction", "node_id", "tag")
    _slot_readers = MappingProxyType(
        {"call_id": _read_key, "call_state": _read_text, "context": _read_text,
         "device": _read_value, "direction": _read_text, "node_id": _read_text, "tag": _read_text}
    )  # fmt: skip
    event_type: ClassVar[str] = "calling.call.receive"
    call_id: CallId
    call_state: str | None
    context: str | None
    device: JSONValue
    direction: str | None
    node_id: str | None
    tag: str | None

    def __init__(
        self,
        call_id: str,
        node_id: str | None,
        *,
        tag: str | None = None,
        call_state: str | None = None,
        direction: str | None = None,
        context: str | None = None,
        device: JSONValue = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (("node_id", node_id), ("call_id", call_id), ("tag", tag),
             ("call_state", call_state), ("direction", direction), ("context", context),
             ("device", device)),
            extra,
        )  # fmt: skip


class DialPayload(_View):
    """``calling.call.dial``: keyed by ``tag``, the winner in ``call`` (RELAY.md F.4)."""

    __slots__ = ("dial_state", "tag")
    _slot_readers = MappingProxyType({"dial_state": _read_key, "tag": _read_key})
    event_type: ClassVar[str] = "calling.call.dial"
    tag: str
    dial_state: str
    node_id = _Text("node_id")
    call: _Field[CallObject] = _Field("call", _read_call)
    reason = _Text("reason")

    def __init__(
        self,
        tag: str,
        dial_state: str,
        *,
        node_id: str | None = None,
        call: CallObject | None = None,
        reason: str | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (("node_id", node_id), ("tag", tag), ("dial_state", dial_state),
             ("call", _wire(call)), ("reason", reason)),
            extra,
        )  # fmt: skip


class ConnectPayload(_View):
    """``calling.call.connect``: keyed by the A leg's ``call_id`` (RELAY.md G.3)."""

    __slots__ = ("call_id", "connect_state")
    _slot_readers = MappingProxyType({"call_id": _read_key, "connect_state": _read_key})
    event_type: ClassVar[str] = "calling.call.connect"
    call_id: str
    connect_state: str
    node_id = _Text("node_id")
    tag = _Text("tag")
    peer: _Field[CallObject] = _Field("peer", _read_call)
    failed_reason = _Text("failed_reason")

    def __init__(
        self,
        call_id: str,
        connect_state: str,
        *,
        node_id: str | None = None,
        tag: str | None = None,
        peer: CallObject | None = None,
        failed_reason: str | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (("node_id", node_id), ("call_id", call_id), ("tag", tag),
             ("connect_state", connect_state), ("peer", _wire(peer)),
             ("failed_reason", failed_reason)),
            extra,
        )  # fmt: skip


class PlayPayload(_View):
    """``calling.call.play`` (RELAY.md H.4); ``call_id`` optional (a known control names it)."""

    __slots__ = ("call_id", "control_id", "state")
    _slot_readers = MappingProxyType(
        {"call_id": _read_text, "control_id": _read_key, "state": _read_key}
    )
    event_type: ClassVar[str] = "calling.call.play"
    call_id: CallId | None
    control_id: ControlId
    state: str
    node_id = _Text("node_id")

    def __init__(
        self,
        control_id: str,
        state: str,
        *,
        call_id: str | None = None,
        node_id: str | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (("node_id", node_id), ("call_id", call_id), ("control_id", control_id),
             ("state", state)),
            extra,
        )  # fmt: skip


class CallErrorPayload(_View):
    """``calling.error``: every field optional; ``code`` as sent (``"500"`` or ``500``)."""

    __slots__ = ()
    event_type: ClassVar[str] = "calling.error"
    code: _Field[str | int] = _Field("code", _read_code)
    message = _Text("message")
    call_id = _Text("call_id")
    node_id = _Text("node_id")

    def __init__(
        self,
        *,
        code: str | int | None = None,
        message: str | None = None,
        call_id: str | None = None,
        node_id: str | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (("code", code), ("message", message), ("call_id", call_id), ("node_id", node_id)),
            extra,
        )


Payload: TypeAlias = (
    CallStatePayload
    | CallReceivePayload
    | DialPayload
    | ConnectPayload
    | PlayPayload
    | CallErrorPayload
    | ActionPayload
    | ActivityPayload
)


# --- the codec ------------------------------------------------------------------


def state_fields(params: JSONObject) -> tuple[CallId, str, str | None, CallObject | None]:
    """``calling.call.state``'s checked slot fields: ``(call_id, call_state, end_reason, peer)``.

    What :func:`decode_state` reads, with no view built (the client's
    hottest handler reads these four and nothing else).
    """
    call_id = params.get("call_id")
    call_state = params.get("call_state")
    if type(call_id) is not str or not call_id:
        raise RemoteProtocolError("calling.call.state: call_id must be a non-empty string")
    if type(call_state) is not str or not call_state:
        raise RemoteProtocolError("calling.call.state: call_state must be a non-empty string")
    reason = params.get("end_reason")
    peer = params.get("peer")
    return (
        call_id,  # type: ignore[return-value]  # a checked str: no NewType call
        call_state,
        reason if type(reason) is str else None,
        None if peer is None else _read_call(peer),
    )


def decode_state(params: JSONObject) -> CallStatePayload:
    """Read ``calling.call.state`` params."""
    view = _new(CallStatePayload)
    view._params = params
    view.call_id, view.call_state, view.end_reason, view.peer = state_fields(params)
    return view


def play_fields(params: JSONObject) -> tuple[ControlId, str, CallId | None]:
    """``calling.call.play``'s checked slot fields: ``(control_id, state, call_id)``.

    What :func:`decode_play` reads, with no view built (the client's hot path).
    """
    control_id = params.get("control_id")
    state = params.get("state")
    if type(control_id) is not str or not control_id:
        raise RemoteProtocolError("calling.call.play: control_id must be a non-empty string")
    if type(state) is not str or not state:
        raise RemoteProtocolError("calling.call.play: state must be a non-empty string")
    call_id = params.get("call_id")
    return (
        control_id,  # type: ignore[return-value]  # a checked str: no NewType call
        state,
        call_id if type(call_id) is str else None,
    )


def decode_play(params: JSONObject) -> PlayPayload:
    """Read ``calling.call.play`` params."""
    view = _new(PlayPayload)
    view._params = params
    view.control_id, view.state, view.call_id = play_fields(params)
    return view


def decode_receive(params: JSONObject) -> CallReceivePayload:
    """Read ``calling.call.receive`` params (every offer: kept flat)."""
    call_id = params.get("call_id")
    node_id = params.get("node_id")
    if type(call_id) is not str or not call_id:
        raise RemoteProtocolError("calling.call.receive: call_id must be a non-empty string")
    get = params.get
    tag, call_state, direction, context = (
        get("tag"), get("call_state"), get("direction"), get("context")
    )  # fmt: skip
    view = _new(CallReceivePayload)
    view._params = params
    view.call_id = call_id  # type: ignore[assignment]
    view.node_id = node_id if type(node_id) is str else None
    view.tag = tag if type(tag) is str else None
    view.call_state = call_state if type(call_state) is str else None
    view.direction = direction if type(direction) is str else None
    view.context = context if type(context) is str else None
    view.device = get("device")
    return view


def dial_fields(params: JSONObject) -> tuple[str, str, CallObject | None]:
    """``calling.call.dial``'s checked fields: ``(tag, dial_state, call)``.

    What :func:`decode_dial` reads, with no view built (every dial's outcome).
    """
    tag = params.get("tag")
    dial_state = params.get("dial_state")
    if type(tag) is not str or not tag:
        raise RemoteProtocolError("calling.call.dial: tag must be a non-empty string")
    if type(dial_state) is not str or not dial_state:
        raise RemoteProtocolError("calling.call.dial: dial_state must be a non-empty string")
    call = params.get("call")
    return tag, dial_state, None if call is None else _read_call(call)


def decode_dial(params: JSONObject) -> DialPayload:
    """Read ``calling.call.dial`` params (a winner without a ``call_id`` reads ``None``)."""
    _checked(params, DialPayload.event_type, "tag", "dial_state")
    return DialPayload._wrap(params)


def decode_connect(params: JSONObject) -> ConnectPayload:
    """Read ``calling.call.connect`` params (a peer without a ``call_id`` reads ``None``)."""
    _checked(params, ConnectPayload.event_type, "call_id", "connect_state")
    return ConnectPayload._wrap(params)


def decode_error(params: JSONObject) -> CallErrorPayload:
    """Read ``calling.error`` params (nothing required)."""
    return CallErrorPayload._wrap(params)


_DECODERS: Final[Mapping[str, Callable[[JSONObject], Payload]]] = {
    CallStatePayload.event_type: decode_state,
    CallReceivePayload.event_type: decode_receive,
    DialPayload.event_type: decode_dial,
    ConnectPayload.event_type: decode_connect,
    PlayPayload.event_type: decode_play,
    CallErrorPayload.event_type: decode_error,
    # The action and plain-verb events (RELAY.md H.5: _action_payloads).
    **{
        event_type: cast("Callable[[JSONObject], Payload]", cls.decode)
        for event_type, cls in (*ACTION_PAYLOADS.items(), *ACTIVITY_PAYLOADS.items())
    },
}

#: The event types the payload codec models.
EVENT_TYPES: Final = frozenset(_DECODERS)


def decode_payload(event_type: str, params: JSONObject) -> Payload | None:
    """The payload of one event, or ``None`` for a type the codec does not model.

    Raises:
        RemoteProtocolError: a modelled payload lacks a key field (the
            message names the event type and the field, never a value).
    """
    decoder = _DECODERS.get(event_type)
    return None if decoder is None else decoder(params)


def encode_payload(payload: Payload) -> JSONDict:
    """The wire ``params`` of ``payload`` (its event type is ``payload.event_type``).

    Built payloads put the modelled fields first, in the order of RELAY.md's
    examples (``None`` ones left out), then ``extra``.  A fresh dict each call.
    """
    return payload.to_wire()
