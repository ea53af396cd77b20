"""The packages' layering (DESIGN.md): ``agent`` never imports ``connectors`` or ``sim``
except in its composition root ``agent.wiring``; the wiring never imports ``sim``; ``sim``
never imports the wiring; ``rehearsal`` is the one place that joins the agent to ``sim``.
Read from the source's import statements, lazy ones inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _violations(target: str, forbidden: tuple[str, ...], skip: tuple[str, ...]) -> list[str]:
    root = ROOT / target
    paths = [root] if root.is_file() else sorted(root.rglob("*.py"))
    found = []
    for path in paths:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if module.startswith(skip):
            continue
        for name in sorted(_imports(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{module} imports {name}")
    return found


@pytest.mark.parametrize(
    ("package", "forbidden", "skip"),
    [
        ("agent", ("connectors", "sim", "rehearsal"), ("agent.wiring", "agent.cli")),
        ("agent/wiring", ("sim", "rehearsal"), ()),
        ("agent/cli.py", ("connectors", "sim"), ()),
        ("sim", ("agent.wiring", "rehearsal"), ()),
        ("connectors", ("sim", "rehearsal", "agent.wiring"), ()),
    ],
)
def test_layering(package: str, forbidden: tuple[str, ...], skip: tuple[str, ...]) -> None:
    assert _violations(package, forbidden, skip) == []


def test_the_checker_sees_a_lazy_import(tmp_path: Path) -> None:
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from sim.world import run_chain_up\n", encoding="utf-8")
    assert {"sim.world", "sim.world.run_chain_up"} <= _imports(module)
