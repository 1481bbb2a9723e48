"""Timeline lines for the verbs' events (RELAY.md H.5): record, collect, detect, fax, pay...

Read from the event's params as sent (no values of a credential ever travel
in these events); an event missing what a line needs gets a shorter line,
never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from relay_core import JSONObject, JSONValue

__all__ = ["describe_verb"]


def _text(params: JSONObject, key: str) -> str | None:
    value = params.get(key)
    return value if isinstance(value, str) and value else None


def _object(params: JSONObject, key: str) -> JSONObject:
    value = params.get(key)
    return value if isinstance(value, Mapping) else {}


def _value(value: JSONValue) -> str:
    return value if isinstance(value, str) else repr(value)


def _action(kind: str, params: JSONObject) -> str:
    control_id = _text(params, "control_id") or "?"
    return f"{kind} {control_id} on call {_text(params, 'call_id') or '?'}"


def _record(params: JSONObject) -> str:
    line = f"{_action('record', params)} {_text(params, 'state') or '?'}"
    inner = _object(params, "record")
    url = _text(params, "url") or _text(inner, "url")
    if url is not None:
        duration = params.get("duration", inner.get("duration"))
        size = params.get("size", inner.get("size"))
        line += f": {url} ({_value(duration)} s, {_value(size)} bytes)"
    return line


def _collect(params: JSONObject) -> str:
    line = _action("collect", params)
    result = _object(params, "result")
    inner = _object(result, "params")
    kind = _text(result, "type")
    if kind == "digit":
        what = f"digits {_text(inner, 'digits') or '(none)'}"
        if _text(inner, "terminator"):
            what += f" (terminator {_text(inner, 'terminator')})"
    elif kind == "speech":
        what = f"speech {_value(inner.get('text'))} ({_value(inner.get('confidence'))}%)"
    else:
        what = kind or _text(params, "state") or "?"
    if params.get("final") is False:
        what += " (partial)"
    elif _text(params, "state") == "collecting" and kind not in (None, "start_of_input"):
        what += " (continuous)"
    return f"{line}: {what}"


def _detect(params: JSONObject) -> str:
    detect = _object(params, "detect")
    inner = _object(detect, "params")
    line = f"{_action('detect', params)} ({_text(detect, 'type') or '?'}): "
    line += _text(inner, "event") or "?"
    return line + (" (beep)" if inner.get("beep") is True else "")


def _fax(params: JSONObject) -> str:
    fax = _object(params, "fax")
    inner = _object(fax, "params")
    kind = _text(fax, "type") or "?"
    line = f"{_action('fax', params)} ({_text(inner, 'direction') or '?'}) "
    pages = inner.get("pages")
    if kind == "page":
        return f"{line}page {_value(pages)}"
    success = inner.get("success")
    verdict = "?" if not isinstance(success, bool) else "success" if success else "failed"
    return f"{line}{kind}: {verdict}, {_value(pages)} pages"


def _pay(params: JSONObject) -> str:
    line = _action("pay", params)
    result = _text(params, "result")
    if result is not None:
        return f"{line}: result {result}"
    step = f"{line}: {_text(params, 'for') or '?'} (attempt {_value(params.get('attempt'))})"
    error = _text(params, "error_type")
    return step + (f", {error}" if error else "")


def _queue(params: JSONObject) -> str:
    line = f"{_action('queue', params)}: {_text(params, 'status') or '?'}"
    return (
        f"{line} in {_text(params, 'name') or '?'} "
        f"(position {_value(params.get('position'))} of {_value(params.get('size'))})"
    )


def _stateful(kind: str) -> Callable[[JSONObject], str]:
    def line(params: JSONObject) -> str:
        state = _text(params, "state") or "?"
        if kind in ("hold", "echo"):
            return f"{kind} on call {_text(params, 'call_id') or '?'} {state}"
        return f"{_action(kind, params)} {state}"

    return line


def _refer(params: JSONObject) -> str:
    line = f"refer on call {_text(params, 'call_id') or '?'} {_text(params, 'state') or '?'}"
    line += f" to {_text(params, 'sip_refer_to') or '?'}"
    notify = _text(params, "sip_notify_response_code")
    return line + (f" (SIP {notify})" if notify else "")


def _denoise(params: JSONObject) -> str:
    denoised = params.get("denoised")
    on = "?" if not isinstance(denoised, bool) else "on" if denoised else "off"
    return f"denoise on call {_text(params, 'call_id') or '?'} {on}"


def _conference(params: JSONObject) -> str:
    name = _text(params, "name") or "?"
    line = f"conference {name} ({_text(params, 'conference_id') or '?'})"
    call = _text(params, "call_id")
    return f"{line}: {f'call {call} ' if call else ''}{_text(params, 'status') or '?'}"


_LINES: Final[Mapping[str, Callable[[JSONObject], str]]] = {
    "calling.call.record": _record,
    "calling.call.collect": _collect,
    "calling.call.detect": _detect,
    "calling.call.fax": _fax,
    "calling.call.pay": _pay,
    "calling.call.queue": _queue,
    "calling.call.refer": _refer,
    "calling.call.denoise": _denoise,
    "calling.conference": _conference,
    **{
        f"calling.call.{kind}": _stateful(kind)
        for kind in ("tap", "stream", "transcribe", "ai", "send_digits", "hold", "echo")
    },
}


def describe_verb(event_type: str, params: JSONObject) -> str | None:
    """One timeline line for a verb's event, ``None`` for other event types."""
    line = _LINES.get(event_type)
    return None if line is None else line(params)
