"""routing/ decides from its inputs alone: no web, database, Slack, HTTP, environment or clock."""
from __future__ import annotations

import ast
from pathlib import Path

ROUTING = Path(__file__).resolve().parents[2] / "routing"
ALLOWED = {"__future__", "dataclasses", "datetime", "enum", "typing", "collections", "functools", "itertools",
           "json", "zoneinfo"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def clock_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [ast.unparse(node) for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in {"now", "utcnow", "today", "time", "monotonic"}]


def test_routing_imports_only_the_standard_librarys_pure_modules():
    files = sorted(ROUTING.glob("*.py"))
    assert files, "routing/ has no modules"
    for path in files:
        assert imports_of(path) <= ALLOWED, f"{path.name} imports {imports_of(path) - ALLOWED}"


def test_routing_never_reads_the_clock():
    for path in sorted(ROUTING.glob("*.py")):
        assert clock_reads(path) == [], f"{path.name} reads the clock: {clock_reads(path)}"


def test_the_check_itself_catches_an_impure_import(tmp_path):
    impure = tmp_path / "bad.py"
    impure.write_text("import os\nfrom sqlalchemy import select\nfrom datetime import datetime\nx = datetime.now()\n")
    assert imports_of(impure) - ALLOWED == {"os", "sqlalchemy"}
    assert clock_reads(impure) == ["datetime.now"]
