"""A change the rules cannot register on their own goes to registration's clerk queue (kit.clerk),
like a start-up application: the clerk approves it, rejects it with reasons, or asks for a correction
(the founder corrects, the change comes back to the same clerk first).

Which changes a person must look at, and why: data/change_review_rules.json, one dated entry per kind
with its article (the clerk routes: a licensed scope item added, 条例 arts. 24 and 26; a similar new
name, 条例 art. 19; a corporate shareholder added that OneStop's register does not hold, 条例 art. 19
and 总局令第88号 art. 2). The automatic kinds say why no person is needed (条例 art. 19: 当场登记).

The task rides in the case's `task` (the start-up task, long done, moves to `past_tasks`), so the
clerk's decision, the change's new state and the new licence are one conditional write. No event is
published while the change is with the clerk (the founder reads its state and log from registration:
the tracker derives the application's own state from registration's task events). Its deadline is
contracts.timelimits' change rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from contracts import clock, scope
from contracts.capital import is_decrease
from contracts.changes import (
    CHANGE_LABELS,
    ChangeRequest,
    apply_change,
    licensed_items,
    new_parties,
    parse_change,
)
from contracts.codes import district_name
from contracts.form import ApplicationForm
from contracts.rpc import Conflict, FieldError, Invalid, NotFound
from contracts.timelimits import change_review_deadline
from services.registration import domain, name_change
from services.registration.store import RegistrationStore

RETURN_HOURS = 24.0  # a corrected change waits this long for the clerk who asked, then the team (as start-up)

TASK_KIND = "change_review"
UNDER_REVIEW, CORRECTION_REQUESTED = "under_review", "correction_requested"
ACTIONS = ["approve", "reject", "request_correction"]
RULES_FILE = Path(__file__).parent / "data" / "change_review_rules.json"


@lru_cache(maxsize=1)
def rules() -> dict[str, dict[str, Any]]:
    """kind -> the rule (data/change_review_rules.json: each route with its article, dated)."""
    return {r["kind"]: r for r in json.loads(RULES_FILE.read_text(encoding="utf-8"))["rules"]}


def _cited(kind: str) -> str:
    rule = rules()[kind]
    return f"{rule['article']}：{rule['says']}"


def unregistered_corporate_holders(change: ChangeRequest, form: ApplicationForm,
                                   registered: Callable[[str], bool]) -> list[str]:
    """Corporate shareholders the change ADDS that OneStop's register does not hold (a clerk checks them)."""
    before = {getattr(h, "uscc", None) for h in form.shareholders}
    return [h.name for h in change.shareholders or []
            if getattr(h, "kind", "natural") == "corporate" and h.uscc not in before and not registered(h.uscc)]


def reasons(licensed: list[str], name_warnings: list[str] | None, holders: list[str] | None = None) -> list[str]:
    """Why this change needs a clerk (empty: a standard change, registered at once); each reason
    quotes its rule's article from the data."""
    out = [f"经营范围新增许可经营项目“{item}”，须核对批准文件（{_cited('licensed_scope_added')}）" for item in licensed]
    out += [f"新名称：{w}（{_cited('similar_name')}）" for w in name_warnings or []]
    out += [f"新增法人股东“{h}”不在本系统登记簿中，须核对其存续及出资意愿（{_cited('corporate_shareholder_unregistered')}）"
            for h in holders or []]
    return out


def correction_reason(revision: int, correction: dict[str, Any]) -> str:
    return f"补正后 第{revision + 1}版：请核对是否已按要求补正（{'；'.join(correction.get('reasons') or [])}）"


def task_id(application_id: str, change_id: str, revision: int) -> str:
    return f"{application_id}.{change_id}.r{revision}"


def describe(section: str, form: ApplicationForm) -> str:
    """One registered item as a clerk reads it (no resident IDs: the clerk sees names)."""
    if section == "name":
        return form.name.full
    if section == "domicile":
        return f"{district_name(form.domicile.district_code) or ''} {form.domicile.detail}".strip()
    if section == "legal_representative":
        return form.legal_representative.name
    if section == "directors":
        return "、".join(p.name for p in form.directors)
    if section == "manager":
        return form.manager.name if form.manager else "未设"
    if section == "business_scope":
        return "；".join(f"{i.name}{'（许可）' if i.licensed else ''}"
                        for i in (scope.item(c) for c in form.business_scope) if i)
    if section == "registered_capital":
        return f"{form.registered_capital}元"
    return "；".join(f"{h.name} 认缴{h.subscribed_amount}元" for h in form.shareholders)


def new_task(case: dict, change_id: str, change: ChangeRequest, form: ApplicationForm, after: ApplicationForm,
             why: list[str], revision: int, now: datetime) -> domain.ReviewTask:
    sections = change.sections()
    due = change_review_deadline(clock.china_date(now))
    return domain.ReviewTask(
        id=task_id(case["_id"], change_id, revision), kind=TASK_KIND, application_id=case["_id"],
        title=f"{'、'.join(CHANGE_LABELS[s] for s in sections)}变更：{form.name.full}",
        reason="；".join(why), created_at=now, **due.fields(), actions=list(ACTIONS),
        details={"change_id": change_id, "uscc": case["licence"]["uscc"], "revision": revision, "reasons": why,
                 "legal_representative": after.legal_representative.name,
                 "changes": [{"section": s, "label": CHANGE_LABELS[s], "before": describe(s, form),
                              "after": describe(s, after)} for s in sections]},
    )


def log_entry(summary: str, now: datetime) -> dict[str, Any]:
    """One line of the change's own record (what the founder's timeline shows besides the events)."""
    return {"at": now, "summary": summary}


# ---- the writes ---------------------------------------------------------------------------------


def queue(desk: Any, case: dict, change_id: str, change: ChangeRequest, form: ApplicationForm,
          after: ApplicationForm, warnings: list[str] | None, why: list[str], pending: dict | None,
          revision: int = 0, correction: dict | None = None) -> dict | None:
    """Store the change as under review with its task, in one write (none other open; the case's
    previous task moves to `past_tasks`). None: someone wrote first."""
    now = clock.now()
    task = new_task(case, change_id, change, form, after, why, revision, now)
    if correction:
        task.assign_back(correction.get("clerk"), now, RETURN_HOURS)
    said = "补正材料已提交，已退回登记机关审核" if correction else "需登记机关人工审核：" + "；".join(why)
    doc = {**(pending or {}), "id": change_id, "uscc": case["licence"]["uscc"], "state": UNDER_REVIEW,
           "sections": change.sections(), "requested": change.model_dump(mode="json"),
           "created_at": (pending or {}).get("created_at", now), "version": case.get("licence_version", 1) + 1,
           "awaiting": desk.answerers(case), "answers": {}, "answer_count": 0,
           "review": {"task_id": task.id, "revision": revision, "reasons": why, "deadline": task.deadline.isoformat()},
           "log": [*(pending or {}).get("log", []), log_entry(said, now)],
           **({"name_warnings": warnings} if warnings is not None else {})}
    if doc.get("correction"):  # answered: kept with the earlier ones, the clerk's task quotes it
        doc["corrections"] = [*doc.get("corrections", []), doc.pop("correction")]
    previous = case.get("task")
    return desk.store.start_change(case["_id"], change_id, doc,
                                   {"task": task.document(), "awaiting_confirmation": [], "updated_at": now},
                                   pending=pending, current_task=(previous or {}).get("id"),
                                   past_task=previous)


def act(desk: Any, case: dict, task_id_: str, clerk: str, action: str, cleaned: dict[str, Any],
        now: datetime, task_set: dict[str, Any], entry: dict[str, Any]) -> dict | None:
    """The clerk's decision on a change, with the change's new state (and licence) in one write;
    `task_set` and the history `entry` close the task (kit.clerk.finish_stored, clerk.py).
    None: the task is no longer theirs to decide (the caller says why)."""
    store: RegistrationStore = desk.store
    change_id = case["task"]["details"]["change_id"]
    change, field = case["changes"][change_id], f"changes.{change_id}"
    if change["state"] != UNDER_REVIEW:
        return None  # every write below is also conditional on it: the state as read
    clerk_task = (task_id_, clerk, now)
    history = {"task.history": entry}
    if action == "approve":
        after = apply_change(ApplicationForm.model_validate(case["form"]), parse_change(change["requested"]),
                             clock.china_date(now))
        noticed = {**change, "log": [*change.get("log", []), log_entry(f"登记机关审核通过（{clerk}）", now)]}
        new = desk._register(case, change_id, change["sections"], change["requested"], after,
                             change.get("name_warnings"), noticed, clerk_task=clerk_task,
                             also=task_set, push=history)
        if new is not None and "name" in change["sections"]:
            name_change.settle(store, case["_id"], change_id, clock.china_date(now).isoformat())
        return new
    said = "；".join(cleaned["reasons"])
    if action == "reject":
        new = store.update_change(
            case["_id"], change_id, UNDER_REVIEW, clerk_task=clerk_task,
            set={**task_set, f"{field}.state": "refused", f"{field}.refusal": said,
                 f"{field}.completed_at": now, "open_change": None, "updated_at": now},
            push={**history, f"{field}.log": log_entry(f"登记机关不予登记：{said}", now)})
        if new is not None:
            store.release_changed_name(case["_id"], change_id)
        return new
    return store.update_change(
        case["_id"], change_id, UNDER_REVIEW, clerk_task=clerk_task,
        set={**task_set, f"{field}.state": CORRECTION_REQUESTED,
             f"{field}.correction": {**cleaned, "clerk": clerk, "at": now}, "updated_at": now},
        push={**history, f"{field}.log": log_entry(f"登记机关要求补正：{said}", now)})


def correct(desk: Any, case: dict, change_id: str, raw: Any, founder_resident_id: str | None,
            keep_others: bool = False) -> dict:
    """The founder's corrected change: checked like a new one, then back to the clerk who asked.
    `keep_others`: `raw` holds only the sections corrected, the rest stay as requested."""
    stored = (case.get("changes") or {}).get(change_id)
    if stored is None:
        raise NotFound(f"没有这项变更登记：{change_id}")
    if stored["state"] != CORRECTION_REQUESTED:
        raise Conflict("该变更登记没有待补正的要求")
    change = parse_change({**stored["requested"], **raw} if keep_others and isinstance(raw, dict) else raw)
    form = ApplicationForm.model_validate(case["form"])
    after = apply_change(form, change, clock.china_today())
    if is_decrease(form.registered_capital, after.registered_capital):
        raise Invalid.with_fields("补正不能改为减少注册资本", [FieldError(
            field="registered_capital", message="减少注册资本须经45日公告期，请撤回后另行申请")])
    agreed = {p["resident_id"]: p["roles"] for p in stored.get("confirmations", []) if p["state"] == "confirmed"}
    newcomers = [p for p in new_parties(form, after, founder_resident_id)
                 if not set(p["roles"]) <= set(agreed.get(p["resident_id"], []))]
    if newcomers:
        raise Invalid.with_fields("补正不能新增须本人确认的人员", [FieldError(
            field="body", message="补正后的变更列明了未确认过的人员或职务，请另行申请变更登记")])
    warnings = name_change.reserve(desk.store, desk.check_name, case, change_id, after) if change.name else None
    if change.name is None:
        desk.store.release_changed_name(case["_id"], change_id)
    revision = stored["review"]["revision"] + 1
    holders = unregistered_corporate_holders(change, form, desk.registered_uscc)
    why = [correction_reason(revision, stored["correction"]), *reasons(licensed_items(change, form), warnings, holders)]
    new = queue(desk, case, change_id, change, form, after, warnings, why, stored, revision, stored["correction"])
    if new is None:
        raise Conflict("该变更登记正在更新，请刷新后重试")
    return new["changes"][change_id]
