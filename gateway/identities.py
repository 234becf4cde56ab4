"""One account per resident ID, and how far the account's identity was verified.

The claim is a document in `identities` whose `_id` is the resident ID: its unique key is what makes a
second account for the same number impossible, even when two sign-ups race. Sign-up inserts the account,
then the claim; losing the race deletes the account again (nothing half-written). A crash between the
two leaves an account without a claim; `holder_of` claims it the first time it acts as that person, and
a later sign-up with the number is refused because the account already carries it.

The account records the number it holds the claim of (`identity.claimed`), so acting as that person
(every submit and confirmation) reads only the account. Sign-up writes it with the account, before the
claim: a sign-up that then loses the claim deletes its account, and one that crashes before the claim
leaves an account that `taken` still finds by its number, so no second account gets that number either
way. A dispute replaces the whole identity record, `claimed` with it.

Accounts from before the claims existed (no `identity` field) are settled once at start-up
(`settle_existing`): a number held by exactly one account is claimed and checked by the verifier like a
new sign-up; a number several accounts share is DISPUTED: none of them is verified, the claim names no
holder, so none of them can confirm an application for that person or sign up again, until an operator
decides (the accounts keep working for everything else, and nothing crashes on them).
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo.errors import DuplicateKeyError

from contracts import clock
from contracts.rpc import FieldError, Forbidden, Invalid
from gateway.store import GatewayStore
from kit.identity import IdentityVerifier

log = logging.getLogger(__name__)

DISPUTED = "disputed"
TAKEN = "该身份证号码已注册过账号：每个身份证号码只能注册一个账号，请直接登录或找回密码"
DISPUTED_STATUS = "该身份证号码关联了多个账号，需管理员核实后才能以此身份确认申请"


def taken(store: GatewayStore, resident_id: str) -> bool:
    return (store.identities.find_one({"_id": resident_id}, {"_id": 1}) is not None
            or store.accounts.find_one({"resident_id": resident_id}, {"_id": 1}) is not None)


def taken_error() -> Invalid:
    return Invalid.with_fields("该身份证号码已注册", [FieldError(field="resident_id", message=TAKEN)])


def claim(store: GatewayStore, resident_id: str, account_id: str) -> bool:
    """True if the number is now (or already was) this account's."""
    row = store.identities.find_one({"_id": resident_id}, {"account_id": 1})
    if row is not None:  # the usual case (every submit and confirmation asks): one read, no failed insert
        return row.get("account_id") == account_id
    try:
        store.identities.insert_one({"_id": resident_id, "account_id": account_id, "at": clock.now()})
        return True
    except DuplicateKeyError:
        row = store.identities.find_one({"_id": resident_id}) or {}
        return row.get("account_id") == account_id


def holder_of(store: GatewayStore, account: dict[str, Any]) -> str:
    """The resident ID this account may act as, or Forbidden saying why not."""
    identity = account.get("identity") or {}
    resident_id = account.get("resident_id")
    if account.get("role") != "founder" or not resident_id:
        raise Forbidden("只有实名注册的个人账号可以确认开办申请")
    if identity.get("method") == DISPUTED:
        raise Forbidden(DISPUTED_STATUS)
    if not identity.get("verified"):
        raise Forbidden("账号身份尚未通过核验，暂不能确认申请")
    if identity.get("claimed") == resident_id:  # the account says its claim stands: no read of the claim
        return resident_id
    if not claim(store, resident_id, account["_id"]):
        raise Forbidden(DISPUTED_STATUS)
    # an account from before `claimed` was kept: say it once, so its next submit needs no read either
    store.accounts.update_one({"_id": account["_id"], "identity.method": {"$ne": DISPUTED}},
                              {"$set": {"identity.claimed": resident_id}})
    return resident_id


def settle_existing(store: GatewayStore, verifier: IdentityVerifier) -> dict[str, int]:
    """Claim and check the accounts from before claims existed; returns counts (never the numbers)."""
    counts = {"claimed": 0, "disputed": 0, "refused": 0}
    legacy = store.accounts.find({"role": "founder", "identity": {"$exists": False}, "resident_id": {"$exists": True}},
                                 {"_id": 1, "name": 1, "resident_id": 1})
    for account in legacy:
        resident_id = account["resident_id"]
        sharing = store.accounts.count_documents({"resident_id": resident_id})
        if sharing > 1 or not claim(store, resident_id, account["_id"]):
            _dispute(store, resident_id)
            counts["disputed"] += 1
            continue
        check = verifier.check(account.get("name", ""), resident_id, clock.china_today())
        record = {**check.as_record(clock.now()), "claimed": resident_id}
        store.accounts.update_one({"_id": account["_id"]}, {"$set": {"identity": record}})
        counts["claimed" if check.verified else "refused"] += 1
    if any(counts.values()):
        log.warning("existing accounts settled: %s", counts)  # counts only: no resident ID in a log
    return counts


def _dispute(store: GatewayStore, resident_id: str) -> None:
    record = {"verified": False, "method": DISPUTED, "status": DISPUTED_STATUS, "checked_at": clock.now()}
    store.accounts.update_many({"resident_id": resident_id}, {"$set": {"identity": record}})
    store.identities.update_one({"_id": resident_id},
                                {"$set": {"account_id": None, "disputed": True, "at": clock.now()}}, upsert=True)
