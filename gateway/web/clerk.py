"""Clerk pages: the bureau's queue (by deadline, overdue marked), one item, and its actions."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from contracts import clock
from contracts.rpc import Conflict, Invalid, NotFound
from gateway.web.pages import Clerk, CsrfChecked, GatewayDep, page_router, redirect, render
from gateway.web.texts import ACTIONS

router = page_router(prefix="/staff")


@router.get("")
def queue(request: Request, who: Clerk, gateway: GatewayDep, state: str = "open", q: str = ""):
    state = state if state in ("open", "done", "all") else "open"
    tasks = gateway.tasks.list(who, who.bureau, state)
    q = q.strip()[:40]
    if q:  # by company name, applicant or application number
        tasks = [t for t in tasks if q in t.title or q in str(t.details.get("legal_representative", ""))
                 or q in t.application_id]
    tasks.sort(key=lambda t: (t.deadline, t.created_at))
    return render(request, "staff_queue.html", {"tasks": tasks, "state": state, "q": q, "now": clock.now(),
                                                "overdue": sum(1 for t in tasks if t.overdue)})


@router.get("/tasks/{task_id}")
def task_page(request: Request, task_id: str, who: Clerk, gateway: GatewayDep, done: str | None = None):
    return _task_page(request, who, gateway, task_id, notice=ACTIONS.get(done or "", None) and f"已{ACTIONS[done]}")


@router.post("/tasks/{task_id}/claim", dependencies=[CsrfChecked])
def claim(request: Request, task_id: str, who: Clerk, gateway: GatewayDep):
    try:
        gateway.tasks.claim(who, who.bureau, task_id)
    except (Conflict, Invalid) as exc:
        return _task_page(request, who, gateway, task_id, error=exc.message, status_code=exc.status)
    return redirect(request, f"/staff/tasks/{quote(task_id)}?done=claim")


@router.post("/tasks/{task_id}/act", dependencies=[CsrfChecked])
async def act(request: Request, task_id: str, who: Clerk, gateway: GatewayDep):
    form = await request.form()
    action = str(form.get("action", ""))
    payload = _payload(action, form)
    if action == "approve" and form.get("confirmed") != "true":  # never one stray click next to 驳回
        return _task_page(request, who, gateway, task_id, error="请先勾选“确认批准”再批准", status_code=422)

    def run():
        try:
            gateway.tasks.act(who, who.bureau, task_id, action, payload)
        except (Conflict, Invalid) as exc:
            details = "；".join(e.message for e in exc.field_errors)
            message = f"{exc.message}（{details}）" if details else exc.message
            return _task_page(request, who, gateway, task_id, error=message, status_code=exc.status,
                              posted={"action": action, **{k: str(v) for k, v in form.items()}})
        return redirect(request, f"/staff/tasks/{quote(task_id)}?done={quote(action)}")

    return await run_in_threadpool(run)


def _payload(action: str, form: Any) -> dict[str, Any]:
    """The action's payload from the posted fields: one reason per line, flagged fields as checkboxes."""
    payload: dict[str, Any] = {}
    reasons = [line.strip() for line in str(form.get("reasons", "")).splitlines() if line.strip()]
    if action in ("reject", "request_correction"):
        payload["reasons"] = reasons
    if action == "request_correction":
        payload["fields"] = [str(f) for f in form.getlist("fields")]
    if action == "mark_engraved" and form.get("engraver"):
        payload["engraver"] = str(form.get("engraver")).strip()
    if action == "dispatch" and form.get("tracking_number"):
        payload["tracking_number"] = str(form.get("tracking_number")).strip()
    if action == "approve" and str(form.get("monthly_quota", "")).strip():
        payload["monthly_quota"] = str(form.get("monthly_quota")).strip()
    return payload


def _task_page(request: Request, who, gateway, task_id: str, error: str | None = None, notice: str | None = None,
               status_code: int = 200, posted: dict | None = None):
    task = gateway.tasks.get(who, who.bureau, task_id)
    application = None
    try:
        application = gateway.applications.for_clerk(who, task.bureau, task.application_id)
    except NotFound:
        application = None
    return render(request, "staff_task.html", {
        "task": task, "error": error, "notice": notice, "posted": posted or {}, "application": application,
        "mine": task.claimed_by == who.login,
    }, status_code=status_code)
