"""Host and URL rules, TLS verification and a custom CA (RELAY.md A)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trio
import trustme

import relay_trio
from relay_core import FailureCause, LocalProtocolError
from relay_trio._transport import tls_context
from tests.trio.standin import open_standin


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("example.signalwire.com", "wss://example.signalwire.com"),
        ("127.0.0.1:8773", "wss://127.0.0.1:8773"),
        ("ws://127.0.0.1:8773", "ws://127.0.0.1:8773"),
        ("wss://example.signalwire.com", "wss://example.signalwire.com"),
    ],
)
def test_hosts_become_urls(host: str, url: str) -> None:
    assert relay_trio.relay_url(host) == url


@pytest.mark.parametrize(
    "host",
    ["user@example.com", "example.com/path", "example.com?x=1", "a b", "a\r\nb", "h:port",
     "http://example.com", "ws://", "wss://host:99999"],
)  # fmt: skip
def test_bad_hosts_are_refused(host: str) -> None:
    with pytest.raises(LocalProtocolError, match="host"):
        relay_trio.relay_url(host)


def test_host_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNALWIRE_SPACE", raising=False)
    assert relay_trio.relay_url() == "wss://relay.signalwire.com"
    monkeypatch.setenv("SIGNALWIRE_SPACE", "example.signalwire.com")
    assert relay_trio.relay_url() == "wss://example.signalwire.com"


def test_tls_verifies_by_default() -> None:
    context = tls_context("wss://example.signalwire.com")
    assert context is not None
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert tls_context("ws://127.0.0.1:1") is None
    with pytest.raises(LocalProtocolError, match="ssl_context"):
        tls_context("ws://127.0.0.1:1", ssl.create_default_context())


@pytest.mark.trio
async def test_custom_ca_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SIGNALWIRE_RELAY_CA_FILE", str(ca_file))
    monkeypatch.setenv("SIGNALWIRE_PROJECT_ID", "env-project")
    monkeypatch.setenv("SIGNALWIRE_API_TOKEN", "env-token")
    monkeypatch.delenv("SIGNALWIRE_JWT_TOKEN", raising=False)
    with trio.fail_after(5):
        async with open_standin(server_context) as server, trio.open_nursery() as nursery:
            nursery.start_soon(server.accept_session)
            async with relay_trio.open_relay_client(host=server.url, ping_interval=None):
                pass
    authentication = server.journal[0]["params"]["authentication"]
    assert authentication == {"project": "env-project", "token": "env-token"}


@pytest.mark.trio
async def test_an_untrusted_certificate_never_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(server_context)
    monkeypatch.delenv("SIGNALWIRE_RELAY_CA_FILE", raising=False)
    with trio.fail_after(5):
        async with open_standin(server_context) as server:
            # A TLS failure is a configuration error: raised at once, not retried.
            with pytest.raises(relay_trio.ConnectionFailedError) as caught:
                async with relay_trio.open_relay_client(
                    project="p", token="t", host=server.url, open_timeout=30,
                    reconnect_base=0.05,
                ):  # fmt: skip
                    pass
    assert not server.peers
    assert caught.value.cause is FailureCause.TLS
    assert server.url in str(caught.value)
    assert caught.value.__cause__ is not None


@pytest.mark.trio
async def test_jwt_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNALWIRE_JWT_TOKEN", "eyJ.jwt")
    with trio.fail_after(5):
        async with open_standin() as server, trio.open_nursery() as nursery:
            nursery.start_soon(server.accept_session)
            async with relay_trio.open_relay_client(host=server.url, ping_interval=None):
                pass
    assert server.journal[0]["params"]["authentication"] == {"jwt_token": "eyJ.jwt"}
