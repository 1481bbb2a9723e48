"""Pin relay_trio's public API: a change here is a deliberate API change."""

from __future__ import annotations

import relay_trio

TRIO = {
    "AuthenticationError", "Call", "CallGoneError", "ConnectError", "ConnectionLostError",
    "DialError", "DialTimeoutError", "EventStream", "LocalProtocolError", "Playback",
    "ProtocolError", "RelayClient", "RelayError", "RemoteProtocolError", "RequestError",
    "RequestTimeoutError", "SessionClosedError", "open_relay_client", "relay_url", "serve",
    "InvalidArgumentError",
    "ConnectionFailedError", "OpenTimeoutError", "Message",
    # issue 13: the action handles
    "Action", "AISession", "Collection", "Detection", "DigitSending", "Fax", "Payment",
    "PendingAction", "Prompt", "QueueEntry", "Recording", "Streaming", "Tapping",
    "Transcription",
}  # fmt: skip


def test_relay_trio_all() -> None:
    assert set(relay_trio.__all__) == TRIO
    for name in relay_trio.__all__:
        assert hasattr(relay_trio, name), name


def test_dial_timeout_error_is_both_a_dial_error_and_too_slow() -> None:
    import trio

    assert issubclass(relay_trio.DialTimeoutError, relay_trio.DialError)
    assert issubclass(relay_trio.DialTimeoutError, trio.TooSlowError)
