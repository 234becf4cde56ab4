"""Social security's clerk queue (kit.clerk's five RPCs): approve / reject with reasons.

Every move of a task is kit.clerk's rule (domain/tasks.py) saved by a compare-and-set of the task
(kit.repository). An action first takes the task (held by another clerk -> Conflict), then applies
its effect idempotently, then closes the task in one write that also carries the event.
A crash between the effect and the close leaves a claimed task whose retry finds the effect done.
Approving is refused once the company's licence is revoked (before the claim, so nothing changes);
rejecting stays open, so a clerk can still close the pending task.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from contracts.codes import mask_resident_id
from contracts.form import Employee
from contracts.rpc import Conflict, FieldError, Invalid, Task
from kit.outbox import Dispatch
from services.social_security import domain, injury, views, workflow
from services.social_security.store import SocialSecurityStore, no_task

CORRECTABLE = set(domain.EMPLOYEE_FIELDS)


class ClerkQueue:
    """Social security's part of kit.clerk's queue: tasks are their own documents; approving an
    employer registers it (then enrols the form's employees), approving an employee enrols them."""

    def __init__(self, store: SocialSecurityStore, dispatch: Dispatch):
        self.store, self.dispatch = store, dispatch

    def list(self, states: tuple[str, ...] | None, now: datetime) -> list[Task]:
        return [views.task_view(t, now) for t in self.store.list_tasks(list(states) if states is not None else None)]

    def get(self, task_id: str, now: datetime) -> Task:
        return views.task_view(_task(self.store, task_id), now)

    def claim(self, task_id: str, clerk: str, now: datetime) -> Task:
        task, _ = self.store.change_task(task_id, lambda t: (domain.claim(t, clerk, now), []))
        return views.task_view(task, now)

    def release(self, task_id: str, clerk: str, now: datetime) -> Task:
        task, _ = self.store.change_task(task_id, lambda t: (domain.release(t, clerk, now), []))
        return views.task_view(task, now)

    def act(self, task_id: str, clerk: str, action: str, payload: dict[str, Any], now: datetime) -> Task:
        store, dispatch = self.store, self.dispatch
        task = _task(store, task_id)
        reasons = domain.check_action(action, payload)
        if action == "approve":
            workflow.refuse_if_revoked(store, task.uscc, task.kind)
        task, _ = store.change_task(task_id, lambda t: (domain.take(t, clerk, now), []))
        if action == "approve":
            _approve(store, dispatch, task, payload, now)
        else:
            _reject_effect(store, task, now)
        closed, entries = store.change_task(task_id, lambda t: domain.close(t, clerk, action, payload, reasons, now))
        store.task_repo.flush(task_id, entries, dispatch)
        if task.kind == domain.TASK_EMPLOYER and closed.state == "done":
            workflow.advance(store, dispatch, task.uscc, now)  # the form's employees, now the employer exists
        return views.task_view(closed, now)


def _approve(store, dispatch, task: domain.ClerkTask, payload: dict[str, Any], now: datetime) -> None:
    held = store.load_employer(task.uscc)
    employer = held[0]
    if task.kind == domain.TASK_EMPLOYER:
        try:
            set_class = injury.clerk_class(payload.get("work_injury_class"))
        except ValueError as exc:
            raise Invalid.with_fields(str(exc), [FieldError(field="work_injury_class", message=str(exc))]) from None
        if set_class is not None and employer.state == "pending_review":
            moved = store.move_employer(held, workflow.in_state("pending_review"), {"work_injury": set_class})
            if moved is None:
                return  # no longer waiting (another clerk's approval or a rejection): nothing to register
            held = moved[:2]
        if held[0].state == "pending_review":
            workflow.register_employer(store, held, now, expect_state="pending_review")
        return
    index = task.details["employee_index"]
    unknown = sorted(set(payload) - CORRECTABLE)
    if unknown:
        raise Invalid.with_fields("只能更正员工信息", [FieldError(field=k, message="不能更正这一项") for k in unknown])
    original = Employee.model_validate(employer.employees[index])
    raw = original.model_dump(mode="json") | {k: payload[k] for k in CORRECTABLE & set(payload)}
    if "start_date" not in payload:
        raw["start_date"] = domain.form_start_date(original, employer.established_on).isoformat()
    person = workflow.checked_employee(employer, raw, now)
    employee_id = domain.form_employee_id(employer.application_id, index)
    if store.enrolment(employee_id) is not None:
        return  # approved before a crash: the enrolment is there
    enrolment = workflow.new_enrolment(employer, employee_id, person,
                                       store.allocate_records(employer)[0], "clerk", now)
    try:
        entries = store.insert_enrolment(enrolment, [workflow.enrolled_event(employer, [enrolment])])
    except DuplicateKeyError:
        if store.enrolment(employee_id) is None:
            raise Conflict(f"{person.name}（{mask_resident_id(person.resident_id)}）已在本单位参保") from None
        store.enrolment_repo.publish(employee_id, dispatch)  # another worker's: what it still has to send
        return
    store.enrolment_repo.flush(employee_id, entries, dispatch)


def _reject_effect(store, task: domain.ClerkTask, now: datetime) -> None:
    if task.kind == domain.TASK_EMPLOYER:
        store.reject_employer(task.uscc, now)


def _task(store: SocialSecurityStore, task_id: Any) -> domain.ClerkTask:
    task = store.task(task_id) if isinstance(task_id, str) else None
    if task is None:
        raise no_task(task_id)
    return task
