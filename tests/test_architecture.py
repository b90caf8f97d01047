"""Imports point one way (README, "Layout"): read from the source of every module, not from sys.modules, so
a lazy import inside a function counts as much as one at the top."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "newsgrab"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute (relative imports resolved)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                found.add(target)
                if not node.module:  # "from . import x": x is a module of the package
                    found.update(f"{target}.{a.name}" for a in node.names)
            else:
                found.add(node.module or "")
    return found


MODULES = {_module_name(p): _imports(p) for p in sorted(SRC.rglob("*.py"))}


def _users(prefix: str) -> set[str]:
    return {m for m, imps in MODULES.items() if any(i == prefix or i.startswith(prefix + ".") for i in imps)}


def test_the_scan_sees_the_package():
    assert "newsgrab.cli" in MODULES and "newsgrab.extraction.dom" in MODULES
    assert "newsgrab.pipeline" in _users("newsgrab.extractstage")  # relative imports are resolved


@pytest.mark.parametrize(("library", "allowed"), [
    ("typer", {"newsgrab.cli"}),
    ("rich", {"newsgrab.cli", "newsgrab.console"}),
    ("httpx", {"newsgrab.fetch", "newsgrab.fetchnet", "newsgrab.fetchreply"}),
    ("httpcore", {"newsgrab.fetch", "newsgrab.fetchnet", "newsgrab.fetchreply"}),
    ("selectolax", {"newsgrab.extraction.dom"}),
])
def test_each_library_has_its_one_place(library, allowed):
    assert _users(library) <= allowed


def test_extraction_touches_no_network_store_or_cli():
    banned = ("newsgrab.cli", "newsgrab.pipeline", "newsgrab.extractstage", "newsgrab.fetch", "newsgrab.store",
              "newsgrab.load", "newsgrab.workers", "newsgrab.batch", "newsgrab.export", "newsgrab.console")
    for module, imports in MODULES.items():
        if module.startswith("newsgrab.extraction"):
            bad = {i for i in imports if i.startswith(banned)}
            assert not bad, f"{module} imports {sorted(bad)}"


def test_only_the_entry_points_import_the_cli():
    assert _users("newsgrab.cli") <= {"newsgrab.__main__"}


def test_the_store_does_not_import_the_batch_engine():
    for module, imports in MODULES.items():
        if module.startswith(("newsgrab.store", "newsgrab.fetch", "newsgrab.load")):
            bad = {i for i in imports if i.startswith(("newsgrab.pipeline", "newsgrab.extractstage", "newsgrab.cli"))}
            assert not bad, f"{module} imports {sorted(bad)}"
