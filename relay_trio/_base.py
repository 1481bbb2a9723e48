"""The fields every part of the trio client shares, set once by its constructor.

:class:`relay_trio.RelayClient` is built in layers, one module each, so each
part reads (and type-checks) on its own:

* ``_base``: these fields (the waiter tables, the socket, the timer's scope);
* ``_session_loop``: the socket, reader and timer tasks, reconnects, flushes,
  the pump after every mutation, opening and closing;
* ``_commands``: requests, dials and connects, and what a ``Call`` asks of its
  client (``relay_trio._call.CallHost``);
* ``_dispatch``: core events to waiters, calls and the inbound-call channel
  (sync; never awaits user code);
* ``_message``: SMS/MMS (``send_message``, ``incoming_messages``, the
  ``Message`` objects), over the dispatch;
* ``_client``: the public API on top, and ``open_relay_client``.

Each layer builds on the one before; the two calls that point back up
(``_dispatch`` from the loop, ``_forget`` from the commands) are declared
where they are used.  relay_asyncio's client has the same layers under the
same names.
"""

from __future__ import annotations

import ssl
from collections import deque

import trio

from relay_core import (
    ConnectPolicy,
    ConnectStateChanged,
    ControlId,
    DialStateChanged,
    Event,
    FailureCause,
    RelaySession,
    RequestCompleted,
    RequestFailed,
    RequestId,
    Tag,
)

from ._actions import Action
from ._call import Call, Playback
from ._sync import Broadcast, Expiries, Waiter
from ._transport import TransportError, WebSocket

#: What a request's waiter receives.
_Outcome = RequestCompleted | RequestFailed


class ClientBase:
    """The state of one client; its parts are the subclasses in the modules above."""

    def __init__(
        self,
        session: RelaySession,
        url: str,
        tls: ssl.SSLContext | None,
        *,
        close_timeout: float,
        max_pending_calls: int,
        policy: ConnectPolicy,
    ) -> None:
        self._session = session
        self._policy = policy
        self._established = False
        self._url = url
        self._tls = tls
        self._close_timeout = close_timeout
        self._nursery: trio.Nursery | None = None
        self._ws: WebSocket | None = None
        # The socket a task is writing to (see ``_flush``).
        self._writer: WebSocket | None = None
        self._socket_scope: trio.CancelScope | None = None
        # The timer task's sleep, and the deadline it sleeps until (None: no
        # deadline); ``_pump`` moves the sleep when the core's deadline moves.
        self._timer_scope: trio.CancelScope | None = None
        self._timer_deadline: float | None = None
        #: Dials' ``dial_timeout`` deadlines (the timer task fires them too).
        self._expiries = Expiries()
        #: Set by the next ``_pump`` (made by whoever waits for it).
        self._progress: trio.Event | None = None
        self._close_reason = ""
        #: Why the current socket is being dropped (a liveness timeout), for the policy.
        self._drop_cause: tuple[FailureCause, str] | None = None
        self._opened = trio.Event()
        self._closing = False
        self._closed = False
        self._failure: BaseException | None = None
        self._last_error: TransportError | None = None
        self._requests: dict[RequestId, Waiter[_Outcome]] = {}
        # A dial's or connect's final event, with the Call the reader made for
        # its winner or peer as it dispatched it (the leg may end in the same
        # read: a later ``_track`` would make a stale copy that never ends).
        self._dials: dict[Tag, Waiter[tuple[DialStateChanged, Call | None]]] = {}
        self._connects: dict[str, Waiter[tuple[ConnectStateChanged, Call | None]]] = {}
        self._calls: dict[str, Call] = {}
        self._playbacks: dict[str, Playback] = {}
        #: Actions (record, collect, ...) until their ActionFinished.
        self._actions: dict[ControlId, Action[object]] = {}
        self._tap = Broadcast[Event]()
        self._incoming, self._incoming_out = trio.open_memory_channel[Call](max_pending_calls)
        #: Offers of this read that found the buffer full (``Dispatch._settle_offers``).
        self._held: deque[Call] = deque()
