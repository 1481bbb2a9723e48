"""A fleet of sessions on one context: the fake server shares its offers round robin."""

from __future__ import annotations

from collections import Counter

from relay_core import CallReceived, RelayConfig, Unreceive

from .helpers import PROJECT, TOKEN, Pair, make_server


def offer(server: object, count: int) -> None:
    for n in range(count):
        server.inject_inbound_call(  # type: ignore[attr-defined]
            context="office", from_number=f"+1555333{n:04}", to_number="+15551112222", now=0.0
        )


def test_offers_go_round_robin_to_the_sessions_receiving_the_context() -> None:
    server = make_server()
    fleet = [Pair(server, name=name) for name in "abc"]
    other = Pair(server, RelayConfig(project=PROJECT, token=TOKEN, contexts=("support",)), name="o")
    for pair in [*fleet, other]:
        pair.connect()
    offer(server, 9)
    for pair in [*fleet, other]:
        pair.exchange()
    assert [len(pair.of_type(CallReceived)) for pair in fleet] == [3, 3, 3]
    assert not other.of_type(CallReceived)
    offered = Counter(e.call.call_id for pair in fleet for e in pair.of_type(CallReceived))
    assert len(offered) == 9 and set(offered.values()) == {1}


def test_an_unreceived_or_disconnected_session_gets_no_offer() -> None:
    server = make_server()
    a, b, c = (Pair(server, name=name) for name in "abc")
    for pair in (a, b, c):
        pair.connect()
    a.send(Unreceive(contexts=("office",)))
    b.lose()
    offer(server, 4)
    for pair in (a, b, c):
        pair.exchange()
    assert not a.of_type(CallReceived) and not b.of_type(CallReceived)
    assert len(c.of_type(CallReceived)) == 4
