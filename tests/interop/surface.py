"""Read a library's public surface the way a program meets it: names, members, signatures.

:func:`differences` compares the installed official SDK (``signalwire.relay``)
with relay_asyncio and returns one key per thing a program written for the
SDK would miss, with what is wrong:

* ``Name``: a package export is missing;
* ``Class.member``: a public member (method, property, instance attribute
  set by the class, dataclass field) is missing;
* ``Class.method(param)``: a parameter is missing; ``(**kwargs)``: the
  method takes no extra keywords; ``(param)=``: the default differs or is
  missing; ``(param)@``: a positional parameter moved or became keyword-only;
  ``(+param)``: ours requires a parameter the SDK does not have;
* ``Class.method:async``: one is a coroutine function and the other is not.

Members are read from the classes (``dir``), from the ``self.x = ...``
assignments of their methods (the instance attributes) and from dataclass
fields.  Signatures: every public method, property excluded, of the classes
below, the exported functions, and the constructors a program calls itself
(``RelayClient``, the event classes).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
from types import ModuleType
from typing import Any

from tests.parse_python import parse_python

_EMPTY = inspect.Parameter.empty
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _own_modules(cls: type) -> list[type]:
    roots = ("signalwire", "relay_asyncio", "relay_core")
    return [k for k in cls.__mro__ if k.__module__.split(".")[0] in roots]


def instance_attributes(cls: type) -> set[str]:
    """Public names a class's methods assign on ``self`` (its instance attributes)."""
    names: set[str] = set()
    for klass in _own_modules(cls):
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        for node in ast.walk(parse_python(source)):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                targets = [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if (
                        isinstance(leaf, ast.Attribute)
                        and isinstance(leaf.value, ast.Name)
                        and leaf.value.id == "self"
                        and not leaf.attr.startswith("_")
                    ):
                        names.add(leaf.attr)
    return names


def members(cls: type) -> set[str]:
    """Every public member of ``cls`` a program can reach on an instance."""
    names = {n for n in dir(cls) if not n.startswith("_")} | instance_attributes(cls)
    if dataclasses.is_dataclass(cls):
        names |= {f.name for f in dataclasses.fields(cls)}
    return names


def _callable(cls: type, name: str) -> Any:
    """The function behind a method (``None`` for a property or an instance attribute)."""
    try:
        raw = inspect.getattr_static(cls, name)
    except AttributeError:
        return None
    if isinstance(raw, property):
        return None
    if isinstance(raw, classmethod | staticmethod):
        return raw.__func__
    return raw if callable(raw) else None


def signature_differences(where: str, theirs: Any, ours: Any) -> dict[str, str]:
    """What a call written for ``theirs`` would miss in ``ours``."""
    found: dict[str, str] = {}
    if inspect.iscoroutinefunction(theirs) != inspect.iscoroutinefunction(ours):
        found[f"{where}:async"] = "one is async, the other is not"
    official = inspect.signature(theirs).parameters
    mine = inspect.signature(ours).parameters
    kinds = {p.kind for p in mine.values()}
    mine_positional = [n for n, p in mine.items() if p.kind in _POSITIONAL]
    their_positional = [n for n, p in official.items() if p.kind in _POSITIONAL]
    for name, param in official.items():
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            if inspect.Parameter.VAR_KEYWORD not in kinds:
                found[f"{where}(**{name})"] = "takes no extra keyword arguments"
            continue
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            if inspect.Parameter.VAR_POSITIONAL not in kinds:
                found[f"{where}(*{name})"] = "takes no extra positional arguments"
            continue
        other = mine.get(name)
        if other is None:
            found[f"{where}({name})"] = "no such parameter"
            continue
        if param.kind in _POSITIONAL and (
            other.kind not in _POSITIONAL
            or mine_positional.index(name) != their_positional.index(name)
        ):
            found[f"{where}({name})@"] = "not accepted at the same position"
        if param.default is not _EMPTY and (
            other.default is _EMPTY or other.default != param.default
        ):
            shown = "none" if other.default is _EMPTY else repr(other.default)
            found[f"{where}({name})="] = f"default {shown}, official {param.default!r}"
    for name, param in mine.items():
        required = param.default is _EMPTY and param.kind not in (
            inspect.Parameter.VAR_KEYWORD,
            inspect.Parameter.VAR_POSITIONAL,
        )
        if name not in official and name != "self" and required:
            found[f"{where}(+{name})"] = "required here, unknown to the official SDK"
    return found


def _is_checked_class(name: str) -> bool:
    return name in ("RelayClient", "Call", "Message") or name.endswith(("Action", "Event"))


#: Constructors a program calls itself (others, ``Call`` say, are made by the client).
CONSTRUCTED = ("RelayClient",)


def differences(official: ModuleType, ours: ModuleType) -> dict[str, str]:
    """Every key (module docstring) where ``ours`` lacks what ``official`` offers."""
    found: dict[str, str] = {}
    for name in official.__all__:
        if not hasattr(ours, name):
            found[name] = "not exported"
            continue
        theirs, mine = getattr(official, name), getattr(ours, name)
        if inspect.isclass(theirs) and _is_checked_class(name):
            found.update(class_differences(name, theirs, mine))
        elif inspect.isfunction(theirs):
            found.update(signature_differences(name, theirs, mine))
    return found


def class_differences(name: str, theirs: type, mine: type) -> dict[str, str]:
    found: dict[str, str] = {}
    their_members, my_members = members(theirs), members(mine)
    for member in sorted(their_members):
        where = f"{name}.{member}"
        if member not in my_members:
            found[where] = "no such member"
            continue
        their_fn, my_fn = _callable(theirs, member), _callable(mine, member)
        if their_fn is not None and my_fn is not None:
            found.update(signature_differences(where, their_fn, my_fn))
    if name in CONSTRUCTED or dataclasses.is_dataclass(theirs):
        # A class's signature is its constructor's, ``self`` left out.
        found.update(signature_differences(f"{name}.__init__", theirs, mine))
    return found
