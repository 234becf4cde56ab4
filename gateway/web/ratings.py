"""好差评 on the web: the founder rates each finished step of their own application (one rating per
step, editable for 7 days; gateway/ratings.py holds the rules), and the /stats page shows the result."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from contracts import clock
from contracts.rpc import Conflict, FieldError, Invalid, NotFound
from gateway.ratings import FINISHED, PROBLEMS, Problem, RatingIn, RatingService
from gateway.web.pages import CsrfChecked, Founder, GatewayDep, page_router, redirect, render

router = page_router()
SCORES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


def _page(request, gateway, who, app_id: str, errors: dict | None = None, values: dict | None = None,
          status_code: int = 200):
    view = gateway.applications.get(who, app_id)
    mine = {r["bureau"]: r for r in RatingService(gateway.store).for_application(who, app_id)}
    steps = [s for s in view["steps"] if s["state"] != "not_requested"]
    return render(request, "ratings.html", {
        "app": view, "steps": steps, "mine": mine, "finished": FINISHED, "scores": SCORES, "problems": PROBLEMS,
        "errors": errors or {}, "values": values or {}, "now": clock.now()},
        status_code=status_code)


@router.get("/applications/{app_id}/ratings")
def ratings_page(request: Request, app_id: str, who: Founder, gateway: GatewayDep):
    return _page(request, gateway, who, app_id)


@router.post("/applications/{app_id}/ratings/{bureau}", dependencies=[CsrfChecked])
async def rate(request: Request, app_id: str, bureau: str, who: Founder, gateway: GatewayDep):
    posted = await request.form()
    values = {k: str(posted.get(k) or "").strip() for k in ("score", "comment", "category", "text")}

    def run():
        errors: dict[str, list[str]] = {}
        try:
            body = _parsed(values)
            RatingService(gateway.store).rate(who, app_id, bureau, body)
        except Invalid as exc:
            for e in exc.field_errors or [FieldError(field="score", message=exc.message)]:
                errors.setdefault(e.field.replace("problem.", ""), []).append(e.message)
            return _page(request, gateway, who, app_id, {bureau: errors}, {bureau: values}, 422)
        except (Conflict, NotFound) as exc:
            return _page(request, gateway, who, app_id, {bureau: {"score": [exc.message]}}, {bureau: values},
                         exc.status)
        return redirect(request, f"/applications/{quote(app_id)}/ratings?rated={quote(bureau)}")

    return await run_in_threadpool(run)


def _parsed(values: dict[str, str]) -> RatingIn:
    """The form's fields as the API's body, with the form's own messages in Chinese."""
    fields: list[FieldError] = []
    score = int(values["score"]) if values["score"].isdigit() else 0
    if not 1 <= score <= 5:
        fields.append(FieldError(field="score", message="请选择1-5分"))
    if len(values["comment"]) > 1000:
        fields.append(FieldError(field="comment", message="最多1000字"))
    problem = None
    if values["category"] or values["text"] or 1 <= score <= 2:
        if values["category"] not in PROBLEMS:
            fields.append(FieldError(field="category", message="请选择遇到的问题"))
        if not 2 <= len(values["text"]) <= 1000:
            fields.append(FieldError(field="text", message="请简要说明情况（2-1000字）"))
        if not fields:
            problem = Problem(category=values["category"], text=values["text"])
    if fields:
        raise Invalid.with_fields("评价内容有误", fields)
    return RatingIn(score=score, comment=values["comment"] or None, problem=problem)
