"""Every RPC a gateway client calls has a reply contract (contracts/rpc/replies.py), is an @rpc of that
bureau, and its contract refuses fields it does not name: a new client call without a reply model fails
here (no call passes through unchecked)."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from contracts.rpc import replies

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "gateway" / "clients.py"
COMMON = "*"  # calls of BureauClient itself: every bureau answers them


def _client_calls() -> set[tuple[str, str]]:
    """(bureau, method) of every `self._call("m", ...)` / `self._typed("m", ...)` in gateway/clients.py."""
    calls = set()
    for cls in ast.parse(CLIENTS.read_text()).body:
        if not isinstance(cls, ast.ClassDef):
            continue
        bureau = COMMON if cls.name == "BureauClient" else None
        for node in ast.walk(cls):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__" \
                    and len(node.args) == 2 and isinstance(node.args[1], ast.Constant):
                bureau = node.args[1].value
        for node in ast.walk(cls):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("_call", "_typed") and node.args and isinstance(node.args[0], ast.Constant):
                assert bureau is not None, f"{cls.name} calls {node.args[0].value} without naming its bureau"
                calls.add((bureau, node.args[0].value))
    return calls


def _rpcs(path: Path) -> set[str]:
    """The @rpc entrypoints defined in a module (any class in it)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                if isinstance(target, ast.Name) and target.id == "rpc":
                    names.add(node.name)
    return names


CALLS = sorted(_client_calls())
CLERK_RPCS = _rpcs(ROOT / "kit" / "clerk.py")


def test_the_clients_were_read():
    assert len(CALLS) > 40 and (COMMON, "health") in CALLS and ("tax", "issue_invoice") in CALLS


@pytest.mark.parametrize(("bureau", "method"), CALLS, ids=[f"{b}.{m}" for b, m in CALLS])
def test_every_client_call_has_a_reply_contract(bureau, method):
    if bureau == COMMON:
        assert method in replies.COMMON
        return
    assert method in replies.BY_BUREAU.get(bureau, {}) or method in replies.COMMON, f"{bureau}.{method} has no reply contract"


@pytest.mark.parametrize(("bureau", "method"), [c for c in CALLS if c[0] != COMMON], ids=lambda v: str(v))
def test_every_client_call_is_an_rpc_of_its_bureau(bureau, method):
    assert method in _rpcs(ROOT / "services" / bureau / "service.py") | CLERK_RPCS


def test_every_contract_names_a_call_the_clients_make():
    # a bureau's own contract of a common call (seal's health) counts as the common call
    contracts = {(b, m) for b, methods in replies.BY_BUREAU.items() for m in methods if m not in replies.COMMON}
    assert contracts <= set(CALLS), sorted(contracts - set(CALLS))


def _models(tp) -> set[type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        found = {tp}
        for field in tp.model_fields.values():
            found |= _models(field.annotation)
        return found
    return set().union(*(_models(arg) for arg in typing.get_args(tp))) if typing.get_args(tp) else set()


def test_every_reply_model_refuses_unnamed_fields():
    types = [*replies.COMMON.values(), *(t for m in replies.BY_BUREAU.values() for t in m.values())]
    models = set().union(*(_models(t) for t in types))
    lax = sorted(m.__qualname__ for m in models if m.model_config.get("extra") != "forbid")
    assert not lax
