"""The layers import one way: domain <- services <- gateway, domain <- projections <- gateway."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("domain", "services", "projections", "gateway", "tests")
ALLOWED = {
    "domain": {"domain"},
    "services": {"domain", "services"},
    "projections": {"domain", "projections"},
    "gateway": {"domain", "services", "projections", "gateway"},
}


def _imported_layers(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found |= {name.split(".")[0] for name in names} & set(LAYERS)
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_beneath_it(layer: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_layers(path) - ALLOWED[layer])
        for path in (ROOT / layer).rglob("*.py")
        if _imported_layers(path) - ALLOWED[layer]
    }
    assert offenders == {}


def test_the_domain_does_no_io() -> None:
    forbidden = {"sqlite3", "psycopg", "kafka", "fastapi", "strawberry", "httpx", "socket", "os"}
    offenders = {}
    for path in (ROOT / "domain").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = {node.module.split(".")[0]}
            else:
                continue
            if modules & forbidden:
                offenders[str(path.relative_to(ROOT))] = sorted(modules & forbidden)
    assert offenders == {}
