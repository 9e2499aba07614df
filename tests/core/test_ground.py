"""The ground imports no module: core knows nothing of orgs, demands or what comes next (DESIGN.md)."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "src" / "zongheng" / "core"
MODULES = {"zongheng.orgs", "zongheng.demands", "zongheng.accounts"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_file_of_core_imports_a_module_even_lazily():
    offenders = {
        f"{path.relative_to(CORE)}: {name}"
        for path in CORE.rglob("*.py")
        for name in _imports(path)
        if any(name == m or name.startswith(m + ".") for m in MODULES)
    }
    assert offenders == set()
