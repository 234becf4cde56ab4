"""`onestop staff add` creates clerks and operators who can then log in; bad input changes nothing."""

from __future__ import annotations

import io

from gateway.ops.cli import main
from gateway.store import GatewayStore


def test_staff_add_from_stdin(monkeypatch, mongo_db, capsys):
    prefix = mongo_db.name.removesuffix("_gateway")
    monkeypatch.setenv("ONESTOP_DB_PREFIX", prefix)
    gateway_db = mongo_db.client[f"{prefix}_gateway"]
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("clerk-pass-1\n"))
        assert main(["staff", "add", "--bureau", "seal", "--login", "Seal.Zhao", "--password-stdin"]) == 0
        assert '"role": "clerk"' in capsys.readouterr().out
        account = GatewayStore(gateway_db).account_by_login("seal.zhao")
        assert account["bureau"] == "seal" and account["password_hash"].startswith("$argon2id$")
        monkeypatch.setattr("sys.stdin", io.StringIO("12345678\n"))
        assert main(["staff", "add", "--operator", "--login", "ops.wang", "--password-stdin"]) == 2
        assert "password" in capsys.readouterr().err
        assert gateway_db["accounts"].count_documents({}) == 1
    finally:
        mongo_db.client.drop_database(f"{prefix}_gateway")
