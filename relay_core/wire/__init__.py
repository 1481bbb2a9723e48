"""The wire layer: what travels on the socket, shared by both roles.

The JSON-RPC 2.0 envelope codec (:func:`decode` is the single decode
boundary of the client session and of the fake server; ``encode_*`` write
frames), the payload codec of the ``calling.*`` events
(:func:`decode_payload` and :func:`encode_payload`, used by both roles), the
device and media values with their wire converters, and the frame
description used for logging (a frame is described, never quoted).
Nothing here knows sessions, calls or time.
"""

from ._convert import (
    CONVERTER,
    device_from_wire,
    device_plan,
    device_plan_to_wire,
    device_to_wire,
    media_from_wire,
    media_list,
    media_list_to_wire,
    media_to_wire,
)
from ._payloads import (
    EVENT_TYPES,
    CallErrorPayload,
    CallObject,
    CallReceivePayload,
    CallStatePayload,
    ConnectPayload,
    DialPayload,
    Payload,
    PlayPayload,
    decode_payload,
    encode_payload,
)
from ._redact import describe_frame, wire_logger
from ._values import (
    AudioMedia,
    Device,
    DevicePlan,
    Media,
    OtherDevice,
    OtherMedia,
    PhoneDevice,
    RingtoneMedia,
    SilenceMedia,
    SipDevice,
    SipHeader,
    TtsMedia,
)
from ._wire import (
    MAX_DEPTH,
    ErrorResponse,
    MalformedRequestError,
    Message,
    Request,
    Response,
    WireId,
    decode,
    dumps,
    encode_error,
    encode_request,
    encode_result,
    is_success_code,
    parse_code,
)

__all__ = [
    "CONVERTER",
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
    "MAX_DEPTH",
    "AudioMedia",
    "Device",
    "DevicePlan",
    "ErrorResponse",
    "MalformedRequestError",
    "Media",
    "Message",
    "OtherDevice",
    "OtherMedia",
    "PhoneDevice",
    "Request",
    "Response",
    "RingtoneMedia",
    "SilenceMedia",
    "SipDevice",
    "SipHeader",
    "TtsMedia",
    "WireId",
    "decode",
    "describe_frame",
    "device_from_wire",
    "device_plan",
    "device_plan_to_wire",
    "device_to_wire",
    "dumps",
    "encode_error",
    "encode_request",
    "encode_result",
    "is_success_code",
    "media_from_wire",
    "media_list",
    "media_list_to_wire",
    "media_to_wire",
    "parse_code",
    "wire_logger",
]
