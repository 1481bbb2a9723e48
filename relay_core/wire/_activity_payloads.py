"""Payload views of the plain verbs' events (RELAY.md H.5.14): refer, hold,
denoise, echo (keyed by ``call_id``) and conference (keyed by
``conference_id``).  No lifecycle reads them: the session surfaces them as
``CallActivity``."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar, Final, TypeAlias

from .._ids import JSONObject
from ._payload_view import _NO_EXTRA, _checked, _Field, _read_key, _Text, _View
from ._verb_view import _CallView, _read_bool

__all__ = [
    "ACTIVITY_PAYLOADS",
    "ActivityPayload",
    "ConferencePayload",
    "DenoisePayload",
    "EchoPayload",
    "HoldPayload",
    "ReferPayload",
]


# --- plain verbs' events ------------------------------------------------------------------


class ReferPayload(_CallView):
    """``calling.call.refer`` (H.5.14): ``state`` and the SIP response codes (strings)."""

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.refer"
    state = _Text("state")
    sip_refer_to = _Text("sip_refer_to")
    sip_refer_response_code = _Text("sip_refer_response_code")
    sip_notify_response_code = _Text("sip_notify_response_code")

    def __init__(
        self,
        call_id: str,
        *,
        node_id: str | None = None,
        state: str | None = None,
        sip_refer_to: str | None = None,
        sip_refer_response_code: str | None = None,
        sip_notify_response_code: str | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (("node_id", node_id), ("call_id", call_id), ("state", state),
             ("sip_refer_to", sip_refer_to),
             ("sip_refer_response_code", sip_refer_response_code),
             ("sip_notify_response_code", sip_notify_response_code)),
            extra,
        )  # fmt: skip


class _CallStateView(_CallView):
    __slots__ = ()
    state = _Text("state")

    def __init__(
        self,
        call_id: str,
        *,
        node_id: str | None = None,
        state: str | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init((("node_id", node_id), ("call_id", call_id), ("state", state)), extra)


class HoldPayload(_CallStateView):
    """``calling.call.hold`` (H.5.14): ``state``."""

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.hold"


class EchoPayload(_CallStateView):
    """``calling.call.echo`` (H.5.14): ``state``."""

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.echo"


class DenoisePayload(_CallView):
    """``calling.call.denoise`` (H.5.14): ``denoised`` (bool)."""

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.denoise"
    denoised: _Field[bool] = _Field("denoised", _read_bool)

    def __init__(
        self,
        call_id: str,
        *,
        node_id: str | None = None,
        denoised: bool | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init((("node_id", node_id), ("call_id", call_id), ("denoised", denoised)), extra)


class ConferencePayload(_View):
    """``calling.conference`` (H.5.14): keyed by ``conference_id``, maybe ``call_id``."""

    __slots__ = ("conference_id",)
    _slot_readers = MappingProxyType({"conference_id": _read_key})
    event_type: ClassVar[str] = "calling.conference"
    conference_id: str
    name = _Text("name")
    status = _Text("status")
    call_id = _Text("call_id")
    node_id = _Text("node_id")

    @classmethod
    def decode(cls, params: JSONObject) -> ConferencePayload:
        _checked(params, cls.event_type, "conference_id")
        return cls._wrap(params)

    def __init__(
        self,
        conference_id: str,
        *,
        name: str | None = None,
        status: str | None = None,
        call_id: str | None = None,
        node_id: str | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (("conference_id", conference_id), ("name", name), ("status", status),
             ("call_id", call_id), ("node_id", node_id)),
            extra,
        )  # fmt: skip


ActivityPayload: TypeAlias = (
    ReferPayload | HoldPayload | DenoisePayload | EchoPayload | ConferencePayload
)

#: The payload class of each plain verb's event type.
ACTIVITY_PAYLOADS: Final[Mapping[str, type[ActivityPayload]]] = MappingProxyType(
    {cls.event_type: cls
     for cls in (ReferPayload, HoldPayload, DenoisePayload, EchoPayload, ConferencePayload)}
)  # fmt: skip
