"""The pipeline's shape: a short entry, small modules, imports in one direction only."""

from __future__ import annotations

import ast
from pathlib import Path

import motionlgd.pipeline as pipeline

PACKAGE = Path(pipeline.__file__).parent


def _imports(path: Path) -> set[str]:
    """Sibling modules ``path`` imports (``from .x import ...``, also inside functions)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py")}
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(mod: str, path: list[str]) -> None:
        assert seen.get(mod) != 1, f"import circle: {' -> '.join([*path, mod])}"
        if seen.get(mod) == 2:
            return
        seen[mod] = 1
        for dep in sorted(graph.get(mod, ())):
            visit(dep, [*path, mod])
        seen[mod] = 2

    for mod in sorted(graph):
        visit(mod, [])
    assert len(graph) >= 8


def test_entry_is_a_screen_long_and_modules_are_small() -> None:
    tree = ast.parse((PACKAGE / "entry.py").read_text())
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "generate")
    assert fn.end_lineno is not None and fn.end_lineno - fn.lineno + 1 <= 80
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 400, path.name


def test_lower_layers_do_not_import_the_pipeline() -> None:
    """Only the front ends (CLI, suite, batch, studio) and the compatibility name call the pipeline."""
    root = PACKAGE.parent
    callers = {"cli", "eval", "batch", "studio"}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if rel.parts[0] in ("pipeline", *callers) or str(rel) in ("generation.py", "__init__.py"):
            continue
        assert "pipeline" not in {
            n.module for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ImportFrom) and n.module
        }, rel
