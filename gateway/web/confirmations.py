"""The page of a person named on someone's form: the applications awaiting my confirmation, and one of
them with confirm / decline (gateway/confirmations.py does the work)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from contracts.rpc import Conflict, Invalid, NotFound
from gateway.confirmations import Decision
from gateway.web.pages import CsrfChecked, Founder, GatewayDep, page_router, redirect, render

router = page_router()


@router.get("/confirmations")
def awaiting(request: Request, who: Founder, gateway: GatewayDep):
    return render(request, "confirmations.html", {"rows": gateway.confirmations.awaiting(who),
                                                  "changes": gateway.companies.change_confirmations(who)})


# ---- a change of details naming me (registration keeps these: gateway.companies) ----------------


def _change_item(gateway, who, uscc: str, change_id: str) -> dict | None:
    return next((c for c in gateway.companies.change_confirmations(who)
                 if c["uscc"] == uscc and c["change_id"] == change_id), None)


@router.get("/confirmations/changes/{uscc}/{change_id}")
def one_change(request: Request, uscc: str, change_id: str, who: Founder, gateway: GatewayDep):
    item = _change_item(gateway, who, uscc, change_id)
    if item is None:  # decided (or withdrawn): no longer waiting for me
        return redirect(request, "/confirmations?change_done=1")
    return render(request, "change_confirmation.html", {"item": item})


@router.post("/confirmations/changes/{uscc}/{change_id}", dependencies=[CsrfChecked])
async def decide_change(request: Request, uscc: str, change_id: str, who: Founder, gateway: GatewayDep):
    posted = await request.form()
    raw = {"decision": str(posted.get("decision") or ""), "reason": str(posted.get("reason") or "") or None}

    def run():
        try:
            gateway.companies.decide_change(who, uscc, change_id, {k: v for k, v in raw.items() if v is not None})
        except (Invalid, Conflict, NotFound) as exc:
            item = _change_item(gateway, who, uscc, change_id)
            if item is None:
                return redirect(request, "/confirmations?change_done=1")
            return render(request, "change_confirmation.html", {"item": item, "error": exc.message},
                          status_code=exc.status)
        return redirect(request, "/confirmations?change_done=1")

    return await run_in_threadpool(run)


@router.get("/confirmations/{app_id}")
def one(request: Request, app_id: str, who: Founder, gateway: GatewayDep):
    return render(request, "confirmation.html", {"item": gateway.confirmations.get(who, app_id)})


@router.post("/confirmations/{app_id}", dependencies=[CsrfChecked])
async def decide(request: Request, app_id: str, who: Founder, gateway: GatewayDep):
    posted = await request.form()
    raw = {"decision": str(posted.get("decision") or ""), "reason": str(posted.get("reason") or "") or None}

    def run():
        try:
            gateway.confirmations.decide(who, app_id, Decision(**raw))
        except (ValidationError, Conflict) as exc:
            message = exc.message if isinstance(exc, Conflict) else "请选择确认或拒绝；拒绝理由不超过200字"
            return render(request, "confirmation.html", {"item": gateway.confirmations.get(who, app_id),
                                                         "error": message}, status_code=409 if isinstance(
                                                             exc, Conflict) else 422)
        return redirect(request, f"/confirmations/{quote(app_id)}?done=1")

    return await run_in_threadpool(run)
