"""Registration's part of kit.clerk's queue (moved from workflow.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts import clock
from contracts.events import ApplicationRejected, CorrectionRequested
from contracts.form import ApplicationForm
from contracts.rpc import Conflict, NotFound, Task
from kit import clerk as queue
from kit.outbox import outbox_entry
from services.registration import change_review, domain, views
from services.registration.changes import ChangeDesk
from services.registration.workflow import Registrar


class ClerkQueue:
    """Registration's part of kit.clerk's queue: the task rides inside the case, so a decision, the
    case's new state and its event are one conditional write on the case."""

    def __init__(self, registrar: Registrar):
        self.registrar, self.store = registrar, registrar.store

    def list(self, states: tuple[str, ...] | None, now: datetime) -> list[Task]:
        return [views.task_view(t, now) for t in self.store.tasks(states)]

    def _case_for(self, task_id: str) -> dict:
        case = self.store.case_by_task(task_id)
        if case is None:
            raise NotFound(f"没有这个任务：{task_id}")
        return case

    def get(self, task_id: str, now: datetime) -> Task:
        """The current task, or a past one of the case (the 已办 tab links to those after a correction)."""
        case = self._case_for(task_id)
        tasks = [case.get("task") or {}, *case.get("past_tasks", [])]
        return views.task_view(next(t for t in tasks if t.get("id") == task_id), now)

    def _refuse(self, task_id: str, clerk: str, now: datetime) -> None:
        """Explain why a conditional task write matched nothing."""
        view = self.get(task_id, now)
        _refuse_assigned(view, clerk)
        raise queue.refusal(view.state, view.claimed_by, clerk)

    def claim(self, task_id: str, clerk: str, now: datetime) -> Task:
        new = self.store.claim_task(task_id, clerk, now)
        if new is None:
            self._refuse(task_id, clerk, now)
        return views.task_view(new["task"], now)

    def release(self, task_id: str, clerk: str, now: datetime) -> Task:
        new = self.store.release_task(task_id, clerk, now)
        if new is None:
            view = self.get(task_id, now)
            raise queue.closed(view.state) if view.state not in queue.OPEN_STATES else queue.not_yours()
        return views.task_view(new["task"], now)

    def act(self, task_id: str, clerk: str, action: str, payload: dict[str, Any], now: datetime) -> Task:
        task = self.get(task_id, now)
        if task.state not in queue.OPEN_STATES:
            raise queue.closed(task.state)
        cleaned = domain.check_action(task, action, payload)
        _refuse_assigned(task, clerk)
        if task.claimed_by not in (None, clerk):
            raise queue.held_by(task.claimed_by)
        case = self._case_for(task_id)
        if task.kind == change_review.TASK_KIND:  # a change of details: its own decision (change_review.py)
            desk = ChangeDesk(self.store, self.registrar.dispatch, self.registrar.check_form_name)
            new = change_review.act(desk, case, task_id, clerk, action, cleaned, now)
            if new is None:
                self._refuse(task_id, clerk, now)
            return views.task_view(new["task"], now)
        app_id, form = case["_id"], ApplicationForm.model_validate(case["form"])
        fields: dict[str, Any] = {"task.claimed_by": clerk, "task.claim_expires_at": None, "updated_at": now}
        if action == "approve":
            licence_fields, event = self.registrar._licence(app_id, form, now, case.get("founder_id"))
            fields.update({"state": domain.APPROVED, "task.state": "done", **licence_fields})
        elif action == "reject":
            event = ApplicationRejected(application_id=app_id, reasons=cleaned["reasons"])
            fields.update({"state": domain.REJECTED, "task.state": "rejected", "rejection_reasons": cleaned["reasons"]})
        else:
            event = CorrectionRequested(application_id=app_id, task_id=task_id, reasons=cleaned["reasons"],
                                        fields=cleaned["fields"])
            # who asked: the corrected case goes back to them (and the whole team after a time)
            fields.update({"state": domain.CORRECTION_REQUESTED, "task.state": "correction_requested",
                           "correction": {**cleaned, "clerk": clerk, "at": now}})
        entry = outbox_entry(event)
        new = self.store.decide_task(task_id, clerk, now, domain.QUEUED, fields, entry,
                                     queue.history_entry(clerk, action, cleaned, now))
        if new is None:
            self._refuse(task_id, clerk, now)
        self.registrar._after_write(new, [entry])
        if action == "reject":
            self.store.release_name(app_id)
        return views.task_view(new["task"], now)


def _refuse_assigned(view: Task, clerk: str) -> None:
    if view.assigned_to and view.assigned_to != clerk:
        raise Conflict(f"补正件退回提出补正的{view.assigned_to}办理，"
                       f"{clock.in_china(view.assigned_until):%m-%d %H:%M}后本科室其他人员可以办理")
