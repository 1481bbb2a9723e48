"""relay_core stays sans-IO: no I/O, event loop, thread or clock module."""

from __future__ import annotations

import ast
from pathlib import Path

import relay_core
from tests.parse_python import parse_python

FORBIDDEN = {
    "trio",
    "trio_websocket",
    "asyncio",
    "websockets",
    "socket",
    "ssl",
    "selectors",
    "threading",
    "time",
}


def _imported_modules(path: Path) -> set[str]:
    tree = parse_python(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            found.add("__import__")
    return found


def test_relay_core_imports_no_io_or_clock_module() -> None:
    package = Path(relay_core.__file__).parent
    sources = sorted(package.rglob("*.py"))
    assert len(sources) > 5
    for path in sources:
        bad = _imported_modules(path) & (FORBIDDEN | {"__import__"})
        assert not bad, f"{path.relative_to(package)} imports {sorted(bad)}"


def test_the_check_would_catch_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import time\nfrom trio import sleep\n")
    assert {"time", "trio"} <= _imported_modules(sample)
