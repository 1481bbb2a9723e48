"""Stateless decoding of one ``signalwire.event``'s params into its typed event.

The session decodes events against what it tracks (which dial a leg belongs
to, which play a control id names); tools that only watch frames (the fake
server's CLI log, a test's journal) need the typed event without a session.
:func:`decode_event` gives it: the same classes and field names, each
event's :attr:`event_type` the wire name it came from.  The params are
read by the wire payload codec (``relay_core.wire._payloads``), so the
rules are the session's: the key of each event (call id, tag, control id,
state) is required, other fields are optional.
"""

from __future__ import annotations

from .._errors import RemoteProtocolError
from .._ids import CallId, ControlId, JSONObject, NodeId, Tag
from ..wire._action_payloads import ACTION_PAYLOADS, ActionPayload, FaxPayload
from ..wire._activity_payloads import ACTIVITY_PAYLOADS
from ..wire._device_cache import server_device
from ..wire._message_payloads import MESSAGE_EVENT_TYPES, MESSAGE_RECEIVE, decode_message_payload
from ..wire._payloads import (
    CallErrorPayload,
    CallObject,
    CallReceivePayload,
    CallStatePayload,
    ConnectPayload,
    DialPayload,
    PlayPayload,
    decode_payload,
)
from ..wire._wire import parse_code
from ._action_events import ActionUpdated, CallActivity
from ._action_kinds import ActionKind
from ._events import (
    CallErrorReported,
    CallInfo,
    CallReceived,
    CallRef,
    CallStateChanged,
    ConnectStateChanged,
    DialStateChanged,
    PlayStateChanged,
    ServerEvent,
    UnknownEvent,
)
from ._message_events import (
    MessageId,
    MessageInfo,
    MessageReceived,
    MessageState,
    MessageStateChanged,
)
from ._state import CallState, ConnectState, DialState, PlayState

__all__ = ["decode_event"]


def _tag(text: str | None) -> Tag | None:
    return Tag(text) if text else None


def _info(call: CallObject | CallStatePayload | CallReceivePayload, *, direction: str) -> CallInfo:
    """A call snapshot from a decoded call object."""
    peer = call.peer if isinstance(call, CallStatePayload) else None
    raw_state = call.call_state
    return CallInfo(
        call_id=CallId(call.call_id),
        node_id=NodeId(call.node_id or ""),
        tag=_tag(call.tag),
        direction=call.direction or direction or None,
        state=CallState(raw_state) if raw_state else CallState.CREATED,
        device=server_device(call.device),
        context=call.context or None,
        peer=None if peer is None else CallRef(CallId(peer.call_id), NodeId(peer.node_id or "")),
        end_reason=call.end_reason if isinstance(call, CallStatePayload) else None,
    )


def _ref(call_id: str, node_id: str | None) -> CallRef:
    return CallRef(CallId(call_id), NodeId(node_id or ""))


def decode_event(event_type: str, params: JSONObject) -> ServerEvent:
    """The typed event for one event's ``event_type`` and ``params`` (no session needed).

    A thin layer over the wire payload codec (the one the session and the
    fake server use).  A type this library does not model is an
    :class:`UnknownEvent` (data, never an error).

    Raises:
        RemoteProtocolError: a modelled event lacks its key (call id, tag,
            control id or state); the message names the field, never a value.
    """
    if event_type in MESSAGE_EVENT_TYPES:
        return _message_event(event_type, params)
    payload = decode_payload(event_type, params)
    if isinstance(payload, CallStatePayload):
        info = _info(payload, direction="")
        return CallStateChanged(
            call=info, state=info.state, tag=info.tag, end_reason=info.end_reason
        )
    if isinstance(payload, PlayPayload):
        if payload.call_id is None:
            raise RemoteProtocolError(f"{event_type}: call_id must be a non-empty string")
        return PlayStateChanged(
            call=_ref(payload.call_id, payload.node_id),
            control_id=ControlId(payload.control_id),
            state=PlayState(payload.state),
        )
    if isinstance(payload, CallReceivePayload):
        info = _info(payload, direction="inbound")
        return CallReceived(call=info, context=info.context)
    if isinstance(payload, DialPayload):
        winner = payload.call
        return DialStateChanged(
            tag=Tag(payload.tag),
            state=DialState(payload.dial_state),
            call=None if winner is None else _info(winner, direction=""),
            reason=payload.reason or None,
        )
    if isinstance(payload, ConnectPayload):
        peer = payload.peer
        return ConnectStateChanged(
            call=_ref(payload.call_id, payload.node_id),
            tag=_tag(payload.tag),
            state=ConnectState(payload.connect_state),
            peer=None if peer is None else _info(peer, direction=""),
            failed_reason=payload.failed_reason or None,
        )
    if event_type in ACTION_PAYLOADS:
        return _action_update(event_type, payload)  # type: ignore[arg-type]
    if event_type in ACTIVITY_PAYLOADS:
        call_id = getattr(payload, "call_id", None)
        node_id = getattr(payload, "node_id", None)
        return CallActivity(
            call=_ref(call_id, node_id) if call_id else None,
            payload=payload,  # type: ignore[arg-type]
        )
    if isinstance(payload, CallErrorPayload):
        code = parse_code(payload.code)
        call_id = payload.call_id
        return CallErrorReported(
            call=_ref(call_id, payload.node_id) if call_id else None,
            code=-1 if code is None else code,
            message=payload.message or "",
            params=params,
        )
    return UnknownEvent(event_type=event_type, params=params)


def _action_update(event_type: str, payload: ActionPayload) -> ActionUpdated:
    """An action's event, out of context: its kind read from the event type
    (a fax event is ``RECEIVE_FAX`` when its ``direction`` says ``receive``,
    else ``SEND_FAX``; a collect event ``COLLECT``, never play_and_collect)."""
    if payload.call_id is None:
        raise RemoteProtocolError(f"{event_type}: call_id must be a non-empty string")
    if isinstance(payload, FaxPayload):
        kind = ActionKind.RECEIVE_FAX if payload.direction == "receive" else ActionKind.SEND_FAX
    else:
        kind = ActionKind(event_type.removeprefix("calling.call."))
    return ActionUpdated(
        call=_ref(payload.call_id, payload.node_id),
        control_id=ControlId(payload.control_id),
        kind=kind,
        payload=payload,
    )


def _message_event(event_type: str, params: JSONObject) -> MessageReceived | MessageStateChanged:
    """A ``messaging.*`` event, typed (an unknown ``message_state`` raises)."""
    payload = decode_message_payload(event_type, params)
    try:
        state = MessageState(payload.message_state)
    except ValueError:
        raise RemoteProtocolError(f"{event_type}: message_state is not a known state") from None
    info = MessageInfo(
        message_id=MessageId(payload.message_id),
        direction=payload.direction,
        context=payload.context,
        from_number=payload.from_number,
        to_number=payload.to_number,
        body=payload.body,
        media=payload.media,
        segments=payload.segments,
        tags=payload.tags,
        state=state,
        reason=payload.reason,
    )
    if event_type == MESSAGE_RECEIVE:
        return MessageReceived(message=info)
    return MessageStateChanged(message=info, state=state, reason=payload.reason)
