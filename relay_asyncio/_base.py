"""The fields every part of the asyncio client shares, and its small helpers.

:class:`relay_asyncio.RelayClient` is built in layers, one module each, so
each part reads (and type-checks) on its own:

* ``_base``: the fields (set by the constructor and ``_reset``), the clock,
  futures and tasks of the client's loop;
* ``_session_loop``: opening and closing, the reader, writer and timer tasks,
  reconnects, flushes, the pump after every mutation;
* ``_commands``: requests, dials and connects, and what a ``Call`` asks of its
  client (``relay_asyncio._call.CallHost``);
* ``_dispatch``: core events to waiters and calls, and inbound calls to the
  ``on_call`` handler (sync; never awaits user code);
* ``_message``: SMS/MMS (``send_message``, ``on_message``, the ``Message``
  objects), over the dispatch;
* ``_client``: the public API on top, ``async with`` included.

Each layer builds on the one before; the two calls that point back up
(``_dispatch`` from the loop, ``_track`` from the commands) are declared
where they are used.  relay_trio's client has the same layers under the
same names.
"""

from __future__ import annotations

import asyncio
import ssl as ssl_module
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from websockets.asyncio.client import ClientConnection

from relay_core import (
    CallId,
    ConnectPolicy,
    ConnectStateChanged,
    ControlId,
    DialStateChanged,
    FailureCause,
    JSONObject,
    RelayConfig,
    RelayError,
    RelaySession,
    RequestId,
    SessionClosedError,
    Tag,
)

from ._call import Action, Call

CallHandler = Callable[[Call], Awaitable[object]]
_T = TypeVar("_T")


def _consume(future: asyncio.Future[Any]) -> None:
    """Mark a settled future's exception as seen: its owner may have moved on."""
    if not future.cancelled():
        future.exception()


class ClientBase:
    """The state of one client; its parts are the subclasses in the modules above."""

    # Set by RelayClient.__init__ (and ``_loop`` by ``__aenter__``).
    url: str
    project: str
    _config: RelayConfig
    _ssl: ssl_module.SSLContext | None
    _policy: ConnectPolicy
    _max_handlers: int
    _on_call: CallHandler | None
    _session: RelaySession | None
    _tg: asyncio.TaskGroup | None
    _loop: asyncio.AbstractEventLoop

    def _reset(self) -> None:
        self._ws: ClientConnection | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        #: Running ``on_call`` handlers (``Dispatch._start_handler``), cancelled on close.
        self._handler_tasks: set[asyncio.Task[None]] = set()
        self._host_task: asyncio.Task[Any] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._requests: dict[RequestId, asyncio.Future[JSONObject]] = {}
        #: A dial's outcome, with its winning leg already tracked (a leg that ends
        #: in the same read as the answer is updated, not kept live forever).
        self._dials: dict[Tag, asyncio.Future[tuple[DialStateChanged, Call | None]]] = {}
        self._connects: dict[CallId, asyncio.Future[ConnectStateChanged]] = {}
        self._actions: dict[ControlId, Action] = {}
        self._calls: dict[CallId, Call] = {}
        self._outq: deque[str] = deque()
        self._out_ready = asyncio.Event()
        self._drained = True
        #: Set after every core mutation and whenever the writer runs dry.
        self._changed = asyncio.Event()
        self._wake = asyncio.Event()
        #: The deadline the timer sleeps until (None: until woken).
        self._armed: float | None = None
        self._deadline_check = False
        self._handlers = 0
        #: ``on_call`` handlers started by the current read (at most ``SLICE``).
        self._fresh_handlers = 0
        #: Offers of this read waiting for a free handler (``Dispatch._settle_offers``).
        self._held: deque[Call] = deque()
        self._started = self._closing = self._cancelled_host = False
        self._fatal: RelayError | None = None
        self._last_error: RelayError | None = None
        #: Why the current socket is being dropped (a liveness timeout), for the policy.
        self._drop_cause: tuple[FailureCause, str] | None = None

    def _now(self) -> float:
        return self._loop.time()

    def _live(self) -> RelaySession:
        if self._session is None or self._tg is None:
            raise self._fatal or SessionClosedError(
                "the RelayClient is not open: use `async with client:` or `await client.connect()`"
            )
        return self._session

    def _future(self) -> asyncio.Future[_T]:
        future: asyncio.Future[_T] = self._loop.create_future()
        future.add_done_callback(_consume)
        return future

    def _spawn(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        assert self._tg is not None
        task = self._tg.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
