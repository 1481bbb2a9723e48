"""The fake server's messaging, paired with the client core (no event loop)."""

from __future__ import annotations

import pytest

from relay_core import (
    LocalProtocolError,
    MessageReceived,
    MessageState,
    MessageStateChanged,
    RelayConfig,
    RequestCompleted,
    RequestFailed,
    SendMessage,
)
from relay_core.testing import (
    CLIENT_TO_SERVER,
    SERVER_TO_CLIENT,
    Delivered,
    MessageDirectory,
    MessageFails,
    NeverConfirmed,
    Undelivered,
)

from .helpers import Pair, make_server


def _send(pair: Pair, to_number: str, **kwargs: object) -> None:
    kwargs.setdefault("context", "office")
    pair.send(SendMessage(to_number=to_number, from_number="+15551111111", body="hi", **kwargs))  # type: ignore[arg-type]


def _states(pair: Pair) -> list[tuple[str, str | None, bool]]:
    return [(e.state.value, e.reason, e.expired) for e in pair.of_type(MessageStateChanged)]


@pytest.mark.parametrize(
    ("behavior", "expected"),
    [
        (
            Delivered(after=2),
            [("queued", None), ("initiated", None), ("sent", None), ("delivered", None)],
        ),
        (
            Undelivered(reason="spam"),
            [("queued", None), ("initiated", None), ("sent", None), ("undelivered", "spam")],
        ),
        (MessageFails(reason="bad"), [("queued", None), ("failed", "bad")]),
        (
            Delivered(before_reply=True),
            [("queued", None), ("initiated", None), ("sent", None), ("delivered", None)],
        ),
    ],
)
def test_state_sequence_by_destination(behavior: object, expected: list[tuple[str, None]]) -> None:
    directory = MessageDirectory({"+15557770000": behavior})  # type: ignore[dict-item]
    pair = Pair(make_server(message_directory=directory))
    pair.connect()
    _send(pair, "+15557770000")
    pair.run_until(lambda: any(e.is_final for e in pair.of_type(MessageStateChanged)))
    assert [(s, r) for s, r, _ in _states(pair)] == expected
    assert len(pair.of_type(RequestCompleted)) == 1
    assert pair.session.statistics().live_messages == 0
    assert pair.session.statistics().dropped_events == 0


def test_before_reply_writes_the_state_ahead_of_the_reply() -> None:
    pair = Pair(make_server())  # +15553330003 is "delivered, queued first" by default
    pair.connect()
    _send(pair, "+15553330003")
    pair.exchange()
    sent = next(
        e.seq
        for e in pair.server.journal
        if e.direction == CLIENT_TO_SERVER and e.method == "messaging.send"
    )
    after = [e for e in pair.server.journal if e.seq > sent and e.direction == SERVER_TO_CLIENT]
    assert [e.event_type or "reply" for e in after[:3]] == [
        "messaging.state",
        "reply",
        "messaging.state",
    ]
    pair.run_until(lambda: any(e.is_final for e in pair.of_type(MessageStateChanged)))
    assert _states(pair)[0][0] == "queued"


def test_never_confirmed_expires_in_the_client() -> None:
    config = RelayConfig(
        project="test-project", token="test-token", contexts=("office",), message_timeout=60
    )
    directory = MessageDirectory({"+15557770000": NeverConfirmed()})
    pair = Pair(make_server(message_directory=directory), config)
    pair.connect()
    _send(pair, "+15557770000")
    pair.run_until(lambda: any(e.is_final for e in pair.of_type(MessageStateChanged)), limit=120)
    assert _states(pair)[-1] == ("sent", None, True)


def test_bad_send_is_a_400() -> None:
    pair = Pair()
    pair.connect()
    pair.send(
        SendMessage(
            to_number="+15552222222", from_number="+15551111111", body="x", context="office"
        )
    )
    pair.server.arm_response(
        "messaging.send", result={"code": "400", "message": "Invalid to_number"}
    )
    pair.send(
        SendMessage(
            to_number="+15552222222", from_number="+15551111111", body="x", context="office"
        )
    )
    pair.exchange()
    (failed,) = pair.of_type(RequestFailed)
    assert failed.code == 400


def test_states_need_a_received_context() -> None:
    pair = Pair(make_server(), RelayConfig(project="test-project", token="test-token"))
    pair.connect()
    _send(pair, "+15552222222", context="elsewhere")
    pair.advance(5)
    assert pair.of_type(MessageStateChanged) == []
    assert pair.server.messaging.undeliverable == 4


def test_protocol_context_reaches_the_sender() -> None:
    pair = Pair(make_server(), RelayConfig(project="test-project", token="test-token"))
    pair.connect()
    pair.send(SendMessage(to_number="+15552222222", from_number="+15551111111", body="x"))
    pair.run_until(lambda: any(e.is_final for e in pair.of_type(MessageStateChanged)))
    assert _states(pair)[-1][0] == "delivered"


def test_inbound_message_and_journal_both_ways() -> None:
    pair = Pair()
    pair.connect()
    message = pair.server.inject_inbound_message(
        context="office",
        from_number="+15553333333",
        to_number="+15551111111",
        body="Open today?",
        now=pair.now,
    )
    pair.exchange()
    (received,) = pair.of_type(MessageReceived)
    assert received.message.message_id == message.message_id
    assert (
        received.message.body == "Open today?" and received.message.state is MessageState.RECEIVED
    )
    _send(pair, "+15553333333")
    pair.exchange()
    methods = {(e.direction, e.event_type or e.method) for e in pair.server.journal}
    assert (SERVER_TO_CLIENT, "messaging.receive") in methods
    assert (CLIENT_TO_SERVER, "messaging.send") in methods
    assert [m.direction for m in pair.server.messaging.messages()] == ["inbound", "outbound"]


def test_inbound_with_no_receiver_is_dropped_and_counted() -> None:
    server = make_server()
    message = server.inject_inbound_message(
        context="nobody", from_number="+1555", to_number="+1556", body="x", now=0
    )
    assert message.session is None and server.messaging.undeliverable == 1
    with pytest.raises(LocalProtocolError, match="body"):
        server.inject_inbound_message(context="c", from_number="+1", to_number="+2", now=0)
