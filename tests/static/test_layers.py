"""The layers, enforced on the source: contracts imports nothing of ours, kit only contracts, a
service only contracts, kit and itself, the gateway no service, the deployment generator (deploy/)
only contracts and kit. Imports inside functions count too (a local import is how a cycle hides)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {"contracts", "kit", "services", "gateway", "deploy", "bench", "tests"}


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from services import tax` names a service package too
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] in OURS]


def allowed(path: Path, module: str) -> bool:
    layer, top = path.relative_to(ROOT).parts[0], module.split(".")
    if layer == "contracts":
        return top[0] == "contracts"
    if layer == "kit":
        return top[0] in ("contracts", "kit")
    if layer == "services":
        own = path.relative_to(ROOT).parts[1]
        return top[0] in ("contracts", "kit") or top == ["services"] or (top[0] == "services" and top[1] == own)
    if layer == "gateway":
        return top[0] in ("contracts", "kit", "gateway")
    if layer == "deploy":  # the generator reads the manifest (and kit's process list), never a service
        return top[0] in ("contracts", "kit", "deploy")
    raise AssertionError(layer)


def sources(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", ["contracts", "kit", "services", "gateway", "deploy"])
def test_each_layer_imports_only_what_is_below_it(layer):
    wrong = [f"{p.relative_to(ROOT)}:{line} imports {name}"
             for p in sources(layer) for line, name in imports(p) if not allowed(p, name)]
    assert wrong == []


def test_the_rule_catches_what_it_is_for():
    service = ROOT / "services" / "seal" / "workflow.py"
    assert not allowed(service, "services.tax.store") and not allowed(service, "gateway.store")
    assert allowed(service, "services.seal.domain") and allowed(service, "kit.clerk")
    assert not allowed(ROOT / "kit" / "clerk.py", "gateway.store")
    assert not allowed(ROOT / "contracts" / "rpc.py", "kit.clerk")
    assert not allowed(ROOT / "gateway" / "health.py", "services.seal")
    assert not allowed(ROOT / "deploy" / "generate.py", "services.seal.service")


def test_contracts_read_no_environment():
    readers = [str(p.relative_to(ROOT)) for p in sources("contracts") if "os.environ" in p.read_text("utf-8")
               or "getenv(" in p.read_text("utf-8")]
    assert readers == []
