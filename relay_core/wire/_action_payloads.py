"""Payload views of the action events (RELAY.md H.5), for both roles.

Built like :mod:`._payloads` (the same ``_View`` machinery, registered in the
one codec there): decoding checks the key field (``control_id``) and wraps
the params; every other field is read when asked and reads ``None`` when
absent or of the wrong type.  Nested results (a collect's ``result``, a
detect's ``detect``, a fax's ``fax``) are modelled as their raw object
(round-tripped like any field) plus read-only properties for what a program
reads inside them (``digits``, ``event``, ``pages``...).

Two wire keys are not Python names: pay's ``for`` is ``for_`` and queue's
``id`` is ``queue_id`` (``WIRE_NAMES`` maps them).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar, Final, TypeAlias

from .._ids import JSONObject, JSONValue
from ._payload_view import _NO_EXTRA, _device, _Field, _read_text, _Text
from ._verb_view import (
    _ActionView,
    _ids,
    _Nested,
    _read_bool,
    _read_count,
    _read_int,
    _read_number,
    _read_object,
    _top_or_inside,
)

__all__ = [
    "ACTION_PAYLOADS",
    "WIRE_NAMES",
    "AIPayload",
    "ActionPayload",
    "CollectPayload",
    "DetectPayload",
    "FaxPayload",
    "PayPayload",
    "QueuePayload",
    "RecordPayload",
    "SendDigitsPayload",
    "StreamPayload",
    "TapPayload",
    "TranscribePayload",
]

#: Wire key -> attribute name, where the wire key is not a Python name.
WIRE_NAMES: Final[Mapping[str, str]] = MappingProxyType({"for": "for_", "id": "queue_id"})


# --- action events ------------------------------------------------------------------


class RecordPayload(_ActionView):
    """``calling.call.record`` (H.5.2): ``state`` ``recording``, ``paused``, ``finished``...

    ``url``, ``duration`` and ``size`` are read top-level, else inside ``record``.
    """

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.record"
    state = _Text("state")
    record: _Field[JSONObject] = _Field("record", _read_object)
    _url = _Text("url")
    _duration: _Field[float] = _Field("duration", _read_number)
    _size: _Field[int] = _Field("size", _read_int)

    @property
    def url(self) -> str | None:
        """The recording's URL."""
        return _top_or_inside(self, "url", "record", _read_text)

    @property
    def duration(self) -> float | None:
        """Its length in seconds."""
        return _top_or_inside(self, "duration", "record", _read_number)

    @property
    def size(self) -> int | None:
        """Its size in bytes."""
        return _top_or_inside(self, "size", "record", _read_int)

    def __init__(
        self,
        control_id: str,
        *,
        call_id: str | None = None,
        node_id: str | None = None,
        state: str | None = None,
        record: JSONObject | None = None,
        url: str | None = None,
        duration: float | None = None,
        size: int | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (*_ids(node_id, call_id, control_id), ("state", state), ("record", record),
             ("url", url), ("duration", duration), ("size", size)),
            extra,
        )  # fmt: skip


class CollectPayload(_ActionView):
    """``calling.call.collect`` (H.5.3/H.5.4): ``result`` ``{type, params}``, ``final``, ``state``.

    ``final``/``state`` read ``None`` when absent; the lifecycle treats a
    missing ``final`` as true and a missing ``state`` as ``finished`` (H.5.3).
    """

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.collect"
    final: _Field[bool] = _Field("final", _read_bool)
    state = _Text("state")
    result: _Field[JSONObject] = _Field("result", _read_object)

    #: ``digit``, ``speech``, ``no_input``, ``no_match``, ``error``, ``start_of_input``.
    result_type = _Nested("result.type", _read_text)

    #: The digits collected (``digit`` results).
    digits = _Nested("result.params.digits", _read_text)

    #: The terminator pressed (``""`` if none; ``digit`` results).
    terminator = _Nested("result.params.terminator", _read_text)

    #: The words recognised (``speech`` results).
    text = _Nested("result.params.text", _read_text)

    #: The recogniser's confidence, 0-100 (``speech`` results).
    confidence = _Nested("result.params.confidence", _read_number)

    def __init__(
        self,
        control_id: str,
        *,
        call_id: str | None = None,
        node_id: str | None = None,
        final: bool | None = None,
        state: str | None = None,
        result: JSONObject | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (*_ids(node_id, call_id, control_id), ("final", final), ("state", state),
             ("result", result)),
            extra,
        )  # fmt: skip


class DetectPayload(_ActionView):
    """``calling.call.detect`` (H.5.5): ``detect: {type, params: {event, beep?}}``, no ``state``."""

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.detect"
    detect: _Field[JSONObject] = _Field("detect", _read_object)

    #: ``machine``, ``fax`` or ``digit``.
    detect_type = _Nested("detect.type", _read_text)

    #: ``HUMAN``, ``MACHINE``, ``READY``..., ``CED``, a digit, ``finished``, ``error``.
    event = _Nested("detect.params.event", _read_text)

    #: Whether a beep was heard (machine detection).
    beep = _Nested("detect.params.beep", _read_bool)

    def __init__(
        self,
        control_id: str,
        *,
        call_id: str | None = None,
        node_id: str | None = None,
        detect: JSONObject | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init((*_ids(node_id, call_id, control_id), ("detect", detect)), extra)


class FaxPayload(_ActionView):
    """``calling.call.fax`` (H.5.6): ``fax: {type, params}``, type ``page``, ``finished``...."""

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.fax"
    fax: _Field[JSONObject] = _Field("fax", _read_object)

    #: ``page`` (progress), ``finished`` or ``error``.
    fax_type = _Nested("fax.type", _read_text)

    #: ``send`` or ``receive``.
    direction = _Nested("fax.params.direction", _read_text)

    #: Pages so far (a number, or digits as in the fixtures: ``"3"``).
    pages = _Nested("fax.params.pages", _read_count)

    #: The terminal event's verdict.
    success = _Nested("fax.params.success", _read_bool)

    #: The terminal event's result code.
    result = _Nested("fax.params.result", _read_text)

    #: The terminal event's result text.
    result_text = _Nested("fax.params.result_text", _read_text)

    #: The document's URL (sent, or received).
    document = _Nested("fax.params.document", _read_text)

    #: Our identity.
    identity = _Nested("fax.params.identity", _read_text)

    #: The other side's identity.
    remote_identity = _Nested("fax.params.remote_identity", _read_text)

    def __init__(
        self,
        control_id: str,
        *,
        call_id: str | None = None,
        node_id: str | None = None,
        fax: JSONObject | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init((*_ids(node_id, call_id, control_id), ("fax", fax)), extra)


class TapPayload(_ActionView):
    """``calling.call.tap`` (H.5.7): ``state`` ``tapping``/``finished``, ``tap``, ``device``."""

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.tap"
    state = _Text("state")
    tap: _Field[JSONObject] = _Field("tap", _read_object)
    device = _device()

    def __init__(
        self,
        control_id: str,
        *,
        call_id: str | None = None,
        node_id: str | None = None,
        state: str | None = None,
        tap: JSONObject | None = None,
        device: JSONValue = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (*_ids(node_id, call_id, control_id), ("state", state), ("tap", tap),
             ("device", device)),
            extra,
        )  # fmt: skip


class StreamPayload(_ActionView):
    """``calling.call.stream`` (H.5.8): ``state`` ``streaming``/``finished``, ``url``, ``name``."""

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.stream"
    state = _Text("state")
    url = _Text("url")
    name = _Text("name")

    def __init__(
        self,
        control_id: str,
        *,
        call_id: str | None = None,
        node_id: str | None = None,
        state: str | None = None,
        url: str | None = None,
        name: str | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (*_ids(node_id, call_id, control_id), ("state", state), ("url", url),
             ("name", name)),
            extra,
        )  # fmt: skip


class PayPayload(_ActionView):
    """``calling.call.pay`` (H.5.9): progress (``for``, ``error_type``) or a ``result``.

    The wire key ``for`` is the attribute ``for_``.
    """

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.pay"
    _for = _Text("for")
    error_type = _Text("error_type")
    attempt: _Field[int] = _Field("attempt", _read_int)
    result = _Text("result")
    state = _Text("state")
    payment_token = _Text("payment_token")
    payment_confirmation_code = _Text("payment_confirmation_code")
    payment_card_number = _Text("payment_card_number")
    payment_card_type = _Text("payment_card_type")

    @property
    def for_(self) -> str | None:
        """What the caller is asked for (wire ``for``): ``payment-card-number``..."""
        return _read_text(self._params.get("for"))

    def __init__(
        self,
        control_id: str,
        *,
        call_id: str | None = None,
        node_id: str | None = None,
        for_: str | None = None,
        error_type: str | None = None,
        attempt: int | None = None,
        result: str | None = None,
        state: str | None = None,
        payment_token: str | None = None,
        payment_confirmation_code: str | None = None,
        payment_card_number: str | None = None,
        payment_card_type: str | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (*_ids(node_id, call_id, control_id), ("for", for_), ("error_type", error_type),
             ("attempt", attempt), ("result", result), ("state", state),
             ("payment_token", payment_token),
             ("payment_confirmation_code", payment_confirmation_code),
             ("payment_card_number", payment_card_number),
             ("payment_card_type", payment_card_type)),
            extra,
        )  # fmt: skip


class TranscribePayload(_ActionView):
    """``calling.call.transcribe`` (H.5.10): ``state``, ``url``, ``recording_id``..."""

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.transcribe"
    state = _Text("state")
    url = _Text("url")
    recording_id = _Text("recording_id")
    duration: _Field[float] = _Field("duration", _read_number)
    size: _Field[int] = _Field("size", _read_int)

    def __init__(
        self,
        control_id: str,
        *,
        call_id: str | None = None,
        node_id: str | None = None,
        state: str | None = None,
        url: str | None = None,
        recording_id: str | None = None,
        duration: float | None = None,
        size: int | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (*_ids(node_id, call_id, control_id), ("state", state), ("url", url),
             ("recording_id", recording_id), ("duration", duration), ("size", size)),
            extra,
        )  # fmt: skip


class _StateView(_ActionView):
    __slots__ = ()
    state = _Text("state")

    def __init__(
        self,
        control_id: str,
        *,
        call_id: str | None = None,
        node_id: str | None = None,
        state: str | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init((*_ids(node_id, call_id, control_id), ("state", state)), extra)


class SendDigitsPayload(_StateView):
    """``calling.call.send_digits`` (H.5.12): ``state`` ``finished`` (the only value)."""

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.send_digits"


class AIPayload(_StateView):
    """``calling.call.ai`` (H.5.11): ``state`` ``finished``/``error`` (may never come)."""

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.ai"


class QueuePayload(_ActionView):
    """``calling.call.queue`` (H.5.13): ``status``, ``id`` (attribute ``queue_id``), ``name``,
    ``position``, ``size``."""

    __slots__ = ()
    event_type: ClassVar[str] = "calling.call.queue"
    status = _Text("status")
    _id = _Text("id")
    name = _Text("name")
    position: _Field[int] = _Field("position", _read_int)
    size: _Field[int] = _Field("size", _read_int)

    @property
    def queue_id(self) -> str | None:
        """The queue's id (wire ``id``)."""
        return _read_text(self._params.get("id"))

    def __init__(
        self,
        control_id: str,
        *,
        call_id: str | None = None,
        node_id: str | None = None,
        status: str | None = None,
        queue_id: str | None = None,
        name: str | None = None,
        position: int | None = None,
        size: int | None = None,
        extra: JSONObject = _NO_EXTRA,
    ) -> None:
        self._init(
            (*_ids(node_id, call_id, control_id), ("status", status), ("id", queue_id),
             ("name", name), ("position", position), ("size", size)),
            extra,
        )  # fmt: skip


ActionPayload: TypeAlias = (
    RecordPayload | CollectPayload | DetectPayload | FaxPayload | TapPayload | StreamPayload
    | PayPayload | TranscribePayload | SendDigitsPayload | AIPayload | QueuePayload
)  # fmt: skip

#: The payload class of each action event type.
ACTION_PAYLOADS: Final[Mapping[str, type[ActionPayload]]] = MappingProxyType(
    {
        cls.event_type: cls
        for cls in (
            RecordPayload,
            CollectPayload,
            DetectPayload,
            FaxPayload,
            TapPayload,
            StreamPayload,
            PayPayload,
            TranscribePayload,
            SendDigitsPayload,
            AIPayload,
            QueuePayload,
        )
    }
)
