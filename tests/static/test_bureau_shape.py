"""Every bureau reads the same way (issue 16 item 4): the same files with the same meanings.

- service.py: the Nameko entrypoints, a few lines each;
- workflow.py: one function per use case;
- domain/: a package of aggregates and rules, pure (the clock's instant and any ids are given to it or
  derived from the aggregate; it reads no file, no environment, no database);
- views.py: what the RPCs return;
- store.py: the only place with database filters;
- documents.py: the PDFs and images the bureau issues.

A bureau not yet migrated is listed in EXEMPT with what it lacks and why; the list only shrinks: a bureau
that has the whole shape must leave it (the test says so), so the exemption cannot outlive its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from contracts.bureaus import NAMES

ROOT = Path(__file__).resolve().parents[2]
FILES = ("service.py", "workflow.py", "views.py", "store.py", "documents.py")
PACKAGES = ("domain",)

# bureau -> (what is missing, why) — dated 2026-12-02, shrunk by the lead as migrations merge
EXEMPT: dict[str, tuple[frozenset[str], str]] = {}

# What a pure domain must not do: read the clock or make random ids itself, read files or the environment,
# or talk to a database.
IMPURE_CALLS = {("clock", "now"), ("datetime", "now"), ("datetime", "utcnow"), ("uuid", "uuid4"), ("os", "getenv")}
IMPURE_NAMES = {"uuid4", "open", "environ"}
IMPURE_MODULES = {"os", "pathlib", "importlib", "pymongo", "kit.mongo", "kit.repository", "nameko"}
# bureau -> why its domain/ is not pure yet (dated 2026-12-02); must be shrunk, like EXEMPT
IMPURE_EXEMPT: dict[str, str] = {}


def missing(bureau: str) -> set[str]:
    folder = ROOT / "services" / bureau
    gone = {f for f in FILES if not (folder / f).is_file()}
    gone |= {f"{p}/" for p in PACKAGES if not (folder / p / "__init__.py").is_file()}
    return gone


def impurities(path: Path, bureau: str = "") -> list[str]:
    """What makes a domain module impure; `bureau`: it may import of its own service only its domain
    package (a sibling module such as store.py or a figures loader may read files or the database)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names
                      if _impure_module(a.name) or _outside_domain(a.name, bureau)]
        elif isinstance(node, ast.ImportFrom) and node.module and (
                _impure_module(node.module) or _outside_domain(node.module, bureau) and (
                    node.module != f"services.{bureau}"  # `from services.x import domain` names the package
                    or any(_outside_domain(f"{node.module}.{a.name}", bureau) for a in node.names))):
            found.append(f"{node.lineno}: from {node.module}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in IMPURE_CALLS or node.attr == "environ":
                found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
        elif isinstance(node, ast.Name) and node.id in IMPURE_NAMES and isinstance(node.ctx, ast.Load):
            found.append(f"{node.lineno}: {node.id}")
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    return [f"{where}:{f}" for f in found]


def _outside_domain(name: str, bureau: str) -> bool:
    own = f"services.{bureau}"
    return bool(bureau) and (name == own or name.startswith(own + ".")) and not (
        name == f"{own}.domain" or name.startswith(f"{own}.domain."))


def _impure_module(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in IMPURE_MODULES)


@pytest.mark.parametrize("bureau", NAMES)
def test_every_bureau_has_the_shape_or_says_why_not(bureau):
    lacks = missing(bureau)
    if bureau in EXEMPT:
        declared, why = EXEMPT[bureau]
        assert why.strip()
        assert lacks, f"{bureau} has the whole shape now: remove it from EXEMPT"
        assert lacks <= declared, f"{bureau} lacks more than EXEMPT says: {sorted(lacks - declared)}"
    else:
        assert lacks == set(), f"services/{bureau} lacks {sorted(lacks)}"


def test_exemptions_name_only_bureaus_of_the_manifest():
    assert set(EXEMPT) <= set(NAMES) and set(IMPURE_EXEMPT) <= set(NAMES)
    assert all(declared <= {*FILES, *(f"{p}/" for p in PACKAGES)} for declared, _ in EXEMPT.values())


@pytest.mark.parametrize("bureau", [b for b in NAMES if (ROOT / "services" / b / "domain" / "__init__.py").is_file()])
def test_a_domain_package_is_pure(bureau):
    sources = sorted((ROOT / "services" / bureau / "domain").rglob("*.py"))
    found = [f for p in sources for f in impurities(p, bureau)]
    if bureau in IMPURE_EXEMPT:
        assert found, f"services/{bureau}/domain is pure now: remove it from IMPURE_EXEMPT"
    else:
        assert found == []


def test_the_purity_rule_catches_what_it_is_for(tmp_path):
    sample = tmp_path / "impure.py"
    sample.write_text("import os\nfrom uuid import uuid4\nfrom contracts import clock\nfrom contracts.calendar import aware\n"
                      "x = clock.now()\ny = open('rates.json')\nz = os.environ['A']\nw = uuid4()\nv = aware(x)\n", "utf-8")
    found = [f.split(": ", 1)[1] for f in impurities(sample)]
    assert found == ["import os", "clock.now", "open", "os.environ", "uuid4"]
    sibling = tmp_path / "sibling.py"
    sibling.write_text("from services.seal import store\nfrom services.seal.figures import book\n"
                       "from services.seal.domain.model import SealSet\nfrom services.seal import domain\n", "utf-8")
    assert [f.split(": ", 1)[1] for f in impurities(sibling, "seal")] == [
        "from services.seal", "from services.seal.figures"]
