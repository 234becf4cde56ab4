"""The rules the housing-fund centre and the medical insurance bureau share: a unit (单位) opened after
the licence, numbered per district and year, with one numbered record per employee, and one clerk task
when its district's figures are missing. Pure: no I/O, the clock's instant and numbers handed in.

What differs stays with each bureau: its `Terms` (name, task kind, number prefix, every sentence a
founder or clerk reads, the consequence of a revoked licence), its stored shapes (the fields of a unit
and of its records are named differently: `accounts`/`members`, `unit_account`/`unit_number`, and the
stored documents keep their shapes), its figures and its legal citations.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from contracts.bureaus import TARGET_DAYS
from contracts.calendar import deadline
from contracts.clock import china_date
from contracts.events import Blocker, CompanyChanged, Event, StepRejected, TaskQueued
from contracts.revocation import Revocation
from contracts.rpc import Conflict, NotFound
from kit import clerk as queue

U = TypeVar("U")
ACTIONS = ["approve", "reject"]


@dataclass(frozen=True)
class Terms:
    """A unit bureau's vocabulary. Sentences are formatted with the names in braces."""

    bureau: str
    task_kind: str
    number_prefix: str  # the unit number: prefix + district + 2-digit year + 6-digit sequence
    number_name: str  # what the ValueError of an impossible number calls it
    records_full: str  # {unit} {most}: no personal number left under this unit number
    not_found: str  # {uscc}: no unit of this company
    not_registered: str  # {state}: the unit is not registered yet, no hire or leaver
    revoked: str  # what a revoked licence bars (contracts.revocation.Revocation.refusal)
    not_configured: str  # a clerk approving while the district still has no figures
    record_digits: int = 4


def unit_number(terms: Terms, district_code: str, year: int, sequence: int) -> str:
    """prefix + the 6-digit district + the 2-digit year + a 6-digit per-district, per-year sequence."""
    if not re.fullmatch(r"\d{6}", district_code or "") or not 1 <= sequence < 10**6:
        raise ValueError(f"no {terms.number_name} for district {district_code!r}, sequence {sequence}")
    return f"{terms.number_prefix}{district_code}{year % 100:02d}{sequence:06d}"


def record_number(terms: Terms, unit: str, sequence: int) -> str:
    """The unit number + the record's sequence inside the unit (moved by the write that adds the record)."""
    most = 10**terms.record_digits - 1
    if not 1 <= sequence <= most:
        raise Conflict(terms.records_full.format(unit=unit, most=most))
    return f"{unit}{sequence:0{terms.record_digits}d}"


def form_employee_id(application_id: str, index: int) -> str:
    return f"{application_id}:form:{index}"


def request_employee_id(uscc: str, request_id: str) -> str:
    """A retried hire request (same request_id) names the same record, so it is made once."""
    return f"{uscc}:req:{hashlib.sha256(request_id.encode()).hexdigest()[:24]}"


def held_between(monthly_wage: Decimal, floor: Decimal, ceiling: Decimal) -> Decimal:
    """The base: the monthly wage held between the period's floor and ceiling, to the fen."""
    return min(max(monthly_wage, floor), ceiling).quantize(Decimal("0.01"))


def form_start(person: Any, established_on: date) -> date:
    """A form employee's first day: the one the form gives, never before the company exists."""
    return max(person.start_date or established_on, established_on)


def check_registered(terms: Terms, unit: U | None, uscc: str) -> U:
    if unit is None:
        raise NotFound(terms.not_found.format(uscc=uscc))
    if unit.state != "registered":  # type: ignore[attr-defined]
        raise Conflict(terms.not_registered.format(state=unit.state))  # type: ignore[attr-defined]
    return unit


def refuse_if_revoked(terms: Terms, revocation: Revocation | None) -> None:
    if revocation is not None:
        raise revocation.refusal(terms.revoked)


def queue_task(terms: Terms, unit: Any, task_type: type[queue.StoredTask], task_id: str, reason: str,
               now: datetime) -> tuple[Any, list[Event]]:
    """The unit waits for a clerk: its task, due in the bureau's target working days, and `task_queued`."""
    timing = deadline(china_date(now), TARGET_DAYS[terms.bureau])
    unit.task = task_type(id=task_id, reason=reason, created_at=now, **timing.fields())
    return unit, [TaskQueued(application_id=unit.application_id, bureau=terms.bureau, task_id=task_id,
                             kind=terms.task_kind, reason=reason, **timing.fields())]


def act(terms: Terms, unit: U, task: queue.StoredTask | None, clerk: str, action: str, payload: dict[str, Any],
        approve: Callable[[], tuple[U, list[Event]]] | None, recorded: dict[str, Any], revocation: Revocation | None,
        now: datetime) -> tuple[U, list[Event]]:
    """A clerk's decision on the unit's task. reject: the reasons, the step rejected; approve: `approve()`
    registers the unit (None while the district has no figures: refused), `recorded` goes in the history."""
    task = queue.actionable(task, clerk, now)
    queue.check_action(action, ACTIONS)
    if action == "reject":
        reasons = queue.check_reasons(payload)
        unit.state = "rejected"  # type: ignore[attr-defined]
        queue.finish_stored(task, clerk, action, "rejected", {"reasons": reasons}, now)
        return unit, [StepRejected(application_id=unit.application_id, bureau=terms.bureau,  # type: ignore[attr-defined]
                                   step=terms.task_kind, reasons=reasons)]
    refuse_if_revoked(terms, revocation)
    if approve is None:
        raise Conflict(terms.not_configured)
    unit, events = approve()
    queue.finish_stored(task, clerk, action, "done", recorded, now)
    return unit, events


def licence_fields(event: CompanyChanged) -> dict[str, Any]:
    """What a change of details sets on the unit: its name and district follow the licence, once per version."""
    licence = event.licence
    return {"company_name": licence.company_name, "district_code": licence.district_code,
            "licence_version": event.version}


def blockers(active: Sequence[Any], item: str, todo: str) -> list[Blocker]:
    """A closing's blockers: every active record (`item` formatted with its `name`) must leave first."""
    return [Blocker(item=item.format(name=record.name), todo=todo) for record in active]
