"""Counting what a run left in every bureau's database, and comparing whole-database snapshots.

`ledger(live, ids)` reads each store's collections directly (never through the services it checks)
and returns counts plus a list of problems: each application must have exactly one licence, one
USCC, one seal set, one tax registration, one employer registration, its employees enrolled once,
every number distinct across the run, and nothing left waiting in any outbox.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from typing import Any

from contracts import bureaus

REQUIRED_EVENTS = ("licence_issued", "seals_filed", "tax_registered", "invoices_approved",
                   "employer_registered", "employees_enrolled", "medical_insurance_registered",
                   "housing_fund_registered")
# what an application asking for a bank account adds (forms with a `bank` section)
BANK_EVENTS = ("bank_account_reserved", "account_opened")


def _dupes(values: list) -> list:
    return [v for v, n in Counter(values).items() if n > 1]


def ledger(live, ids: list[str]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    wanted = set(ids)
    gw = list(live.db("gateway").applications.find({"_id": {"$in": ids}}))
    cases = list(live.db("registration").cases.find({}))
    seal_sets = list(live.db("seal").seal_sets.find({}))
    tax_regs = list(live.db("tax").registrations.find({}))
    employers = list(live.db("social_security").employers.find({}))
    enrolments = list(live.db("social_security").enrolments.find({}))
    units = list(live.db("housing_fund").units.find({}))
    bank_accounts = list(live.db("bank").accounts.find({}))
    slots = list(live.db("bank").slots.find({}))

    medical = list(live.db("medical_insurance").units.find({}))

    # one of each per application (every store keyed or uniquely indexed on the application)
    per_app = {
        "licence": Counter(c["_id"] for c in cases if c.get("licence")),
        "seal set": Counter(s["_id"] for s in seal_sets),
        "tax registration": Counter(t["application_id"] for t in tax_regs),
        "employer registration": Counter(e["application_id"] for e in employers),
        "housing-fund unit": Counter(u["_id"] for u in units),
        "medical-insurance unit": Counter(u["_id"] for u in medical),
    }
    forms = {doc["_id"]: doc["form"] for doc in gw}
    if any(f.get("bank") for f in forms.values()):
        per_app["bank account"] = Counter(a["_id"] for a in bank_accounts)
        per_app["appointment slot held"] = Counter(h for s in slots for h in s.get("holders", []))
    for what, counter in per_app.items():
        for app_id in wanted:
            if counter.get(app_id, 0) != 1:
                problems.append(f"{app_id}: {counter.get(app_id, 0)} {what}(s)")
        stray = set(counter) - wanted
        if stray:
            problems.append(f"{len(stray)} {what}(s) for applications nobody submitted in this run")

    usccs = [c["licence"]["uscc"] for c in cases if c.get("licence")]
    seal_codes = [seal["code"] for s in seal_sets for seal in s.get("seals", [])]
    employer_numbers = [e["employer_number"] for e in employers if e.get("employer_number")]
    record_numbers = [e["record_number"] for e in enrolments if e.get("record_number")]
    unit_accounts = [u["unit_account"] for u in units if u.get("unit_account")]
    basic_accounts = [a["account_number"] for a in bank_accounts]
    problems += slot_problems(slots, {a["_id"]: a.get("appointment") for a in bank_accounts})
    personal_accounts = [a["account_number"] for u in units for a in u.get("accounts", [])]
    medical_units = [u["unit_number"] for u in medical if u.get("unit_number")]
    medical_records = [m["record_number"] for u in medical for m in u.get("members", [])]
    for what, values in (("USCC", usccs), ("seal code", seal_codes), ("employer number", employer_numbers),
                         ("enrolment record number", record_numbers), ("housing-fund unit account", unit_accounts),
                         ("housing-fund personal account", personal_accounts),
                         ("medical-insurance unit number", medical_units),
                         ("medical-insurance record number", medical_records),
                         ("basic bank account", basic_accounts)):
        if _dupes(values):
            problems.append(f"{what}s issued twice: {_dupes(values)[:5]}")

    # the same USCC everywhere for one application
    uscc_of = {c["_id"]: c["licence"]["uscc"] for c in cases if c.get("licence")}
    for name, rows, key in (("seal", seal_sets, "_id"), ("tax", tax_regs, "application_id"),
                            ("social_security", employers, "application_id"), ("housing_fund", units, "_id"),
                            ("medical_insurance", medical, "_id")):
        for row in rows:
            if row.get("uscc") and uscc_of.get(row[key]) and row["uscc"] != uscc_of[row[key]]:
                problems.append(f"{row[key]}: {name} has USCC {row['uscc']}, registration {uscc_of[row[key]]}")

    # employees: each one on the form enrolled exactly once
    enrolled = Counter((e.get("application_id"), e.get("resident_id")) for e in enrolments)
    for (app_id, _rid), n in enrolled.items():
        if n > 1:
            problems.append(f"{app_id}: an employee enrolled {n} times")
    accounts_of = {u["_id"]: len(u.get("accounts", [])) for u in units}
    members_of = {u["_id"]: len(u.get("members", [])) for u in medical}
    for app_id, form in forms.items():
        n = sum(1 for (a, _), _count in enrolled.items() if a == app_id)
        if n != len(form.get("employees", [])):
            problems.append(f"{app_id}: {n} enrolments for {len(form.get('employees', []))} employees")
        if form.get("housing_fund") and accounts_of.get(app_id) != len(form.get("employees", [])):
            problems.append(f"{app_id}: {accounts_of.get(app_id)} housing-fund accounts for "
                            f"{len(form.get('employees', []))} employees")
        if members_of.get(app_id) != len(form.get("employees", [])):
            problems.append(f"{app_id}: {members_of.get(app_id)} medical-insurance records for "
                            f"{len(form.get('employees', []))} employees")

    # the founder's view: completed, each required output recorded once, the registry's USCC
    if len(gw) != len(wanted):
        problems.append(f"gateway has {len(gw)} of {len(wanted)} applications")
    timeline_counts: Counter = Counter()
    for doc in gw:
        if doc.get("status") != "completed":
            problems.append(f"{doc['_id']}: status {doc.get('status')}")
        kinds = Counter(e["type"] for e in doc.get("timeline", []))
        ids_in_timeline = [e["event_id"] for e in doc.get("timeline", [])]
        if _dupes(ids_in_timeline):
            problems.append(f"{doc['_id']}: an event recorded twice in the timeline")
        for kind in (*REQUIRED_EVENTS, *(BANK_EVENTS if doc["form"].get("bank") else ())):
            timeline_counts[kind] += kinds.get(kind, 0)
            if kinds.get(kind, 0) != 1:
                problems.append(f"{doc['_id']}: {kinds.get(kind, 0)} x {kind} in the timeline")
        if (doc.get("outputs") or {}).get("uscc") != uscc_of.get(doc["_id"]):
            problems.append(f"{doc['_id']}: gateway shows USCC {(doc.get('outputs') or {}).get('uscc')}, "
                            f"registry {uscc_of.get(doc['_id'])}")

    counts = {
        "applications": len(gw),
        "completed": sum(1 for d in gw if d.get("status") == "completed"),
        "licences": len(usccs), "distinct USCCs": len(set(usccs)),
        "seal sets": len(seal_sets), "seal codes": len(seal_codes), "distinct seal codes": len(set(seal_codes)),
        "tax registrations": len(tax_regs),
        "employer registrations": len(employers), "distinct employer numbers": len(set(employer_numbers)),
        "enrolments": len(enrolments),
        "housing-fund units": len(units), "distinct unit accounts": len(set(unit_accounts)),
        "housing-fund accounts": len(personal_accounts),
        "bank accounts": len(bank_accounts), "distinct basic accounts": len(set(basic_accounts)),
        "appointments booked": sum(s.get("booked", 0) for s in slots),

        "medical-insurance units": len(medical), "distinct medical unit numbers": len(set(medical_units)),
        "medical-insurance records": len(medical_records),
        "pending outbox entries": pending_outbox(live),
        "timeline events": dict(timeline_counts),
    }
    if counts["pending outbox entries"]:
        problems.append(f"{counts['pending outbox entries']} events still waiting in outboxes")
    return counts, problems


def slot_problems(slots: list[dict], appointment_of: dict[str, dict | None]) -> list[str]:
    """Every slot within its capacity, its count its holders, and each account's appointment the slot
    its application holds (a slot booked by a worker that lost its race was given back)."""
    problems = []
    for slot in slots:
        holders = slot.get("holders", [])
        if slot.get("booked") != len(holders) or len(holders) > slot.get("capacity", 0) or _dupes(holders):
            problems.append(f"slot {slot['_id']}: booked {slot.get('booked')}, holders {holders}, "
                            f"capacity {slot.get('capacity')}")
        for app_id in holders:
            held = appointment_of.get(app_id) or {}
            if (held.get("day"), held.get("slot")) != (slot.get("day"), slot.get("slot")):
                problems.append(f"{app_id}: holds slot {slot['_id']} but its appointment is {held}")
    return problems


def pending_outbox(live) -> int:
    """Outbox entries not yet published, summed over every collection of every database of the run."""
    total = 0
    for name in ("gateway", *bureaus.NAMES):
        db = live.db(name)
        for coll in db.list_collection_names():
            for row in db[coll].find({"outbox.0": {"$exists": True}}, {"outbox": 1}):
                total += len(row["outbox"])
    return total


def unsettled_names(live) -> int:
    """Names still "reserved" for an application whose case is decided: a registration worker killed
    between deciding a case and settling its name leaves one, which its sweeper (services/registration
    workflow.settle_names, a minute later) settles. A snapshot taken before that would see it change."""
    db = live.db("registration")
    held = [row["application_id"] for row in db.names.find({"status": "reserved"}, {"application_id": 1})]
    if not held:
        return 0
    return db.cases.count_documents({"_id": {"$in": held}, "state": {"$in": ["approved", "rejected"]}})


# ---- whole-database snapshots -------------------------------------------------------------------


def snapshot(live, ignore: dict[str, set[str]] | None = None) -> dict[str, dict[str, dict]]:
    """Every document of every collection of the run's databases, keyed `<db>.<collection>` -> {_id: doc}.

    `ignore` maps `<db>.<collection>` to top-level fields left out (timestamps that reads may move).
    """
    ignore = ignore or {}
    out: dict[str, dict[str, dict]] = {}
    for name in sorted(live.client.list_database_names()):
        if not name.startswith(f"{live.db_prefix}_"):
            continue
        db = live.client[name]
        short = name.removeprefix(f"{live.db_prefix}_")
        for coll in sorted(db.list_collection_names()):
            key = f"{short}.{coll}"
            dropped = ignore.get(key, set())
            out[key] = {repr(doc["_id"]): {k: v for k, v in doc.items() if k not in dropped}
                        for doc in db[coll].find({})}
    return out


def differences(before: dict, after: dict, limit: int = 20) -> list[str]:
    found: list[str] = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key, {}), after.get(key, {})
        for doc_id in sorted(set(a) | set(b)):
            if doc_id not in a:
                found.append(f"{key}: new document {doc_id}: {_short(b[doc_id])}")
            elif doc_id not in b:
                found.append(f"{key}: document {doc_id} disappeared")
            elif a[doc_id] != b[doc_id]:
                fields = sorted(k for k in set(a[doc_id]) | set(b[doc_id]) if a[doc_id].get(k) != b[doc_id].get(k))
                found.append(f"{key}: {doc_id} changed {fields}: "
                             + "; ".join(f"{f}: {_short(a[doc_id].get(f))} -> {_short(b[doc_id].get(f))}"
                                         for f in fields[:3]))
            if len(found) >= limit:
                return found
    return found


def _short(value: Any, n: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= n else text[:n] + "..."


# ---- the broker's queues ------------------------------------------------------------------------


def queue_backlog(vhost: str, node: str | None = None, env: dict | None = None) -> dict[str, tuple[int, int]]:
    """{queue: (ready, unacknowledged)} straight from the queue processes (`rabbitmqctl list_queues`),
    not the management API's statistics, which lag by up to five seconds."""
    command = ["rabbitmqctl", *(["-n", node] if node else []), "list_queues", "-p", vhost, "name",
               "messages_ready", "messages_unacknowledged", "--quiet", "--no-table-headers"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=True).stdout
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit():
            rows[parts[0]] = (int(parts[1]), int(parts[2]))
    return rows


def wait_drained(vhost: str, timeout: float = 60, skip_prefixes: tuple[str, ...] = ("test-recorder-",),
                 node: str | None = None, env: dict | None = None) -> None:
    """Until no queue of the vhost holds a ready or unacknowledged message."""
    deadline = time.monotonic() + timeout
    while True:
        busy = {q: n for q, n in queue_backlog(vhost, node, env).items()
                if not q.startswith(skip_prefixes) and n != (0, 0)}
        if not busy:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"queues still busy after {timeout:.0f}s: {busy}")
        time.sleep(0.5)
