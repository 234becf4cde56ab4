"""How long changes of details and closings take: counts and median working days, per kind and per
bureau, from registration's own time stamps (no personal data: only states, sections and moments).

Definitions (served with the numbers):
- a change counts once under each section it changes (名称, 住所, ...); a closing under its kind
  (simplified 简易注销 / general 一般注销);
- requested = every change or closing asked for; registered / finished = those that got there;
  refused = not registered (a clerk's rejection, a decline, a withdrawal, an objection);
- days to registration: request to the new licence version (a clerk's review and the people's
  confirmations included; a capital decrease includes its 45-day notice); days to completion: request
  to the last bureau's answer (change) or to deregistration (closing);
- per bureau: registration of the change (closing: the request) to that bureau's answer;
- working days: contracts.calendar.working_days_between on the Beijing dates (same day = 0);
  median: the middle value (mean of the two middle ones).
Only cases that ever had a change or a closing are read: `open_change` / `open_closure` exist on
exactly those (sparse indexes).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any

from contracts import clock
from contracts.bureaus import LABELS
from contracts.calendar import working_days_between
from contracts.changes import CHANGE_LABELS
from services.registration import views
from services.registration.store import RegistrationStore

REGISTERED = ("registered", "completed")
ENDED_UNREGISTERED = ("refused", "declined", "withdrawn", "objected", "rejected")
CLOSING_LABELS = {"simplified": "简易注销", "general": "一般注销"}
DEFINITIONS = {
    "requested": "申请数",
    "registered": "已登记（变更换发新版执照 / 注销已核准）",
    "refused": "未登记即终止（驳回、拒绝确认、逾期撤回、异议）",
    "median_days_to_registration": "从申请到登记的工作日中位数（含人工审核、本人确认、减资公告期）",
    "median_days_to_completion": "从申请到各部门全部办结（注销：到核准注销）的工作日中位数",
    "bureaus": "各部门从变更登记（注销：申请）到作出答复的工作日中位数",
}


def _days(start: datetime, end: datetime) -> int:
    return working_days_between(clock.china_date(start), clock.china_date(end))


def _median(values: list[int]) -> float | None:
    return round(statistics.median(values), 2) if values else None


class _Kind:
    def __init__(self) -> None:
        self.requested = self.registered = self.refused = 0
        self.to_registration: list[int] = []
        self.to_completion: list[int] = []

    def add(self, item: dict, registered_at: datetime | None, completed_at: datetime | None) -> None:
        self.requested += 1
        self.refused += item["state"] in ENDED_UNREGISTERED
        if registered_at is not None:
            self.registered += 1
            self.to_registration.append(_days(item["created_at"], registered_at))
        if completed_at is not None:
            self.to_completion.append(_days(item["created_at"], completed_at))

    def result(self, label: str) -> dict[str, Any]:
        return {"label": label, "requested": self.requested, "registered": self.registered, "refused": self.refused,
                "median_days_to_registration": _median(self.to_registration),
                "median_days_to_completion": _median(self.to_completion)}


def _bureaus(answers: dict[str, list[int]]) -> dict[str, dict[str, Any]]:
    return {b: {"label": LABELS.get(b, b), "answered": len(v), "median_working_days": _median(v)}
            for b, v in sorted(answers.items())}


def compute(store: RegistrationStore, limit: int = 50_000) -> dict[str, Any]:
    changes: dict[str, _Kind] = defaultdict(_Kind)
    closings: dict[str, _Kind] = defaultdict(_Kind)
    change_answers: dict[str, list[int]] = defaultdict(list)
    closing_answers: dict[str, list[int]] = defaultdict(list)
    for case in store.cases_with_after_start(limit):
        for change in (case.get("changes") or {}).values():
            registered = change.get("registered_at")
            completed = change.get("completed_at") if change["state"] == "completed" else None
            for section in change["sections"]:
                changes[section].add(change, registered, completed)
            for bureau, answer in (change.get("answers") or {}).items() if registered else ():
                change_answers[bureau].append(_days(registered, answer["at"]))
        for closure in (case.get("closures") or {}).values():
            done = closure.get("ended_at") if closure["state"] == "deregistered" else None
            closings[closure["kind"]].add(closure, done, done)
            for bureau, answer in (closure.get("answers") or {}).items():
                closing_answers[bureau].append(_days(closure["created_at"], answer["at"]))
    return views.after_start_view({
        "changes": {k: changes[k].result(CHANGE_LABELS[k]) for k in CHANGE_LABELS if k in changes},
        "change_bureaus": _bureaus(change_answers),
        "closings": {k: closings[k].result(CLOSING_LABELS.get(k, k)) for k in CLOSING_LABELS if k in closings},
        "closing_bureaus": _bureaus(closing_answers),
        "definitions": DEFINITIONS,
        "generated_at": clock.now(),
    })
