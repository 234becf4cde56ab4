"""The founder's pages for closing the company by the simplified procedure (简易注销): the request with
the investors' commitment, then one closure with its notice period, every bureau's check with its
blockers and what to do, a new check once they are cleared, and the outcome."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from contracts.closing import NOTICE_DAYS, ClosingRequest
from contracts.rpc import Conflict, Invalid
from gateway.web.pages import CsrfChecked, Founder, GatewayDep, page_router, redirect, render

router = page_router()


def _closing_page(request, who, gateway, uscc, error=None, status_code=200):
    rows = gateway.companies.list_closures(who, uscc)
    return render(request, "closing.html", {"uscc": uscc, "rows": rows, "error": error, "days": NOTICE_DAYS,
                                            "open": any(r["state"] in ("noticed", "awaiting_clearance") for r in rows)},
                  status_code=status_code)


@router.get("/companies/{uscc}/closing")
def closing_page(request: Request, uscc: str, who: Founder, gateway: GatewayDep):
    return _closing_page(request, who, gateway, uscc)


@router.post("/companies/{uscc}/closing", dependencies=[CsrfChecked])
async def request_closing(request: Request, uscc: str, who: Founder, gateway: GatewayDep):
    form = await request.form()

    def run():
        try:
            body = ClosingRequest(commitment=form.get("commitment") == "true")
            closure = gateway.companies.request_closure(who, uscc, body, str(form.get("request_key") or "") or None)
        except (Conflict, Invalid) as exc:
            details = "；".join(e.message for e in exc.field_errors)
            return _closing_page(request, who, gateway, uscc, f"{exc.message}（{details}）" if details else exc.message,
                                 exc.status)
        return redirect(request, f"/companies/{quote(uscc)}/closures/{quote(closure['closure_id'])}")

    return await run_in_threadpool(run)


@router.get("/companies/{uscc}/closures/{closure_id}")
def closure_page(request: Request, uscc: str, closure_id: str, who: Founder, gateway: GatewayDep):
    return render(request, "closure.html", {"closure": gateway.companies.closure(who, uscc, closure_id)})


@router.post("/companies/{uscc}/closures/{closure_id}/recheck", dependencies=[CsrfChecked])
def recheck(request: Request, uscc: str, closure_id: str, who: Founder, gateway: GatewayDep):
    try:
        gateway.companies.recheck_closure(who, uscc, closure_id)
    except Conflict as exc:
        return render(request, "closure.html", {"closure": gateway.companies.closure(who, uscc, closure_id),
                                                "error": exc.message}, status_code=exc.status)
    return redirect(request, f"/companies/{quote(uscc)}/closures/{quote(closure_id)}")
