"""The founder's pages for a change of details (变更登记): the company's changes, one change with each
bureau's answer and its timeline, and the name change (名称变更) form; the other changes are requested
through the API for now."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from contracts.changes import ChangeRequest
from contracts.form import pydantic_field_errors
from contracts.rpc import Conflict, Invalid
from gateway.web.pages import CsrfChecked, Founder, GatewayDep, page_router, redirect, render

router = page_router()
NAME_PARTS = ("division", "trade_name", "industry", "organisation_form")
STATE_LABELS = {"completed": "已办结", "registered": "办理中", "noticed": "减资公告中",
                "awaiting_confirmation": "待相关人员本人确认", "declined": "有人员拒绝确认，已终止",
                "refused": "未予登记"}


@router.get("/companies/{uscc}/changes")
def company_changes(request: Request, uscc: str, who: Founder, gateway: GatewayDep):
    return render(request, "changes.html", {"uscc": uscc, "rows": gateway.companies.list_changes(who, uscc),
                                            "states": STATE_LABELS})


def _name_page(request, gateway, who, uscc, values, errors=None, message=None, status_code=200):
    return render(request, "change_name.html", {"uscc": uscc, "values": values, "errors": errors or {},
                                                "error": message}, status_code=status_code)


@router.get("/companies/{uscc}/changes/name")
def name_change_page(request: Request, uscc: str, who: Founder, gateway: GatewayDep):
    current = gateway.companies.registered_name(who, uscc)
    return _name_page(request, gateway, who, uscc, {**current, "trade_name": ""})


@router.post("/companies/{uscc}/changes/name", dependencies=[CsrfChecked])
async def request_name_change(request: Request, uscc: str, who: Founder, gateway: GatewayDep):
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in NAME_PARTS}

    def run():
        try:
            try:
                body = ChangeRequest.model_validate({"name": values})
            except ValidationError as exc:
                raise Invalid.with_fields("名称有内容需要修改", pydantic_field_errors(exc)) from None
            change = gateway.companies.request_change(who, uscc, body, str(form.get("request_key") or "") or None)
        except (Conflict, Invalid) as exc:
            errors = {e.field.removeprefix("name."): e.message for e in exc.field_errors}
            return _name_page(request, gateway, who, uscc, values, errors, exc.message, exc.status)
        return redirect(request, f"/companies/{quote(uscc)}/changes/{quote(change['change_id'])}")

    return await run_in_threadpool(run)


@router.get("/companies/{uscc}/changes/{change_id}")
def change_page(request: Request, uscc: str, change_id: str, who: Founder, gateway: GatewayDep):
    return render(request, "change.html", {"change": gateway.companies.change(who, uscc, change_id),
                                           "states": STATE_LABELS})
