"""What the service does, step by step: domain rules + store writes + outbox, no Nameko.

Every step is idempotent so a redelivered event, a retried RPC, or another instance resuming after
a crash (the `resume` timer) finishes the work without doing any of it twice: deterministic ids,
conditional state moves, and unique indexes that turn a repeat into "already done".

`licence_revoked` is recorded per USCC (kit.revocations) and read by the actions a revoked
company may no longer take (`refuse_if_revoked`, one read). The automatic `licence_issued` path does
not read it, to stay at its 7-8 round trips: a company whose revocation arrives first is still
registered with its form's standard staff, and every later growth (enrolment, approval) is refused.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from pymongo.errors import DuplicateKeyError

from contracts.calendar import deadline
from contracts.codes import mask_resident_id
from contracts.events import (
    EmployeesEnrolled,
    EmployerRegistered,
    EnrolledEmployee,
    LicenceIssued,
    TaskQueued,
)
from contracts.form import Employee
from contracts.revocation import Revocation, revocation_view
from contracts.rpc import Conflict, DocumentRef, FieldError, Invalid, NotFound
from kit.mongo import NUMBER_BLOCK
from kit.outbox import Dispatch, flush, outbox_entry
from services.social_security import domain, injury
from services.social_security.policy import PolicyBook, PolicyNotConfigured
from services.social_security.store import SocialSecurityStore, pending_outbox

log = logging.getLogger(__name__)

CERTIFICATE = DocumentRef(name="social_security.certificate", title="社会保险登记证明")
RESUME_AFTER = timedelta(seconds=30)  # an intake untouched this long was left by a dead worker
POLICIES = PolicyBook()  # the service replaces it at start-up with the operator's directory


def use_policies(book: PolicyBook) -> None:
    global POLICIES
    POLICIES = book


# ---- licence_issued: employer registration, then the form's employees ---------------------------


def receive_licence(store: SocialSecurityStore, dispatch: Dispatch, event: LicenceIssued, now: datetime) -> None:
    """The employer's first write already holds what the licence decides: registered with its number and
    employer_registered in its outbox, or waiting for a clerk (pending_review, its task stored first, so
    a crash in between leaves the task and the redelivered event the employer). Before, the employer
    was stored `received` and then moved twice (registered, staff processed): one write fewer now."""
    licence = event.licence
    intake = {
        "_id": licence.uscc,
        "uscc": licence.uscc,
        "application_id": event.application_id,
        "event_id": event.event_id,
        "company_name": licence.company_name,
        "district_code": licence.district_code,
        "established_on": licence.established_on.isoformat(),
        "work_injury": _work_injury(event.business_scope),
        "employees": [e.model_dump(mode="json") for e in event.employees],
        "state": "received",
        "employees_processed": False,
        "received_at": now,
        "updated_at": now,
        "outbox": [],
    }
    reasons = domain.employer_review_reasons(licence.district_code, intake["work_injury"])
    series = sequence = None
    queued: list[dict[str, Any]] = []
    task_entries: list[dict[str, Any]] | None = None
    if reasons:
        task_id = domain.task_id(event.application_id, domain.TASK_EMPLOYER)
        task_entries = _queue_employer_task(store, intake, task_id, reasons, now)
        intake |= {"state": "pending_review", "task_id": task_id}
    else:
        series = employer_series(licence.district_code, now)
        sequence = store.reserved_number(series)
        if sequence is None:  # drawing takes a round trip: look for a redelivery first, so it never moves the counter
            if store.employer(licence.uscc) is not None:
                advance(store, dispatch, licence.uscc, now)
                return
            sequence = store.allocate(series, block=NUMBER_BLOCK)[0]
        changes, entry = _registration(intake, sequence, now)
        intake |= changes
        intake["outbox"] = queued = [entry]
    if not store.receive_intake(intake):  # a redelivery, or another instance has it: carry on from what is stored
        if sequence is not None:
            store.give_back_number(series, sequence)  # never stored: the next employer takes it
        advance(store, dispatch, licence.uscc, now)
        return
    advance(store, dispatch, licence.uscc, now, intake=intake, queued=queued)
    if task_entries is not None:  # announced once the employer shows it is waiting
        flush(store.tasks, intake["task_id"], task_entries, dispatch)
    elif reasons:
        publish(store.tasks, intake["task_id"], dispatch)


def _work_injury(scope_codes: list[str]) -> dict[str, Any] | None:
    """The employer's work-injury class from the licence's scope codes; None (a clerk's case) when no
    item has a known industry. A licence_issued sent before the scope codes travelled carries none:
    that employer is marked unchecked and keeps the figure file's work-injury rate."""
    if not scope_codes:
        return domain.WORK_INJURY_UNCHECKED
    found = injury.employer_class(scope_codes)
    return found.record() if found else None


def advance(store: SocialSecurityStore, dispatch: Dispatch, uscc: str, now: datetime,
            intake: dict[str, Any] | None = None, queued: list[dict[str, Any]] = ()) -> None:
    """Take an employer as far as it can go without a clerk.

    `intake` is the employer document this worker has just created, with the outbox entries it wrote
    (`queued`). While every guarded move it makes succeeds, nobody else has touched the employer, so
    it works from memory: no re-reads, and the events it queued are published in one go.
    """
    employer = intake if intake is not None else store.employer(uscc)
    if employer is None:
        return
    queued = list(queued)
    if employer["state"] == "received":  # stored before the decision rode on the first write, or legacy
        registered = _decide_employer(store, dispatch, employer, now)
        if registered is not None and intake is not None:
            employer, queued = registered[0], queued + registered[1]
        else:  # queued for a clerk, or another worker moved it first: read where it is now
            publish(store.employers, uscc, dispatch)  # the registration goes out before any staff task
            employer, intake = store.employer(uscc), None
    tasks_to_announce: list[tuple[str, list[dict] | None]] = []
    if employer["state"] == "registered" and not employer["employees_processed"]:
        entries, tasks_to_announce = _enrol_form_employees(store, employer, now, fresh=intake is not None)
        queued += entries
    if intake is not None:
        flush(store.employers, uscc, queued, dispatch)
    else:
        publish(store.employers, uscc, dispatch)
    for task_id, task_entries in tasks_to_announce:
        if task_entries is None:  # stored before (a repeat): what it still has to send
            publish(store.tasks, task_id, dispatch)
        else:
            flush(store.tasks, task_id, task_entries, dispatch)


def resume_stalled(store: SocialSecurityStore, dispatch: Dispatch, now: datetime) -> int:
    stalled = store.stalled_employers(now - RESUME_AFTER)
    for uscc in stalled:
        try:
            advance(store, dispatch, uscc, now)
        except Exception:  # one broken intake must not block the others; it is retried next tick
            log.exception("could not resume employer %s", uscc)
    return len(stalled)


def _decide_employer(store, dispatch, employer, now) -> tuple[dict[str, Any], list[dict]] | None:
    """Register at once (the employer as it is now and the queued event), or queue for a clerk (None)."""
    district = employer["district_code"]
    reasons = domain.employer_review_reasons(district, employer.get("work_injury", domain.WORK_INJURY_UNCHECKED))
    if not reasons:
        return _register(store, employer, now, expect_state="received")
    task_id = domain.task_id(employer["application_id"], domain.TASK_EMPLOYER)
    _queue_employer_task(store, employer, task_id, reasons, now)
    store.move_employer(employer["_id"], {"state": "received"},
                        {"state": "pending_review", "task_id": task_id, "updated_at": now})
    publish(store.tasks, task_id, dispatch)  # announced once the employer shows it is waiting
    return None


def _queue_employer_task(store, employer, task_id, reasons, now) -> list[dict] | None:
    return _queue_task(store, employer, task_id, domain.TASK_EMPLOYER, reasons, now, {
        "company_name": employer["company_name"], "uscc": employer["uscc"],
        "district_code": employer["district_code"], "work_injury": employer.get("work_injury"),
        "employees": len(employer["employees"]), "reasons": reasons,
    })


def employer_series(district_code: str, now: datetime) -> str:
    """The counter of a district's employer numbers for the year (unique, gaps allowed)."""
    return f"employer:{district_code}:{domain.local_today(now).year}"


def register_employer(store, employer, now, expect_state: str) -> bool:
    return _register(store, employer, now, expect_state) is not None


def _registration(employer, sequence: int, now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """What numbering the employer changes, and the employer_registered entry it queues."""
    year = domain.local_today(now).year
    district, uscc = employer["district_code"], employer["uscc"]
    number = domain.employer_number(district, year, sequence)
    insurances = [domain.INSURANCE_LABELS[k] for k in domain.INSURANCE_KINDS]
    event = EmployerRegistered(application_id=employer["application_id"], uscc=uscc, employer_number=number,
                               insurances=insurances, documents=[CERTIFICATE])
    changes = {"state": "registered", "employer_number": number, "insurances": insurances,
               "registered_at": now, "updated_at": now}
    return changes, outbox_entry(event)


def _register(store, employer, now, expect_state: str) -> tuple[dict[str, Any], list[dict]] | None:
    """Number a stored employer and queue employer_registered: (the employer after, [entry]), None if lost."""
    sequence = store.allocate(employer_series(employer["district_code"], now), block=NUMBER_BLOCK)[0]
    changes, entry = _registration(employer, sequence, now)
    # If another worker won the race, this number is skipped (never reused, never given twice).
    if not store.move_employer(employer["uscc"], {"state": expect_state}, changes, [entry], unnumbered=True):
        return None
    return {**employer, **changes}, [entry]


def _enrol_form_employees(store, employer, now, fresh: bool) -> tuple[list[dict], list[tuple[str, list[dict] | None]]]:
    """Enrol the form's standard employees, queue the others for a clerk.

    Returns the outbox entries queued on the employer and the tasks to announce after them (with the
    entries this worker stored them with; None: stored before).
    `fresh`: this worker registered the employer just now, so none of these enrolments can exist yet.
    """
    today = domain.local_today(now)
    established = date.fromisoformat(employer["established_on"])
    standard: list[tuple[str, Employee]] = []
    queued: list[tuple[int, list[dict] | None]] = []
    for index, raw in enumerate(employer["employees"]):
        person = Employee.model_validate(raw)
        reasons = domain.employee_review_reasons(person, established, today)
        if not reasons and (missing := _no_figures(employer["district_code"], domain.form_start_date(person, established))):
            reasons.append(missing)  # a region with no figures at all (not a late notice: that continues)
        if reasons:
            queued.append((index, _queue_employee_task(store, employer, index, person, reasons, now)))
        else:
            standard.append((domain.form_employee_id(employer["application_id"], index), person))
    ids = [employee_id for employee_id, _ in standard]
    present = [] if fresh or not ids else store.enrolments_of(ids)
    known = {d["_id"] for d in present}
    missing = [(i, p) for i, p in standard if i not in known]
    # the company's record series starts here, so its counter is normally created with this block
    numbers = store.allocate(f"record:{employer['uscc']}", len(missing), fresh=True) if missing else []
    docs = []
    for (employee_id, person), seq in zip(missing, numbers, strict=True):
        start = domain.form_start_date(person, established)
        new = domain.NewEmployee(person.name, person.resident_id, start, person.monthly_wage)
        docs.append(enrolment_doc(employer, employee_id, new, seq, "form", now))
    if store.insert_enrolments(docs):
        enrolled = present + docs
    else:  # some were there already (another worker): what is stored is the truth
        enrolled = store.enrolments_of(ids)
    enrolled = sorted(enrolled, key=lambda d: d["record_number"])
    outbox = []
    if enrolled or not queued:  # an empty batch still tells the founder "nothing left to do here"
        outbox.append(outbox_entry(enrolled_event(employer, enrolled)))
    if not store.move_employer(employer["_id"], {"state": "registered", "employees_processed": False},
                               {"employees_processed": True, "updated_at": now}, outbox):
        outbox = []  # another worker finished first and queued its own event
    tasks = [(domain.task_id(employer["application_id"], domain.TASK_EMPLOYEE, index), entries)
             for index, entries in queued]
    return outbox, tasks


def _no_figures(district_code: str, start: date) -> str | None:
    try:
        POLICIES.policy(district_code, start)
    except PolicyNotConfigured as exc:
        return f"{exc}，需人工核定"
    return None


def _queue_employee_task(store, employer, index, person: Employee, reasons, now) -> list[dict] | None:
    task_id = domain.task_id(employer["application_id"], domain.TASK_EMPLOYEE, index)
    return _queue_task(store, employer, task_id, domain.TASK_EMPLOYEE, reasons, now, {
        "employee_index": index, "name": person.name, "resident_id": mask_resident_id(person.resident_id),
        "start_date": domain.form_start_date(person, date.fromisoformat(employer["established_on"])).isoformat(),
        "monthly_wage": str(person.monthly_wage), "reasons": reasons,
        "corrections": "approve 的 payload 可更正 name、resident_id、start_date、monthly_wage",
    })


def _queue_task(store, employer, task_id, kind, reasons, now, details) -> list[dict] | None:
    """Store the task with its task_queued; its outbox entries, None when it was stored before."""
    timing = deadline(domain.local_today(now), domain.CLERK_WORKING_DAYS)
    reason = "；".join(reasons)
    task = domain.new_task(task_id=task_id, kind=kind, application_id=employer["application_id"],
                           uscc=employer["uscc"], title=employer["company_name"], reason=reason,
                           created_at=now, timing=timing, details=details)
    event = TaskQueued(application_id=employer["application_id"], bureau="social_security", task_id=task_id,
                       kind=kind, reason=reason, **timing.fields())
    return store.insert_task(task, [event])  # the caller publishes after its own state move


def enrolment_doc(employer, employee_id: str, person: domain.NewEmployee, seq: int, source: str,
                   now: datetime, request_id: str | None = None) -> dict[str, Any]:
    policy = POLICIES.policy(employer["district_code"], person.start_date)
    record = domain.record_number(employer["employer_number"], seq)
    return {
        "_id": employee_id,
        "uscc": employer["uscc"],
        "application_id": employer["application_id"],
        "name": person.name,
        "resident_id": person.resident_id,  # = the social security number (社会保险法 art. 58)
        "record_number": record,
        "start_date": person.start_date.isoformat(),
        # 就业登记: recorded with the enrolment, in the same insert (one record, never one without the other)
        "employment_number": domain.employment_number(record),
        "employment_registered_on": domain.local_today(now).isoformat(),
        "end_date": None,
        "monthly_wage": str(person.monthly_wage),
        "contribution_base": str(domain.contribution_base(person.monthly_wage, policy.base)),
        # figures continued past their period: recomputed when the new ones are loaded
        "contribution_provisional": policy.provisional,
        "policy_period": policy.period,
        "active": True,
        "state": "active",
        "source": source,
        "request_id": request_id,
        "enrolled_at": now,
        "outbox": [],
    }


def enrolled_event(employer, enrolments: list[dict[str, Any]]) -> EmployeesEnrolled:
    return EmployeesEnrolled(
        application_id=employer["application_id"], uscc=employer["uscc"],
        employees=[EnrolledEmployee(employee_id=d["_id"], name=d["name"], record_number=d["record_number"],
                                    start_date=date.fromisoformat(d["start_date"]),
                                    **employment_registration(d)) for d in enrolments])


def employment_registration(doc: dict[str, Any]) -> dict[str, Any]:
    """The 就业登记 of an enrolment (None for enrolments stored before it was recorded)."""
    on = doc.get("employment_registered_on")
    return {"employment_number": doc.get("employment_number"),
            "employment_registered_on": date.fromisoformat(on) if on else None}


def publish(collection, doc_id: str, dispatch: Dispatch) -> None:
    entries = pending_outbox(collection, doc_id)
    if entries:
        flush(collection, doc_id, entries, dispatch)


# ---- licence_revoked: what a closing company may no longer do ----------------------------------


def refuse_if_revoked(store: SocialSecurityStore, uscc: str, action: str) -> None:
    """Raise Conflict when the company's licence is revoked (`action`: a domain.REFUSED_WHEN_REVOKED key).

    Checked before the write, not inside it: a revocation recorded in between lets that one action
    through. The event arrives asynchronously anyway, so no check here could be exact."""
    revocation = store.revocations.get(uscc)
    if revocation is not None:
        raise revocation.refusal(domain.REFUSED_WHEN_REVOKED[action])


# ---- contribution figures loaded late ---------------------------------------------------------


def reconcile_provisional(store: SocialSecurityStore) -> int:
    """Enrolments made on continued (provisional) figures get their base from the figures now known
    for their start month; returns how many changed. Cheap to call: one query when none is waiting."""
    changed = 0
    for doc in store.provisional_enrolments():
        employer = store.employer(doc["uscc"])
        policy = POLICIES.policy(employer["district_code"], date.fromisoformat(doc["start_date"]))
        if policy.provisional:
            continue  # still no newer figures for that month
        base = domain.contribution_base(Decimal(doc["monthly_wage"]), policy.base)
        changed += store.settle_contribution_base(doc["_id"], str(base), policy.period)
    return changed


# ---- later changes without a form --------------------------------------------------------------


def registered_employer(store: SocialSecurityStore, uscc: str) -> dict[str, Any]:
    employer = store.employer(uscc) if isinstance(uscc, str) else None
    if employer is None:
        raise NotFound(f"未找到统一社会信用代码为{uscc}的单位社保登记")
    if employer["state"] != "registered":
        raise Conflict(f"该单位社保登记尚未办结（{employer['state']}），暂不能办理人员增减")
    return employer


def enrol_employee(store: SocialSecurityStore, dispatch: Dispatch, uscc: str, raw: Any,
                   request_id: str | None, now: datetime) -> dict[str, Any]:
    employer = registered_employer(store, uscc)
    if request_id is not None and (not isinstance(request_id, str) or not 0 < len(request_id) <= 100):
        raise Invalid.with_fields("request_id 无效", [FieldError(field="request_id", message="应为1至100个字符")])
    employee_id = domain.request_employee_id(uscc, request_id) if request_id else _random_id()
    if request_id and (existing := store.enrolment(employee_id)) is not None:
        return staff_view(existing)  # a retry of what was done (maybe before a revocation): same answer
    refuse_if_revoked(store, uscc, "enrol_employee")
    person = checked_employee(employer, raw, now)
    doc = enrolment_doc(employer, employee_id, person, store.allocate(f"record:{uscc}")[0], "request", now,
                         request_id)
    doc["outbox"] = [outbox_entry(enrolled_event(employer, [doc]))]
    try:
        store.insert_enrolment(doc)
    except DuplicateKeyError:
        if request_id and (existing := store.enrolment(employee_id)) is not None:
            return staff_view(existing)  # the same request raced itself: one enrolment
        raise Conflict(f"{person.name}（{mask_resident_id(person.resident_id)}）已在本单位参保，不能重复参保") from None
    flush(store.enrolments, employee_id, doc["outbox"], dispatch)
    return staff_view(doc)


def checked_employee(employer, raw: Any, now: datetime) -> domain.NewEmployee:
    established = date.fromisoformat(employer["established_on"])
    person, errors = domain.parse_new_employee(raw, established, domain.local_today(now))
    if errors:
        raise Invalid.with_fields(f"员工信息有{len(errors)}处需要修改", errors)
    try:
        POLICIES.policy(employer["district_code"], person.start_date)
    except PolicyNotConfigured as exc:
        raise Invalid.with_fields(str(exc), [FieldError(field="start_date", message=str(exc))]) from None
    return person


def end_employment(store: SocialSecurityStore, uscc: str, employee_id: Any, end_date: Any,
                   now: datetime) -> dict[str, Any]:
    registered_employer(store, uscc)
    current = store.enrolment(employee_id, uscc) if isinstance(employee_id, str) else None
    if current is None:
        raise NotFound(f"本单位没有参保记录 {employee_id}")
    try:
        end = date.fromisoformat(end_date) if end_date else domain.local_today(now)
    except (TypeError, ValueError):
        raise Invalid.with_fields("离职日期格式不正确", [FieldError(field="end_date", message="日期格式应为 YYYY-MM-DD")]) from None
    if end < date.fromisoformat(current["start_date"]):
        raise Invalid.with_fields("离职日期不能早于入职日期",
                                  [FieldError(field="end_date", message=f"不能早于入职日期{current['start_date']}")])
    ended = store.end_enrolment(uscc, employee_id, end.isoformat(), now)
    if ended is None:
        ended = store.enrolment(employee_id, uscc)
        if ended["end_date"] != end.isoformat() and end_date:
            raise Conflict(f"{ended['name']}已于{ended['end_date']}离职减员")
    return staff_view(ended)


def person_of(store: SocialSecurityStore, uscc: str, employee_id: Any) -> dict[str, Any]:
    """The unmasked resident ID of one enrolment, for the gateway's leaver request only (it names the
    same person at the other bureaus); never shown to anyone."""
    registered_employer(store, uscc)
    current = store.enrolment(employee_id, uscc) if isinstance(employee_id, str) else None
    if current is None:
        raise NotFound(f"本单位没有参保记录 {employee_id}")
    return {"employee_id": current["_id"], "name": current["name"], "resident_id": current["resident_id"]}


def list_staff(store: SocialSecurityStore, uscc: str) -> list[dict[str, Any]]:
    registered_employer(store, uscc)
    return [staff_view(d) for d in store.staff(uscc)]


def contributions(store: SocialSecurityStore, uscc: str, month: Any) -> dict[str, Any]:
    employer = registered_employer(store, uscc)
    try:
        first, last = domain.parse_month(month)
    except (TypeError, ValueError):
        raise Invalid.with_fields("月份格式应为 YYYY-MM", [FieldError(field="month", message="格式应为 YYYY-MM")]) from None
    try:
        policy = POLICIES.policy(employer["district_code"], first)
    except PolicyNotConfigured as exc:
        raise Invalid.with_fields(str(exc), [FieldError(field="month", message=str(exc))]) from None
    staff = [{"employee_id": d["_id"], "name": d["name"], "monthly_wage": d["monthly_wage"]}
             for d in store.staff_in_period(uscc, first.isoformat(), last.isoformat())]
    result = domain.month_contributions(staff, policy, employer.get("work_injury"))
    return {"uscc": uscc, "employer_number": employer["employer_number"], "month": month, **result}


def employer_view(employer: dict[str, Any], revocation: Revocation | None,
                  staff_count: int | None = None) -> dict[str, Any]:
    """The employer as callers see it; `revocation` as stored (None = the licence stands)."""
    view = {k: employer.get(k) for k in ("uscc", "application_id", "company_name", "district_code", "state",
                                         "employer_number", "established_on")}
    view["insurances"] = employer.get("insurances", [])
    view["work_injury"] = employer.get("work_injury")  # class, rate and the scope item it follows
    view["registered_at"] = employer["registered_at"].isoformat() if employer.get("registered_at") else None
    if staff_count is not None:
        view["active_staff"] = staff_count
    view["licence_revoked"] = revocation_view(revocation)
    return view


def staff_view(doc: dict[str, Any]) -> dict[str, Any]:
    """One enrolment as callers see it: the ID number (= social security number) masked."""
    return {
        "employee_id": doc["_id"],
        "name": doc["name"],
        "resident_id": mask_resident_id(doc["resident_id"]),
        "record_number": doc["record_number"],
        "start_date": doc["start_date"],
        "end_date": doc.get("end_date"),
        "state": doc["state"],
        "monthly_wage": doc["monthly_wage"],
        "contribution_base": doc["contribution_base"],
        "contribution_provisional": bool(doc.get("contribution_provisional")),
        "employment_number": doc.get("employment_number"),
        "employment_registered_on": doc.get("employment_registered_on"),
    }


def _random_id() -> str:
    return uuid4().hex

