"""The founder's pages for closing the company by the simplified procedure (简易注销): the request with
the investors' commitment, then one closure with its notice period, every bureau's check with its
blockers and what to do, a new check once they are cleared, and the outcome."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from contracts.closing import NOTICE_DAYS, ClosingRequest
from contracts.form import pydantic_field_errors
from contracts.liquidation import LiquidationRequest, ReportRequest
from contracts.rpc import Conflict, Invalid
from gateway.web.pages import CsrfChecked, Founder, GatewayDep, page_router, redirect, render

router = page_router()


OPEN = ("noticed", "awaiting_clearance", "liquidating", "awaiting_report")


def _closing_page(request, who, gateway, uscc, error=None, status_code=200, values=None, errors=None):
    rows = gateway.companies.list_closures(who, uscc)
    return render(request, "closing.html", {"uscc": uscc, "rows": rows, "error": error, "days": NOTICE_DAYS,
                                            "open": any(r["state"] in OPEN for r in rows),
                                            "values": values or {}, "errors": errors or {},
                                            "company_name": gateway.companies.current_name(who, uscc)},
                  status_code=status_code)


def _message(exc) -> str:
    details = "；".join(e.message for e in exc.field_errors)
    return f"{exc.message}（{details}）" if details else exc.message


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
            return _closing_page(request, who, gateway, uscc, _message(exc), exc.status)
        return redirect(request, f"/companies/{quote(uscc)}/closures/{quote(closure['closure_id'])}")

    return await run_in_threadpool(run)


@router.post("/companies/{uscc}/liquidation", dependencies=[CsrfChecked])
async def request_liquidation(request: Request, uscc: str, who: Founder, gateway: GatewayDep):
    """一般注销: the liquidation group's filing (contracts.liquidation)."""
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in ("dissolved_on", "formed_on", "members", "leader")}

    def run():
        try:
            members = [m.strip() for m in values["members"].replace("，", ",").replace("、", ",").split(",") if m.strip()]
            try:
                body = LiquidationRequest.model_validate({**values, "members": members,
                                                          "creditors_notified": form.get("creditors_notified") == "true"})
            except ValidationError as exc:
                raise Invalid.with_fields("清算组备案有内容需要修改", pydantic_field_errors(exc)) from None
            closure = gateway.companies.request_liquidation(who, uscc, body, str(form.get("request_key") or "") or None)
        except (Conflict, Invalid) as exc:
            errors = {e.field.split(".")[0]: e.message for e in exc.field_errors}
            return _closing_page(request, who, gateway, uscc, exc.message, exc.status, values, errors)
        return redirect(request, f"/companies/{quote(uscc)}/closures/{quote(closure['closure_id'])}")

    return await run_in_threadpool(run)


@router.post("/companies/{uscc}/closures/{closure_id}/report", dependencies=[CsrfChecked])
async def file_report(request: Request, uscc: str, closure_id: str, who: Founder, gateway: GatewayDep):
    form = await request.form()

    def run():
        try:
            body = ReportRequest.model_validate({"shareholders_confirmed": form.get("shareholders_confirmed") == "true",
                                                 "summary": str(form.get("summary") or "").strip()})
            gateway.companies.file_liquidation_report(who, uscc, closure_id, body)
        except ValidationError:
            return _closure_error(request, who, gateway, uscc, closure_id, "清算报告有内容需要修改（请简要说明清算情况）", 422)
        except (Conflict, Invalid) as exc:
            return _closure_error(request, who, gateway, uscc, closure_id, _message(exc), exc.status)
        return redirect(request, f"/companies/{quote(uscc)}/closures/{quote(closure_id)}")

    return await run_in_threadpool(run)


def _closure_error(request, who, gateway, uscc, closure_id, message, status_code):
    return render(request, "closure.html", {"closure": gateway.companies.closure(who, uscc, closure_id),
                                            "error": message}, status_code=status_code)


@router.get("/companies/{uscc}/closures/{closure_id}")
def closure_page(request: Request, uscc: str, closure_id: str, who: Founder, gateway: GatewayDep):
    return render(request, "closure.html", {"closure": gateway.companies.closure(who, uscc, closure_id)})


@router.post("/companies/{uscc}/closures/{closure_id}/recheck", dependencies=[CsrfChecked])
def recheck(request: Request, uscc: str, closure_id: str, who: Founder, gateway: GatewayDep):
    try:
        gateway.companies.recheck_closure(who, uscc, closure_id)
    except Conflict as exc:
        return _closure_error(request, who, gateway, uscc, closure_id, exc.message, exc.status)
    return redirect(request, f"/companies/{quote(uscc)}/closures/{quote(closure_id)}")
