"""The gateway's own database (`<prefix>_gateway`): accounts, tokens, login failures, applications.

The only pymongo code of the gateway. Used by the web process, the tracker (through
`kit.mongo.MongoStore(GatewayStore)`) and the operator CLI, so every index is made in one place.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from contracts import clock
from contracts.rpc import Conflict
from kit.mongo import NUMBER_BLOCK, next_sequence

DRAFT_DAYS = 30  # an untouched draft is forgotten after this long


class GatewayStore:
    def __init__(self, db: Database):
        self.db = db
        self.accounts = db["accounts"]
        self.tokens = db["tokens"]
        self.login_failures = db["login_failures"]
        self.quotas = db["quotas"]  # per founder and kind: the times of the last `limit` uses (gateway/quotas.py)
        self.login_challenges = db["login_challenges"]  # gateway/challenge.py: one-use, answers hashed
        self.applications = db["applications"]
        # beyond the portals: 好差评, webhooks, data-sharing receipts (gateway/ratings.py, webhooks.py, receipts.py)
        self.ratings = db["ratings"]
        self.webhooks = db["webhooks"]
        self.webhook_deliveries = db["webhook_deliveries"]
        self.data_receipts = db["data_receipts"]
        self.drafts = db["drafts"]  # one half-filled form per founder (gateway/drafts.py)
        self.counters = db["counters"]  # 受理编号 per day
        self.attachments = db["attachments"]  # files of correction replies, by SHA-256 (gateway/replies.py)
        # one account per resident ID: `_id` is the number, the claim the unique key (gateway/identities.py)
        self.identities = db["identities"]

    def ensure_indexes(self) -> None:
        # every login name (email, mobile, staff login) belongs to one account: multikey unique index
        self.accounts.create_index("logins", unique=True)
        self.tokens.create_index("expires_at", expireAfterSeconds=0)
        self.login_failures.create_index([("key", ASCENDING), ("at", ASCENDING)])
        self.login_failures.create_index("at", expireAfterSeconds=24 * 3600)
        self.quotas.create_index("latest", expireAfterSeconds=24 * 3600)  # unused for a day: all outside the hour
        self.login_challenges.create_index("expires_at", expireAfterSeconds=0)
        # "<founder>:<Idempotency-Key>" (or "<founder>:auto:<id>" without one): a retried submit
        # can never create a second application, even when two retries race
        self.applications.create_index("idempotency", unique=True)
        self.applications.create_index([("founder_id", ASCENDING), ("submitted_at", ASCENDING)])
        self.applications.create_index("outputs.uscc")
        self.applications.create_index("status")  # operators' counts and open steps (gateway/ops/status.py)
        self.applications.create_index("outbox.created_at")  # the relay's sweep: without it, a scan per tick
        self.webhooks.create_index("active")  # the delivery sweep reads every active hook each tick
        self.applications.create_index("provisional_deadlines", sparse=True)
        self.ratings.create_index([("bureau", ASCENDING), ("updated_at", ASCENDING)])
        # what the statistics refresh reads: the applications and ratings written since the last one
        self.applications.create_index("updated_at")
        self.ratings.create_index("updated_at")
        self.webhooks.create_index([("founder_id", ASCENDING), ("active", ASCENDING)])
        self.webhook_deliveries.create_index([("state", ASCENDING), ("next_at", ASCENDING)])
        self.webhook_deliveries.create_index([("webhook_id", ASCENDING), ("created_at", ASCENDING)])
        self.data_receipts.create_index("application_id")
        self.drafts.create_index("updated_at", expireAfterSeconds=DRAFT_DAYS * 24 * 3600)
        # not unique: accounts from before the claims may share a number (gateway/identities.py says how)
        self.accounts.create_index("resident_id", sparse=True)
        # who still has to confirm which application, and when waiting ends (gateway/confirmations.py)
        self.applications.create_index("pending_confirmations", sparse=True)
        self.applications.create_index("confirmation_deadline_at", sparse=True)

    # ---- accounts and tokens

    def insert_account(self, account: dict[str, Any]) -> dict[str, Any]:
        try:
            self.accounts.insert_one(account)
        except DuplicateKeyError:
            raise Conflict.with_fields("该账号已被注册", [{"field": "login", "message": "已被其他账号使用"}]) from None
        return account

    def account_by_login(self, login: str) -> dict[str, Any] | None:
        return self.accounts.find_one({"logins": login})

    def account(self, account_id: str) -> dict[str, Any] | None:
        return self.accounts.find_one({"_id": account_id})

    def set_password(self, login: str, password_hash: str) -> bool:
        return self.accounts.update_one({"logins": login}, {"$set": {"password_hash": password_hash}}).matched_count == 1

    def insert_token(self, token_hash: str, account_id: str, expires_at: datetime) -> None:
        self.tokens.insert_one({"_id": token_hash, "account_id": account_id, "expires_at": expires_at,
                                "created_at": clock.now()})

    def token(self, token_hash: str) -> dict[str, Any] | None:
        return self.tokens.find_one({"_id": token_hash, "expires_at": {"$gt": clock.now()}})

    def delete_token(self, token_hash: str) -> None:
        self.tokens.delete_one({"_id": token_hash})

    def delete_tokens_of(self, account_id: str) -> int:
        return self.tokens.delete_many({"account_id": account_id}).deleted_count

    def set_account_password(self, account_id: str, password_hash: str) -> None:
        self.accounts.update_one({"_id": account_id}, {"$set": {"password_hash": password_hash}})

    def set_disabled(self, login: str, disabled: bool) -> dict[str, Any] | None:
        return self.accounts.find_one_and_update({"logins": login}, {"$set": {"disabled": disabled}})

    # ---- login rate limiting (a sliding window of failures per key)

    def record_failure(self, keys: list[str]) -> None:
        now = clock.now()
        self.login_failures.insert_many([{"key": key, "at": now} for key in keys])

    def take_quota(self, key: str, since: datetime, limit: int) -> datetime | None:
        """Count one use of `key` unless `limit` uses happened since `since`: ONE conditional write. The
        document keeps the times of the last `limit` uses, oldest first; a use is allowed when fewer are
        kept or the oldest is before the window (then fewer than `limit` are inside it). Refused: the
        filter misses, the upsert's insert meets the existing `_id` (DuplicateKeyError), nothing changes.
        The time of the use, for `give_back_quota`; None when refused."""
        if limit <= 0:
            return None
        now = clock.now()
        try:
            self.quotas.update_one(
                {"_id": key, "$or": [{f"times.{limit - 1}": {"$exists": False}}, {"times.0": {"$lt": since}}]},
                {"$push": {"times": {"$each": [now], "$slice": -limit}}, "$set": {"latest": now}}, upsert=True)
        except DuplicateKeyError:
            return None
        return now

    def give_back_quota(self, key: str, at: datetime) -> None:
        """Undo one use taken at `at` (a retry that turned out to be a stored submit costs nothing)."""
        self.quotas.update_one({"_id": key}, {"$pull": {"times": at}})

    def failures_since(self, key: str, since: datetime) -> int:
        return self.login_failures.count_documents({"key": key, "at": {"$gte": since}})

    def failure_window(self, key: str, since: datetime, cap: int = 64) -> tuple[int, datetime | None]:
        """How many failures of `key` since then (counted up to `cap`) and when the latest was: one read."""
        rows = list(self.login_failures.find({"key": key, "at": {"$gte": since}}, {"at": 1, "_id": 0})
                    .sort("at", -1).limit(cap))
        return len(rows), (rows[0]["at"] if rows else None)

    def clear_failures(self, key: str) -> None:
        self.login_failures.delete_many({"key": key})

    # ---- applications

    def insert_application(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        """Insert; None when the idempotency key was used before (the caller loads that one)."""
        try:
            self.applications.insert_one(doc)
        except DuplicateKeyError:
            return None
        return doc

    def application(self, application_id: str, fields: dict[str, int] | None = None) -> dict[str, Any] | None:
        """The application (`fields`: only these, e.g. what the tracker derives from), never its outbox
        nor, unless asked for, its data-sharing receipts (gateway/receipts.py)."""
        return self.applications.find_one({"_id": application_id}, fields or {"outbox": 0, "receipts": 0})

    def application_by_idempotency(self, key: str) -> dict[str, Any] | None:
        return self.applications.find_one({"idempotency": key}, {"outbox": 0})

    def application_by_uscc(self, uscc: str) -> dict[str, Any] | None:
        return self.applications.find_one({"outputs.uscc": uscc}, {"outbox": 0})

    def list_applications(self, founder_id: str | None, limit: int = 200) -> list[dict[str, Any]]:
        query = {} if founder_id is None else {"founder_id": founder_id}
        fields = {"outbox": 0, "timeline": 0, "form": 0}
        return list(self.applications.find(query, fields).sort("submitted_at", -1).limit(limit))

    def with_provisional_deadlines(self, limit: int = 1000) -> list[str]:
        """Ids of the open applications whose deadlines cross a year without a holiday notice."""
        return [d["_id"] for d in self.applications.find({"provisional_deadlines": True}, {"_id": 1}).limit(limit)]

    def update_versioned(self, application_id: str, version: int, changes: dict[str, Any],
                         entry: dict[str, Any], outbox: dict[str, Any] | None = None) -> bool:
        """Append one timeline entry and set the derived fields in ONE single-document update.

        Matches only if nobody changed the document since it was read (`version`) and the event is
        not in the timeline yet, so a redelivered event is a no-op and concurrent events never
        overwrite each other's derived state.
        """
        update: dict[str, Any] = {"$set": changes, "$inc": {"version": 1}, "$push": {"timeline": entry}}
        if outbox is not None:
            update["$push"]["outbox"] = outbox
        result = self.applications.update_one(
            {"_id": application_id, "version": version, "timeline.event_id": {"$ne": entry["event_id"]}},
            update,
        )
        return result.modified_count == 1

    def update_with_entries(self, application_id: str, version: int, changes: dict[str, Any],
                            entries: list[dict[str, Any]], outbox: list[dict[str, Any]] | None = None) -> bool:
        """Like `update_versioned`, for several timeline entries (a confirmation and, with the last one,
        the submission it releases) and outbox entries in ONE single-document update."""
        update: dict[str, Any] = {"$set": changes, "$inc": {"version": 1},
                                  "$push": {"timeline": {"$each": entries}}}
        if outbox:
            update["$push"]["outbox"] = {"$each": outbox}
        result = self.applications.update_one(
            {"_id": application_id, "version": version,
             "timeline.event_id": {"$nin": [e["event_id"] for e in entries]}}, update)
        return result.modified_count == 1

    def next_number(self, key: str) -> int:
        """The next value of an atomic counter (kit.mongo.next_sequence: never the same number twice)."""
        return next_sequence(self.counters, key, block=NUMBER_BLOCK)  # acceptance numbers: unique, gaps allowed

    # ---- drafts (the _id is the founder's account id: one current draft each)

    def draft(self, founder_id: str) -> dict[str, Any] | None:
        return self.drafts.find_one({"_id": founder_id})

    def save_draft(self, founder_id: str, draft: dict[str, Any], at: datetime) -> dict[str, Any] | None:
        """Replace the draft unless the stored one is newer; the stored draft afterwards."""
        try:
            self.drafts.update_one({"_id": founder_id, "saved_at": {"$lte": draft["saved_at"]}},
                                   {"$set": {**draft, "updated_at": at}}, upsert=True)
        except DuplicateKeyError:  # the stored one is newer: the filter missed and the upsert collided
            pass
        return self.draft(founder_id)

    def delete_draft(self, founder_id: str) -> None:
        self.drafts.delete_one({"_id": founder_id})

    def ping(self) -> None:
        self.db.command("ping")


def token_expiry(minutes: int) -> datetime:
    return clock.now() + timedelta(minutes=minutes)


