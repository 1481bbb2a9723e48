"""A session's settings and counters: :class:`RelayConfig`, :class:`SessionStatistics`.

Every setting is checked when the config is built (a bad one raises
:class:`~relay_core.InvalidArgumentError` naming it), and the repr never
shows a credential.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, final

import attrs

from .._checks import (
    check_choice,
    check_contexts,
    check_count,
    check_secret,
    check_text,
    check_timeout,
)
from .._errors import (
    LocalProtocolError,
)
from .._ids import JSONDict
from ._call_commands import OVERFLOW_POLICIES
from ._state import SessionState

__all__ = ["RelayConfig", "SessionStatistics"]

PROTOCOL_VERSION: Final = {"major": 2, "minor": 0, "revision": 0}
DEFAULT_AGENT: Final = "sansio-relay/0.1"
#: JSON-RPC code for a stale or corrupt ``authorization_state`` (RELAY.md C.2).
STALE_AUTHORIZATION_CODE: Final = -32003


def _redacted(value: str | None) -> str:
    return "None" if value is None else "'***'"


def _positive_number(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    check_timeout(attribute.name, value)


# Converters: a positive number of seconds, or ``None`` (``math.inf`` too) for never.
def _ping_interval(value: object) -> float | None:
    return check_timeout("ping_interval", value, allow_none=True)


def _server_ping_timeout(value: object) -> float | None:
    return check_timeout("server_ping_timeout", value, allow_none=True)


def _positive_int(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    check_count(attribute.name, value)


def _contexts(value: Iterable[str]) -> tuple[str, ...]:
    return check_contexts(value)


def _project(_instance: object, _attribute: object, value: str | None) -> None:
    check_text("project", value, allow_none=True)


def _agent(_instance: object, _attribute: object, value: str) -> None:
    check_text("agent", value)


def _secret(_instance: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    check_secret(attribute.name, value)


def _overflow(_instance: object, _attribute: object, value: str) -> None:
    check_choice("inbound_overflow", value, OVERFLOW_POLICIES)


@final
@attrs.frozen(kw_only=True)
class RelayConfig:
    """Credentials, contexts and the knobs of one session.

    Give ``project`` and ``token``, or ``jwt_token``.  Secrets never appear in
    ``repr`` or in any message.  Times are in seconds.
    """

    project: str | None = attrs.field(default=None, validator=_project)
    token: str | None = attrs.field(default=None, repr=_redacted, validator=_secret)
    jwt_token: str | None = attrs.field(default=None, repr=_redacted, validator=_secret)
    #: Contexts to receive inbound calls on from the start.
    contexts: tuple[str, ...] = attrs.field(default=(), converter=_contexts)
    agent: str = attrs.field(default=DEFAULT_AGENT, validator=_agent)
    #: How long a request on the wire waits for its answer.
    request_timeout: float = attrs.field(default=10.0, validator=_positive_number)
    #: How long a request may wait in the outbox for an authenticated socket.
    queue_timeout: float = attrs.field(default=60.0, validator=_positive_number)
    #: Bound of the outbox; one more request raises ``LocalProtocolError``.
    max_queued_requests: int = attrs.field(default=500, validator=_positive_int)
    #: Client ``signalwire.ping`` cadence (``None``: never ping).
    ping_interval: float | None = attrs.field(default=30.0, converter=_ping_interval)
    #: Declare the link dead when server pings, once seen, stop for this long.
    server_ping_timeout: float | None = attrs.field(default=45.0, converter=_server_ping_timeout)
    #: First reconnect delay; doubles per failed attempt, up to the cap.
    reconnect_base: float = attrs.field(default=1.0, validator=_positive_number)
    reconnect_cap: float = attrs.field(default=30.0, validator=_positive_number)
    #: Consecutive authentication rejections before the session gives up.
    max_auth_failures: int = attrs.field(default=3, validator=_positive_int)
    #: Cap on live calls; inbound offers over it get ``inbound_overflow``.
    max_calls: int = attrs.field(default=1000, validator=_positive_int)
    inbound_overflow: str = attrs.field(default="pass", validator=_overflow)
    #: How long abandoned work (a dial or connect given up on, by the caller
    #: or by the core after a timeout, a lost request or a malformed outcome)
    #: is remembered after the last event naming it, so that its late legs
    #: are still ended; then it is forgotten, as are legs whose end the
    #: server never confirmed.
    abandon_grace: float = attrs.field(default=60.0, validator=_positive_number)
    #: Cap on messages in flight (sends awaiting their reply plus messages
    #: followed); one more ``messaging.send`` raises ``LocalProtocolError``.
    max_messages: int = attrs.field(default=1000, validator=_positive_int)
    #: Seconds a sent message may stay without a new state before the session
    #: stops following it (``delivered``/``undelivered`` are not guaranteed,
    #: RELAY.md J.4): it is reported expired, with its last state.
    message_timeout: float = attrs.field(default=600.0, validator=_positive_number)

    def __attrs_post_init__(self) -> None:
        if self.jwt_token:
            return
        if not self.project or not self.token:
            raise LocalProtocolError(
                "credentials: give project and token, or jwt_token "
                "(or set SIGNALWIRE_PROJECT_ID and SIGNALWIRE_API_TOKEN)"
            )

    def authentication(self) -> JSONDict:
        """The ``authentication`` object of ``signalwire.connect`` (RELAY.md C.1)."""
        if self.jwt_token:
            return {"jwt_token": self.jwt_token}
        assert self.project is not None and self.token is not None
        return {"project": self.project, "token": self.token}


@final
@attrs.frozen(kw_only=True)
class SessionStatistics:
    """Counters for monitoring; cheap to take."""

    state: SessionState
    queued_requests: int
    pending_requests: int
    live_calls: int
    live_dials: int
    live_connects: int
    live_actions: int
    #: Abandoned dials and connects whose late legs the core still watches.
    abandoned_work: int
    events_received: int
    malformed_frames: int
    dropped_events: int
    connections: int
    #: Sends awaiting their reply plus outbound messages followed.
    live_messages: int = 0
    #: Inbound messages dropped for want of room (``refuse_message``).
    refused_messages: int = 0
