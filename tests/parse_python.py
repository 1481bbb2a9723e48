"""``ast.parse`` that survives CPython 3.11's AST recursion-depth bug.

CPython before 3.11.9 (gh-106905): once a ``RecursionError`` escaped the
C-to-Python AST conversion anywhere in the process (hostile-depth tests do
provoke deep recursion), every later ``ast.parse`` can raise ``SystemError:
AST constructor recursion depth mismatch``.  The static tests then parse in a
fresh interpreter and unpickle the tree (unpickling builds nodes through their
Python constructors, which that bug does not touch).
"""

from __future__ import annotations

import ast
import pickle
import subprocess
import sys

_CHILD = (
    "import ast, pickle, sys; "
    "sys.stdout.buffer.write(pickle.dumps(ast.parse(sys.stdin.read(), sys.argv[1])))"
)


def parse_python(source: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(source, filename)``, in a child interpreter if this one's AST state broke."""
    try:
        return ast.parse(source, filename=filename)
    except SystemError:
        child = subprocess.run(
            [sys.executable, "-c", _CHILD, filename],
            input=source.encode(),
            capture_output=True,
            check=True,
        )
        tree = pickle.loads(child.stdout)  # our own child's output
        assert isinstance(tree, ast.Module)
        return tree
