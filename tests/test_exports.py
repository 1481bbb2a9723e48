"""Pin each package's public API: a change here is a deliberate API change."""

from __future__ import annotations

import relay_core

CORE = {
    "CONVERTER", "Answer", "AudioMedia", "AuthenticationError", "AuthenticationFailed",
    "CallErrorReported", "CallGoneError", "CallId", "CallInfo", "CallReceived", "CallRef",
    "CallState", "CallStateChanged", "Command", "Connect", "ConnectError", "ConnectState",
    "ConnectStateChanged", "ConnectionLostError", "ControlId", "Device", "DevicePlan", "Dial",
    "DialError", "DialState", "DialStateChanged", "Disconnect", "Event", "FailureKind", "Hangup",
    "InboundCallRefused", "JSONObject", "JSONValue", "LivenessLost", "LocalProtocolError",
    "Media", "NodeId", "OtherDevice", "OtherMedia", "Pass", "PhoneDevice", "Ping", "Play",
    "PlayPause", "PlayResume", "PlayState", "PlayStateChanged", "PlayStop", "PlayVolume",
    "ProtocolError", "RawRequest", "Receive", "RelayConfig", "RelayError", "RelaySession",
    "RemoteProtocolError", "RequestCompleted", "RequestError", "RequestFailed", "RequestId",
    "RequestTimeoutError", "RingtoneMedia", "SessionClosedError", "SessionEnding",
    "SessionStarted", "SessionState", "SessionStatistics", "SilenceMedia", "SipDevice",
    "SipHeader", "Tag", "TtsMedia", "Unreceive", "UnknownEvent", "device_from_wire",
    "device_plan", "device_plan_to_wire", "device_to_wire", "media_from_wire", "media_list",
    "media_list_to_wire", "media_to_wire",
    "InvalidArgumentError",
    # connection policy and log redaction
    "DEFAULT_HOST", "ConnectPolicy", "ConnectionFailedError", "FailureCause", "describe_frame",
    "wire_logger", "decode_event", "ServerEvent",
    # decisions both adapters share (endpoint, frame limit, credentials, dial timeout)
    "MAX_FRAME_BYTES", "Credentials", "DialTimeoutError", "Endpoint", "credentials_from",
    "endpoint", "space_host",
    # issue 13: every calling verb (RELAY.md H.5)
    "AI", "AIHold", "AIMessage", "AIStop", "AIUnhold", "AmazonBedrock",
    "BindDigit", "ClearDigitBindings", "Collect", "CollectDigits", "CollectSpeech",
    "CollectStartInputTimers", "ActionEndedError",
    "CollectStop", "Denoise", "DenoiseStop", "Detect", "DetectStop", "Detector",
    "Echo", "Hold", "JoinConference", "JoinRoom", "LeaveConference", "LeaveRoom",
    "LiveTranscribe", "LiveTranslate", "Pay", "PayStop", "PlayAndCollect", "PlayAndCollectStop",
    "PlayAndCollectVolume", "QueueEnter", "QueueLeave", "ReceiveFax", "ReceiveFaxStop", "Record",
    "RecordPause", "RecordResume", "RecordStop", "Refer", "ReferDevice", "SendDigits",
    "SendFax", "SendFaxStop", "Stream", "StreamStop", "Tap", "TapDevice",
    "TapStop", "Transcribe", "TranscribeStop", "Transfer", "Unhold", "UserEvent",
    # the fake server and its telephone network
    "CloseRequest", "ConnectionId", "FakeRelayServer", "JournalEntry", "RpcError", "SentEvent",
    "SessionInfo", "Answers", "Busy", "Declines", "DestinationBehavior", "Directory", "Fails",
    "NeverAnswers", "PhoneNetwork", "SimulatedCall",
    # shared by both adapters: argument checks, buffer bounds, error choice
    "CALL_EVENT_BUFFER", "CLIENT_EVENT_BUFFER", "check_choice", "check_contexts", "check_count",
    "check_tls_option",
    "check_flag", "check_port", "check_secret", "check_text", "check_timeout", "work_error",
    "http_status_cause",
    # the official SDK's RELAY_MAX_ACTIVE_CALLS, read the same way by every adapter
    "MAX_CALLS_VARIABLE", "max_calls_from",
    # actions (RELAY.md H.5): their kinds and events
    "ActionKind", "ActionUpdated", "ActionFinished", "CallActivity", "stop_command_for",
    # the serve drain both adapters run
    "DEFAULT_GRACE", "DRAIN_HANGUP_TIMEOUT", "ServeSummary",
    # messaging (RELAY.md J)
    "DEFAULT_MESSAGE_CONTEXT", "TERMINAL_MESSAGE_STATES", "InboundMessageRefused", "MessageId",
    "MessageInfo", "MessageReceived", "MessageState", "MessageStateChanged", "SendMessage",
    "message_context", "message_transition",
}  # fmt: skip

TESTING = {
    "CLIENT_TO_SERVER", "DEFAULT_JOURNAL_LIMIT", "SERVER_TO_CLIENT", "WRITE_TIMEOUT", "Answers",
    "Busy", "CallerScript", "CloseRequest", "ConnectionId", "Declines", "DestinationBehavior",
    "Directory",
    "FakeRelayServer", "FakeServerScripting", "Fails", "JournalEntry", "NeverAnswers",
    "PhoneNetwork", "RpcError", "SentEvent", "SessionInfo", "SimulatedCall",
    "Delivered", "MessageBehavior", "MessageDirectory", "MessageFails", "NeverConfirmed",
    "SimulatedMessage", "Undelivered",
}  # fmt: skip


def test_relay_core_all() -> None:
    assert set(relay_core.__all__) == CORE
    for name in relay_core.__all__:
        assert hasattr(relay_core, name), name


def test_relay_core_testing_all() -> None:
    import relay_core.fake
    import relay_core.testing

    assert set(relay_core.testing.__all__) == TESTING
    for name in relay_core.testing.__all__:
        assert getattr(relay_core.testing, name) is getattr(relay_core.fake, name), name


def test_subpackages_export_what_they_list() -> None:
    import relay_core.client
    import relay_core.wire

    for package in (relay_core.client, relay_core.wire):
        for name in package.__all__:
            assert hasattr(package, name), (package.__name__, name)
    # Every top-level name is the very object its layer defines.
    assert relay_core.RelaySession is relay_core.client.RelaySession
    assert relay_core.PhoneDevice is relay_core.wire.PhoneDevice


ASYNCIO = {
    "Action", "AuthenticationError", "Call", "CallGoneError", "CallHandler", "ConnectError",
    "ConnectResult", "ConnectionLostError", "DialError", "EventHandler", "LocalProtocolError",
    "PlayAction", "ProtocolError", "RelayClient", "RelayError", "RemoteProtocolError",
    "RequestError", "RequestTimeoutError", "SessionClosedError", "websocket_url",
    "InvalidArgumentError",
    "ConnectionFailedError",
    "DialTimeoutError",
    # the official SDK's event classes and constants (issue 14)
    "CallReceiveEvent", "CallStateEvent", "CallingErrorEvent", "ConnectEvent", "DialEvent",
    "PlayEvent", "RelayEvent", "parse_event",
    "CollectEvent", "ConferenceEvent", "DenoiseEvent", "DetectEvent", "EchoEvent", "FaxEvent",
    "HoldEvent", "PayEvent", "QueueEvent", "RecordEvent", "ReferEvent", "SendDigitsEvent",
    "StreamEvent", "TapEvent", "TranscribeEvent", "MessageReceiveEvent", "MessageStateEvent",
    "CALL_STATE_ANSWERED", "CALL_STATE_CREATED", "CALL_STATE_ENDED", "CALL_STATE_ENDING",
    "CALL_STATE_RINGING", "CONNECT_STATE_CONNECTED", "CONNECT_STATE_CONNECTING",
    "CONNECT_STATE_DISCONNECTED", "CONNECT_STATE_FAILED", "EVENT_CALLING_ERROR",
    "EVENT_CALL_COLLECT", "EVENT_CALL_CONNECT", "EVENT_CALL_DENOISE", "EVENT_CALL_DETECT",
    "EVENT_CALL_DIAL", "EVENT_CALL_ECHO", "EVENT_CALL_FAX", "EVENT_CALL_PAY", "EVENT_CALL_PLAY",
    "EVENT_CALL_QUEUE", "EVENT_CALL_RECEIVE", "EVENT_CALL_RECORD", "EVENT_CALL_REFER",
    "EVENT_CALL_SEND_DIGITS", "EVENT_CALL_STATE", "EVENT_CALL_STREAM", "EVENT_CALL_TAP",
    "EVENT_CALL_TRANSCRIBE", "EVENT_CONFERENCE", "EVENT_MESSAGING_RECEIVE",
    "EVENT_MESSAGING_STATE", "MESSAGE_STATE_DELIVERED", "MESSAGE_STATE_FAILED",
    "MESSAGE_STATE_INITIATED", "MESSAGE_STATE_QUEUED", "MESSAGE_STATE_RECEIVED",
    "MESSAGE_STATE_SENT", "MESSAGE_STATE_UNDELIVERED",
    "serve",  # relay_trio.serve's twin, with the same drain
    "Message", "MessageHandler",
    # the official SDK's action classes (issue 13)
    "AIAction", "CollectAction", "DetectAction", "FaxAction", "PayAction", "RecordAction",
    "StandaloneCollectAction", "StreamAction", "TapAction", "TranscribeAction",
}  # fmt: skip


def test_relay_asyncio_all() -> None:
    import relay_asyncio

    assert set(relay_asyncio.__all__) == ASYNCIO
    for name in relay_asyncio.__all__:
        assert hasattr(relay_asyncio, name), name
    # The official SDK's error names and class names keep working after the import swap.
    assert relay_asyncio.RelayError is relay_core.RelayError
