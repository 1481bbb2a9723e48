"""The exception hierarchy shared by the core and both adapters.

``RelayError(code, message)`` is the root, with the official SDK's name and
attributes, so ``except RelayError`` keeps working for code ported from it.
No message built here ever contains a credential.
"""

from __future__ import annotations

import itertools
import reprlib


class _ShortRepr(reprlib.Repr):
    """``reprlib`` limits, but dicts keep their order (reprlib sorts them)."""

    def repr_dict(self, x: dict[object, object], level: int) -> str:
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        pieces = [
            f"{self.repr1(key, level - 1)}: {self.repr1(x[key], level - 1)}"
            for key in itertools.islice(x, self.maxdict)
        ]
        if len(x) > self.maxdict:
            pieces.append("...")
        return "{" + ", ".join(pieces) + "}"


_REPR = _ShortRepr()
_REPR.maxlevel = 3  # never recurses deeper: safe for hostile, deeply nested values
_REPR.maxstring = _REPR.maxother = 200
_REPR.maxlong = 40


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, safe for any peer-supplied value.

    It descends at most three levels into containers, so deeply nested data
    cannot raise ``RecursionError``, and huge strings or numbers are cut
    before they are copied into an error message.
    """
    try:
        text = _REPR.repr(value)
    except ValueError:  # an integer beyond int's str() limit
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: Code the client synthesises for failures that never reached the server
#: (timeouts, connection loss, a full outbox), as the official SDK does.
LOCAL_FAILURE_CODE = -1


class RelayError(Exception):
    """Root of every error this library raises.

    Attributes:
        code: the server's result code (``404``), a JSON-RPC error code
            (``-32002``) or ``-1`` for failures detected on this side.
        message: a human-readable explanation; never contains a secret.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} (code {self.code})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class ProtocolError(RelayError):
    """A violation of the RELAY protocol, by this side or the peer (abstract)."""

    def __init__(self, message: str, code: int = LOCAL_FAILURE_CODE) -> None:
        super().__init__(code, message)


class LocalProtocolError(ProtocolError):
    """This side asked for something illegal: bad input or the wrong state.

    The object that raised it is left exactly as it was before the call.
    """


class ActionEndedError(LocalProtocolError):
    """A control (``stop``, ``pause``, ``volume``...) names an action this session saw end.

    Nothing was sent.  The adapters make ``stop()`` on an ended action a
    no-op by catching this (and only for a stop); every other control raises it.
    """


class RemoteProtocolError(ProtocolError):
    """The peer sent a frame that is not valid JSON-RPC 2.0 or RELAY.

    The session that raised it is still usable: the frame is dropped (and,
    where it carried an ``id``, answered with a JSON-RPC error).
    """


class RequestError(RelayError):
    """A request failed: a non-2xx result or a JSON-RPC error from the server."""

    def __init__(self, code: int, message: str, *, method: str = "") -> None:
        super().__init__(code, message)
        self.method = method


class CallGoneError(RequestError):
    """The call no longer exists on the server (result code 404 or 410).

    Normal telephony, not a bug: the other side hung up between the command
    and the ``ended`` event.
    """


class RequestTimeoutError(RequestError):
    """No response arrived before the request's deadline.

    Only this request failed; the connection and every other request go on.
    """


class ConnectionLostError(RequestError):
    """The connection closed before the server answered this request."""


class AuthenticationError(RelayError):
    """The server rejected the credentials (a JSON-RPC error on ``signalwire.connect``)."""


class SessionClosedError(RelayError):
    """The session is closed: nothing more can be sent through it."""

    def __init__(self, message: str = "the RELAY session is closed") -> None:
        super().__init__(LOCAL_FAILURE_CODE, message)


class DialError(RelayError):
    """A dial ended without an answered leg.

    Attributes:
        reason: the server's reason (``busy``, ``noAnswer``, ...), or ``None``.
        tag: the dial's tag.
    """

    def __init__(self, message: str, *, reason: str | None, tag: str) -> None:
        super().__init__(LOCAL_FAILURE_CODE, message)
        self.reason = reason
        self.tag = tag


class DialTimeoutError(DialError, TimeoutError):
    """``dial_timeout`` passed before the dial was answered or failed; its legs were ended.

    The same type from both adapters (``reason == "timeout"``); also a
    :class:`TimeoutError` (relay_trio's is also a ``trio.TooSlowError``).
    """

    def __init__(self, tag: str, timeout: float) -> None:
        super().__init__(f"dial {tag}: no answer within {timeout:g} s", reason="timeout", tag=tag)


class ConnectError(RelayError):
    """A connect (bridge) attempt failed.

    Attributes:
        reason: the server's ``failed_reason``, or a local explanation.
    """

    def __init__(self, message: str, *, reason: str | None) -> None:
        super().__init__(LOCAL_FAILURE_CODE, message)
        self.reason = reason


class InvalidArgumentError(LocalProtocolError, ValueError):
    """An argument of a public call is invalid; nothing was queued or sent.

    Also a :class:`ValueError`, so code that guards arguments the usual
    Python way catches it.  The message names the argument and shows the
    value (``dial_timeout: -1 is not a positive number of seconds``).
    """


def work_error(outcome: RelayError, request: RelayError | None) -> RelayError:
    """The error a failed dial or connect raises, the same in both adapters.

    ``outcome`` is the failed outcome's error (:class:`DialError` /
    :class:`ConnectError`); ``request`` the failure of the ``calling.dial`` /
    ``calling.connect`` request itself, if it failed.  A request the server
    rejected or left unanswered wins (:class:`RequestError`,
    :class:`RequestTimeoutError`, :class:`CallGoneError`: the most precise
    type, and what the official SDK raises); a connection lost under the
    request is only the outcome's cause (the work waits for the resume).
    """
    if request is None:
        return outcome
    if isinstance(request, ConnectionLostError):
        outcome.__cause__ = request
        return outcome
    return request
