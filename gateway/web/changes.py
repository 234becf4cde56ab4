"""The founder's pages for a change of details (变更登记): the company's changes, one change with each
bureau's answer and its timeline, the name change (名称变更) form, the correction a registration clerk
asked for (name and business scope on the page; the other sections are kept as requested), and the
company's answer to a creditor's objection to a capital decrease. The other changes are requested
through the API for now."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from contracts.changes import ChangeRequest, ObjectionAnswer
from contracts.form import pydantic_field_errors
from contracts.rpc import Conflict, Invalid
from gateway.web.pages import CsrfChecked, Founder, GatewayDep, page_router, redirect, render

router = page_router()
NAME_PARTS = ("division", "trade_name", "industry", "organisation_form")
STATE_LABELS = {"completed": "已办结", "registered": "办理中", "noticed": "减资公告中",
                "awaiting_confirmation": "待相关人员本人确认", "declined": "有人员拒绝确认，已终止",
                "refused": "未予登记", "under_review": "登记机关审核中", "correction_requested": "待补正",
                "withdrawn": "已撤回"}


@router.get("/companies/{uscc}/changes")
def company_changes(request: Request, uscc: str, who: Founder, gateway: GatewayDep):
    return render(request, "changes.html", {"uscc": uscc, "rows": gateway.companies.list_changes(who, uscc),
                                            "states": STATE_LABELS,
                                            "company_name": gateway.companies.current_name(who, uscc)})


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
    return _change_page(request, gateway, who, uscc, change_id)


def _change_page(request, gateway, who, uscc, change_id, error=None, status_code=200):
    return render(request, "change.html", {"change": gateway.companies.change(who, uscc, change_id),
                                           "states": STATE_LABELS, "error": error}, status_code=status_code)


@router.post("/companies/{uscc}/changes/{change_id}/objections/{objection_id}", dependencies=[CsrfChecked])
async def answer_objection(request: Request, uscc: str, change_id: str, objection_id: str, who: Founder,
                           gateway: GatewayDep):
    form = await request.form()
    raw = {"outcome": str(form.get("outcome") or ""), "note": str(form.get("note") or "").strip() or None}

    def run():
        try:
            try:
                body = ObjectionAnswer.model_validate(raw)
            except ValidationError:
                raise Invalid("请选择已清偿债务或已提供担保；说明不超过500字") from None
            gateway.companies.answer_objection(who, uscc, change_id, objection_id, body)
        except (Conflict, Invalid) as exc:
            return _change_page(request, gateway, who, uscc, change_id, exc.message, exc.status)
        return redirect(request, f"/companies/{quote(uscc)}/changes/{quote(change_id)}#objections")

    return await run_in_threadpool(run)


def _correction_page(request, change, values, scope, errors=None, message=None, status_code=200):
    return render(request, "change_correction.html", {"change": change, "values": values, "scope": scope,
                                                      "errors": errors or {}, "error": message},
                  status_code=status_code)


@router.get("/companies/{uscc}/changes/{change_id}/correction")
def correction_page(request: Request, uscc: str, change_id: str, who: Founder, gateway: GatewayDep):
    change = gateway.companies.change(who, uscc, change_id)
    return _correction_page(request, change, change.get("new_name") or {}, change.get("new_scope") or [])


@router.post("/companies/{uscc}/changes/{change_id}/correction", dependencies=[CsrfChecked])
async def correct(request: Request, uscc: str, change_id: str, who: Founder, gateway: GatewayDep):
    form = await request.form()

    def run():
        change = gateway.companies.change(who, uscc, change_id)
        values = {k: str(form.get(k) or "").strip() for k in NAME_PARTS}
        scope = [str(c) for c in form.getlist("scope")]
        corrected = {**({"name": {**(change.get("new_name") or {}), **values}} if "name" in change["sections"] else {}),
                     **({"business_scope": scope} if "business_scope" in change["sections"] else {})}
        try:
            try:
                body = ChangeRequest.model_validate(corrected)
            except ValidationError as exc:
                raise Invalid.with_fields("补正内容需要修改", pydantic_field_errors(exc)) from None
            gateway.companies.correct_change(who, uscc, change_id, body, keep_others=True)
        except (Conflict, Invalid) as exc:
            errors = {e.field.removeprefix("name."): e.message for e in exc.field_errors}
            return _correction_page(request, change, values, scope, errors, exc.message, exc.status)
        return redirect(request, f"/companies/{quote(uscc)}/changes/{quote(change_id)}")

    return await run_in_threadpool(run)
