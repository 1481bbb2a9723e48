"""pytest fixtures: a fake RELAY server per test, for apps on sansio-relay or the official SDK.

Loaded through the ``pytest11`` entry point of the ``sansio-relay``
distribution (or ``-p sansio_relay_pytest``).  Nothing here imports trio,
asyncio adapters or WebSocket libraries until a fixture runs, so a project
with only one of the ``trio`` / ``asyncio`` extras can load the plugin.

Fixtures:

* ``fake_relay_directory`` - the phone directory (default:
  ``Directory.default()``); override it to script numbers.
* ``fake_relay_message_directory`` - who gets which SMS/MMS outcome (default:
  ``MessageDirectory.default()``); override it to script numbers.
* ``fake_relay_core`` - the sans-IO ``FakeRelayServer`` (credentials
  ``test-project`` / ``test-token``); override it for other options.

Every served fixture's handle scripts the server: inbound calls
(``inject_inbound_call``) and inbound SMS/MMS (``inject_inbound_message``).
* ``fake_relay_tls`` - ``False``; override to serve ``wss://``.
* ``fake_relay_server`` - served with trio (pytest-trio tests).
* ``fake_relay_server_asyncio`` - served with asyncio (pytest-asyncio tests).
* ``fake_relay_sdk_env`` - asyncio, always TLS, and the official SDK's
  environment (``SIGNALWIRE_SPACE``, ``SIGNALWIRE_PROJECT_ID``,
  ``SIGNALWIRE_API_TOKEN``, ``SIGNALWIRE_RELAY_CA_FILE``) pointed at it, so
  ``RelayClient()`` with no arguments connects to the fake.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, TypeVar, cast

import pytest

from relay_core.testing import Directory, FakeRelayServer, MessageDirectory

if TYPE_CHECKING:
    import relay_asyncio.testing
    import relay_trio.testing

_F = TypeVar("_F", bound=Callable[..., object])

__all__ = [
    "fake_relay_core",
    "fake_relay_directory",
    "fake_relay_message_directory",
    "fake_relay_sdk_env",
    "fake_relay_server",
    "fake_relay_server_asyncio",
    "fake_relay_tls",
]


@pytest.fixture
def fake_relay_directory() -> Directory:
    """Who answers what; script it (``fake_relay_directory.set(number, Busy())``)."""
    return Directory.default()


@pytest.fixture
def fake_relay_message_directory() -> MessageDirectory:
    """SMS/MMS outcomes by number; script it (``.set(number, Undelivered(reason="spam"))``)."""
    return MessageDirectory.default()


@pytest.fixture
def fake_relay_core(
    fake_relay_directory: Directory, fake_relay_message_directory: MessageDirectory
) -> FakeRelayServer:
    """The sans-IO fake server behind the served fixtures (journal, calls, scripting)."""
    return FakeRelayServer(
        directory=fake_relay_directory, message_directory=fake_relay_message_directory
    )


@pytest.fixture
def fake_relay_tls() -> bool:
    """Whether ``fake_relay_server`` / ``fake_relay_server_asyncio`` serve ``wss://``."""
    return False


@pytest.fixture
async def fake_relay_server(
    fake_relay_core: FakeRelayServer, fake_relay_tls: bool
) -> AsyncIterator[relay_trio.testing.FakeRelayHandle]:
    """The fake server on ``127.0.0.1``, served with trio (use in ``@pytest.mark.trio`` tests)."""
    from relay_trio.testing import open_fake_relay_server

    async with open_fake_relay_server(fake_relay_core, tls=fake_relay_tls) as handle:
        yield handle


def _asyncio_fixture(function: _F) -> _F:
    """``pytest_asyncio.fixture``, or a fixture that skips without pytest-asyncio."""
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - only without pytest-asyncio

        @pytest.fixture(name=function.__name__)
        def skipped() -> None:
            pytest.skip(f"{function.__name__} needs pytest-asyncio")

        return cast(_F, skipped)
    return cast(_F, pytest_asyncio.fixture(function))


@_asyncio_fixture
async def fake_relay_server_asyncio(
    fake_relay_core: FakeRelayServer, fake_relay_tls: bool
) -> AsyncIterator[relay_asyncio.testing.FakeRelayHandle]:
    """The fake server on ``127.0.0.1``, served with asyncio."""
    from relay_asyncio.testing import open_fake_relay_server

    async with open_fake_relay_server(fake_relay_core, tls=fake_relay_tls) as handle:
        yield handle


@_asyncio_fixture
async def fake_relay_sdk_env(
    fake_relay_core: FakeRelayServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[relay_asyncio.testing.FakeRelayHandle]:
    """The fake over TLS, with the official SDK's environment variables pointing at it."""
    from relay_asyncio.testing import open_fake_relay_server

    async with open_fake_relay_server(fake_relay_core, tls=True) as handle:
        project, token = next(iter(fake_relay_core.credentials.items()))
        assert handle.ca_path is not None
        monkeypatch.setenv("SIGNALWIRE_SPACE", handle.host)
        monkeypatch.setenv("SIGNALWIRE_PROJECT_ID", project)
        monkeypatch.setenv("SIGNALWIRE_API_TOKEN", token)
        monkeypatch.setenv("SIGNALWIRE_RELAY_CA_FILE", handle.ca_path)
        monkeypatch.delenv("SIGNALWIRE_JWT_TOKEN", raising=False)
        yield handle
