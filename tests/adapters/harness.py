"""One test body, both adapters: a thin neutral face over relay_trio and relay_asyncio.

A test is an ``async def body(env)``; :meth:`Env.run` runs it on its loop
under a hard limit.  ``env.serve(server)`` serves a FakeRelayServer with the
adapter's own testing module, ``env.client(...)`` opens the adapter's real
client, and :class:`Client` speaks the few verbs the tests need
(dial / connect / play / hangup) in either adapter's API.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import trio

import relay_asyncio
import relay_asyncio.testing
import relay_trio
import relay_trio.testing
from relay_core import FakeRelayServer
from relay_core.testing import CLIENT_TO_SERVER, Answers, Directory, FakeServerScripting

FROM = "+15550000000"
ANSWERS = "+15552222222"
PEER = "+15559876543"
SLOW = "+15557770001"  # answers after 0.3 s (room to inject a fault while it rings)
PLAY = [{"type": "tts", "params": {"text": "hello"}}]


def phone(number: str) -> dict[str, Any]:
    return {"type": "phone", "params": {"to_number": number, "from_number": FROM}}


def fast_server(**options: Any) -> FakeRelayServer:
    """A fake server whose phones answer after 20 ms (:data:`SLOW`: 300 ms)."""
    directory = Directory.default()
    directory.fallback = Answers(after=0.02)
    directory.ring_timeout = 2.0
    for number in (ANSWERS, PEER):
        directory.set(number, Answers(after=0.02))
    directory.set(SLOW, Answers(after=0.3))
    options.setdefault("directory", directory)
    return FakeRelayServer(**options)


def requests_seen(fake: FakeServerScripting, method: str) -> int:
    """How many ``method`` requests the server received."""
    return sum(
        1 for e in fake.server.journal if e.direction == CLIENT_TO_SERVER and e.method == method
    )


class Client:
    """Either adapter's client, behind the verbs the tests use."""

    def __init__(self, adapter: str, client: Any) -> None:
        self.adapter = adapter
        self.raw = client

    async def dial(self, number: str = ANSWERS, *, dial_timeout: float | None = 5.0) -> Any:
        return await self.raw.dial([[phone(number)]], dial_timeout=dial_timeout)

    async def connect(self, call: Any, number: str = PEER) -> Any:
        result = await call.connect([[phone(number)]])
        return result if self.adapter == "trio" else result.call

    async def play(self, call: Any) -> None:
        await call.play(PLAY)

    @staticmethod
    async def hangup(call: Any) -> None:
        await call.hangup()


class Env:
    """One adapter's loop, fake server and client."""

    name: str

    def run(self, body: Callable[[Env], Awaitable[None]], *, limit: float = 10.0) -> float:
        """Run ``body(self)`` on the loop, failing past ``limit`` s; the seconds it took."""
        raise NotImplementedError

    def serve(self, server: FakeRelayServer, **options: Any) -> AbstractAsyncContextManager[Any]:
        raise NotImplementedError

    def client(self, **options: Any) -> AbstractAsyncContextManager[Client]:
        """Open the adapter's client (``project``, ``token``, ``jwt_token``, ``host``,
        ``contexts``, ``request_timeout``, ``open_timeout``)."""
        raise NotImplementedError

    async def sleep(self, seconds: float) -> None:
        raise NotImplementedError

    def now(self) -> float:
        raise NotImplementedError

    async def both(
        self, first: Callable[[], Awaitable[None]], second: Callable[[], Awaitable[None]]
    ) -> None:
        """Run ``first()`` and ``second()`` concurrently until both return."""
        raise NotImplementedError

    async def wait_until(
        self, fake: Any, predicate: Callable[[], bool], *, timeout: float = 2.0
    ) -> bool:
        """Wait (polling, bounded) until ``predicate()``; whether it came true."""
        deadline = self.now() + timeout
        while not predicate():
            if self.now() >= deadline:
                return False
            await self.sleep(0.01)
        return True


class TrioEnv(Env):
    name = "trio"

    def run(self, body: Callable[[Env], Awaitable[None]], *, limit: float = 10.0) -> float:
        async def main() -> None:
            with trio.fail_after(limit):
                await body(self)

        started = time.perf_counter()
        trio.run(main)
        return time.perf_counter() - started

    def serve(self, server: FakeRelayServer, **options: Any) -> AbstractAsyncContextManager[Any]:
        return relay_trio.testing.open_fake_relay_server(server, **options)

    @asynccontextmanager
    async def client(self, **options: Any) -> AsyncIterator[Client]:
        options.setdefault("close_timeout", 0.5)  # relay_asyncio's CLOSE_GRACE: alike
        async with relay_trio.open_relay_client(**options) as client:
            yield Client(self.name, client)

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(seconds)

    async def both(
        self, first: Callable[[], Awaitable[None]], second: Callable[[], Awaitable[None]]
    ) -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(first)
            nursery.start_soon(second)

    def now(self) -> float:
        return trio.current_time()


class AsyncioEnv(Env):
    name = "asyncio"

    def run(self, body: Callable[[Env], Awaitable[None]], *, limit: float = 10.0) -> float:
        async def main() -> None:
            async with asyncio.timeout(limit):
                await body(self)

        started = time.perf_counter()
        asyncio.run(main())
        return time.perf_counter() - started

    def serve(self, server: FakeRelayServer, **options: Any) -> AbstractAsyncContextManager[Any]:
        return relay_asyncio.testing.open_fake_relay_server(server, **options)

    @asynccontextmanager
    async def client(self, **options: Any) -> AsyncIterator[Client]:
        client = relay_asyncio.RelayClient(**options)
        async with client:
            yield Client(self.name, client)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def both(
        self, first: Callable[[], Awaitable[None]], second: Callable[[], Awaitable[None]]
    ) -> None:
        async def run(job: Callable[[], Awaitable[None]]) -> None:
            await job()

        async with asyncio.TaskGroup() as group:
            group.create_task(run(first))
            group.create_task(run(second))

    def now(self) -> float:
        return asyncio.get_running_loop().time()


ENVS: dict[str, Env] = {"trio": TrioEnv(), "asyncio": AsyncioEnv()}
