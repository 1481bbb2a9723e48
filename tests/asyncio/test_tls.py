"""TLS: verification is on by default; a custom CA comes from the env or ``ssl=``."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme

from relay_asyncio import RelayClient, RelayError
from relay_core import InvalidArgumentError

from .scripted import scenario, scripted_server


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file_in_env(ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``SIGNALWIRE_RELAY_CA_FILE`` names a file holding ``ca``."""
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SIGNALWIRE_RELAY_CA_FILE", str(ca_file))


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts ``ca``."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@scenario()
async def test_bare_host_uses_wss_with_the_ca_file(ca: trustme.CA, ca_file_in_env: None) -> None:
    async with scripted_server(tls=server_context(ca)) as server:
        client = RelayClient(project="p", token="t", host=server.host)
        assert client.url == f"wss://{server.host}"
        async with client:
            assert client.relay_protocol


@scenario()
async def test_ssl_argument_and_verification_by_default(ca: trustme.CA) -> None:
    async with scripted_server(tls=server_context(ca)) as server:
        with pytest.raises(RelayError, match="certificate verify failed"):
            async with RelayClient(project="p", token="t", host=server.host):
                pass
        async with RelayClient(project="p", token="t", host=server.url, ssl=trusting(ca)) as client:
            assert client.relay_protocol


@scenario()
async def test_ws_url_ignores_the_ca_file_and_refuses_an_ssl_argument(
    ca: trustme.CA, ca_file_in_env: None
) -> None:
    # The CA file is machine-wide: it applies to wss:// only.  An ssl= context
    # with a ws:// host is a contradiction: refused before anything is opened.
    async with scripted_server() as server:
        assert server.url.startswith("ws://")
        async with RelayClient(project="p", token="t", host=server.url) as client:
            assert client.relay_protocol
        with pytest.raises(InvalidArgumentError, match=r"^ssl: "):
            RelayClient(project="p", token="t", host=server.url, ssl=trusting(ca))
