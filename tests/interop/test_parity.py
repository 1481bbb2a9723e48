"""relay_asyncio offers everything the installed official SDK (``signalwire.relay``) offers.

The test reads the SDK's public surface (``tests/interop/surface.py``: package
exports; public members of ``RelayClient``, ``Call``, ``Message``, every
``*Action`` and ``*Event`` class; parameter names, positions and defaults of
their public methods) and compares relay_asyncio's.  Every key it finds
missing must be in exactly one of two lists:

* ``DELIBERATE``: a difference on purpose, with the reason (the README's
  "Drop-in compatibility" section lists them for users);
* ``PENDING_OTHER_ISSUES``: names another branch is adding, until it is
  merged (empty now: issue 13's verbs and issue 15's messaging have landed).

Both lists are exact: a key that is no longer missing fails the test too, so
neither can go stale.  When the official SDK grows, this test names what we lack.
"""

from __future__ import annotations

import signalwire.relay as official

import relay_asyncio

from .surface import differences

#: Differences on purpose, each with its reason.
DELIBERATE: dict[str, str] = {
    "RelayClient.dial(dial_timeout)=": (
        "None means no limit here (the SDK turns None into 120 s); the default stays 120 s"
    ),
    # -- no untyped pass-through ---------------------------------------------------------
    # The SDK merges unknown keywords into the request.  Here every RELAY param is a typed,
    # validated parameter of the core's command (bad input is refused before anything is
    # sent, naming the argument); an unknown keyword is a TypeError at the call.  Raw
    # params still go out through ``client.execute(method, params)``.
    "Call.answer(**kwargs)": "typed parameters only (see above); max_duration is one",
    "Call.connect(**kwargs)": "typed parameters only (see above)",
    # (CollectAction.pause()/resume() exist, as in the SDK, but raise before sending:
    # calling.play_and_collect.pause/.resume are methods no schema defines, RELAY.md
    # K.32.  Same name and signature, so the parity check does not list them.)
}

#: Names other branches add; the lead removes each group when its branch is merged.
#: Empty: issue 13's verbs and Action classes and issue 15's messaging have landed.
PENDING_OTHER_ISSUES: frozenset[str] = frozenset()


def test_every_official_name_is_here_or_listed() -> None:
    found = differences(official, relay_asyncio)
    unexplained = {key: why for key, why in found.items() if key not in DELIBERATE}
    missing_now = set(unexplained)
    # New gaps (the SDK grew, or something regressed): name them with the reason.
    assert {k: unexplained[k] for k in sorted(missing_now - PENDING_OTHER_ISSUES)} == {}
    # A pending name that has arrived: take it off PENDING_OTHER_ISSUES.
    assert sorted(PENDING_OTHER_ISSUES - missing_now) == []


def test_deliberate_differences_are_still_differences() -> None:
    found = differences(official, relay_asyncio)
    assert sorted(set(DELIBERATE) - set(found)) == []
    assert not set(DELIBERATE) & PENDING_OTHER_ISSUES


def test_the_surface_reader_sees_what_a_program_uses() -> None:
    """The reader is not vacuous: it finds the SDK's members, attributes and parameters."""
    from .surface import members, signature_differences

    assert {"call_id", "project_id", "segment_id", "on", "wait_for_ended"} <= members(official.Call)
    assert {"project", "token", "connect", "disconnect"} <= members(official.RelayClient)
    assert {"params", "call_state", "from_payload"} <= members(official.CallStateEvent)

    def theirs(a: int, b: int = 1, *, c: str = "x", **kw: object) -> None: ...
    def mine(a: int, *, b: int = 2, d: int) -> None: ...

    assert signature_differences("f", theirs, mine) == {
        "f(b)@": "not accepted at the same position",
        "f(b)=": "default 2, official 1",
        "f(c)": "no such parameter",
        "f(**kw)": "takes no extra keyword arguments",
        "f(+d)": "required here, unknown to the official SDK",
    }


def test_the_official_data_modules_have_their_namesakes() -> None:
    """``from signalwire.relay.event import ...`` and ``.constants`` keep working too."""
    import signalwire.relay.constants as official_constants
    import signalwire.relay.event as official_event

    import relay_asyncio.constants
    import relay_asyncio.event

    event_names = {n for n in vars(official_event) if n[0].isupper() or n == "parse_event"}
    event_names -= {"Any"}
    assert sorted(n for n in event_names if not hasattr(relay_asyncio.event, n)) == []
    # The protocol internals are left out on purpose (relay_asyncio/constants.py says why).
    internals = ("METHOD_", "RECONNECT_", "PROTOCOL_VERSION", "AGENT_STRING")
    constants = [n for n in vars(official_constants) if n.isupper() and not n.startswith(internals)]
    assert sorted(n for n in constants if not hasattr(relay_asyncio.constants, n)) == []
