"""relay_asyncio.Call has every public method of the official SDK's Call (3.7.5), and
accepts each of its parameters by the same name, kind and default."""

from __future__ import annotations

import inspect

import pytest

import relay_asyncio

official = pytest.importorskip("signalwire.relay.call")

#: Our additions to an official signature (each a keyword with a default).
ADDED = {
    "answer": {"max_duration"},
    "connect": {"wait"},
    "play": {"status_url"},
    "detect": {"wait_for_beep"},
    "detect_answering_machine": {"wait_for_beep"},
}
#: Official ``**kwargs`` we do not take (yet): answer's and connect's.
NO_KWARGS = {"answer", "connect"}

METHODS = sorted(
    name
    for name, _ in inspect.getmembers(official.Call, inspect.isfunction)
    if not name.startswith("_")
)


def test_the_official_surface_is_large() -> None:
    assert len(METHODS) >= 50  # a guard against a broken import


@pytest.mark.parametrize("name", METHODS)
def test_each_official_method_exists_with_the_same_parameters(name: str) -> None:
    ours = getattr(relay_asyncio.Call, name, None)
    assert ours is not None, name
    theirs = inspect.signature(getattr(official.Call, name)).parameters
    mine = inspect.signature(ours).parameters
    for param in theirs.values():
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            if name not in NO_KWARGS:
                assert any(p.kind is param.kind for p in mine.values()), (name, "**kwargs")
            continue
        assert param.name in mine, (name, param.name)
        assert mine[param.name].kind == param.kind, (name, param.name)
        assert mine[param.name].default == param.default, (name, param.name)
    extra = {n for n, p in mine.items() if n not in theirs and p.kind is not p.VAR_KEYWORD}
    assert extra <= ADDED.get(name, set()), (name, extra)
    assert inspect.iscoroutinefunction(ours) == inspect.iscoroutinefunction(
        getattr(official.Call, name)
    ), name
