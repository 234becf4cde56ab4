"""No Mongo filter outside a bureau's store.py (issue 16 item 3: "Stores declare collections, indexes and
finders; no Mongo filter outside `store.py`").

In a service's other modules this test refuses:
- a Mongo operator literal: a string such as "$set", "$in", "$exists" (an update or filter being built);
- a raw collection by name: `db["..."]` or `<x>.db["..."]`;
- a collection call given a literal filter or update: `<x>.find({...})`, `.update_one({...}, ...)`, ...

A module not yet moved is listed in EXEMPT with why; the list only shrinks: a module with nothing left to
refuse must leave it (the test says so), so an exemption cannot outlive its reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
OPERATOR = re.compile(r"^\$[A-Za-z][A-Za-z0-9]*$")  # "$set", "$in", "$setOnInsert", "$each", ...
COLLECTION_CALLS = {"find", "find_one", "find_one_and_update", "find_one_and_delete", "find_one_and_replace",
                    "update_one", "update_many", "replace_one", "delete_one", "delete_many", "count_documents",
                    "aggregate", "distinct"}

# module (relative to services/) -> why it still builds Mongo filters (dated 2026-12-02); only shrinks
EXEMPT: dict[str, str] = {}


def queries(path: Path) -> list[str]:
    """What in this module is a Mongo filter, update or raw collection (line: what)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and OPERATOR.match(node.value):
            found.append(f"{node.lineno}: {node.value!r}")
        elif isinstance(node, ast.Subscript) and _is_db(node.value) and isinstance(node.slice, ast.Constant):
            found.append(f"{node.lineno}: db[{node.slice.value!r}]")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in COLLECTION_CALLS and node.args and isinstance(node.args[0], ast.Dict)):
            found.append(f"{node.lineno}: .{node.func.attr}({{...}})")
    return sorted(found, key=lambda f: int(f.split(":", 1)[0]))


def _is_db(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "db") or (isinstance(node, ast.Attribute) and node.attr == "db")


def modules() -> list[str]:
    """Every service module but the stores, relative to services/."""
    return sorted(str(p.relative_to(SERVICES)) for p in SERVICES.rglob("*.py")
                  if p.name != "store.py" and "data" not in p.relative_to(SERVICES).parts)


@pytest.mark.parametrize("module", modules())
def test_only_a_store_holds_mongo_filters(module):
    found = queries(SERVICES / module)
    if module in EXEMPT:
        assert EXEMPT[module].strip()
        assert found, f"services/{module} holds no Mongo filter now: remove it from EXEMPT"
    else:
        assert found == [], f"services/{module}: move these into its store.py: {found}"


def test_exemptions_name_existing_modules():
    assert set(EXEMPT) <= set(modules())


def test_the_rule_catches_what_it_is_for(tmp_path):
    sample = tmp_path / "workflow.py"
    sample.write_text(
        'seals.revoke({"_id": {"$in": codes}})\n'
        'db["declarations"].find_one(key)\n'
        'store.db["x"]\n'
        'store.employers.find_one({"_id": uscc}, {"outbox": 1})\n'
        'price = "$5"\nstore.by_uscc(uscc)\nstore.declarations_of(uscc)\nrows["$"]\n', "utf-8")
    assert [f.split(": ", 1)[1] for f in queries(sample)] == [
        "'$in'", "db['declarations']", "db['x']", ".find_one({...})"]
