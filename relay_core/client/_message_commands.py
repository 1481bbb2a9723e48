"""``messaging.send`` as a typed command, checked before anything is sent (RELAY.md J.1).

The official SDK checks only that body or media is given (K.28); this
command also refuses numbers that are not E.164 (a ``from_number`` may be
a short code the project owns, J.1), empty media URLs and tags, and a
context that is not a non-empty string, each with an
:class:`~relay_core.InvalidArgumentError` naming the argument and showing
the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar, Final, final

import attrs

from .._checks import check_text
from .._errors import InvalidArgumentError, short_repr
from .._ids import JSONDict

__all__ = ["DEFAULT_MESSAGE_CONTEXT", "SendMessage", "message_context"]

#: The context of a message sent before any session gave a protocol (RELAY.md K.28).
DEFAULT_MESSAGE_CONTEXT: Final = "default"

_E164: Final = re.compile(r"\+[1-9][0-9]{1,14}")
_SHORT_CODE: Final = re.compile(r"[0-9]{3,8}")


def message_context(context: str | None, protocol: str | None) -> str:
    """The context of a message: the caller's, else the session's protocol, else ``default``.

    The official SDK's rule (RELAY.md J.1): state events go to that context,
    so pick one the session receives.
    """
    if context is not None:
        return check_text("context", context)
    return protocol or DEFAULT_MESSAGE_CONTEXT


def _bad(name: str, value: object, expected: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"{name}: {short_repr(value, 60)} is not {expected}")


def _to_number(_instance: object, _attribute: object, value: str) -> None:
    if not isinstance(value, str) or not _E164.fullmatch(value):
        raise _bad("to_number", value, "an E.164 number (+ and up to 15 digits)")


def _from_number(_instance: object, _attribute: object, value: str) -> None:
    if not isinstance(value, str) or not (_E164.fullmatch(value) or _SHORT_CODE.fullmatch(value)):
        raise _bad("from_number", value, "an E.164 number or a short code")


def _strings(name: str, value: Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise _bad(name, value, "a list of non-empty strings")
    items = tuple(value)
    for item in items:
        if not isinstance(item, str) or not item:
            raise _bad(name, item, f"a non-empty string (an item of {name})")
    return items


def _media(value: Iterable[str] | None) -> tuple[str, ...]:
    return _strings("media", value)


def _tags(value: Iterable[str] | None) -> tuple[str, ...]:
    return _strings("tags", value)


def _context(_instance: object, _attribute: object, value: str | None) -> None:
    check_text("context", value, allow_none=True)


def _region(_instance: object, _attribute: object, value: str | None) -> None:
    check_text("region", value, allow_none=True)


def _body(_instance: object, _attribute: object, value: str | None) -> None:
    if value is not None and not isinstance(value, str):
        raise _bad("body", value, "a string or None")


@final
@attrs.frozen(kw_only=True)
class SendMessage:
    """``messaging.send``: an SMS (``body``) or MMS (``media`` URLs, maybe a body).

    ``context`` is where the message's ``messaging.state`` events go; ``None``
    means the session's protocol (``"default"`` before the first session),
    resolved by ``RelaySession.send`` (:func:`message_context`).  Empty keys
    are left out of the request; its keys are in the order of RELAY.md J.1.
    """

    method: ClassVar[str] = "messaging.send"
    to_number: str = attrs.field(validator=_to_number)
    from_number: str = attrs.field(validator=_from_number)
    body: str | None = attrs.field(default=None, validator=_body)
    media: tuple[str, ...] = attrs.field(default=None, converter=_media)
    context: str | None = attrs.field(default=None, validator=_context)
    tags: tuple[str, ...] = attrs.field(default=None, converter=_tags)
    region: str | None = attrs.field(default=None, validator=_region)

    def __attrs_post_init__(self) -> None:
        if not self.body and not self.media:
            raise InvalidArgumentError(
                f"body: {self.body!r} with no media: give a body, media URLs or both"
            )

    def to_params(self) -> JSONDict:
        """The request's params (RELAY.md J.1 key order; empty keys omitted)."""
        params: JSONDict = {
            "context": self.context or DEFAULT_MESSAGE_CONTEXT,
            "to_number": self.to_number,
            "from_number": self.from_number,
        }
        if self.body:
            params["body"] = self.body
        if self.media:
            params["media"] = list(self.media)
        if self.tags:
            params["tags"] = list(self.tags)
        if self.region:
            params["region"] = self.region
        return params
