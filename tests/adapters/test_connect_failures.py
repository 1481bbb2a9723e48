"""Newcomer item 4: both adapters fail to connect alike, as the core's policy decides.

Same cases, same exception type (``ConnectionFailedError`` naming the host
and the cause, or ``AuthenticationError``), same timing class: fast for
configuration errors, within ``open_timeout`` for transient ones.  No test
touches the internet: DNS of ``*.invalid`` (and, here, of everything) fails
at once.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
import trio

from relay_core import AuthenticationError, ConnectionFailedError, FailureCause

from .harness import Env, fast_server, requests_seen

pytestmark = pytest.mark.usefixtures("fast_reconnect")

CREDENTIALS = {"project": "test-project", "token": "test-token"}


def closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def fails_to_open(env: Env, limit: float = 5.0, **options: Any) -> tuple[BaseException, float]:
    """Open a client with ``options``; the exception it raised and the seconds it took."""
    caught: list[BaseException] = []

    async def body(env: Env) -> None:
        try:
            async with env.client(**{**CREDENTIALS, **options}):
                pytest.fail("the client opened")
        except (ConnectionFailedError, AuthenticationError) as exc:
            caught.append(exc)

    elapsed = env.run(body, limit=limit)
    [error] = caught
    return error, elapsed


def test_closed_port_is_retried_until_open_timeout(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"ws://127.0.0.1:{closed_port()}"
    error, elapsed = fails_to_open(env, host=url, open_timeout=0.6)
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert retries and all(r.levelno == logging.WARNING for r in retries)  # says why it waits
    assert "connection refused" in retries[0].getMessage()
    assert isinstance(error, ConnectionFailedError)
    assert error.cause is FailureCause.REFUSED
    assert error.host == url and url in str(error) and "open_timeout=0.6" in str(error)
    assert 0.1 < elapsed < 1.5  # retried (backoff), then gave up within the budget
    assert isinstance(error.__cause__, OSError)
    if env.name == "trio":
        assert isinstance(error, trio.TooSlowError)


@pytest.mark.parametrize(
    ("host", "cause"),
    [
        ("nonexistent.invalid", FailureCause.DNS),
        ("ws://nonexistent.invalid:8080", FailureCause.DNS),
    ],
)
def test_dns_failure_is_raised_at_once(env: Env, host: str, cause: FailureCause) -> None:
    error, elapsed = fails_to_open(env, host=host, open_timeout=30)
    assert isinstance(error, ConnectionFailedError)
    assert error.cause is cause and "nonexistent.invalid" in str(error)
    assert elapsed < 2.0  # not retried for 30 s


def test_wss_to_a_ws_server_is_a_tls_failure_raised_at_once(env: Env) -> None:
    caught: list[BaseException] = []

    async def body(env: Env) -> None:
        async with env.serve(fast_server()) as fake:
            url = f"wss://{fake.host}"
            try:
                async with env.client(**CREDENTIALS, host=url, open_timeout=30):
                    pytest.fail("the client opened")
            except ConnectionFailedError as exc:
                caught.append(exc)
            assert requests_seen(fake, "signalwire.connect") == 0

    elapsed = env.run(body, limit=5)
    [error] = caught
    assert isinstance(error, ConnectionFailedError)
    assert error.cause is FailureCause.TLS and error.host.startswith("wss://127.0.0.1:")
    assert elapsed < 2.0


def test_wrong_token_fails_fast_with_one_attempt(env: Env) -> None:
    caught: list[BaseException] = []

    async def body(env: Env) -> None:
        async with env.serve(fast_server()) as fake:
            try:
                async with env.client(
                    project="test-project", token="wrong-token", host=fake.url, open_timeout=30
                ):
                    pytest.fail("the client opened")
            except AuthenticationError as exc:
                caught.append(exc)
            assert requests_seen(fake, "signalwire.connect") == 1  # not retried

    elapsed = env.run(body, limit=5)
    [error] = caught
    assert type(error) is AuthenticationError and error.code == -32002
    assert "wrong-token" not in str(error) + repr(error)
    assert elapsed < 2.0


@pytest.mark.parametrize("request_timeout", [10.0, 0.15])
def test_unanswered_login_times_out_at_open_timeout(env: Env, request_timeout: float) -> None:
    """Unanswered ``signalwire.connect``: retried (0.15: each attempt times out) until 0.5 s."""
    caught: list[BaseException] = []

    async def body(env: Env) -> None:
        server = fast_server()
        for _ in range(10):
            server.arm_response("signalwire.connect", withhold=True)
        async with env.serve(server) as fake:
            try:
                async with env.client(
                    **CREDENTIALS, host=fake.url, open_timeout=0.5, request_timeout=request_timeout
                ):
                    pytest.fail("the client opened")
            except ConnectionFailedError as exc:
                caught.append(exc)

    elapsed = env.run(body, limit=5)
    [error] = caught
    assert isinstance(error, ConnectionFailedError)
    assert error.cause is FailureCause.TIMEOUT and "open_timeout=0.5" in str(error)
    assert 0.25 < elapsed < 1.5  # retried, and given up by the 0.5 s budget (+ closing)
    if env.name == "trio":
        assert isinstance(error, trio.TooSlowError)


def test_no_host_and_no_space_names_the_default_host_at_once(env: Env) -> None:
    # No network here: the default host's DNS fails; with one, the first
    # failure would be raised at once all the same (the policy's rule).
    error, elapsed = fails_to_open(env, open_timeout=30)
    assert isinstance(error, ConnectionFailedError)
    assert error.host == "wss://relay.signalwire.com"
    assert "relay.signalwire.com" in str(error) and "SIGNALWIRE_SPACE" in str(error)
    assert elapsed < 5.0


def test_docstrings_say_where_the_client_goes_by_default() -> None:
    import relay_asyncio
    import relay_trio

    for doc in (relay_trio.open_relay_client.__doc__, relay_asyncio.RelayClient.__doc__):
        assert doc is not None and "relay.signalwire.com" in doc
