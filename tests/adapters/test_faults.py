"""Fault injection over both adapters: drop, disconnect (with or without restart), no reply.

Each fault hits one step (dial, connect, play) at one of three moments:
*held*, while the server sits on the request (``arm_response(delay=...)``);
*processed*, inside the server's handling of it (the legs exist, the reply
is still queued); *answered*, once the reply left and the work runs (the
legs ring).  Or the reply is withheld for good.  The fault is an abrupt drop of the
socket, a ``signalwire.disconnect`` (resumable) or one with ``restart: true``
(the session is gone).  For every fault x moment x step, on both adapters:

* no hang: the step ends within its stated bound (``request_timeout`` for a
  withheld reply, reconnect + resume otherwise);
* the same outcome: :data:`EXPECTED` is one table for both adapters, and the
  exception's exact type must match it;
* no live leg left on the fake server once the test hung up what it got and
  the client closed;
* no event lost: every event the server sent was acknowledged, and no
  session holds buffered events.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from relay_core import (
    ConnectError,
    ConnectionId,
    ConnectionLostError,
    DialError,
    FakeRelayServer,
    RelayError,
    RequestTimeoutError,
)

from .harness import SLOW, Env, fast_server, requests_seen

pytestmark = pytest.mark.usefixtures("fast_reconnect")

REQUEST_TIMEOUT = 0.3
#: How long the server sits on a request before handling it (the fault lands meanwhile).
HOLD = 0.2
METHOD = {"dial": "calling.dial", "connect": "calling.connect", "play": "calling.play"}

#: fault x moment x step -> the exception both adapters raise (None: the step succeeds).
EXPECTED: dict[tuple[str, str, str], type[RelayError] | None] = {
    # The server never answers: only that request fails, after request_timeout.
    ("withhold", "held", "dial"): RequestTimeoutError,
    ("withhold", "held", "connect"): RequestTimeoutError,
    ("withhold", "held", "play"): RequestTimeoutError,
    # A resumable loss while the server still sat on the request (it drops
    # it with the socket): dials and connects wait for the resume, which
    # reports nothing of them, so they fail (reason request_lost); a play
    # request on the dead socket fails at once.
    ("drop", "held", "dial"): DialError,
    ("drop", "held", "connect"): ConnectError,
    ("drop", "held", "play"): ConnectionLostError,
    ("disconnect", "held", "dial"): DialError,
    ("disconnect", "held", "connect"): ConnectError,
    ("disconnect", "held", "play"): ConnectionLostError,
    ("restart", "held", "dial"): DialError,
    ("restart", "held", "connect"): ConnectError,
    ("restart", "held", "play"): ConnectionLostError,
    # Answered, then a resumable loss: the resume delivers what happened meanwhile.
    ("drop", "answered", "dial"): None,
    ("drop", "answered", "connect"): None,
    ("drop", "answered", "play"): None,
    ("disconnect", "answered", "dial"): None,
    ("disconnect", "answered", "connect"): None,
    ("disconnect", "answered", "play"): None,
    # Answered, then the session is gone for good: the work fails (session_lost).
    ("restart", "answered", "dial"): DialError,
    ("restart", "answered", "connect"): ConnectError,
    ("restart", "answered", "play"): None,
    # Handled, then at once the socket drops (the reply is lost: a play fails,
    # a dial or connect resumes) or a disconnect follows the reply.
    ("drop", "processed", "dial"): None,
    ("drop", "processed", "connect"): None,
    ("drop", "processed", "play"): ConnectionLostError,
    ("disconnect", "processed", "dial"): None,
    ("disconnect", "processed", "connect"): None,
    ("disconnect", "processed", "play"): None,
    ("restart", "processed", "dial"): DialError,
    ("restart", "processed", "connect"): ConnectError,
    ("restart", "processed", "play"): None,
    # The disconnect crosses the request: the server handles it while draining.
    ("disconnect", "crossing", "dial"): None,
    ("disconnect", "crossing", "connect"): None,
    ("disconnect", "crossing", "play"): None,
    ("restart", "crossing", "dial"): DialError,
    ("restart", "crossing", "connect"): ConnectError,
    ("restart", "crossing", "play"): None,
}
#: Stated bound on the faulty step, seconds.
BOUND = {"withhold": REQUEST_TIMEOUT + 0.5, "drop": 1.5, "disconnect": 1.5, "restart": 1.5}


async def run_fault(env: Env, fault: str, moment: str, step: str) -> dict[str, Any]:
    """Run ``step`` under ``fault`` at ``moment``; what happened, for the assertions."""
    server = fast_server()
    report: dict[str, Any] = {}

    async with env.serve(server) as fake:
        options = {"project": "test-project", "token": "test-token", "host": fake.url}
        async with env.client(**options, request_timeout=REQUEST_TIMEOUT, open_timeout=5) as client:
            calls: list[Any] = []
            a_leg = None
            if step != "dial":
                a_leg = await client.dial()
                calls.append(a_leg)
            method = METHOD[step]
            seen = requests_seen(fake, method)
            legs = len(server.calls())
            if fault == "withhold":
                server.arm_response(method, withhold=True)
            elif moment == "held":
                server.arm_response(method, delay=HOLD)
            elif moment in ("processed", "crossing"):
                fault_inside_handling(server, method, fault, before=moment == "crossing")

            async def do_step() -> None:
                started = env.now()
                try:
                    if step == "dial":
                        calls.append(await client.dial(SLOW))
                    elif step == "connect":
                        calls.append(await client.connect(a_leg, SLOW))
                    else:
                        await client.play(a_leg)
                except RelayError as exc:
                    report["error"] = exc
                report["elapsed"] = env.now() - started

            async def inject() -> None:
                if fault == "withhold" or moment in ("processed", "crossing"):
                    return
                assert await env.wait_until(fake, lambda: requests_seen(fake, method) > seen)
                if moment == "answered" and step != "play":
                    assert await env.wait_until(fake, lambda: len(server.calls()) > legs)
                conn = fake.connections()[-1]
                if fault == "drop":
                    fake.drop(conn)
                else:
                    fake.request_disconnect(conn, restart=fault == "restart")

            await env.both(do_step, inject)
            if fault != "withhold":  # clean up on the new socket, not the dying one
                assert await env.wait_until(
                    fake,
                    lambda: (
                        requests_seen(fake, "signalwire.connect") >= 2
                        and any(info.connection is not None for info in server.sessions())
                    ),
                )
            report["hangups"] = []
            for call in calls:
                try:
                    await client.hangup(call)
                except RelayError as exc:  # already gone (or its session is)
                    report["hangups"].append(exc)
            await env.wait_until(fake, lambda: not server.calls(), timeout=1.0)
            await env.wait_until(fake, lambda: not server.unacked_events(), timeout=1.0)
            report["unacked"] = server.unacked_events()
            report["buffered"] = sum(info.buffered_events for info in server.sessions())
        await env.wait_until(fake, lambda: not server.calls(), timeout=1.0)
        report["live_legs"] = [c.call_id for c in server.calls()]

    return report


def fault_inside_handling(
    server: FakeRelayServer, method: str, fault: str, *, before: bool
) -> None:
    """Inject ``fault`` inside the server's handling of the next ``method`` request.

    After it (``before=False``): the request takes effect (legs are created)
    but its reply and first events are still queued when the socket drops
    or the disconnect goes out.  Before it: the disconnect crosses the
    request on the wire (the server handles it while draining).
    """
    original = server.receive_text

    def receive_text(conn: ConnectionId, text: str | bytes, *, now: float) -> None:
        if server.receive_text is not receive_text or json.loads(text).get("method") != method:
            original(conn, text, now=now)
            return
        del server.receive_text  # once
        if not before:
            original(conn, text, now=now)
        if fault == "drop":
            server.drop(conn, now=now)
        else:
            server.request_disconnect(conn, restart=fault == "restart", now=now)
        if before:
            original(conn, text, now=now)

    server.receive_text = receive_text  # type: ignore[method-assign]


# restart-crossing-dial: the server creates the leg while draining and the client never
# learns its id; the leg ends because a restarted session is forgotten by the server
# along with its calls (the fake does what the real service does when it forgets one).
@pytest.mark.parametrize(
    ("fault", "moment", "step"), [pytest.param(*key, id="-".join(key)) for key in EXPECTED]
)
def test_fault(env: Env, fault: str, moment: str, step: str) -> None:
    report: dict[str, Any] = {}

    async def body(env: Env) -> None:
        report.update(await run_fault(env, fault, moment, step))

    env.run(body, limit=10)
    expected = EXPECTED[fault, moment, step]
    error = report.get("error")
    assert type(error) is (type(None) if expected is None else expected), repr(error)
    assert report["elapsed"] < BOUND[fault], report["elapsed"]
    assert report["unacked"] == [], "events lost (never acknowledged)"
    assert report["buffered"] == 0, "events still buffered on the server"
    assert report["live_legs"] == [], f"legs left live on the server: {report}"
