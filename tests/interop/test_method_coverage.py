"""Every ``calling.*`` method the official SDK can send is a typed command here.

The list is read from the installed SDK's source (``signalwire.relay.call``:
each ``Call._execute("<verb>")`` and each Action class's ``<prefix>.<op>``
controls), so when the SDK grows, this test names what we lack.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import signalwire.relay.call as sdk_call
import signalwire.relay.client as sdk_client

import relay_core

#: Methods the SDK sends that we refuse on purpose, each with its reason.
DELIBERATELY_ABSENT = {
    # RELAY.md K.32: the server's schema has no pause/resume for
    # play_and_collect; the SDK's CollectAction.pause()/resume() send them anyway.
    "calling.play_and_collect.pause",
    "calling.play_and_collect.resume",
}

_CONTROLS = ("stop", "pause", "resume", "volume")


def official_methods() -> set[str]:
    """The ``calling.*`` methods the official SDK's public API can send."""
    source = Path(sdk_call.__file__).read_text()
    verbs = set(re.findall(r'_execute\(\s*["\']([a-z_.]+)["\']', source))
    verbs.update(re.findall(r'_start_action\(\s*\w+,\s*["\']([a-z_.]+)["\']', source))
    # Fax actions take their prefix from the call: FaxAction(self, cid, "send_fax").
    prefixes = {"FaxAction": re.findall(r'FaxAction\(self, \w+, "([a-z_]+)"\)', source)}
    for name, cls in inspect.getmembers(sdk_call, inspect.isclass):
        if cls.__module__ != sdk_call.__name__ or not name.endswith("Action"):
            continue
        own = re.findall(r'_command_prefix = "([a-z_]+)"', inspect.getsource(cls))
        for prefix in own or prefixes.get(name, []):
            verbs.update(f"{prefix}.{op}" for op in _CONTROLS if hasattr(cls, op))
    methods = {f"calling.{verb}" for verb in verbs}
    client_source = Path(sdk_client.__file__).read_text()
    methods.update(re.findall(r'["\'](calling\.dial)["\']', client_source))
    return methods


def typed_methods() -> set[str]:
    """The method of every command class ``relay_core`` exports."""
    found = set()
    for name in relay_core.__all__:
        value = getattr(relay_core, name)
        method = getattr(value, "method", None) if inspect.isclass(value) else None
        if isinstance(method, str):
            found.add(method)
    return found


def test_the_sdk_method_list_is_read() -> None:
    methods = official_methods()
    # 3.7.5: 41 verbs sent by Call, 20 action controls, and calling.dial.
    assert len(methods) >= 62, sorted(methods)
    assert {"calling.record.pause", "calling.send_fax.stop", "calling.dial"} <= methods


def test_every_official_method_is_a_typed_command() -> None:
    missing = official_methods() - typed_methods() - DELIBERATELY_ABSENT
    assert not missing, sorted(missing)


def test_the_deliberate_absences_are_still_absent_and_still_sent_by_the_sdk() -> None:
    assert official_methods() >= DELIBERATELY_ABSENT
    assert not DELIBERATELY_ABSENT & typed_methods()
