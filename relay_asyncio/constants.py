"""The official SDK's constants (``signalwire.relay.constants``), as plain strings.

States the core models come from its enums (``relay_core.CallState`` and
friends), so the two cannot drift; the rest are RELAY's wire names.  The
SDK's protocol internals (``PROTOCOL_VERSION``, ``METHOD_*``,
``RECONNECT_*``) are left out on purpose: they are the core's decisions,
not knobs a program reads.
"""

from __future__ import annotations

from typing import Final

from relay_core import (
    DEFAULT_HOST,
    CallErrorReported,
    CallReceived,
    CallState,
    CallStateChanged,
    ConnectState,
    ConnectStateChanged,
    DialStateChanged,
    PlayState,
    PlayStateChanged,
)

# -- call states ----------------------------------------------------------------
CALL_STATE_CREATED: Final = CallState.CREATED.value
CALL_STATE_RINGING: Final = CallState.RINGING.value
CALL_STATE_ANSWERED: Final = CallState.ANSWERED.value
CALL_STATE_ENDING: Final = CallState.ENDING.value
CALL_STATE_ENDED: Final = CallState.ENDED.value
CALL_STATES: Final = tuple(state.value for state in CallState)

# -- end reasons (the server's words) -------------------------------------------------
END_REASON_HANGUP: Final = "hangup"
END_REASON_CANCEL: Final = "cancel"
END_REASON_BUSY: Final = "busy"
END_REASON_NO_ANSWER: Final = "noAnswer"
END_REASON_DECLINE: Final = "decline"
END_REASON_ERROR: Final = "error"
END_REASON_ABANDONED: Final = "abandoned"
END_REASON_MAX_DURATION: Final = "max_duration"
END_REASON_NOT_FOUND: Final = "not_found"

# -- connect states ---------------------------------------------------------------
CONNECT_STATE_CONNECTING: Final = ConnectState.CONNECTING.value
CONNECT_STATE_CONNECTED: Final = ConnectState.CONNECTED.value
CONNECT_STATE_DISCONNECTED: Final = ConnectState.DISCONNECTED.value
CONNECT_STATE_FAILED: Final = ConnectState.FAILED.value

# -- event types ------------------------------------------------------------------
EVENT_CALL_STATE: Final = CallStateChanged.event_type
EVENT_CALL_RECEIVE: Final = CallReceived.event_type
EVENT_CALL_CONNECT: Final = ConnectStateChanged.event_type
EVENT_CALL_PLAY: Final = PlayStateChanged.event_type
EVENT_CALL_DIAL: Final = DialStateChanged.event_type
EVENT_CALLING_ERROR: Final = CallErrorReported.event_type
EVENT_CALL_COLLECT: Final = "calling.call.collect"
EVENT_CALL_RECORD: Final = "calling.call.record"
EVENT_CALL_DETECT: Final = "calling.call.detect"
EVENT_CALL_FAX: Final = "calling.call.fax"
EVENT_CALL_TAP: Final = "calling.call.tap"
EVENT_CALL_SEND_DIGITS: Final = "calling.call.send_digits"
EVENT_CALL_REFER: Final = "calling.call.refer"
EVENT_CALL_DENOISE: Final = "calling.call.denoise"
EVENT_CALL_PAY: Final = "calling.call.pay"
EVENT_CALL_QUEUE: Final = "calling.call.queue"
EVENT_CALL_STREAM: Final = "calling.call.stream"
EVENT_CALL_ECHO: Final = "calling.call.echo"
EVENT_CALL_TRANSCRIBE: Final = "calling.call.transcribe"
EVENT_CALL_HOLD: Final = "calling.call.hold"
EVENT_CONFERENCE: Final = "calling.conference"
EVENT_AUTHORIZATION_STATE: Final = "signalwire.authorization.state"
EVENT_MESSAGING_RECEIVE: Final = "messaging.receive"
EVENT_MESSAGING_STATE: Final = "messaging.state"

# -- message states ----------------------------------------------------------------
MESSAGE_STATE_QUEUED: Final = "queued"
MESSAGE_STATE_INITIATED: Final = "initiated"
MESSAGE_STATE_SENT: Final = "sent"
MESSAGE_STATE_DELIVERED: Final = "delivered"
MESSAGE_STATE_UNDELIVERED: Final = "undelivered"
MESSAGE_STATE_FAILED: Final = "failed"
MESSAGE_STATE_RECEIVED: Final = "received"
MESSAGE_TERMINAL_STATES: Final = (
    MESSAGE_STATE_DELIVERED,
    MESSAGE_STATE_UNDELIVERED,
    MESSAGE_STATE_FAILED,
)

# -- action states and kinds -------------------------------------------------------------
PLAY_STATE_PLAYING: Final = PlayState.PLAYING.value
PLAY_STATE_PAUSED: Final = PlayState.PAUSED.value
PLAY_STATE_FINISHED: Final = PlayState.FINISHED.value
PLAY_STATE_ERROR: Final = PlayState.ERROR.value
RECORD_STATE_RECORDING: Final = "recording"
RECORD_STATE_PAUSED: Final = "paused"
RECORD_STATE_FINISHED: Final = "finished"
RECORD_STATE_NO_INPUT: Final = "no_input"
DETECT_TYPE_MACHINE: Final = "machine"
DETECT_TYPE_FAX: Final = "fax"
DETECT_TYPE_DIGIT: Final = "digit"
ROOM_STATE_JOINING: Final = "joining"
ROOM_STATE_JOIN: Final = "join"
ROOM_STATE_LEAVING: Final = "leaving"
ROOM_STATE_LEAVE: Final = "leave"

#: The Space host the client dials without ``host`` and ``SIGNALWIRE_SPACE``.
DEFAULT_RELAY_HOST: Final = DEFAULT_HOST
