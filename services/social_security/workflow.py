"""What the service does, step by step: domain rules + store writes + outbox, no Nameko.

Every step is idempotent so a redelivered event, a retried RPC, or another instance resuming after
a crash (the `resume` timer) finishes the work without doing any of it twice: deterministic ids,
conditional state moves, and unique indexes that turn a repeat into "already done".

`licence_revoked` is recorded per USCC (kit.revocations) and read by the actions a revoked
company may no longer take (`refuse_if_revoked`, one read). The automatic `licence_issued` path does
not read it, to stay at its two writes: a company whose revocation arrives first is still
registered with its form's standard staff, and every later growth (enrolment, approval) is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
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
    Event,
    LicenceIssued,
    TaskQueued,
)
from contracts.form import Employee
from contracts.rpc import Conflict, DocumentRef, FieldError, Invalid, NotFound
from kit import bank_accounts
from kit.mongo import NUMBER_BLOCK
from kit.outbox import Dispatch
from services.social_security import domain, injury, views
from services.social_security.domain.records import Employer, Enrolment
from services.social_security.policy import PolicyBook, PolicyNotConfigured
from services.social_security.store import Held, Moved, SocialSecurityStore

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
    intake = Employer(
        uscc=licence.uscc, application_id=event.application_id, event_id=event.event_id,
        company_name=licence.company_name, district_code=licence.district_code,
        established_on=licence.established_on, work_injury=_work_injury(event.business_scope),
        employees=[e.model_dump(mode="json") for e in event.employees], state="received",
        employees_processed=False, received_at=now, updated_at=now)
    reasons = domain.employer_review_reasons(licence.district_code, intake.work_injury)
    series = sequence = None
    events: list[Event] = []
    task_entries: list[dict[str, Any]] | None = None
    if reasons:
        task_id = domain.task_id(event.application_id, domain.TASK_EMPLOYER)
        task_entries = _queue_employer_task(store, intake, task_id, reasons, now)
        intake = intake.model_copy(update={"state": "pending_review", "task_id": task_id})
    else:
        series = employer_series(licence.district_code, now)
        sequence = store.reserved_number(series)
        if sequence is None:  # drawing takes a round trip: look for a redelivery first, so it never moves the counter
            if store.employer(licence.uscc) is not None:
                advance(store, dispatch, licence.uscc, now)
                return
            sequence = store.allocate(series, block=NUMBER_BLOCK)[0]
        changes, registered = _registration(intake, sequence, now)
        intake, events = intake.model_copy(update=changes), [registered]
        if (staff := _standard_staff(intake, now)) is not None:
            _register_with_staff(store, dispatch, intake, registered, staff, (series, sequence), now)
            return
    queued = store.receive_intake(intake, events)
    if queued is None:  # a redelivery, or another instance has it: carry on from what is stored
        if sequence is not None:
            store.give_back_number(series, sequence)  # never stored: the next employer takes it
        advance(store, dispatch, licence.uscc, now)
        return
    advance(store, dispatch, licence.uscc, now, intake=intake, queued=queued)
    if task_entries is not None:  # announced once the employer shows it is waiting
        store.task_repo.flush(intake.task_id, task_entries, dispatch)
    elif reasons:
        store.task_repo.publish(intake.task_id, dispatch)


def _register_with_staff(store: SocialSecurityStore, dispatch: Dispatch, intake: Employer,
                         registered: EmployerRegistered, staff: list[tuple[str, domain.NewEmployee]],
                         drawn: tuple[str, int], now: datetime) -> None:
    """A fresh employer whose form staff all enrol without a clerk: the staff are stored first, then the
    employer's first write is already registered with its staff processed and carries employer_registered
    then employees_enrolled: one employer write instead of two. The staff's record numbers are their places
    on the form (1..n) and the employer's first write holds its record counter at n (`record_seq`): no
    counter of its own to create.

    A record number starts with the employer number, so the enrolments are the first to hold it. Their
    deterministic ids make a stored first enrolment the sign of an earlier attempt (a redelivery, a worker
    that died before the employer's write, or one still at it): when no employer is stored yet, the
    employer takes the number those enrolments carry and stores the missing ones under it, so the staff
    are enrolled once with one employer's numbers. The insert is ordered: of two workers racing, only the
    one that stored the first enrolment stores any.
    """
    ids = [employee_id for employee_id, _ in staff]
    intake = intake.model_copy(update={"record_seq": len(staff)})
    enrolled = _form_enrolments(intake, staff, range(1, len(staff) + 1), now)
    if enrolled and not store.insert_enrolments([(e, []) for e in enrolled], ordered=True):
        present = store.enrolments_of(ids)
        numbers = {domain.employer_of_record(e.record_number) for e in present}
        if store.employer(intake.uscc) is not None:  # a redelivery (or stored before this path): carry on
            if intake.employer_number not in numbers:
                store.give_back_number(*drawn)
            advance(store, dispatch, intake.uscc, now)
            return
        if numbers and intake.employer_number not in numbers:  # an earlier attempt's number: take it
            store.give_back_number(*drawn)
            number = min(numbers)  # one, by the ordered insert
            intake = intake.model_copy(update={"employer_number": number})
            registered = registered.model_copy(update={"employer_number": number})
        known = {e.employee_id for e in present}
        # the same places as the earlier attempt gave them, under the same employer number: never twice
        missing = [(place, member) for place, member in enumerate(staff, 1) if member[0] not in known]
        new = _form_enrolments(intake, [m for _, m in missing], [place for place, _ in missing], now)
        enrolled = present + new if store.insert_enrolments([(e, []) for e in new]) else store.enrolments_of(ids)
    events = [registered, enrolled_event(intake, sorted(enrolled, key=lambda e: e.record_number))]
    intake = intake.model_copy(update={"employees_processed": True})
    queued = store.receive_intake(intake, events)
    if queued is None:  # a redelivery, or another worker stored the employer first: carry on from it
        if not staff:  # no enrolment holds the number: the next employer takes it
            store.give_back_number(*drawn)
        advance(store, dispatch, intake.uscc, now)
        return
    advance(store, dispatch, intake.uscc, now, intake=intake, queued=queued)


def _standard_staff(employer: Employer, now: datetime) -> list[tuple[str, domain.NewEmployee]] | None:
    """The form's employees as enrolled without a clerk (employee id, person); None when any needs one."""
    today = domain.local_today(now)
    staff = []
    for index, raw in enumerate(employer.employees):
        person = Employee.model_validate(raw)
        if _employee_reasons(employer, person, today):
            return None
        staff.append((domain.form_employee_id(employer.application_id, index), _form_person(employer, person)))
    return staff


def _form_enrolments(employer: Employer, staff: list[tuple[str, domain.NewEmployee]], numbers: Sequence[int],
                     now: datetime) -> list[Enrolment]:
    return [new_enrolment(employer, employee_id, person, seq, "form", now)
            for (employee_id, person), seq in zip(staff, numbers, strict=True)]


def _with_missing(store, employer: Employer, staff: list[tuple[str, domain.NewEmployee]],
                  present: list[Enrolment], now: datetime) -> list[Enrolment]:
    """The form's enrolments, those `present` and the others stored now; what is stored is the truth."""
    known = {e.employee_id for e in present}
    missing = [(i, p) for i, p in staff if i not in known]
    # the company's record series most likely starts here, so its counter is normally created with this block
    numbers = store.allocate_records(employer, len(missing), fresh=True) if missing else []
    new = _form_enrolments(employer, missing, numbers, now)
    if store.insert_enrolments([(e, []) for e in new]):
        return present + new
    return store.enrolments_of([employee_id for employee_id, _ in staff])


def _work_injury(scope_codes: list[str]) -> dict[str, Any] | None:
    """The employer's work-injury class from the licence's scope codes; None (a clerk's case) when no
    item has a known industry. A licence_issued sent before the scope codes travelled carries none:
    that employer is marked unchecked and keeps the figure file's work-injury rate."""
    if not scope_codes:
        return domain.WORK_INJURY_UNCHECKED
    found = injury.employer_class(scope_codes)
    return found.record() if found else None


def advance(store: SocialSecurityStore, dispatch: Dispatch, uscc: str, now: datetime,
            intake: Employer | None = None, queued: list[dict[str, Any]] = ()) -> None:
    """Take an employer as far as it can go without a clerk.

    `intake` is the employer this worker has just stored (version 0), with the outbox entries it wrote
    (`queued`). While every move it makes succeeds with the version it holds, nobody else has touched
    the employer, so it works from memory: no re-reads, and the events it queued are published in one go.
    """
    held = (intake, 0) if intake is not None else store.load_employer(uscc)
    if held is None:
        return
    queued = list(queued)
    if held[0].state == "received":  # stored before the decision rode on the first write, or legacy
        registered = _decide_employer(store, dispatch, held, now)
        if registered is not None and intake is not None:
            held, queued = registered[:2], queued + registered[2]
        else:  # queued for a clerk, or another worker moved it first: read where it is now
            store.employer_repo.publish(uscc, dispatch)  # the registration goes out before any staff task
            held, intake = store.load_employer(uscc), None
    tasks_to_announce: list[tuple[str, list[dict] | None]] = []
    if held[0].state == "registered" and not held[0].employees_processed:
        entries, tasks_to_announce = _enrol_form_employees(store, held, now, fresh=intake is not None)
        queued += entries
    if intake is not None:
        store.employer_repo.flush(uscc, queued, dispatch)
    else:
        store.employer_repo.publish(uscc, dispatch)
    for task_id, task_entries in tasks_to_announce:
        if task_entries is None:  # stored before (a repeat): what it still has to send
            store.task_repo.publish(task_id, dispatch)
        else:
            store.task_repo.flush(task_id, task_entries, dispatch)


def resume_stalled(store: SocialSecurityStore, dispatch: Dispatch, now: datetime) -> int:
    stalled = store.stalled_employers(now - RESUME_AFTER)
    for uscc in stalled:
        try:
            advance(store, dispatch, uscc, now)
        except Exception:  # one broken intake must not block the others; it is retried next tick
            log.exception("could not resume employer %s", uscc)
    return len(stalled)


def _decide_employer(store, dispatch, held: Held, now) -> Moved | None:
    """Register at once (the employer moved, its version and the queued entry), or queue for a clerk (None)."""
    employer = held[0]
    reasons = domain.employer_review_reasons(employer.district_code, employer.work_injury)
    if not reasons:
        return _register(store, held, now, expect_state="received")
    task_id = domain.task_id(employer.application_id, domain.TASK_EMPLOYER)
    _queue_employer_task(store, employer, task_id, reasons, now)
    store.move_employer(held, in_state("received"), {"state": "pending_review", "task_id": task_id, "updated_at": now})
    store.task_repo.publish(task_id, dispatch)  # announced once the employer shows it is waiting
    return None


def in_state(state: str, processed: bool | None = None) -> Callable[[Employer], bool]:
    """The condition of an employer's move: still in `state` (and, given, with its staff processed or not)."""
    return lambda e: e.state == state and (processed is None or e.employees_processed is processed)


def _queue_employer_task(store, employer: Employer, task_id, reasons, now) -> list[dict] | None:
    return _queue_task(store, employer, task_id, domain.TASK_EMPLOYER, reasons, now, {
        "company_name": employer.company_name, "uscc": employer.uscc,
        "district_code": employer.district_code, "work_injury": employer.work_injury,
        "employees": len(employer.employees), "reasons": reasons,
    })


def employer_series(district_code: str, now: datetime) -> str:
    """The counter of a district's employer numbers for the year (unique, gaps allowed)."""
    return f"employer:{district_code}:{domain.local_today(now).year}"


def register_employer(store, held: Held, now, expect_state: str) -> bool:
    return _register(store, held, now, expect_state) is not None


def _registration(employer: Employer, sequence: int, now: datetime) -> tuple[dict[str, Any], EmployerRegistered]:
    """What numbering the employer changes, and the employer_registered it queues."""
    year = domain.local_today(now).year
    number = domain.employer_number(employer.district_code, year, sequence)
    insurances = [domain.INSURANCE_LABELS[k] for k in domain.INSURANCE_KINDS]
    event = EmployerRegistered(application_id=employer.application_id, uscc=employer.uscc, employer_number=number,
                               insurances=insurances, documents=[CERTIFICATE])
    changes = {"state": "registered", "employer_number": number, "insurances": insurances,
               "registered_at": now, "updated_at": now}
    return changes, event


def _register(store, held: Held, now, expect_state: str) -> Moved | None:
    """Number a stored employer and queue employer_registered: (the employer after, its version, [entry]),
    None if another worker moved it first (this number is then skipped: never reused, never given twice)."""
    employer = held[0]
    sequence = store.allocate(employer_series(employer.district_code, now), block=NUMBER_BLOCK)[0]
    changes, event = _registration(employer, sequence, now)
    unnumbered = in_state(expect_state)
    return store.move_employer(held, lambda e: unnumbered(e) and e.employer_number is None, changes, [event])


def _enrol_form_employees(store, held: Held, now, fresh: bool) -> tuple[list[dict], list[tuple[str, list[dict] | None]]]:
    """Enrol the form's standard employees, queue the others for a clerk.

    Returns the outbox entries queued on the employer and the tasks to announce after them (with the
    entries this worker stored them with; None: stored before).
    `fresh`: this worker registered the employer just now, so none of these enrolments can exist yet.
    """
    employer = held[0]
    today = domain.local_today(now)
    standard: list[tuple[str, domain.NewEmployee]] = []
    queued: list[tuple[int, list[dict] | None]] = []
    for index, raw in enumerate(employer.employees):
        person = Employee.model_validate(raw)
        if reasons := _employee_reasons(employer, person, today):
            queued.append((index, _queue_employee_task(store, employer, index, person, reasons, now)))
        else:
            standard.append((domain.form_employee_id(employer.application_id, index), _form_person(employer, person)))
    ids = [employee_id for employee_id, _ in standard]
    present = [] if fresh or not ids else store.enrolments_of(ids)
    enrolled = sorted(_with_missing(store, employer, standard, present, now), key=lambda e: e.record_number)
    events = []
    if enrolled or not queued:  # an empty batch still tells the founder "nothing left to do here"
        events.append(enrolled_event(employer, enrolled))
    moved = store.move_employer(held, in_state("registered", processed=False),
                                {"employees_processed": True, "updated_at": now}, events)
    outbox = moved[2] if moved is not None else []  # None: another worker finished first and queued its own
    tasks = [(domain.task_id(employer.application_id, domain.TASK_EMPLOYEE, index), entries)
             for index, entries in queued]
    return outbox, tasks


def _employee_reasons(employer: Employer, person: Employee, today: date) -> list[str]:
    """Why a form employee needs a clerk (none: enrolled at once)."""
    reasons = domain.employee_review_reasons(person, employer.established_on, today)
    if not reasons and (missing := _no_figures(employer.district_code, domain.form_start_date(person, employer.established_on))):
        reasons.append(missing)  # a region with no figures at all (not a late notice: that continues)
    return reasons


def _form_person(employer: Employer, person: Employee) -> domain.NewEmployee:
    start = domain.form_start_date(person, employer.established_on)
    return domain.NewEmployee(person.name, person.resident_id, start, person.monthly_wage)


def _no_figures(district_code: str, start: date) -> str | None:
    try:
        POLICIES.policy(district_code, start)
    except PolicyNotConfigured as exc:
        return f"{exc}，需人工核定"
    return None


def _queue_employee_task(store, employer: Employer, index, person: Employee, reasons, now) -> list[dict] | None:
    task_id = domain.task_id(employer.application_id, domain.TASK_EMPLOYEE, index)
    return _queue_task(store, employer, task_id, domain.TASK_EMPLOYEE, reasons, now, {
        "employee_index": index, "name": person.name, "resident_id": mask_resident_id(person.resident_id),
        "start_date": domain.form_start_date(person, employer.established_on).isoformat(),
        "monthly_wage": str(person.monthly_wage), "reasons": reasons,
        "corrections": "approve 的 payload 可更正 name、resident_id、start_date、monthly_wage",
    })


def _queue_task(store, employer: Employer, task_id, kind, reasons, now, details) -> list[dict] | None:
    """Store the task with its task_queued; its outbox entries, None when it was stored before."""
    timing = deadline(domain.local_today(now), domain.CLERK_WORKING_DAYS)
    reason = "；".join(reasons)
    task = domain.new_task(task_id=task_id, kind=kind, application_id=employer.application_id,
                           uscc=employer.uscc, title=employer.company_name, reason=reason,
                           created_at=now, timing=timing, details=details)
    event = TaskQueued(application_id=employer.application_id, bureau="social_security", task_id=task_id,
                       kind=kind, reason=reason, **timing.fields())
    return store.insert_task(task, [event])  # the caller publishes after its own state move


def new_enrolment(employer: Employer, employee_id: str, person: domain.NewEmployee, seq: int, source: str,
                  now: datetime, request_id: str | None = None) -> Enrolment:
    policy = POLICIES.policy(employer.district_code, person.start_date)
    record = domain.record_number(employer.employer_number, seq)
    return Enrolment(
        employee_id=employee_id, uscc=employer.uscc, application_id=employer.application_id,
        name=person.name, resident_id=person.resident_id, record_number=record, start_date=person.start_date,
        employment_number=domain.employment_number(record), employment_registered_on=domain.local_today(now),
        monthly_wage=str(person.monthly_wage),
        contribution_base=str(domain.contribution_base(person.monthly_wage, policy.base)),
        contribution_provisional=policy.provisional, policy_period=policy.period, source=source,
        request_id=request_id, enrolled_at=now)


def enrolled_event(employer: Employer, enrolments: list[Enrolment]) -> EmployeesEnrolled:
    return EmployeesEnrolled(
        application_id=employer.application_id, uscc=employer.uscc,
        employees=[EnrolledEmployee(employee_id=e.employee_id, name=e.name, record_number=e.record_number,
                                    start_date=e.start_date, employment_number=e.employment_number,
                                    employment_registered_on=e.employment_registered_on) for e in enrolments])


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
    for held in store.provisional_enrolments():
        enrolment = held[0]
        employer = store.employer(enrolment.uscc)
        policy = POLICIES.policy(employer.district_code, enrolment.start_date)
        if policy.provisional:
            continue  # still no newer figures for that month
        base = str(domain.contribution_base(Decimal(enrolment.monthly_wage), policy.base))
        changed += store.move_enrolment(held, lambda e: e.contribution_provisional, {
            "contribution_base": base, "contribution_provisional": False, "policy_period": policy.period}) is not None
    return changed


# ---- later changes without a form --------------------------------------------------------------


def get_employer(store: SocialSecurityStore, uscc: Any) -> dict[str, Any]:
    """`get_employer`: the employer in any state, its active staff and the account direct debit takes."""
    found = _stored_employer(store, uscc)
    account = bank_accounts.bank_account_view(store.bank_accounts.get(uscc), bank_accounts.DIRECT_DEBIT)
    return views.employer_view(found, store.revocations.get(uscc), len(store.staff_of(uscc, active_only=True)), account)


def _stored_employer(store: SocialSecurityStore, uscc: Any) -> Employer:
    employer = store.employer(uscc) if isinstance(uscc, str) else None
    if employer is None:
        raise NotFound(f"未找到统一社会信用代码为{uscc}的单位社保登记")
    return employer


def registered_employer(store: SocialSecurityStore, uscc: str) -> Employer:
    employer = _stored_employer(store, uscc)
    if employer.state != "registered":
        raise Conflict(f"该单位社保登记尚未办结（{employer.state}），暂不能办理人员增减")
    return employer


def enrol_employee(store: SocialSecurityStore, dispatch: Dispatch, uscc: str, raw: Any,
                   request_id: str | None, now: datetime) -> dict[str, Any]:
    employer = registered_employer(store, uscc)
    if request_id is not None and (not isinstance(request_id, str) or not 0 < len(request_id) <= 100):
        raise Invalid.with_fields("request_id 无效", [FieldError(field="request_id", message="应为1至100个字符")])
    employee_id = domain.request_employee_id(uscc, request_id) if request_id else _random_id()
    if request_id and (existing := store.enrolment(employee_id)) is not None:
        return views.staff_view(existing[0])  # a retry of what was done (maybe before a revocation): same answer
    refuse_if_revoked(store, uscc, "enrol_employee")
    person = checked_employee(employer, raw, now)
    enrolment = new_enrolment(employer, employee_id, person, store.allocate_records(employer)[0], "request", now,
                              request_id)
    try:
        entries = store.insert_enrolment(enrolment, [enrolled_event(employer, [enrolment])])
    except DuplicateKeyError:
        if request_id and (existing := store.enrolment(employee_id)) is not None:
            return views.staff_view(existing[0])  # the same request raced itself: one enrolment
        raise Conflict(f"{person.name}（{mask_resident_id(person.resident_id)}）已在本单位参保，不能重复参保") from None
    store.enrolment_repo.flush(employee_id, entries, dispatch)
    return views.staff_view(enrolment)


def checked_employee(employer: Employer, raw: Any, now: datetime) -> domain.NewEmployee:
    person, errors = domain.parse_new_employee(raw, employer.established_on, domain.local_today(now))
    if errors:
        raise Invalid.with_fields(f"员工信息有{len(errors)}处需要修改", errors)
    try:
        POLICIES.policy(employer.district_code, person.start_date)
    except PolicyNotConfigured as exc:
        raise Invalid.with_fields(str(exc), [FieldError(field="start_date", message=str(exc))]) from None
    return person


def end_employment(store: SocialSecurityStore, uscc: str, employee_id: Any, end_date: Any,
                   now: datetime) -> dict[str, Any]:
    registered_employer(store, uscc)
    held = _enrolment_here(store, uscc, employee_id)
    current = held[0]
    try:
        end = date.fromisoformat(end_date) if end_date else domain.local_today(now)
    except (TypeError, ValueError):
        raise Invalid.with_fields("离职日期格式不正确", [FieldError(field="end_date", message="日期格式应为 YYYY-MM-DD")]) from None
    if end < current.start_date:
        raise Invalid.with_fields("离职日期不能早于入职日期",
                                  [FieldError(field="end_date", message=f"不能早于入职日期{current.start_date}")])
    moved = store.move_enrolment(held, lambda e: e.active, {"active": False, "state": "ended", "end_date": end,
                                                            "ended_at": now})
    if moved is not None:
        return views.staff_view(moved[0])
    ended = store.enrolment(employee_id, uscc)[0]  # ended already (a retry, or another request)
    if ended.end_date != end and end_date:
        raise Conflict(f"{ended.name}已于{ended.end_date}离职减员")
    return views.staff_view(ended)


def _enrolment_here(store: SocialSecurityStore, uscc: str, employee_id: Any) -> tuple[Enrolment, int]:
    held = store.enrolment(employee_id, uscc) if isinstance(employee_id, str) else None
    if held is None:
        raise NotFound(f"本单位没有参保记录 {employee_id}")
    return held


def person_of(store: SocialSecurityStore, uscc: str, employee_id: Any) -> dict[str, Any]:
    """The unmasked resident ID of one enrolment, for the gateway's leaver request only (it names the
    same person at the other bureaus); never shown to anyone."""
    registered_employer(store, uscc)
    return views.person_view(_enrolment_here(store, uscc, employee_id)[0])


def list_staff(store: SocialSecurityStore, uscc: str) -> list[dict[str, Any]]:
    registered_employer(store, uscc)
    return [views.staff_view(e) for e in store.staff_of(uscc)]


def contributions(store: SocialSecurityStore, uscc: str, month: Any) -> dict[str, Any]:
    employer = registered_employer(store, uscc)
    try:
        first, last = domain.parse_month(month)
    except (TypeError, ValueError):
        raise Invalid.with_fields("月份格式应为 YYYY-MM", [FieldError(field="month", message="格式应为 YYYY-MM")]) from None
    try:
        policy = POLICIES.policy(employer.district_code, first)
    except PolicyNotConfigured as exc:
        raise Invalid.with_fields(str(exc), [FieldError(field="month", message=str(exc))]) from None
    staff = [{"employee_id": e.employee_id, "name": e.name, "monthly_wage": e.monthly_wage}
             for e in store.staff_in_period(uscc, first, last)]
    return views.contributions_view(employer, month, domain.month_contributions(staff, policy, employer.work_injury))


def _random_id() -> str:
    return uuid4().hex
