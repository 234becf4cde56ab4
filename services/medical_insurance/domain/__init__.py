"""The medical insurance bureau's rules (医疗保障局): pure functions, no I/O (clock, ids, figures and unit
numbers are handed in).

One `Unit` per application: the unit's registration (单位医保登记, a unit number) and one personal
record (个人参保记录) per employee in 职工基本医疗保险 with 生育保险 (one contribution base for both,
国办发〔2019〕10号 merged maternity into medical insurance). 社会保险法 art. 57/58: a new unit registers
within 30 days of its establishment, a hire is enrolled within 30 days of the employment.

The base is the employee's monthly wage held between the period's floor and ceiling (figures.py, data/),
provisional past the last shipped period. A district with no figures at all goes to a clerk
(`medical_registration`), who approves once the figures are there, or refuses with reasons.

Personal record numbers are the unit number + a 4-digit sequence kept inside the unit, moved by the
same compare-and-set write that adds the record: never one number twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.codes import mask_resident_id
from contracts.contributions import MEDICAL_KINDS, Policy
from contracts.events import (
    Blocker,
    CompanyChanged,
    Event,
    LicenceIssued,
    MedicalInsuranceRegistered,
    MedicalMember,
)
from contracts.form import Employee
from contracts.revocation import Revocation
from contracts.rpc import Conflict, DocumentRef, FieldError, Invalid, NotFound
from contracts.rpc.hires import parse_hire
from contracts.rpc.medical_insurance import MemberEnrolment
from kit import clerk as queue
from kit import unit_rules
from kit.unit_rules import form_employee_id, request_employee_id  # noqa: F401 - the bureau's ids are kit's

BUREAU = "medical_insurance"
KINDS = MEDICAL_KINDS  # 职工基本医疗保险, 生育保险
LABELS = {"medical": "职工基本医疗保险", "maternity": "生育保险"}
TASK_KIND = "medical_registration"
ACTIONS = unit_rules.ACTIONS
CERTIFICATE = DocumentRef(name="medical_insurance.certificate", title="医疗保险单位参保登记证明")
INSURANCES = [LABELS[k] for k in KINDS]
RECORD_DIGITS = 4
REVOKED = "不能再办理职工医保参保"
FiguresFor = Callable[[date], Policy]
TERMS = unit_rules.Terms(
    bureau=BUREAU, task_kind=TASK_KIND, number_prefix="YB", number_name="unit number",
    records_full="单位医保编号{unit}的个人参保记录已满{most}个", not_found="未找到统一社会信用代码为{uscc}的单位医保登记",
    not_registered="该单位医保登记尚未办结（{state}），暂不能办理增减员", revoked=REVOKED,
    not_configured="该地区医疗保险缴费基数和费率仍未配置，请先载入再核准", record_digits=RECORD_DIGITS)


# ---- numbers (our own convention, DOMAIN.md §13: ONE function each) ----------------------------


def unit_number(district_code: str, year: int, sequence: int) -> str:
    """YB + the 6-digit district + the 2-digit year + a 6-digit per-district, per-year sequence."""
    return unit_rules.unit_number(TERMS, district_code, year, sequence)


def record_number(unit: str, sequence: int) -> str:
    """The unit number + a 4-digit sequence kept inside the unit."""
    return unit_rules.record_number(TERMS, unit, sequence)


# ---- money ----------------------------------------------------------------------------------------


def contribution_base(monthly_wage: Decimal, figures: Policy) -> Decimal:
    return unit_rules.held_between(monthly_wage, figures.base.floor, figures.base.ceiling)


def monthly_contributions(base: Decimal, figures: Policy) -> dict[str, dict[str, str]]:
    """Per kind, what the unit and the employee pay a month on `base` (to the fen, half up)."""
    def fen(amount: Decimal) -> str:
        return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return {kind: {"employer": fen(base * figures.rates[kind].employer), "personal": fen(base * figures.rates[kind].personal)}
            for kind in KINDS}


# ---- the stored shapes ----------------------------------------------------------------------------


class Member(BaseModel):
    model_config = ConfigDict(extra="forbid")
    employee_id: str
    name: str
    resident_id: str  # never leaves the bureau unmasked
    record_number: str
    monthly_wage: Decimal
    contribution_base: Decimal
    base_provisional: bool = False  # figures continued past their period (暂定)
    period: str
    start_date: date
    end_date: date | None = None
    state: Literal["active", "ended"] = "active"
    source: Literal["form", "request"] = "form"
    enrolled_at: datetime
    previous_base: Decimal | None = None  # the base before the last re-determination (refigure)
    base_determined_at: datetime | None = None  # when the base was last re-determined (None: at enrolment)


class ClerkTask(queue.StoredTask):
    kind: str = TASK_KIND


class Unit(BaseModel):
    """One unit's registration and its staff's records: the aggregate stored in one document."""

    model_config = ConfigDict(extra="forbid")
    application_id: str
    uscc: str
    company_name: str
    district_code: str
    established_on: date
    state: Literal["pending_review", "registered", "rejected"]
    unit_number: str | None = None
    registered_at: datetime | None = None
    next_record: int = 1
    members: list[Member] = Field(default_factory=list)
    form_staff: list[Employee] = Field(default_factory=list)  # kept until they are enrolled
    task: ClerkTask | None = None
    created_at: datetime
    licence_version: int = 1  # the licence version this record follows (a change of details moves it)
    # the first China day on which an active member's base must be determined again (refigure): the day
    # after the earliest period in force ends, or date.min while a base is provisional (any new figures)
    bases_due: date | None = None

    def member(self, employee_id: str) -> Member:
        for member in self.members:
            if member.employee_id == employee_id:
                return member
        raise NotFound(f"本单位没有职工医保参保记录 {employee_id}")

    def active(self) -> list[Member]:
        return [m for m in self.members if m.state == "active"]


# ---- after start-up: a change of details, a closing check ------------------------------------------


def change_answer(unit: Unit, event: CompanyChanged) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A change of details at the bureau: the unit's name and district follow the licence; the unit
    number and the staff's records stay (one medical-insurance bureau serves every Wuhan district).
    Returns (the founder's line, the answer's detail, the unit fields to set)."""
    summary = (f"医保单位登记信息已更新，单位编号{unit.unit_number}不变，职工参保记录不变" if unit.unit_number
               else "医保单位登记信息已更新")
    detail = {"unit_number": unit.unit_number, "district_code": event.licence.district_code}
    return summary, detail, unit_rules.licence_fields(event)


def clearance_blockers(unit: Unit | None) -> list[Blocker]:
    """A closing: every member still insured must leave first (减员: 停保)."""
    return unit_rules.blockers(unit.active() if unit else [], "职工{name}仍在参加职工基本医疗保险",
                               "为该职工办理减员（停保）后重新核查")


# ---- registration on licence_issued -------------------------------------------------------------


def new_unit(event: LicenceIssued, figures_for: FiguresFor | None, number: str | None, now: datetime,
             task_id: str) -> tuple[Unit, list[Event]]:
    """The unit as the licence makes it: registered with its staff enrolled when the figures for its
    district are known (`figures_for`, `number` allocated), else waiting for a clerk."""
    licence = event.licence
    unit = Unit(application_id=event.application_id, uscc=licence.uscc, company_name=licence.company_name,
                district_code=licence.district_code, established_on=licence.established_on, state="pending_review",
                form_staff=list(event.employees), created_at=now)
    if figures_for is None or number is None:
        return _queue(unit, task_id, "该地区医疗保险缴费基数和费率尚未配置，须人工核定", now)
    return register(unit, figures_for, number, now)


def register(unit: Unit, figures_for: FiguresFor, number: str, now: datetime) -> tuple[Unit, list[Event]]:
    """Number the unit and enrol each form employee on the figures of their start day."""
    unit.state, unit.unit_number, unit.registered_at = "registered", number, now
    for index, person in enumerate(unit.form_staff):
        start = unit_rules.form_start(person, unit.established_on)
        _enrol(unit, form_employee_id(unit.application_id, index), person.name, person.resident_id,
               person.monthly_wage, start, figures_for(start), "form", now)
    unit.form_staff = []
    return unit, [registered_event(unit)]


def registered_event(unit: Unit) -> MedicalInsuranceRegistered:
    return MedicalInsuranceRegistered(
        application_id=unit.application_id, uscc=unit.uscc, unit_number=unit.unit_number, insurances=INSURANCES,
        members=[MedicalMember(employee_id=m.employee_id, name=m.name, record_number=m.record_number,
                               start_date=m.start_date, contribution_base=m.contribution_base,
                               base_provisional=m.base_provisional) for m in unit.members],
        documents=[CERTIFICATE])


def _enrol(unit: Unit, employee_id: str, name: str, resident_id: str, wage: Decimal, start: date,
           figures: Policy, source: str, now: datetime) -> Member:
    if any(m.resident_id == resident_id and m.state == "active" for m in unit.members):
        raise Conflict(f"{name}（{mask_resident_id(resident_id)}）已在本单位参加职工医保，不能重复参保")
    member = Member(employee_id=employee_id, name=name, resident_id=resident_id,
                    record_number=record_number(unit.unit_number or "", unit.next_record), monthly_wage=wage,
                    contribution_base=contribution_base(wage, figures), base_provisional=figures.provisional,
                    period=figures.period, start_date=start, source=source, enrolled_at=now)  # type: ignore[arg-type]
    unit.next_record += 1
    unit.members.append(member)
    unit.bases_due = bases_due(unit)
    return member


# ---- bases after new figures or the end of a period -----------------------------------------------


def bases_due(unit: Unit) -> date | None:
    """When the unit's bases must be looked at again: date.min while one is provisional (the next
    figures loaded settle it), else the day after the earliest period in force among its active members."""
    active = unit.active()
    if not active:
        return None
    if any(m.base_provisional for m in active):
        return date.min
    return min(_period_until(m.period) for m in active) + timedelta(days=1)


def _period_until(period: str) -> date:
    return date.fromisoformat(period.split("~")[1])


def refigure(unit: Unit, figures_for: FiguresFor, today: date, now: datetime) -> list[Member]:
    """Each active member's base on the figures in force for them now (their start day, or today once
    they have started): a base computed provisionally is recomputed on the figures loaded since and
    marked settled; a base whose period has run out is determined on the next period's figures, or
    continues provisionally (暂定) until they are loaded. ASSUMPTION (2026-12-02, DOMAIN.md §13): the
    bureau re-determines every base per period (年度缴费基数核定, 社会保险法 art. 12/60: contributions on
    the wage within the period's floor and ceiling); a member's wage stays the one enrolled.
    Returns the members whose base, period or provisional mark changed."""
    changed = []
    for member in unit.active():
        figures = figures_for(max(member.start_date, today))
        if figures.period == member.period and figures.provisional == member.base_provisional:
            continue
        base = contribution_base(member.monthly_wage, figures)
        member.previous_base = member.contribution_base if base != member.contribution_base else member.previous_base
        member.contribution_base, member.base_provisional, member.period = base, figures.provisional, figures.period
        member.base_determined_at = now
        changed.append(member)
    unit.bases_due = bases_due(unit)
    return changed


def _queue(unit: Unit, task_id: str, reason: str, now: datetime) -> tuple[Unit, list[Event]]:
    return unit_rules.queue_task(TERMS, unit, ClerkTask, task_id, reason, now)


# ---- later hires and leavers (增减员) ----------------------------------------------------------


def check_registered(unit: Unit | None, uscc: str) -> Unit:
    return unit_rules.check_registered(TERMS, unit, uscc)


def parse_enrolment(raw: Any, established_on: date, today: date) -> MemberEnrolment:
    return parse_hire(MemberEnrolment, raw, established_on, today)


def hire(unit: Unit, employee_id: str, enrolment: MemberEnrolment, figures: Policy,
         revocation: Revocation | None, now: datetime) -> Unit:
    unit_rules.refuse_if_revoked(TERMS, revocation)
    _enrol(unit, employee_id, enrolment.name, enrolment.resident_id.upper(), enrolment.monthly_wage,
           enrolment.start_date, figures, "request", now)
    return unit


def active_of(unit: Unit, resident_id: str) -> Member:
    """The person's active record here (the gateway's leaver request names people by resident ID)."""
    for member in unit.members:
        if member.resident_id == resident_id.upper() and member.state == "active":
            return member
    raise NotFound("本单位没有此人的在保职工医保记录")


def leave(unit: Unit, employee_id: str, end: date) -> Unit:
    """Stop the record (减员) from `end`; ending it again on the same day is the same answer."""
    member = unit.member(employee_id)
    if end < member.start_date:
        raise Invalid.with_fields("离职日期不能早于入职日期",
                                  [FieldError(field="end_date", message=f"不能早于参保日期{member.start_date}")])
    if member.state == "ended" and member.end_date != end:
        raise Conflict(f"{member.name}已于{member.end_date}停保")
    member.state, member.end_date = "ended", end
    unit.bases_due = bases_due(unit)
    return unit


# ---- the clerk's decision ----------------------------------------------------------------------------


def claim(unit: Unit, clerk: str, now: datetime) -> Unit:
    queue.claim_stored(unit.task, clerk, now)
    return unit


def release(unit: Unit, clerk: str, now: datetime) -> Unit:
    queue.release_stored(unit.task, clerk, now)
    return unit


def act(unit: Unit, clerk: str, action: str, payload: dict[str, Any], figures_for: FiguresFor | None,
        number: str | None, revocation: Revocation | None, now: datetime) -> tuple[Unit, list[Event]]:
    """approve: register with the figures now known (`number` allocated by the caller); reject: reasons."""
    ready = figures_for is not None and number is not None
    return unit_rules.act(TERMS, unit, unit.task, clerk, action, payload,
                          (lambda: register(unit, figures_for, number, now)) if ready else None,  # type: ignore[arg-type]
                          {"unit_number": number}, revocation, now)
