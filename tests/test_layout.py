"""The layout stays visible: layers, public seams, small modules.

relay_core is ``wire/`` (frames and values), ``client/`` (the session) and
``fake/`` (the server role, public through ``relay_core.testing``).  Code
outside relay_core uses only public names; no module grows past ~500 lines;
the core stays sans-IO.  Parsed with ``ast``, so a comment or a string that
mentions a module does not count and an import inside a function does.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import relay_core
from tests.parse_python import parse_python

ROOT = Path(__file__).resolve().parent.parent
CORE = Path(relay_core.__file__).resolve().parent

#: Code that must reach relay_core through public names only.
CONSUMERS = ("relay_trio", "relay_asyncio", "sansio_relay_pytest.py", "benchmarks")

MAX_LINES = 500
#: Modules allowed past MAX_LINES, each with its reason.  Keep it short.
OVERSIZED: dict[str, str] = {}

IO_MODULES = {"trio", "asyncio", "websockets", "socket", "ssl", "threading", "time"}


def _sources(*names: str) -> list[Path]:
    found: list[Path] = []
    for name in names:
        path = ROOT / name
        found.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return found


def _is_private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def private_core_imports(path: Path) -> list[str]:
    """Every ``relay_core`` import in ``path`` that reaches a private module."""
    bad: list[str] = []
    for node in ast.walk(parse_python(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            bad += [
                a.name
                for a in node.names
                if a.name.startswith("relay_core") and _is_private(a.name)
            ]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "relay_core":
                continue
            if _is_private(node.module):
                bad.append(node.module)
            # ``from relay_core.wire import _wire`` imports a private module too.
            bad += [f"{node.module}.{a.name}" for a in node.names if _is_private(a.name)]
    return bad


def imported_roots(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(parse_python(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", _sources(*CONSUMERS), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_relay_core_import_outside_it(path: Path) -> None:
    assert private_core_imports(path) == []


def test_the_private_import_check_catches_each_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import relay_core.fake._telephony\n"
        "from relay_core._checks import check_count\n"
        "from relay_core.wire import _wire\n"
        "from relay_core import _ids\n"
        "from relay_core.testing import Directory\n"  # public: fine
        "from relay_core import RelaySession\n"  # public: fine
        "def late():\n"
        "    from relay_core.client._session import RelaySession\n"
    )
    assert private_core_imports(sample) == [
        "relay_core.fake._telephony",
        "relay_core._checks",
        "relay_core.wire._wire",
        "relay_core._ids",
        "relay_core.client._session",
    ]


@pytest.mark.parametrize(
    "path",
    _sources("relay_core", "relay_trio", "relay_asyncio"),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_module_over_500_lines(path: Path) -> None:
    name = path.relative_to(ROOT).as_posix()
    lines = len(path.read_text().splitlines())
    if name in OVERSIZED:
        pytest.skip(f"exempt: {OVERSIZED[name]}")
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it along a seam"


def test_exemptions_are_still_needed() -> None:
    for name in OVERSIZED:
        assert len((ROOT / name).read_text().splitlines()) > MAX_LINES, f"drop {name}'s exemption"


@pytest.mark.parametrize("path", _sources("relay_core"), ids=lambda p: str(p.relative_to(ROOT)))
def test_relay_core_imports_no_io_module(path: Path) -> None:
    assert not imported_roots(path) & IO_MODULES


def test_the_io_check_catches_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import time\ndef f():\n    from trio import sleep\n")
    assert imported_roots(sample) & IO_MODULES == {"time", "trio"}


def test_every_subpackage_states_its_job() -> None:
    packages = sorted(p.parent for p in CORE.rglob("__init__.py"))
    assert {p.name for p in packages} >= {"relay_core", "wire", "client", "fake"}
    for package in packages:
        tree = parse_python((package / "__init__.py").read_text())
        doc = ast.get_docstring(tree)
        assert doc and len(doc.split()) >= 10, f"{package.name}/__init__.py needs a docstring"


#: The client vocabulary the fake server shares (a call's address, its states,
#: and the command classes: it reads every request through ``from_params``, the
#: one request codec of both roles); it uses none of the client's machinery.
FAKE_USES_FROM_CLIENT = {"CallRef", "CallState"} | {
    name
    for name in relay_core.client.__all__
    if hasattr(getattr(relay_core.client, name), "from_params")
}


def test_layers_point_one_way() -> None:
    """wire knows no session or server; the client knows no server."""
    for layer, forbidden in (("wire", ("client", "fake")), ("client", ("fake",))):
        for path in sorted((CORE / layer).rglob("*.py")):
            for node in ast.walk(parse_python(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.level >= 2 and node.module:
                    assert node.module.split(".")[0] not in forbidden, (path.name, node.module)
    for path in sorted((CORE / "fake").rglob("*.py")):
        for node in ast.walk(parse_python(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and node.level >= 2
                and (node.module or "").split(".")[0] == "client"
            ):
                names = {alias.name for alias in node.names}
                assert names <= FAKE_USES_FROM_CLIENT, (path.name, names)


def test_every_package_is_shipped() -> None:
    """A subpackage missing from pyproject's explicit list would vanish from wheels."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    for init in CORE.rglob("__init__.py"):
        name = ".".join(init.parent.relative_to(CORE.parent).parts)
        assert name in listed, f"add {name} to [tool.setuptools] packages"
