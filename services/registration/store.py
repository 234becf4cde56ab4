"""The registration service's own database: the name register, cases (with their clerk task, licence
and outbox in ONE document so every state change and its events are one atomic write) and counters.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from contracts import clock
from contracts.authorities import registering_authority
from kit import clerk as clerk_queue
from kit.documents import DocumentArchive
from kit.mongo import NUMBER_BLOCK, MongoStore, next_sequence
from kit.outbox import Dispatch, flush, relay
from services.registration import names as name_rules

ACTIVE = ("registered", "reserved")
# what reserve_name did: a new entry, or this application's own entry again (a retry or a duplicate)
RESERVED_NEW, RESERVED_AGAIN = "new", "again"
USCC_COUNTER = "uscc_org_body"
SEED_CONFIG_KEY = "SEED_DEMO_NAMES"


def candidate_query(keys: dict[str, Any]) -> list[dict[str, Any]]:
    """The `$or` branches that find every register entry any rule could flag (names.name_keys' forms);
    each uses an index."""
    return [
        {"core_key": keys["core_key"]},
        {"chars_key": keys["chars_key"]},
        {"trade_name": keys["trade_name"]},
        {"trade_pinyin": keys["trade_pinyin"]},
        {"trade_substrings": keys["trade_name"]},  # theirs contains mine
        {"trade_name": {"$in": keys["trade_substrings"]}},  # mine contains theirs
    ]


# the licence is issued and neither revoked nor deregistered (a missing status is an issued licence)
IN_FORCE: dict[str, Any] = {"licence_status": {"$in": [None, "active"]}}


def _fresh(kind: str, item_id: str, read: dict | None) -> dict[str, Any]:
    """A change's or closure's write condition: a new one (`read` None: none open, this id unused), or
    the stored one still the open one and in the state it was `read` in."""
    if read is None:
        return {f"open_{kind}": None, f"{kind}s.{item_id}": {"$exists": False}}
    return {f"open_{kind}": item_id, f"{kind}s.{item_id}.state": read["state"]}


def _update(set: dict | None = None, push: dict | None = None, pull: dict | None = None) -> dict[str, Any]:
    ops = {"$set": set, "$push": push, "$pull": pull}
    return {op: fields for op, fields in ops.items() if fields}


class RegistrationStore:
    def __init__(self, db: Database):
        self.db = db
        self.names = db["names"]
        self._marks: dict[str, str] = {}  # application id -> USCC: names to mark registered (mark_pending)
        self._marks_lock = threading.Lock()
        self.cases = db["cases"]
        self.counters = db["counters"]
        self.documents = DocumentArchive(db["documents"])  # every licence version as issued (kit.documents)

    def ensure_indexes(self) -> None:
        # One active holder per 字号+industry: two racing reservations of an identical name cannot both win.
        self.names.create_index("active_key", unique=True, sparse=True)
        for key in ("core_key", "chars_key", "trade_name", "trade_pinyin", "trade_substrings"):
            self.names.create_index(key)
        self.names.create_index([("status", ASCENDING), ("reserved_at", ASCENDING)])
        self.cases.create_index("licence.uscc", unique=True, sparse=True)
        self.cases.create_index("task.id", sparse=True)
        self.cases.create_index("past_tasks.id", sparse=True)
        self.cases.create_index("past_tasks.state", sparse=True)  # the done queue's leading $match
        self.cases.create_index("outbox.created_at")  # the relay's sweep: without it, a scan per tick
        self.cases.create_index("open_closure", sparse=True)  # the closing sweep (closing.settle_due)
        self.cases.create_index("open_change", sparse=True)  # the capital-decrease sweep (changes.settle_due)
        self.cases.create_index("awaiting_confirmation", sparse=True)  # a person's changes to confirm
        self.cases.create_index("licence_status", sparse=True)
        self.cases.create_index([("task.state", ASCENDING), ("task.deadline", ASCENDING),
                                 ("task.created_at", ASCENDING)])
        self.documents.ensure_indexes()

    # ---- the name register -------------------------------------------------------------------

    def seed_register(self, rows: list[dict]) -> int:
        """Load demo names once (idempotent: fixed ids, duplicates ignored)."""
        docs = []
        for i, row in enumerate(rows):
            parts, _ = name_rules.parse_name(row["name"])
            company_type = "joint_stock" if parts.organisation_form in ("股份有限公司", "股份公司") else "llc"
            authority = registering_authority(company_type, row["district_code"]).id
            keys = name_rules.name_keys(parts, row.get("scope"), authority)
            doc = {"_id": f"seed:{i}", **keys, "status": "registered", "district_code": row["district_code"],
                   "source": "demo_seed"}
            if row.get("ended_on"):  # a changed or deregistered name: barred for the rules' period (art. 17)
                doc.update(status=name_rules.FORMER, ended_on=row["ended_on"],
                           barred_until=name_rules.barred_until(row["ended_on"]))
            else:
                doc["active_key"] = keys["core_key"]
            docs.append(doc)
        try:
            return len(self.names.insert_many(docs, ordered=False).inserted_ids)
        except BulkWriteError as exc:
            return exc.details.get("nInserted", 0)

    def name_candidates(self, keys: dict[str, Any], exclude_application: str | None = None) -> list[dict]:
        # former names come back too; conflict_problems keeps those still inside their barred period
        query: dict[str, Any] = {"$or": candidate_query(keys),
                                 "status": {"$in": [*ACTIVE, name_rules.FORMER]}}
        if exclude_application:
            query["application_id"] = {"$ne": exclude_application}
        return list(self.names.find(query, {"_id": 0, "full": 1, "trade_name": 1, "core_key": 1, "chars_key": 1,
                                            "trade_pinyin": 1, "industry_groups": 1, "authority": 1,
                                            "no_industry": 1, "status": 1, "barred_until": 1}))

    def reserve_name(self, application_id: str, keys: dict[str, Any], district_code: str, revision: int = 0) -> str:
        """Hold a name for one application's form at `revision` (its one reservation is replaced):
        RESERVED_NEW, or RESERVED_AGAIN when this application's entry was there already; "" if held
        elsewhere, or if this application's entry is registered, was released at this revision or holds
        a later revision's name. The review reads no case first (issue 23), so a duplicate or late
        delivery of an earlier form must not take a name back or replace the corrected one."""
        doc = {**keys, "active_key": keys["core_key"], "status": "reserved", "application_id": application_id,
               "district_code": district_code, "reserved_at": clock.now(), "revision": revision}
        replaceable = {"status": {"$ne": "registered"},
                       "$or": [{"revision": {"$exists": False}}, {"revision": {"$lt": revision}},
                               {"revision": revision, "status": "reserved"}]}
        try:
            done = self.names.update_one({"_id": f"app:{application_id}", **replaceable}, {"$set": doc}, upsert=True)
            return RESERVED_NEW if done.upserted_id is not None else RESERVED_AGAIN
        except DuplicateKeyError as exc:
            if "_id" not in exc.details.get("keyPattern", {}):  # held elsewhere:
                self.release_name(application_id, revision)  # the old name is no longer wanted either
            return ""

    def release_name(self, application_id: str, revision: int | None = None) -> None:
        """Free this application's reserved name; `revision`: only one reserved for that form or an earlier."""
        query: dict[str, Any] = {"_id": f"app:{application_id}", "status": "reserved"}
        if revision is not None:
            query["$or"] = [{"revision": {"$exists": False}}, {"revision": {"$lte": revision}}]
        self.names.update_one(query, {"$set": {"status": "released", "released_at": clock.now()},
                                      "$unset": {"active_key": ""}})

    def reservations_older_than(self, before: datetime) -> list[str]:
        """Applications still holding a name reserved before `before`: the clerk queue's open cases, and
        any decided case whose worker died before settling its name."""
        rows = self.names.find({"status": "reserved", "reserved_at": {"$lt": before}, "change_id": {"$exists": False}},
                               {"application_id": 1})  # a name change's own: name_change.sweep
        return [row["application_id"] for row in rows]

    def cases_in(self, application_ids: list[str]) -> list[dict]:
        return list(self.cases.find({"_id": {"$in": application_ids}}, {"state": 1, "licence.uscc": 1, "licence_status": 1}))

    def end_name(self, application_id: str, ended_on: str, keep: str | None = None) -> None:
        """A deregistered company's name (or the one a name change replaced, `keep` = the new one's
        entry): no longer registered, barred until names.barred_until (art. 17)."""
        with self._marks_lock:
            uscc = self._marks.pop(application_id, None)
        if uscc is not None:  # approved a moment ago and not marked yet: registered first, then ended
            self.mark_registered(application_id, uscc)
        query: dict[str, Any] = {"application_id": application_id, "status": "registered"}
        if keep is not None:
            query["_id"] = {"$ne": keep}
        self.names.update_many(query, {"$set": {"status": name_rules.FORMER, "ended_on": ended_on,
                                                "barred_until": name_rules.barred_until(ended_on)},
                                       "$unset": {"active_key": ""}})

    # -- a name change (services/registration/name_change.py)

    @staticmethod
    def _change_key(application_id: str, change_id: str) -> str:
        return f"change:{application_id}:{change_id}"

    def reserve_changed_name(self, application_id: str, change_id: str, keys: dict[str, Any],
                             district_code: str) -> bool:
        """Hold a changed company's new name; False if another application holds it."""
        doc = {**keys, "active_key": keys["core_key"], "status": "reserved", "application_id": application_id,
               "change_id": change_id, "district_code": district_code, "reserved_at": clock.now()}
        try:
            self.names.update_one({"_id": self._change_key(application_id, change_id), "status": {"$ne": "registered"}},
                                  {"$set": doc}, upsert=True)
            return True
        except DuplicateKeyError:  # the name is held elsewhere, or (registered already) this very entry
            return self.names.find_one({"_id": self._change_key(application_id, change_id),
                                        "status": "registered"}) is not None

    def settle_changed_name(self, application_id: str, change_id: str, ended_on: str) -> None:
        key = self._change_key(application_id, change_id)
        self.end_name(application_id, ended_on, keep=key)
        self.names.update_one({"_id": key, "status": "reserved"}, {"$set": {"status": "registered"}})

    def release_changed_name(self, application_id: str, change_id: str) -> None:
        self.names.update_one({"_id": self._change_key(application_id, change_id), "status": "reserved"},
                              {"$set": {"status": "released", "released_at": clock.now()},
                               "$unset": {"active_key": ""}})

    def changed_name_reservations(self, before: datetime) -> list[dict]:
        return list(self.names.find({"status": "reserved", "change_id": {"$exists": True},
                                     "reserved_at": {"$lt": before}}, {"application_id": 1, "change_id": 1}))

    def mark_registered(self, application_id: str, uscc: str) -> None:
        self.names.update_one({"_id": f"app:{application_id}"},
                              {"$set": {"status": "registered", "uscc": uscc}})

    def mark_registered_soon(self, application_id: str, uscc: str) -> None:
        """Mark at the next `mark_pending` (a 1 s timer), with the others due then: one bulk write per
        tick, not one update per approval (issue 23). Until then the name is "reserved", which blocks
        the same and similar names just as "registered" does (ACTIVE); a crash before the tick leaves
        it reserved, and `Registrar.settle_names` marks it from the approved case a minute later."""
        with self._marks_lock:
            self._marks[application_id] = uscc

    def mark_pending(self) -> int:
        """Write the marks `mark_registered_soon` collected; how many. A failed write keeps them."""
        with self._marks_lock:
            marks, self._marks = self._marks, {}
        if not marks:
            return 0
        try:
            # only a name still reserved: one ended or released since is never made registered again
            self.names.bulk_write([UpdateOne({"_id": f"app:{app}", "status": "reserved"},
                                             {"$set": {"status": "registered", "uscc": uscc}})
                                   for app, uscc in marks.items()], ordered=False)
        except Exception:
            with self._marks_lock:
                self._marks = {**marks, **self._marks}
            raise
        return len(marks)

    # ---- cases -------------------------------------------------------------------------------

    def get_case(self, application_id: str) -> dict | None:
        return self.cases.find_one({"_id": application_id})

    def insert_case(self, doc: dict) -> bool:
        """False when this application already has a case (a duplicate delivery)."""
        try:
            self.cases.insert_one(doc)
            return True
        except DuplicateKeyError as exc:
            if "licence.uscc" in str(exc.details.get("keyPattern", {})):
                raise
            return False

    def update_case(self, query: dict, update: dict) -> dict | None:
        """Apply one atomic change to a case if it still matches; the new document or None."""
        return self.cases.find_one_and_update(query, update, return_document=ReturnDocument.AFTER)

    # -- the events a case's writes carry (kit.outbox): the store hands the relay its cases, no one else

    def flush(self, case_id: str, entries: list[dict], dispatch: Dispatch) -> int:
        """Publish these entries of one case's outbox, then pull them (kit.outbox.flush)."""
        return flush(self.cases, case_id, entries, dispatch)

    def relay(self, dispatch: Dispatch) -> int:
        """Publish what a worker that died after its write left in the cases' outboxes (kit.outbox.relay)."""
        return relay(self.cases, dispatch)

    # -- a case's own writes: each names its condition, so the use cases hold no filter (issue 16)

    def save_corrected_review(self, case_id: str, revision: int, state: str, fields: dict, outbox: list[dict],
                              past_task: dict | None) -> dict | None:
        """A corrected application's new review, if the case is still `state` at `revision`."""
        push: dict[str, Any] = {"outbox": {"$each": outbox}}
        if past_task:
            push["past_tasks"] = past_task
        return self.update_case({"_id": case_id, "revision": revision, "state": state},
                                {"$set": fields, "$push": push})

    def revoke_licence(self, case_id: str, fields: dict, entry: dict) -> dict | None:
        """The revocation and its event in one write; None if it was revoked already."""
        return self.update_case({"_id": case_id, "licence_status": {"$ne": "revoked"}},
                                {"$set": {"licence_status": "revoked", **fields}, "$push": {"outbox": entry}})

    def cases_with_after_start(self, limit: int) -> Any:
        """The cases that ever had a change or a closing (both keys indexed), their records only."""
        return self.cases.find({"$or": [{"open_change": {"$exists": True}}, {"open_closure": {"$exists": True}}]},
                               {"changes": 1, "closures": 1}).limit(limit)

    # -- changes of details inside the case (changes.py, change_parties.py, change_review.py,
    #    creditor_objections.py, name_change.py)

    def start_change(self, case_id: str, change_id: str, doc: dict, fields: dict, pending: dict | None = None,
                     current_task: Any = ..., past_task: dict | None = None) -> dict | None:
        """Make `doc` the case's open change: a new one (`pending` None: nothing else open), or the
        stored one still as `pending` was read; never with a closing open or the licence no longer in force.
        `current_task`: the clerk task the case must still hold (its id, or None for none)."""
        query = {"_id": case_id, "open_closure": None, **_fresh("change", change_id, pending), **IN_FORCE}
        if current_task is not ...:
            query["task.id"] = current_task
        update: dict[str, Any] = {"$set": {"open_change": change_id, f"changes.{change_id}": doc, **fields}}
        if past_task:
            update["$push"] = {"past_tasks": past_task}
        return self.update_case(query, update)

    def register_change(self, case_id: str, change_id: str, licence_issued_at: Any, pending: dict | None,
                        fields: dict, push: dict, clerk_task: tuple[str, str, datetime] | None = None) -> dict | None:
        """The new licence version and everything with it, if the licence is still the one read (its
        issue time), in force, no closing open and the change as read; `clerk_task` (task id, clerk,
        now): a clerk's approval, only while the task is still theirs to decide."""
        query = {"_id": case_id, "licence.issued_at": licence_issued_at, "open_closure": None,
                 **_fresh("change", change_id, pending), **IN_FORCE}
        if clerk_task is not None:
            query.update(self.free_task(*clerk_task))
        return self.update_case(query, _update(set=fields, push=push))

    def update_change(self, case_id: str, change_id: str, state: str, *, open_: bool = False,
                      where: dict | None = None, clerk_task: tuple[str, str, datetime] | None = None,
                      set: dict | None = None, push: dict | None = None, pull: dict | None = None) -> dict | None:
        """One change of the case, if it is still in `state` (`open_`: and still the open one; `where`:
        and these of its own fields still hold these values; `clerk_task`: and its task still free for
        that clerk)."""
        field = f"changes.{change_id}"
        query = {"_id": case_id, f"{field}.state": state, **{f"{field}.{k}": v for k, v in (where or {}).items()}}
        if open_:
            query["open_change"] = change_id
        if clerk_task is not None:
            query.update(self.free_task(*clerk_task))
        return self.update_case(query, _update(set=set, push=push, pull=pull))

    def record_change_answer(self, case_id: str, change_id: str, seen: int, fields: dict) -> dict | None:
        """One bureau's answer to a change, if no other answer landed since `seen` answers were counted."""
        field = f"changes.{change_id}"
        return self.update_case({"_id": case_id, f"{field}.answer_count": seen},
                                {"$set": fields, "$inc": {f"{field}.answer_count": 1}})

    def cases_with_open_change(self, limit: int) -> Any:
        return self.cases.find({"open_change": {"$type": "string"}}).limit(limit)

    def cases_awaiting_confirmation(self, limit: int) -> Any:
        """Cases whose open change awaits anyone's confirmation (indexed)."""
        return self.cases.find({"awaiting_confirmation": {"$type": "string"}},
                               {"open_change": 1, "changes": 1}).limit(limit)

    def cases_awaiting(self, resident_id: str, limit: int) -> Any:
        """Cases whose open change awaits this person's confirmation."""
        return self.cases.find({"awaiting_confirmation": resident_id},
                               {"changes": 1, "open_change": 1, "licence": 1, "form": 1}).limit(limit)

    def cases_with_pending_name_change(self) -> Any:
        """Cases whose registered name change was not yet settled in the register (a worker died)."""
        return self.cases.find({"name_change_pending": {"$type": "string"}}, {"changes": 1, "name_change_pending": 1})

    def clear_name_change_pending(self, case_id: str, change_id: str) -> None:
        self.update_case({"_id": case_id, "name_change_pending": change_id}, {"$set": {"name_change_pending": None}})

    # -- closings inside the case (closing.py)

    def open_closure(self, case_id: str, closure: dict, entry: dict) -> dict | None:
        """The closure and its event, if nothing else is open and the licence is in force."""
        closure_id = closure["id"]
        return self.update_case(
            {"_id": case_id, "open_change": None, **_fresh("closure", closure_id, None), **IN_FORCE},
            {"$set": {"open_closure": closure_id, f"closures.{closure_id}": closure,
                      "updated_at": closure["created_at"]},
             "$push": {"outbox": entry}})

    def update_closure(self, case_id: str, closure_id: str, *, state: str | list[str] | None = None,
                       attempt: int | None = None, open_: bool = False, in_force: bool = False,
                       without: str | None = None, set: dict | None = None, push: dict | None = None) -> dict | None:
        """One closure of the case, if it is still in `state` (one, or any of a list), at `attempt`,
        (`open_`) still the open one, (`in_force`) the licence in force, (`without`) that closure field
        still absent."""
        field = f"closures.{closure_id}"
        query: dict[str, Any] = {"_id": case_id}
        if open_:
            query["open_closure"] = closure_id
        if attempt is not None:
            query[f"{field}.attempt"] = attempt
        if state is not None:
            query[f"{field}.state"] = {"$in": list(state)} if isinstance(state, list) else state
        if without is not None:
            query[f"{field}.{without}"] = {"$exists": False}
        if in_force:
            query.update(IN_FORCE)
        return self.update_case(query, _update(set=set, push=push))

    def record_clearance_answer(self, case_id: str, closure_id: str, bureau: str, attempt: int,
                                open_states: list[str], answer: dict) -> dict | None:
        """A bureau's answer to this attempt's clearance, if the closure is open, still awaits that
        bureau and holds no answer of this attempt or a later one from it."""
        field = f"closures.{closure_id}"
        mine = f"{field}.answers.{bureau}"
        return self.update_case(
            {"_id": case_id, f"{field}.attempt": attempt, f"{field}.state": {"$in": open_states},
             f"{field}.awaiting": bureau,
             "$or": [{mine: {"$exists": False}}, {f"{mine}.attempt": {"$lt": attempt}}]},
            {"$set": {mine: answer}})

    def cases_with_open_closure(self, limit: int) -> Any:
        return self.cases.find({"open_closure": {"$type": "string"}}).limit(limit)

    def deregistered_names_to_bar(self, limit: int) -> Any:
        """Deregistered cases whose name is not yet barred in the register (a worker died in between)."""
        return self.cases.find({"licence_status": "deregistered", "name_barred": {"$ne": True}}).limit(limit)

    def mark_name_barred(self, case_id: str) -> None:
        self.update_case({"_id": case_id}, {"$set": {"name_barred": True}})

    # -- the clerk task inside the case (kit.clerk's rules as write conditions)

    @staticmethod
    def free_task(task_id: str, clerk: str, now: datetime) -> dict:
        """The case whose task this clerk may act on now (kit.clerk.actionable as a write condition):
        open (or "claimed", as stored before), unclaimed, theirs or lapsed, and not sent back to
        another clerk (a corrected case) unless that has lapsed."""
        return {"task.id": task_id, "task.state": {"$in": list(clerk_queue.OPEN_STATES)},
                "$and": [clerk_queue.free_for(clerk, now, "task."), clerk_queue.assigned_free_for(clerk, now, "task.")]}

    def claim_task(self, task_id: str, clerk: str, now: datetime) -> dict | None:
        """Claim (or renew) a task this clerk may take; None when it is closed or held by another.
        The task stays open: the claim is who and until when (kit.clerk.claim_fields)."""
        return self.update_case(self.free_task(task_id, clerk, now), {
            "$set": {f"task.{k}": v for k, v in clerk_queue.claim_fields(clerk, now).items()},
            "$push": {"task.history": clerk_queue.history_entry(clerk, "claim", {}, now)}})

    def release_task(self, task_id: str, clerk: str, now: datetime) -> dict | None:
        """Give the task back; only while this clerk holds the claim (a lapsed one is nobody's)."""
        return self.update_case(
            {"task.id": task_id, "task.state": {"$in": list(clerk_queue.OPEN_STATES)},
             **clerk_queue.held_for(clerk, now, "task.")},
            {"$set": {f"task.{k}": v for k, v in clerk_queue.release_fields().items()},
             "$push": {"task.history": clerk_queue.history_entry(clerk, "release", {}, now)}})

    def decide_task(self, task_id: str, clerk: str, now: datetime, case_state: str, fields: dict,
                    entry: dict, history: dict) -> dict | None:
        """The clerk's decision, the case's new state and its event in ONE conditional write."""
        return self.update_case({**self.free_task(task_id, clerk, now), "state": case_state},
                                {"$set": fields, "$push": {"outbox": entry, "task.history": history}})

    def case_by_task(self, task_id: str) -> dict | None:
        """The case of a current or a past task (a task id names its revision: "<app>.r<n>")."""
        return self.cases.find_one({"$or": [{"task.id": task_id}, {"past_tasks.id": task_id}]})

    def case_by_uscc(self, uscc: str) -> dict | None:
        return self.cases.find_one({"licence.uscc": uscc})

    def next_sequence(self, key: str = USCC_COUNTER) -> int:
        return next_sequence(self.counters, key, block=NUMBER_BLOCK)  # a USCC need only be unique

    def tasks(self, states: tuple[str, ...] | None, limit: int = 500) -> list[dict]:
        """Current and past tasks in these stored states, by deadline then creation."""
        pipeline: list[dict] = []
        if states is not None and set(states) <= {"open", "claimed"}:
            pipeline.append({"$match": {"task.state": {"$in": list(states)}}})  # indexed: the queue
        else:
            # only cases a clerk touched (both fields indexed): the automatically approved bulk of the
            # history is never read; "" is below every state, so None means any task at all
            wanted = {"$in": list(states)} if states is not None else {"$gte": ""}
            pipeline.append({"$match": {"$or": [{"task.state": wanted}, {"past_tasks.state": wanted}]}})
        pipeline += [
            {"$project": {"t": {"$concatArrays": [[{"$ifNull": ["$task", None]}],
                                                  {"$ifNull": ["$past_tasks", []]}]}}},
            {"$unwind": "$t"},
            {"$match": {"t": {"$ne": None}, **({"t.state": {"$in": list(states)}} if states else {})}},
            {"$sort": {"t.deadline": 1, "t.created_at": 1}},
            {"$limit": limit},
        ]
        return [row["t"] for row in self.cases.aggregate(pipeline)]

    def ping(self) -> bool:
        return bool(self.db.command("ping").get("ok"))


class RegistrationMongo(MongoStore):
    """The store dependency; also loads the demo name register unless SEED_DEMO_NAMES is false."""

    def __init__(self):
        super().__init__(RegistrationStore)

    def setup(self) -> None:
        super().setup()
        if str(self.container.config.get(SEED_CONFIG_KEY, "true")).lower() in ("1", "true", "yes"):
            self.store.seed_register(name_rules.seed_names())
