"""`onestop`: operator commands. Talks to the gateway's database directly (MONGO_URI, ONESTOP_DB_PREFIX).

    onestop staff add --bureau tax --login tax.li --password-stdin     (or --operator instead of --bureau)
    onestop queues | sla | outbox [replay] (gateway/ops/status.py) | calendar|rates load FILE|status (kit/yearly.py); --json
    onestop dead-letters [list | replay | drop]                                    (kit/deadletters.py)
    onestop pki issue --out DIR [--bureau B]: the root and the bureaus' keys, for Secrets (gateway/ops/pki.py)

Subcommands are argparse sub-parsers: add a group with a `register_<group>(subparsers)` function.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import warnings

from contracts.rpc import BUREAUS, OneStopError
from gateway.ops import pki, verify_licence
from gateway.ops import status as ops
from kit import deadletters, yearly
from kit.startup import configure_from_env

DEFAULT_MONGO_URI = "mongodb://127.0.0.1:27017"

# kit.mongo imports nameko, which imports eventlet: its deprecation notice is noise for an operator
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")


def gateway_store(mongo_uri: str | None = None, db_prefix: str | None = None):
    from gateway.store import GatewayStore
    from kit.mongo import connect

    uri = mongo_uri or os.environ.get("MONGO_URI", DEFAULT_MONGO_URI)
    prefix = db_prefix or os.environ.get("ONESTOP_DB_PREFIX", "onestop")
    store = GatewayStore(connect(uri, f"{prefix}_gateway"))
    store.ensure_indexes()
    return store


def add_staff(login: str, password: str, bureau: str | None = None, operator: bool = False,
              name: str | None = None, mongo_uri: str | None = None, db_prefix: str | None = None) -> dict:
    """Create a clerk of one bureau (or an operator); raises contracts.rpc errors on bad input."""
    from gateway.auth import AccountService

    store = gateway_store(mongo_uri, db_prefix)
    try:
        return AccountService(store).add_staff(login, password, bureau=bureau, operator=operator, name=name)
    finally:
        store.db.client.close()


def _staff_add(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
    account = add_staff(args.login, password, bureau=args.bureau, operator=args.operator, name=args.name)
    print(json.dumps({"id": account["id"], "role": account["role"], "bureau": account["bureau"],
                      "login": args.login}, ensure_ascii=False))
    return 0


def disable_account(login: str, disabled: bool = True, mongo_uri: str | None = None,
                    db_prefix: str | None = None) -> dict:
    """Disable (or enable again) an account: no log-in, every token revoked."""
    from gateway.auth import AccountService

    store = gateway_store(mongo_uri, db_prefix)
    try:
        return AccountService(store).disable(login, disabled)
    finally:
        store.db.client.close()


def _staff_disable(args: argparse.Namespace) -> int:
    account = disable_account(args.login, disabled=args.action == "disable")
    print(json.dumps({"id": account["id"], "login": args.login, "disabled": account["disabled"]}))
    return 0


def register_staff(subparsers) -> None:
    staff = subparsers.add_parser("staff", help="clerk and operator accounts")
    actions = staff.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a clerk of one bureau, or an operator")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--bureau", choices=BUREAUS)
    who.add_argument("--operator", action="store_true")
    add.add_argument("--login", required=True)
    add.add_argument("--name", help="display name (default: the login)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(run=_staff_add)
    for action, text in (("disable", "disable an account: no log-in, every token revoked at once"),
                         ("enable", "enable a disabled account again")):
        sub = actions.add_parser(action, help=text)
        sub.add_argument("--login", required=True)
        sub.set_defaults(run=_staff_disable)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="onestop", description="OneStop operator commands")
    subparsers = parser.add_subparsers(dest="group", required=True)
    register_staff(subparsers)
    verify_licence.register(subparsers)
    pki.register(subparsers)  # pki issue
    ops.register(subparsers)  # queues, sla, outbox
    yearly.register(subparsers)  # calendar, rates
    deadletters.register(subparsers)
    args = parser.parse_args(argv)
    configure_from_env()
    try:
        return args.run(args)
    except OneStopError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for row in exc.field_errors:
            print(f"  {row.field}: {row.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
