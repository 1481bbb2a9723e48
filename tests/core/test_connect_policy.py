"""The connection policy: which failures are retried, for how long (RelayConfig-free, pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relay_core import ConnectionFailedError, ConnectPolicy, FailureCause, RelayError
from relay_core.client._connect_policy import TRANSIENT, http_status_cause, retry_rejected_login

URL = "wss://example.signalwire.com"
causes = st.sampled_from(list(FailureCause))
delays = st.floats(min_value=0.001, max_value=60)
times = st.floats(min_value=0, max_value=1000)


def policy(open_timeout: float | None = 10.0, *, default_host: bool = False) -> ConnectPolicy:
    p = ConnectPolicy(URL, open_timeout=open_timeout, default_host=default_host)
    p.start(now=0.0)
    return p


@given(causes, delays, times)
def test_an_established_session_always_retries(
    cause: FailureCause, delay: float, now: float
) -> None:
    assert policy().failed(cause, "x", now=now, delay=delay, established=True) == delay


@given(causes, delays, st.booleans())
def test_a_session_that_gave_up_is_an_error(cause: FailureCause, delay: float, est: bool) -> None:
    decision = policy().failed(cause, "x", now=0, delay=None, established=est)
    assert isinstance(decision, ConnectionFailedError) and decision.cause is cause


@given(causes, delays, st.floats(min_value=0, max_value=20))
def test_first_connection_retries_only_transient_causes_within_the_budget(
    cause: FailureCause, delay: float, now: float
) -> None:
    decision = policy(10.0).failed(cause, "boom", now=now, delay=delay, established=False)
    if cause in TRANSIENT and now + delay < 10.0:
        assert decision == delay
    else:
        assert isinstance(decision, ConnectionFailedError)
        assert decision.cause is cause and decision.host == URL
        assert URL in str(decision) and "boom" in str(decision)
        assert isinstance(decision, RelayError) and decision.code == -1


@given(causes)
def test_the_default_host_fails_at_once_and_says_why(cause: FailureCause) -> None:
    decision = policy(default_host=True).failed(cause, "", now=0, delay=0.1, established=False)
    assert isinstance(decision, ConnectionFailedError)
    assert "relay.signalwire.com" in str(decision) and "SIGNALWIRE_SPACE" in str(decision)


def test_unbounded_open_timeout_retries_transient_failures_forever() -> None:
    p = policy(None)
    assert p.failed(FailureCause.REFUSED, "", now=1e9, delay=5, established=False) == 5
    assert p.remaining(now=1e9) == float("inf")


def test_timed_out_names_the_last_cause_and_the_budget() -> None:
    class Slow(ConnectionFailedError):
        pass

    p = ConnectPolicy(URL, open_timeout=2.5, default_host=False, timeout_type=Slow)
    p.start(now=0)
    error = p.timed_out(FailureCause.REFUSED, "nobody home")
    assert type(error) is Slow and error.cause is FailureCause.REFUSED
    assert "open_timeout=2.5" in str(error)
    assert p.timed_out().cause is FailureCause.TIMEOUT


@pytest.mark.parametrize(
    ("status", "cause"),
    [
        (500, FailureCause.HTTP_UNAVAILABLE),
        (503, FailureCause.HTTP_UNAVAILABLE),
        (429, FailureCause.HTTP_UNAVAILABLE),
        (403, FailureCause.HTTP_REJECTED),
        (404, FailureCause.HTTP_REJECTED),
        (200, FailureCause.HTTP_REJECTED),
    ],
)
def test_http_status_causes(status: int, cause: FailureCause) -> None:
    assert http_status_cause(status) is cause


@given(st.booleans(), st.integers(0, 10), st.integers(1, 10))
def test_a_rejected_login_is_retried_only_once_established(
    established: bool, failures: int, limit: int
) -> None:
    retried = retry_rejected_login(established=established, failures=failures, limit=limit)
    assert retried == (established and failures < limit)
