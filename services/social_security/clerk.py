"""The clerk queue's five RPCs: list, get, claim, release, act (approve / reject with reasons).

An action first claims the task (conditional update: a task held by another clerk -> Conflict),
then applies its effect idempotently, then closes the task in one write that also carries the event.
A crash between the effect and the close leaves a claimed task whose retry finds the effect done.
Approving is refused once the company's licence is revoked (before the claim, so nothing changes);
rejecting stays open, so a clerk can still close the pending task.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from contracts.codes import mask_resident_id
from contracts.events import StepRejected
from contracts.form import Employee
from contracts.rpc import Conflict, FieldError, Invalid, NotFound, Task
from kit.outbox import Dispatch, outbox_entry
from services.social_security import domain, tasks, workflow
from services.social_security.store import SocialSecurityStore

CORRECTABLE = set(domain.EMPLOYEE_FIELDS)


def list_tasks(store: SocialSecurityStore, state: str, now: datetime) -> list[Task]:
    if state not in tasks.LIST_STATES:
        raise Invalid.with_fields("state 应为 open、done 或 all", [FieldError(field="state", message="不是可选的值")])
    today = domain.local_today(now)
    return [tasks.to_task(d, now, today) for d in store.list_tasks(tasks.LIST_STATES[state])]


def get_task(store: SocialSecurityStore, task_id: Any, now: datetime) -> Task:
    return tasks.to_task(_task(store, task_id), now, domain.local_today(now))


def claim_task(store: SocialSecurityStore, task_id: Any, clerk: Any, now: datetime) -> Task:
    _clerk(clerk)
    doc = _claim(store, _task(store, task_id), clerk, now, record=True)
    return tasks.to_task(doc, now, domain.local_today(now))


def release_task(store: SocialSecurityStore, task_id: Any, clerk: Any, now: datetime) -> Task:
    _clerk(clerk)
    doc = _task(store, task_id)
    released = store.update_task({"_id": doc["_id"], "state": "claimed", "claimed_by": clerk},
                                 {"state": "open", "claimed_by": None, "claim_expires_at": None},
                                 tasks.history_entry(now, clerk, "release", None))
    if released is None:
        raise Conflict("只能放回自己正在办理的事项")
    return tasks.to_task(released, now, domain.local_today(now))


def act_on_task(store: SocialSecurityStore, dispatch: Dispatch, task_id: Any, clerk: Any, action: Any,
                payload: Any, now: datetime) -> Task:
    _clerk(clerk)
    doc = _task(store, task_id)
    reasons = tasks.check_action(action, payload)
    if action == "approve":
        workflow.refuse_if_revoked(store, doc["uscc"], doc["kind"])
    doc = _claim(store, doc, clerk, now, record=False)
    outbox = []
    if action == "approve":
        _approve(store, dispatch, doc, payload or {}, now)
        final = "done"
    else:
        _reject_effect(store, doc, now)
        final = "rejected"
        step = doc["kind"]
        outbox.append(outbox_entry(StepRejected(application_id=doc["application_id"], bureau="social_security",
                                                step=step, reasons=reasons)))
    closed = store.update_task({"_id": doc["_id"], "state": "claimed", "claimed_by": clerk},
                               {"state": final, "claimed_by": None, "claim_expires_at": None, "decided_at": now},
                               tasks.history_entry(now, clerk, action, payload), outbox)
    if closed is None:
        raise Conflict("该事项状态已变化，请刷新后重试")
    workflow.publish(store.tasks, doc["_id"], dispatch)
    if doc["kind"] == domain.TASK_EMPLOYER and final == "done":
        workflow.advance(store, dispatch, doc["uscc"], now)  # the form's employees, now the employer exists
    return tasks.to_task(closed, now, domain.local_today(now))


def _approve(store, dispatch, doc, payload: dict[str, Any], now: datetime) -> None:
    employer = store.employer(doc["uscc"])
    if doc["kind"] == domain.TASK_EMPLOYER:
        if employer["state"] == "pending_review":
            workflow.register_employer(store, employer, now, expect_state="pending_review")
        return
    index = doc["details"]["employee_index"]
    unknown = sorted(set(payload) - CORRECTABLE)
    if unknown:
        raise Invalid.with_fields("只能更正员工信息", [FieldError(field=k, message="不能更正这一项") for k in unknown])
    original = Employee.model_validate(employer["employees"][index])
    raw = original.model_dump(mode="json") | {k: payload[k] for k in CORRECTABLE & set(payload)}
    if "start_date" not in payload:
        raw["start_date"] = domain.form_start_date(original, date.fromisoformat(employer["established_on"])).isoformat()
    person = workflow.checked_employee(employer, raw, now)
    employee_id = domain.form_employee_id(employer["application_id"], index)
    if store.enrolment(employee_id) is not None:
        return  # approved before a crash: the enrolment is there
    enrolment = workflow.enrolment_doc(employer, employee_id, person,
                                        store.allocate(f"record:{employer['uscc']}")[0], "clerk", now)
    enrolment["outbox"] = [outbox_entry(workflow.enrolled_event(employer, [enrolment]))]
    try:
        store.insert_enrolment(enrolment)
    except DuplicateKeyError:
        if store.enrolment(employee_id) is None:
            raise Conflict(f"{person.name}（{mask_resident_id(person.resident_id)}）已在本单位参保") from None
    workflow.publish(store.enrolments, employee_id, dispatch)


def _reject_effect(store, doc, now: datetime) -> None:
    if doc["kind"] == domain.TASK_EMPLOYER:
        store.move_employer(doc["uscc"], {"state": "pending_review"}, {"state": "rejected", "updated_at": now})


def _task(store: SocialSecurityStore, task_id: Any) -> dict[str, Any]:
    doc = store.task(task_id) if isinstance(task_id, str) else None
    if doc is None:
        raise NotFound(f"没有编号为{task_id}的社保事项")
    return doc


def _clerk(clerk: Any) -> None:
    if not isinstance(clerk, str) or not clerk.strip():
        raise Invalid.with_fields("请注明经办人", [FieldError(field="clerk", message="必填")])


def _claim(store, doc, clerk: str, now: datetime, record: bool) -> dict[str, Any]:
    history = tasks.history_entry(now, clerk, "claim", None) if record else None
    claimed = store.update_task(tasks.claim_filter(doc["_id"], clerk, now), tasks.claim_update(clerk, now), history)
    if claimed is None:
        raise tasks.why_not_claimable(store.task(doc["_id"]), clerk, now)
    return claimed


