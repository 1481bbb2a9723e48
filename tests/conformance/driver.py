"""One driver face over both real clients, for scenarios written once.

A scenario is ``async def scenario(d: Driver, fake) -> None``; :meth:`Driver.run`
runs it on the adapter's loop (trio under the autojump clock: virtual time;
asyncio in real time, so the directory's timings are small).  ``d.serve``
serves a :class:`relay_core.FakeRelayServer` with the adapter's own testing
module; ``d.client`` opens the adapter's real client (relay_trio's
``open_relay_client``, relay_asyncio's ``RelayClient``) and returns a
:class:`Client` whose verbs hide the two APIs' differences (a connect
returns the peer leg; states are the wire strings).

Only public names are imported here: the suite tests what users see.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import trio
import trio.testing

import relay_asyncio
import relay_asyncio.testing
import relay_core
import relay_trio
import relay_trio.testing
from relay_core import (
    Answers,
    Busy,
    Directory,
    Fails,
    FakeRelayServer,
    JournalEntry,
    NeverAnswers,
)

FROM = "+15550000000"
ANSWERS = "+15552222222"  # answers after 20 ms
PEER = "+15559876543"  # answers after 20 ms
SLOW = "+15557770001"  # answers after 300 ms: room to inject a fault while it rings
NEVER = "+15551111111"  # rings until the device's timeout
BUSY = "+15550000486"
FAILS = "+15550000500"
CREDENTIALS = {"test-project": "test-token"}
#: Wire direction of a frame the client sent (``relay_core``'s ``CLIENT_TO_SERVER``).
CLIENT_TO_SERVER = "C→S"
#: Requests that depend on timing, not on the scenario (liveness checks).
TIMING_METHODS = frozenset({"signalwire.ping"})


def phone(number: str, timeout: float | None = None) -> dict[str, Any]:
    """A phone device in the official SDK's dict form (both clients take it)."""
    params: dict[str, Any] = {"to_number": number, "from_number": FROM}
    if timeout is not None:
        params["timeout"] = timeout
    return {"type": "phone", "params": params}


def fast_server() -> FakeRelayServer:
    """A fake server whose phones answer in 20 ms and ring 200 ms by default."""
    directory = Directory.default()
    directory.fallback = Answers(after=0.02)
    directory.ring_timeout = 0.2
    for number in (ANSWERS, PEER):
        directory.set(number, Answers(after=0.02))
    directory.set(SLOW, Answers(after=0.3))
    directory.set(NEVER, NeverAnswers())
    directory.set(BUSY, Busy())
    directory.set(FAILS, Fails())
    return FakeRelayServer(directory=directory, credentials=CREDENTIALS)


def requests(fake: Any) -> list[JournalEntry]:
    """Every request the client sent, in order (liveness pings left out)."""
    return [
        e
        for e in fake.server.journal
        if e.direction == CLIENT_TO_SERVER
        and e.method is not None
        and e.method not in TIMING_METHODS
    ]


def methods(fake: Any) -> list[str]:
    """The methods of :func:`requests`, in order."""
    return [e.method for e in requests(fake) if e.method is not None]


def trust(fake: Any) -> ssl.SSLContext | None:
    """A client TLS context trusting the served fake's throwaway CA (``None``: plain ws)."""
    ca_path = fake.ca_path
    return None if ca_path is None else ssl.create_default_context(cafile=ca_path)


def core_type(exc: BaseException) -> type[BaseException]:
    """The public ``relay_core`` class of ``exc`` (an adapter's subclass maps to its base).

    relay_trio's ``DialTimeoutError`` is a ``DialError`` that is also a
    ``trio.TooSlowError``: both adapters raise ``DialError`` in this sense.
    """
    mro: tuple[type, ...] = type(exc).__mro__
    for cls in mro:
        public: object = getattr(relay_core, cls.__name__, None)
        if public is cls and issubclass(cls, BaseException):
            return cls
    return type(exc)


def wire(value: Any) -> Any:
    """A state as its wire string (relay_trio gives enums, relay_asyncio strings)."""
    return getattr(value, "value", value)


class Play:
    """A playback of either client."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    async def stop(self) -> None:
        await self.raw.stop()

    async def pause(self) -> None:
        await self.raw.pause()

    async def resume(self) -> None:
        await self.raw.resume()

    async def volume(self, db: float) -> None:
        await self.raw.volume(db)

    async def wait(self) -> str:
        """Wait for the end; the final state (``finished`` / ``error``)."""
        result = await self.raw.wait()
        return str(wire(getattr(result, "state", result)))


class Client:
    """Either adapter's client, behind the verbs the scenarios use."""

    def __init__(self, driver: Driver, raw: Any, inbound: Callable[[], Awaitable[Any]]) -> None:
        self.driver = driver
        self.raw = raw
        self._inbound = inbound

    async def dial(
        self, plan: list[list[dict[str, Any]]], *, dial_timeout: float = 30.0, **options: Any
    ) -> Any:
        return await self.raw.dial(plan, dial_timeout=dial_timeout, **options)

    async def connect(self, call: Any, plan: list[list[dict[str, Any]]], **options: Any) -> Any:
        """Bridge ``call``; the peer leg."""
        result = await call.connect(plan, **options)
        return getattr(result, "call", result)  # relay_asyncio: a ConnectResult

    async def play(self, call: Any, media: list[dict[str, Any]]) -> Play:
        return Play(await call.play(media))

    async def answer(self, call: Any) -> None:
        await call.answer()

    async def hangup(self, call: Any) -> None:
        await call.hangup()

    async def inbound_call(self) -> Any:
        """The next inbound call offered to the client."""
        return await self._inbound()

    @staticmethod
    def state(call: Any) -> str:
        return str(wire(call.state))

    @staticmethod
    def peer(call: Any) -> Any:
        return call.peer

    @staticmethod
    def to_number(call: Any) -> str:
        device = call.device
        if isinstance(device, dict):  # relay_asyncio: the wire dict
            return str(device["params"]["to_number"])
        return str(device.to_number)

    async def wait_for_state(self, call: Any, state: str) -> None:
        assert await self.driver.wait_until(lambda: self.state(call) == state), (
            f"{call!r} never reached {state}"
        )


class Driver:
    """One adapter's loop, served fake server and client."""

    name: str

    def run(self, body: Callable[[Driver], Awaitable[None]], *, limit: float) -> None:
        """Run ``body(self)`` on the loop, failing past ``limit`` seconds."""
        raise NotImplementedError

    def serve(self, server: FakeRelayServer, *, tls: bool) -> AbstractAsyncContextManager[Any]:
        """Serve ``server`` over loopback (``wss://`` with a throwaway CA if ``tls``)."""
        raise NotImplementedError

    def client(self, fake: Any, **options: Any) -> AbstractAsyncContextManager[Client]:
        """Open the real client on ``fake``; ``max_calls`` caps live calls."""
        raise NotImplementedError

    async def sleep(self, seconds: float) -> None:
        raise NotImplementedError

    def now(self) -> float:
        raise NotImplementedError

    def spawn(self, job: Callable[[], Awaitable[None]]) -> AbstractAsyncContextManager[None]:
        """Run ``job()`` in the background while the block runs; wait for it on leaving."""
        raise NotImplementedError

    def give_up_after(self, seconds: float) -> AbstractAsyncContextManager[None]:
        """Cancel the block after ``seconds`` (the caller's own deadline), silently."""
        raise NotImplementedError

    async def wait_until(self, predicate: Callable[[], bool], *, timeout: float = 5.0) -> bool:
        """Wait (polling, bounded) until ``predicate()``; whether it came true."""
        deadline = self.now() + timeout
        while not predicate():
            if self.now() >= deadline:
                return False
            await self.sleep(0.005)
        return True


class TrioDriver(Driver):
    name = "trio"

    def run(self, body: Callable[[Driver], Awaitable[None]], *, limit: float) -> None:
        async def main() -> None:
            with trio.fail_after(limit):
                await body(self)

        trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))

    def serve(self, server: FakeRelayServer, *, tls: bool) -> AbstractAsyncContextManager[Any]:
        return relay_trio.testing.open_fake_relay_server(server, tls=tls)

    @asynccontextmanager
    async def client(self, fake: Any, **options: Any) -> AsyncIterator[Client]:
        options.setdefault("close_timeout", 0.5)  # relay_asyncio's close grace: alike
        options.setdefault("ssl_context", trust(fake))
        async with relay_trio.open_relay_client(
            project="test-project",
            token="test-token",
            host=fake.url,
            contexts=["office"],
            **options,
        ) as raw:
            incoming = raw.incoming_calls()
            yield Client(self, raw, incoming.receive)

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(seconds)

    def now(self) -> float:
        return trio.current_time()

    @asynccontextmanager
    async def spawn(self, job: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(job)
            yield

    @asynccontextmanager
    async def give_up_after(self, seconds: float) -> AsyncIterator[None]:
        with trio.move_on_after(seconds):
            yield


class AsyncioDriver(Driver):
    name = "asyncio"

    def run(self, body: Callable[[Driver], Awaitable[None]], *, limit: float) -> None:
        async def main() -> None:
            async with asyncio.timeout(limit):
                await body(self)

        asyncio.run(main())

    def serve(self, server: FakeRelayServer, *, tls: bool) -> AbstractAsyncContextManager[Any]:
        return relay_asyncio.testing.open_fake_relay_server(server, tls=tls)

    @asynccontextmanager
    async def client(self, fake: Any, **options: Any) -> AsyncIterator[Client]:
        if "max_calls" in options:
            options["max_active_calls"] = options.pop("max_calls")
        options.setdefault("ssl", trust(fake))
        raw = relay_asyncio.RelayClient(
            project="test-project",
            token="test-token",
            host=fake.url,
            contexts=["office"],
            **options,
        )
        offers: asyncio.Queue[Any] = asyncio.Queue()
        raw.on_call(offers.put)
        async with raw:
            yield Client(self, raw, offers.get)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    @asynccontextmanager
    async def spawn(self, job: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
        async def run() -> None:
            await job()

        async with asyncio.TaskGroup() as group:
            group.create_task(run())
            yield

    @asynccontextmanager
    async def give_up_after(self, seconds: float) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(seconds):
                yield
        except TimeoutError:
            pass


DRIVERS: dict[str, Driver] = {"trio": TrioDriver(), "asyncio": AsyncioDriver()}
