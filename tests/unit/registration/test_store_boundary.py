"""Registration's cases collection stays inside its store (issue 16: "stores hand raw collections to
kit.outbox"): the other modules publish and relay a case's events through RegistrationStore.flush/relay."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[3] / "services" / "registration"
OUTBOX_IO = {"flush", "relay", "pull", "sweep"}


def reaches_past_the_store(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == "kit.outbox":
            found += [f"{node.lineno}: imports {a.name}" for a in node.names if a.name in OUTBOX_IO]
        elif isinstance(node, ast.Attribute) and node.attr in ("cases", "names", "counters") \
                and isinstance(node.value, (ast.Name, ast.Attribute)) and "store" in ast.unparse(node.value):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return sorted(found, key=lambda f: int(f.split(":", 1)[0]))


@pytest.mark.parametrize("module", sorted(p.name for p in SERVICE.glob("*.py") if p.name != "store.py"))
def test_no_module_but_the_store_holds_a_collection(module):
    assert reaches_past_the_store(SERVICE / module) == []


def test_the_check_sees_a_collection_handed_out(tmp_path):
    sample = tmp_path / "workflow.py"
    sample.write_text("from kit.outbox import Dispatch, flush\nflush(self.store.cases, key, entries, d)\n"
                      "store.names\nstore.flush(key, entries, d)\n", "utf-8")
    assert reaches_past_the_store(sample) == ["1: imports flush", "2: self.store.cases", "3: store.names"]
