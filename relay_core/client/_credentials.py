"""Which credentials a client uses: explicit arguments and the environment, decided once.

Precedence (both adapters, same table tested on both):

1. an explicit ``jwt_token`` authenticates by JWT;
2. otherwise an explicit ``project`` or ``token`` means project/token
   authentication: the missing one of the two comes from
   ``SIGNALWIRE_PROJECT_ID`` / ``SIGNALWIRE_API_TOKEN``, and
   ``SIGNALWIRE_JWT_TOKEN`` is ignored (an explicit choice is never
   overridden by a variable left in the environment);
3. with nothing explicit, ``SIGNALWIRE_JWT_TOKEN`` if set, else
   ``SIGNALWIRE_PROJECT_ID`` and ``SIGNALWIRE_API_TOKEN``.

An empty string counts as not given (as the official SDK's ``or``).  The
project (not a secret) always falls back to ``SIGNALWIRE_PROJECT_ID``; a
token never travels with a JWT.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import final

import attrs

from .._checks import check_secret, check_text

__all__ = ["Credentials", "credentials_from"]


def _hidden(value: str | None) -> str:
    return "None" if value is None else "'***'"


@final
@attrs.frozen(slots=True)
class Credentials:
    """The credentials chosen; secrets are never in the ``repr``."""

    project: str | None
    token: str | None = attrs.field(repr=_hidden)
    jwt_token: str | None = attrs.field(repr=_hidden)


def credentials_from(
    project: str | None,
    token: str | None,
    jwt_token: str | None,
    env: Mapping[str, str],
) -> Credentials:
    """Apply the precedence above to explicit arguments and ``env``.

    Raises:
        InvalidArgumentError: an argument is not a string (the message names
            it; a secret's value is never shown).
    """
    check_text("project", project or None, allow_none=True)
    check_secret("token", token or None)
    check_secret("jwt_token", jwt_token or None)
    explicit = bool(project or token)
    project = project or env.get("SIGNALWIRE_PROJECT_ID") or None
    if not jwt_token and not explicit:
        jwt_token = env.get("SIGNALWIRE_JWT_TOKEN") or None
    if jwt_token:
        return Credentials(project, None, jwt_token)
    return Credentials(project, token or env.get("SIGNALWIRE_API_TOKEN") or None, None)
