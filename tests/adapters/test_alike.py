"""Adapters alike: each decision both adapters need is the core's, and both obey it.

One table per decision, run on both adapters: the endpoint rules, the frame
limit, credential precedence, the dial-timeout exception, what "wait for a
state" means, each typed event's wire name, the fake server's text-only
rule, and the small interface a ``Call`` uses to reach its client.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import pathlib
import ssl
from collections.abc import Callable
from typing import Any

import pytest
import trio
import trio_websocket
from hypothesis import given
from hypothesis import strategies as st
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

import relay_asyncio
import relay_asyncio._call
import relay_asyncio._client
import relay_asyncio._session_loop
import relay_trio
import relay_trio._call
import relay_trio._client
import relay_trio._transport
from relay_core import (
    MAX_FRAME_BYTES,
    CallErrorReported,
    CallGoneError,
    CallReceived,
    CallState,
    CallStateChanged,
    ConnectStateChanged,
    Credentials,
    DialError,
    DialStateChanged,
    DialTimeoutError,
    Endpoint,
    FakeRelayServer,
    InvalidArgumentError,
    PlayStateChanged,
    SessionClosedError,
    credentials_from,
    decode_event,
    endpoint,
)
from relay_core.testing import SERVER_TO_CLIENT

from .harness import ANSWERS, PLAY, SLOW, Env, fast_server, phone

ROOT = pathlib.Path(__file__).resolve().parents[2]

URL_OF: dict[str, Callable[[str], str]] = {
    "trio": relay_trio.relay_url,
    "asyncio": relay_asyncio.websocket_url,
}

# -- endpoint ----------------------------------------------------------------------

GOOD_HOSTS = [
    ("example.signalwire.com",
     Endpoint("wss://example.signalwire.com", True, "example.signalwire.com", 443)),
    ("127.0.0.1:8773", Endpoint("wss://127.0.0.1:8773", True, "127.0.0.1", 8773)),
    ("ws://127.0.0.1:8773", Endpoint("ws://127.0.0.1:8773", False, "127.0.0.1", 8773)),
    ("ws://127.0.0.1:8773/", Endpoint("ws://127.0.0.1:8773/", False, "127.0.0.1", 8773)),
    ("wss://relay.example.com",
     Endpoint("wss://relay.example.com", True, "relay.example.com", 443)),
    ("ws://localhost", Endpoint("ws://localhost", False, "localhost", 80)),
    ("[::1]:8773", Endpoint("wss://[::1]:8773", True, "::1", 8773)),
]  # fmt: skip

BAD_HOSTS = [
    "", "user@example.com", "user:secret@example.com", "wss://user:secret@example.com",
    "example.com/path", "wss://example.com/path", "example.com?x=1", "wss://example.com?x=1",
    "example.com#frag", "a b", "[", "a\x00b", "a\r\nb", "example.com\n", "h:port", "h:0", "h:65536",
    "h:", "wss://host:99999", "http://example.com", "ws://", "wss://", ":8773",
]  # fmt: skip


@pytest.mark.parametrize(("host", "expected"), GOOD_HOSTS)
def test_endpoint_accepts(host: str, expected: Endpoint) -> None:
    assert endpoint(host) == expected


@pytest.mark.parametrize("adapter", sorted(URL_OF))
@pytest.mark.parametrize(("host", "expected"), GOOD_HOSTS)
def test_both_adapters_accept_the_same_hosts(adapter: str, host: str, expected: Endpoint) -> None:
    assert URL_OF[adapter](host) == expected.url


@pytest.mark.parametrize("adapter", sorted(URL_OF))
@pytest.mark.parametrize("host", BAD_HOSTS)
def test_both_adapters_refuse_the_same_hosts(adapter: str, host: str) -> None:
    with pytest.raises(InvalidArgumentError, match=r"^host: ") as info:
        URL_OF[adapter](host)
    assert "secret" not in str(info.value)  # a credential in a URL never reaches a message
    with pytest.raises(InvalidArgumentError) as core:
        endpoint(host)
    assert str(core.value) == str(info.value)  # the same words: one rule


def test_both_urls_default_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    for adapter, url_of in URL_OF.items():
        monkeypatch.delenv("SIGNALWIRE_SPACE", raising=False)
        assert url_of(None) == "wss://relay.signalwire.com", adapter  # type: ignore[arg-type]
        monkeypatch.setenv("SIGNALWIRE_SPACE", "example.signalwire.com:4443")
        assert url_of(None) == "wss://example.signalwire.com:4443", adapter  # type: ignore[arg-type]


@given(st.text(max_size=30))
def test_endpoint_accepts_only_clean_urls(host: str) -> None:
    try:
        found = endpoint(host)
    except InvalidArgumentError as exc:
        assert str(exc).startswith("host: ")
        return
    rest = found.url.split("://", 1)[1].rstrip("/")
    assert not set(rest) & set("@/?#\\\r\n\t ")
    assert 1 <= found.port <= 65535 and found.host
    assert found.secure == found.url.startswith("wss://")


def test_clients_refuse_a_bad_host_before_opening(env: Env) -> None:
    async def body(env: Env) -> None:
        with pytest.raises(InvalidArgumentError, match=r"^host: "):
            async with env.client(project="p", token="t", host="user:secret@example.com"):
                raise AssertionError("opened")

    env.run(body)


def test_both_refuse_a_tls_context_for_a_ws_url() -> None:
    # One rule (relay_core.check_tls_option), each adapter's own argument name.
    context = ssl.create_default_context()
    url = "ws://127.0.0.1:1"
    with pytest.raises(InvalidArgumentError, match=r"^ssl: .*ws:// URL"):
        relay_asyncio.RelayClient(project="p", token="t", host=url, ssl=context)

    async def trio_body() -> None:
        with pytest.raises(InvalidArgumentError, match=r"^ssl_context: .*ws:// URL"):
            async with relay_trio.open_relay_client(
                project="p", token="t", host=url, ssl_context=context
            ):
                raise AssertionError("opened")

    trio.run(trio_body)
    assert relay_trio._transport.tls_context(url) is None  # no context given: plain ws://


# -- the frame limit -----------------------------------------------------------------


def test_one_frame_limit() -> None:
    assert MAX_FRAME_BYTES == 10 * 1024 * 1024
    assert relay_trio._transport.MAX_MESSAGE_SIZE == MAX_FRAME_BYTES
    assert relay_asyncio._session_loop.MAX_FRAME == MAX_FRAME_BYTES
    written = [
        path.relative_to(ROOT).as_posix()
        for package in ("relay_core", "relay_trio", "relay_asyncio")
        for path in (ROOT / package).rglob("*.py")
        if any(s in path.read_text() for s in ("10 * 1024 * 1024", "10485760", "2**20"))
    ]
    assert written == ["relay_core/client/_endpoint.py"]


# -- credentials -----------------------------------------------------------------------

ENV_ALL = {
    "SIGNALWIRE_PROJECT_ID": "p-env",
    "SIGNALWIRE_API_TOKEN": "t-env",
    "SIGNALWIRE_JWT_TOKEN": "jwt-env",
}
ENV_PAIR = {"SIGNALWIRE_PROJECT_ID": "p-env", "SIGNALWIRE_API_TOKEN": "t-env"}

#: (explicit arguments, environment, the authentication sent)
CREDENTIALS = [
    ({"project": "p-arg", "token": "t-arg"}, ENV_ALL, {"project": "p-arg", "token": "t-arg"}),
    ({}, ENV_ALL, {"jwt_token": "jwt-env"}),
    ({}, ENV_PAIR, {"project": "p-env", "token": "t-env"}),
    ({"jwt_token": "jwt-arg"}, ENV_ALL, {"jwt_token": "jwt-arg"}),
    ({"project": "p-env"}, ENV_ALL, {"project": "p-env", "token": "t-env"}),
    ({"token": "t-env"}, ENV_ALL, {"project": "p-env", "token": "t-env"}),
    ({"project": "", "token": ""}, ENV_ALL, {"jwt_token": "jwt-env"}),
]


@pytest.mark.parametrize(("given_", "environment", "sent"), CREDENTIALS)
def test_credential_precedence(
    given_: dict[str, str], environment: dict[str, str], sent: dict[str, str]
) -> None:
    chosen = credentials_from(
        given_.get("project"), given_.get("token"), given_.get("jwt_token"), environment
    )
    assert chosen.jwt_token == sent.get("jwt_token")
    if "token" in sent:
        assert (chosen.project, chosen.token) == (sent["project"], sent["token"])
    for secret in ("t-arg", "t-env", "jwt-arg", "jwt-env"):
        assert secret not in repr(chosen)


@pytest.mark.parametrize(("given_", "environment", "sent"), CREDENTIALS)
def test_both_adapters_send_the_same_credentials(
    env: Env,
    monkeypatch: pytest.MonkeyPatch,
    given_: dict[str, str],
    environment: dict[str, str],
    sent: dict[str, str],
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    server = FakeRelayServer(
        credentials={"p-arg": "t-arg", "p-env": "t-env"}, jwt_tokens=("jwt-arg", "jwt-env")
    )

    async def body(env: Env) -> None:
        async with env.serve(server) as fake, env.client(host=fake.url, **given_) as client:
            shown = repr(client.raw)
            assert not any(s in shown for s in ("t-arg", "t-env", "jwt-arg", "jwt-env"))
        connects = [e for e in server.journal if e.method == "signalwire.connect"]
        assert connects[0].params["authentication"] == sent

    env.run(body)


def test_credentials_repr_hides_secrets() -> None:
    assert "s3cret" not in repr(Credentials("p", "s3cret", None))
    assert "s3cret" not in repr(Credentials("p", None, "s3cret"))


# -- dial timeout ------------------------------------------------------------------------


def test_a_dial_timeout_raises_the_same_type(env: Env) -> None:
    async def body(env: Env) -> None:
        async with (
            env.serve(fast_server()) as fake,
            env.client(project="test-project", token="test-token", host=fake.url) as client,
        ):
            with pytest.raises(DialTimeoutError) as info:
                await client.dial(SLOW, dial_timeout=0.05)
        error = info.value
        assert isinstance(error, DialError) and isinstance(error, TimeoutError)
        assert (error.reason, error.tag) == ("timeout", error.tag)
        if env.name == "trio":
            assert isinstance(error, trio.TooSlowError)

    env.run(body)


# -- waiting for a state -----------------------------------------------------------------

ORDER = [CallState.CREATED, CallState.RINGING, CallState.ANSWERED, CallState.ENDING]


@pytest.mark.parametrize("state", [*ORDER, CallState.ENDED])
@pytest.mark.parametrize("target", [*ORDER, CallState.ENDED])
def test_reached_is_rank_or_ended(state: CallState, target: CallState) -> None:
    expected = state is CallState.ENDED or state.rank >= target.rank
    assert state.reached(target) is expected
    assert state.reached(CallState.ENDED, target) is expected  # any of several targets


async def _wait_state(env: Env, call: Any, target: CallState) -> None:
    """Each adapter's own API for "wait until the call reached ``target``"."""
    if env.name == "trio":
        with trio.fail_after(1):
            await call.wait_for(target)
    elif target is CallState.ENDED:
        await call.wait_for_ended(timeout=1)
    else:
        await getattr(call, f"wait_for_{target.value}")(timeout=1)


def test_waiting_for_a_state_means_the_same(env: Env) -> None:
    async def body(env: Env) -> None:
        async with (
            env.serve(fast_server()) as fake,
            env.client(project="test-project", token="test-token", host=fake.url) as client,
        ):
            call = await client.dial(ANSWERS)
            # answered: a wait for an earlier state is over (the server may skip states)
            await _wait_state(env, call, CallState.RINGING)
            await _wait_state(env, call, CallState.ANSWERED)
            await client.hangup(call)
            await _wait_state(env, call, CallState.ENDED)
            # ended: every wait is over, never a hang on a call that is gone
            await _wait_state(env, call, CallState.ENDING)
            await _wait_state(env, call, CallState.RINGING)

    env.run(body)


# -- each typed event's wire name ---------------------------------------------------------

WIRE_NAMES: dict[Any, str] = {  # the classes (ClassVar event_type) and their names
    CallReceived: "calling.call.receive",
    CallStateChanged: "calling.call.state",
    DialStateChanged: "calling.call.dial",
    ConnectStateChanged: "calling.call.connect",
    PlayStateChanged: "calling.call.play",
    CallErrorReported: "calling.error",
}


def test_typed_events_know_their_wire_name() -> None:
    for kind, name in WIRE_NAMES.items():
        assert kind.event_type == name


def test_a_calls_events_carry_the_wire_names_the_server_sent(env: Env) -> None:
    seen: list[Any] = []

    async def body(env: Env) -> None:
        server = fast_server()
        async with (
            env.serve(server) as fake,
            env.client(project="test-project", token="test-token", host=fake.url) as client,
        ):
            call = await client.dial(ANSWERS)
            if env.name == "trio":
                stream = call.events()
                await call.play(PLAY)
                await client.hangup(call)
                async for event in stream:
                    seen.append(event)
            else:
                for name in ("calling.call.state", "calling.call.play"):
                    call.on(name, lambda event, name=name: seen.append((name, event)))
                await call.play(PLAY)
                await client.hangup(call)
                await call.wait_for_ended(timeout=1)
                await asyncio.sleep(0.05)  # listeners run in the call's task
        sent = {
            e.event_type
            for e in server.journal
            if e.direction == SERVER_TO_CLIENT and e.event_params.get("call_id") == call.call_id
        }
        if env.name == "asyncio":
            assert all(name == event.event_type for name, event in seen)
            names = {name for name, _ in seen}
        else:
            names = {event.event_type for event in seen}
        assert names <= sent
        # the stateless codec (the CLI log's reader) types every one of them alike
        for entry in server.journal:
            wire_name = entry.event_type
            if entry.direction == SERVER_TO_CLIENT and wire_name in WIRE_NAMES.values():
                assert wire_name is not None
                assert decode_event(wire_name, entry.event_params).event_type == wire_name
        assert {"calling.call.state", "calling.call.play"} <= names

    env.run(body)


# -- the fake server's text-only rule ------------------------------------------------------


def test_both_fake_servers_close_a_binary_frame_alike(env: Env) -> None:
    codes: list[tuple[int | None, str]] = []

    async def body(env: Env) -> None:
        async with env.serve(FakeRelayServer()) as fake:
            if env.name == "trio":
                async with trio_websocket.open_websocket_url(fake.url) as ws:
                    await ws.send_message(b"\x00")
                    with pytest.raises(trio_websocket.ConnectionClosed) as info:
                        await ws.get_message()
                    reason = info.value.reason
                    assert reason is not None
                    codes.append((reason.code, reason.reason or ""))
            else:
                async with ws_connect(fake.url) as ws2:
                    await ws2.send(b"\x00")
                    with pytest.raises(ConnectionClosed) as info2:
                        await ws2.recv()
                    rcvd = info2.value.rcvd
                    assert rcvd is not None
                    codes.append((int(rcvd.code), rcvd.reason))

    env.run(body)
    rule = FakeRelayServer().receive_binary(1)  # type: ignore[arg-type]
    assert codes == [(rule.code, rule.reason)] and rule.code == 1003


# -- one vocabulary, one small interface from Call to its client -------------------------

SHARED_NAMES = (
    "_track", "_forget", "_fail", "_await_outcome", "_deliver", "_request", "_abandon",
    "_start", "_play", "_connect", "_pump", "_dispatch", "_flush", "_offer", "_run_socket",
    "_read", "_run_timer", "_drop_socket", "_shutdown",
)  # fmt: skip


@pytest.mark.parametrize("client", [relay_trio._client.RelayClient, relay_asyncio.RelayClient])
def test_same_job_same_name(client: type) -> None:
    for name in SHARED_NAMES:
        assert callable(getattr(client, name, None)), name
    for old in ("_adopt", "_die", "_awaiting", "_start_work", "_sync", "_reader", "_timer"):
        assert not hasattr(client, old), old


#: RelayClient's layers, top first: one module each, the same in both adapters.
LAYERS = ["_client", "_message", "_dispatch", "_commands", "_session_loop", "_base"]


@pytest.mark.parametrize("client", [relay_trio.RelayClient, relay_asyncio.RelayClient])
def test_same_layers_same_modules(client: type) -> None:
    package = client.__module__.split(".")[0]
    layers = [c.__module__ for c in client.__mro__ if c is not object]
    assert layers == [f"{package}.{name}" for name in LAYERS]
    # Each shared verb lives in the same layer in both adapters.
    for name in SHARED_NAMES:
        owner = next(c for c in client.__mro__ if name in vars(c))
        assert owner.__module__.split(".")[1] == LAYER_OF[name], name


#: Where each shared verb is defined.
LAYER_OF = {
    **dict.fromkeys(("_track", "_forget", "_deliver", "_offer", "_dispatch"), "_dispatch"),
    **dict.fromkeys(
        ("_await_outcome", "_request", "_abandon", "_start", "_play", "_connect"), "_commands"
    ),
    **dict.fromkeys(
        ("_fail", "_pump", "_flush", "_run_socket", "_read", "_run_timer", "_drop_socket"),
        "_session_loop",
    ),
    # _session_loop's shutdown, extended by the messaging layer (its waiters, its inbox).
    "_shutdown": "_message",
}  # fmt: skip


def test_both_adapters_have_the_same_module_names() -> None:
    def names(package: Any) -> set[str]:
        return {p.stem for p in pathlib.Path(package.__file__).parent.glob("*.py")}

    shared = {"__init__", "_base", "_call", "_client", "_commands", "_dispatch",
              "_session_loop", "_transport", "testing"}  # fmt: skip
    assert names(relay_trio) >= shared and names(relay_asyncio) >= shared
    # Every asyncio module has its trio namesake (trio adds its CLI, sync tools, serve()).
    assert names(relay_asyncio) <= names(relay_trio)


@pytest.mark.parametrize("module", [relay_trio._call, relay_asyncio._call])
def test_call_reaches_its_client_only_through_call_host(module: Any) -> None:
    host = module.CallHost
    internals = {"_abc_impl", "_is_protocol", "_is_runtime_protocol"}
    allowed = {n for n in vars(host) if n.startswith("_") and not n.startswith("__")} - internals
    allowed |= set(getattr(host, "__annotations__", {}))
    used: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        # ``<...>._client.<name>`` and ``client.<name>`` where ``client = self._client``
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            if node.value.attr == "_client":
                used.add(node.attr)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "client"
        ):
            used.add(node.attr)
    assert used, "the check found no use at all"
    assert used <= allowed, used - allowed
    assert len(allowed) <= 6
    for client in (relay_trio._client.RelayClient, relay_asyncio.RelayClient):
        if client.__module__.split(".")[0] == module.__name__.split(".")[0]:
            for name in allowed:
                assert hasattr(client, name) or name == "_closed", name


def test_a_passed_call_stops_its_waiters_alike(env: Env) -> None:
    """``_forget`` with an error in both: a wait on a passed call raises, never hangs."""

    async def body(env: Env) -> None:
        server = fast_server()
        async with (
            env.serve(server) as fake,
            env.client(
                project="test-project", token="test-token", host=fake.url, contexts=["office"]
            ) as client,
        ):
            if env.name == "trio":
                incoming = client.raw.incoming_calls()
                fake.inject_inbound_call(context="office", from_number=ANSWERS, to_number=SLOW)
                with trio.fail_after(2):
                    call = await incoming.receive()
                await call.pass_()
                with trio.fail_after(1), pytest.raises(SessionClosedError):
                    await call.wait_for(CallState.ANSWERED)
            else:
                offered: asyncio.Queue[Any] = asyncio.Queue()

                async def on_call(call: Any) -> None:
                    await offered.put(call)

                client.raw.on_call(on_call)
                fake.inject_inbound_call(context="office", from_number=ANSWERS, to_number=SLOW)
                call = await asyncio.wait_for(offered.get(), 2)
                await call.pass_()
                with pytest.raises(SessionClosedError):
                    await call.wait_for_answered(timeout=1)

    env.run(body)


def test_a_command_after_our_hangup_is_refused_alike(env: Env) -> None:
    """Once the server accepted our hangup the call is gone in both adapters, whether or
    not its ``ended`` event has been read yet: CallGoneError, and nothing is sent."""

    async def body(env: Env) -> None:
        server = fast_server()
        async with (
            env.serve(server) as fake,
            env.client(project="test-project", token="test-token", host=fake.url) as client,
        ):
            call = await client.dial()
            await call.hangup()
            sent = len(server.journal)
            with pytest.raises(CallGoneError):
                await call.connect([[phone(ANSWERS)]])
            assert not [
                entry for entry in list(server.journal)[sent:] if entry.method == "calling.connect"
            ]

    env.run(body)
