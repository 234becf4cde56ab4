"""Seed a fresh gateway database with N applications whose time stamps and paths are known by
construction, so a test can compute the expected statistics without gateway.stats.

Application i (0 <= i < n), submitted on the (i % 15)-th weekday of 3-21 March 2025 (no holidays) at
09:00 Beijing + i minutes:
- registration: clerk path when i % 4 == 0 (licence the next working day at 10:00, 1 working day),
  else automatic (licence 5 minutes after submission, 0 working days);
- tax: clerk when i % 5 == 0 (done 3 working days after the licence day at 11:00: misses the target),
  stuck with a clerk when i % 10 == 7 (never done; its deadline has passed: overdue now), else automatic
  (30 minutes after the licence);
- seal done 10 minutes, social security 20 minutes after the licence;
- ratings: every application that got its licence rates registration ((i % 5) + 1); low ones carry a problem.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gateway.timeline import derive, timeline_entry
from tests.factories import make_form

SH = ZoneInfo("Asia/Shanghai")
WEEKDAYS = [date(2025, 3, d) for d in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 17, 18, 19, 20, 21)]
NEXT_WORKING = {d: WEEKDAYS[i + 1] for i, d in enumerate(WEEKDAYS[:-1])} | {date(2025, 3, 21): date(2025, 3, 24)}
_LATER = WEEKDAYS + [date(2025, 3, d) for d in (24, 25, 26, 27)]
PLUS3 = {d: _LATER[i + 3] for i, d in enumerate(_LATER[:-3])}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SH).astimezone(UTC)


def plan(i: int) -> dict:
    day = WEEKDAYS[i % 15]
    submitted = _at(day, 9) + timedelta(minutes=i)
    reg_clerk = i % 4 == 0
    tax = "clerk" if i % 5 == 0 else "stuck" if i % 10 == 7 else "auto"
    review = submitted + timedelta(minutes=1)
    licence = _at(NEXT_WORKING[day], 10) if reg_clerk else submitted + timedelta(minutes=5)
    licence_day = licence.astimezone(SH).date()
    tax_done = {"auto": licence + timedelta(minutes=30), "clerk": _at(PLUS3[licence_day], 11), "stuck": None}[tax]
    row = {"i": i, "day": day, "submitted": submitted, "reg_clerk": reg_clerk, "tax": tax, "review": review,
           "licence": licence, "seal_done": licence + timedelta(minutes=10),
           "ss_done": licence + timedelta(minutes=20), "tax_done": tax_done,
           "tax_deadline": PLUS3[licence_day] - timedelta(days=1) if tax == "stuck" else None,
           "rating": (i % 5) + 1}
    row["completed"] = max(row["seal_done"], row["ss_done"], tax_done) if tax_done else None
    return row


def _events(app_id: str, row: dict) -> list[tuple[str, dict]]:
    def ev(source, event_type, at, **data):
        return source, {"event_id": uuid.uuid4().hex, "type": event_type, "application_id": app_id,
                        "occurred_at": at.isoformat(), **data}

    day = row["day"].isoformat()
    out = [ev("gateway", "application_submitted", row["submitted"], founder_id="seed"),
           ev("registration", "review_started", row["review"], revision=0,
              path="clerk" if row["reg_clerk"] else "automatic", reasons=[], deadline=day)]
    if row["reg_clerk"]:
        out.append(ev("registration", "task_queued", row["review"], bureau="registration", task_id=f"t{app_id}",
                      kind="registration_review", reason="许可项目", deadline=NEXT_WORKING[row["day"]].isoformat()))
    out.append(ev("registration", "licence_issued", row["licence"],
                  licence={"uscc": f"SEED{row['i']:014d}", "company_name": f"seed {row['i']}"}))
    lic = row["licence"]
    out += [ev("seal", "seals_filed", row["seal_done"], seals=[]),
            ev("social_security", "employer_registered", lic + timedelta(minutes=15), employer_number="x"),
            ev("social_security", "employees_enrolled", row["ss_done"], employees=[]),
            # the form lists employees, so the 医疗保障局's step is the founder's too: done with social security's
            ev("medical_insurance", "medical_insurance_registered", lic + timedelta(minutes=15), uscc="x",
               unit_number="x", insurances=[])]
    if row["tax"] != "auto":
        deadline = row["tax_deadline"] or PLUS3[lic.astimezone(SH).date()]
        out.append(ev("tax", "task_queued", lic + timedelta(minutes=1), bureau="tax", task_id=f"x{app_id}",
                      kind="invoice_approval", reason="核定", deadline=deadline.isoformat()))
    if row["tax_done"]:
        out += [ev("tax", "tax_registered", lic + timedelta(minutes=5) if row["tax"] == "auto" else row["tax_done"],
                   taxpayer_id="x"),
                ev("tax", "invoices_approved", row["tax_done"], invoice_kinds=["vat_general"])]
    return out


def seed(db, n: int = 200) -> list[dict]:
    """Write n applications (and their ratings) straight into a fresh gateway database; the plans."""
    form = make_form()
    form["seals"].update(kinds=["company"], physical=False)
    form["housing_fund"] = False  # the seeded timelines model the seal, tax and social-security steps only
    rows, docs, ratings = [], [], []
    for i in range(n):
        row = plan(i)
        app_id = f"seed{i:04d}"
        timeline = [timeline_entry(src, p, received_at=_aware_parse(p["occurred_at"])) for src, p in _events(app_id, row)]
        docs.append({"_id": app_id, "founder_id": "seed", "idempotency": f"seed:{app_id}", "request_hash": "",
                     "company_name": f"seed {i}", "form": form, "revision": 0, "version": len(timeline),
                     "submitted_at": row["submitted"], "updated_at": row["submitted"], "timeline": timeline,
                     "outbox": [], **derive(form, timeline, row["submitted"])})
        ratings.append({"_id": f"{app_id}:registration", "application_id": app_id, "founder_id": "seed",
                        "bureau": "registration", "score": row["rating"], "comment": None,
                        "problem": {"category": "slow", "text": "太慢了"} if row["rating"] <= 2 else None,
                        "submitted_at": row["submitted"], "created_at": row["licence"], "updated_at": row["licence"]})
        rows.append(row)
    db["applications"].insert_many(docs)
    db["ratings"].insert_many(ratings)
    return rows


def _aware_parse(value: str) -> datetime:
    return datetime.fromisoformat(value)
