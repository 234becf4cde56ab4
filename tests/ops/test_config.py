"""Every environment variable a OneStop process reads is documented in docs/operations.md.

tests/static checks the Nameko config files and the gateway's Settings; this finds the rest: every
`os.environ.get(...)`, `os.environ[...]` and `os.getenv(...)` in the code the processes run
(contracts, services, gateway, kit), with the variable name resolved when it is a module constant.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("contracts", "services", "gateway", "kit")


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" and \
        isinstance(node.value, ast.Name) and node.value.id == "os"


def _name(arg: ast.AST, constants: dict[str, str], module: str) -> str | None:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.Name):
        return constants.get(arg.id) or getattr(importlib.import_module(module), arg.id, None)
    if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name):  # ops.MANAGEMENT_URI_ENV
        owner = getattr(importlib.import_module(module), arg.value.id, None)
        return getattr(owner, arg.attr, None)
    return None


def environment_reads() -> dict[str, set[str]]:
    """variable -> files that read it"""
    reads: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text("utf-8"))
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                         and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                         for t in n.targets if isinstance(t, ast.Name)}
            for node in ast.walk(tree):
                arg = None
                if isinstance(node, ast.Call) and node.args:
                    func = node.func
                    if isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value):
                        arg = node.args[0]
                    elif isinstance(func, ast.Attribute) and func.attr == "getenv":
                        arg = node.args[0]
                elif isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
                    arg = node.slice
                if arg is not None:
                    name = _name(arg, constants, module)
                    assert name, f"{path}:{node.lineno}: cannot tell which variable is read"
                    reads.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return reads


def test_every_variable_read_in_code_is_documented():
    guide = (ROOT / "docs/operations.md").read_text(encoding="utf-8")
    reads = environment_reads()
    assert {"AMQP_URI", "MONGO_URI", "ONESTOP_HOLIDAY_DIR", "SEAL_FONT", "AMQP_MANAGEMENT_URI"} <= set(reads)
    missing = {name: sorted(files) for name, files in reads.items() if f"| `{name}` |" not in guide}
    assert missing == {}, f"read but not in the docs/operations.md table: {missing}"


def test_the_gateway_web_logs_its_database_and_broker_with_passwords_redacted(caplog):
    from gateway.api.app import _log_start
    from gateway.settings import Settings

    settings = Settings(amqp_uri="pyamqp://onestop:s3cret-amqp@rabbit:5672/onestop",
                        mongo_uri="mongodb://gateway:s3cret-mongo@mongo:27017/?replicaSet=rs0",
                        onestop_db_prefix="prod")
    with caplog.at_level("INFO", logger="gateway.api.app"):
        _log_start(settings)
    line = caplog.records[-1].getMessage()
    assert "prod_gateway" in line and "onestop:***@rabbit:5672/onestop" in line and "gateway:***@mongo" in line
    assert "s3cret" not in line
