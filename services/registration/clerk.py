"""Registration's part of kit.clerk's queue (moved from workflow.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn

from contracts.events import ApplicationRejected, CorrectionRequested
from contracts.form import ApplicationForm
from contracts.rpc import NotFound, Task
from kit import clerk as queue
from kit.outbox import outbox_entry
from services.registration import change_review, domain, views
from services.registration.changes import ChangeDesk
from services.registration.workflow import Registrar

# the task's stored state after each decision
DECIDED = {"approve": "done", "reject": "rejected", "request_correction": "correction_requested"}


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

    @staticmethod
    def _task_in(case: dict, task_id: str) -> domain.ReviewTask:
        """The current task, or a past one of the case (the 已办 tab links to those after a correction)."""
        tasks = [case.get("task") or {}, *case.get("past_tasks", [])]
        return domain.ReviewTask.model_validate(next(t for t in tasks if t.get("id") == task_id))

    def _stored(self, task_id: str) -> domain.ReviewTask:
        return self._task_in(self._case_for(task_id), task_id)

    def get(self, task_id: str, now: datetime) -> Task:
        return self._stored(task_id).view(now)

    def _refuse(self, task_id: str, clerk: str, now: datetime) -> NoReturn:
        """Explain why a conditional task write matched nothing, by kit.clerk's rule on the task as it
        is now; if that rule lets the clerk act, the task changed in between."""
        queue.actionable(self._stored(task_id), clerk, now)
        raise queue.refusal("open", None, clerk)

    def claim(self, task_id: str, clerk: str, now: datetime) -> Task:
        new = self.store.claim_task(task_id, clerk, now)
        if new is None:
            self._refuse(task_id, clerk, now)
        return views.task_view(new["task"], now)

    def release(self, task_id: str, clerk: str, now: datetime) -> Task:
        new = self.store.release_task(task_id, clerk, now)
        if new is None:
            queue.release_stored(self._stored(task_id), clerk, now)  # raises kit.clerk's reason
            raise queue.refusal("open", None, clerk)
        return views.task_view(new["task"], now)

    def act(self, task_id: str, clerk: str, action: str, payload: dict[str, Any], now: datetime) -> Task:
        case = self._case_for(task_id)
        task = queue.actionable(self._task_in(case, task_id), clerk, now)
        cleaned = domain.check_action(task.view(now), action, payload)
        queue.finish_stored(task, clerk, action, DECIDED[action], cleaned, now)
        # what the decision's one write sets on the task (a closed task holds no claim) and appends to its history
        closing: dict[str, Any] = {"task.state": task.state, "task.finished_at": task.finished_at,
                                   "task.claimed_by": task.claimed_by, "task.claim_expires_at": None}
        if task.kind == change_review.TASK_KIND:  # a change of details: its own decision (change_review.py)
            desk = ChangeDesk(self.store, self.registrar.dispatch, self.registrar.check_form_name)
            new = change_review.act(desk, case, task_id, clerk, action, cleaned, now, closing, task.history[-1])
            if new is None:
                self._refuse(task_id, clerk, now)
            return views.task_view(new["task"], now)
        app_id, form = case["_id"], ApplicationForm.model_validate(case["form"])
        fields: dict[str, Any] = {**closing, "updated_at": now}
        if action == "approve":
            licence_fields, event = self.registrar._licence(app_id, form, now, case.get("founder_id"))
            fields.update({"state": domain.APPROVED, **licence_fields})
        elif action == "reject":
            event = ApplicationRejected(application_id=app_id, reasons=cleaned["reasons"])
            fields.update({"state": domain.REJECTED, "rejection_reasons": cleaned["reasons"]})
        else:
            event = CorrectionRequested(application_id=app_id, task_id=task_id, reasons=cleaned["reasons"],
                                        fields=cleaned["fields"])
            # who asked: the corrected case goes back to them (and the whole team after a time)
            fields.update({"state": domain.CORRECTION_REQUESTED, "correction": {**cleaned, "clerk": clerk, "at": now}})
        entry = outbox_entry(event)
        new = self.store.decide_task(task_id, clerk, now, domain.QUEUED, fields, entry, task.history[-1])
        if new is None:
            self._refuse(task_id, clerk, now)
        self.registrar._after_write(new, [entry])
        if action == "reject":
            self.store.release_name(app_id)
        return views.task_view(new["task"], now)
