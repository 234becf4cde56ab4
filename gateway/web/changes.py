"""The founder's pages for a change of details (变更登记): the company's changes, one change with each
bureau's answer and its timeline, the name change (名称变更) form, the correction a registration clerk
asked for (every section the change carries, refilled from the request), and the
company's answer to a creditor's objection to a capital decrease. The correction page covers every
section a change can carry. The other changes are requested through the API for now."""

from __future__ import annotations

from typing import Any
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
                                                      "sections": correction_sections(change, values),
                                                      "errors": errors or {}, "error": message},
                  status_code=status_code)


# The correction page covers every section a change can carry (contracts/changes.py ChangeRequest):
# name and scope as before, and address, the legal representative, directors, manager, registered
# capital and shareholders as inputs named by their path in the request (`directors.0.name`), so a
# field error from the rules (pydantic or the form rules after the change) lands on its input.
PERSON = (("name", "姓名"), ("resident_id", "身份证号码"))
LIST_SECTIONS = ("directors", "shareholders")


def correction_sections(change: dict, values: dict) -> dict[str, Any]:
    """Per section the page shows (besides name and scope): its current values, from what the founder
    just posted or else from what they asked for; a list gets one empty row to add a person."""
    requested = change.get("requested") or {}
    out: dict[str, Any] = {}
    for section in change["sections"]:
        if section in ("name", "business_scope"):
            continue
        value = values.get(section, requested.get(section))
        if section in LIST_SECTIONS:
            rows = [dict(r) for r in (value or [])]
            out[section] = [*rows, {}]
        else:
            out[section] = value if value is not None else ({} if section != "registered_capital" else "")
    return out


def _rows(form, prefix: str) -> list[dict[str, str]]:
    """`prefix.N.key` inputs as rows in N order; a row left wholly empty is dropped (the spare one)."""
    found: dict[int, dict[str, str]] = {}
    for key in form.keys():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
            found.setdefault(int(parts[1]), {})[parts[2]] = str(form.get(key) or "").strip()
    return [row for _, row in sorted(found.items()) if any(v for k, v in row.items() if k != "kind")]


def _posted(form, change: dict) -> dict[str, Any]:
    """The corrected sections from the posted page, shaped as ChangeRequest wants them."""
    requested = change.get("requested") or {}
    sections = set(change["sections"])
    out: dict[str, Any] = {}

    def person(prefix: str, *extra: str) -> dict[str, str]:
        return {k: str(form.get(f"{prefix}.{k}") or "").strip() for k in ("name", "resident_id", *extra)}

    if "domicile" in sections:
        out["domicile"] = {k: str(form.get(f"domicile.{k}") or "").strip() for k in ("district_code", "detail")}
        zone = str(form.get("domicile.development_zone") or "")
        if zone:
            out["domicile"]["development_zone"] = zone
    if "legal_representative" in sections:
        out["legal_representative"] = person("legal_representative", "position")
    if "manager" in sections:
        out["manager"] = person("manager")
    if "directors" in sections:
        out["directors"] = [{k: r.get(k, "") for k in ("name", "resident_id")} for r in _rows(form, "directors")]
    if "registered_capital" in sections:
        out["registered_capital"] = str(form.get("registered_capital") or "").strip()
        out["creditors_notified"] = bool(form.get("creditors_notified")) or bool(requested.get("creditors_notified"))
    if "shareholders" in sections:
        rows = []
        for r in _rows(form, "shareholders"):
            kind = r.get("kind") or "natural"
            code = "uscc" if kind == "corporate" else "resident_id"
            rows.append({"kind": kind, "name": r.get("name", ""), code: r.get("code", ""),
                         "subscribed_amount": r.get("subscribed_amount", ""), "payment_due": r.get("payment_due", "")})
        out["shareholders"] = rows
    return out


# the type rules' short words ("格式不正确") said as what the input wants
GENERIC = {"格式不正确", "内容太短", "内容太长"}
PLAIN = {"district_code": "请填写6位行政区划代码（如武昌区420106）", "detail": "详细地址为4-200字",
         "resident_id": "身份证号码为18位", "code": "自然人填写18位身份证号码，企业填写18位统一社会信用代码",
         "name": "请填写姓名或名称", "subscribed_amount": "请填写金额（元，如500000.00）",
         "registered_capital": "请填写金额（元，如500000.00）", "payment_due": "请选择出资期限"}


def _field_key(field: str) -> str:
    """A rule's field path as the page's input name (a shareholder's ID or USCC is its `code` input)."""
    field = field.removeprefix("name.") if field.split(".")[0] == "name" and field != "name" else field
    parts = field.split(".")
    if len(parts) == 3 and parts[0] == "shareholders" and parts[2] in ("resident_id", "uscc"):
        return f"shareholders.{parts[1]}.code"
    return field


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
        others = _posted(form, change)
        corrected = {**({"name": {**(change.get("new_name") or {}), **values}} if "name" in change["sections"] else {}),
                     **({"business_scope": scope} if "business_scope" in change["sections"] else {}), **others}
        try:
            try:
                body = ChangeRequest.model_validate(corrected)
            except ValidationError as exc:
                raise Invalid.with_fields("补正内容需要修改", pydantic_field_errors(exc)) from None
            gateway.companies.correct_change(who, uscc, change_id, body, keep_others=True)
        except (Conflict, Invalid) as exc:
            errors: dict[str, str] = {}
            for e in exc.field_errors:
                key = _field_key(e.field)
                errors.setdefault(key, PLAIN.get(key.rsplit(".", 1)[-1], e.message) if e.message in GENERIC else e.message)
            shown = {**values, **others}
            if "shareholders" in others:  # the page's rows again, each ID under its `code` input
                shown["shareholders"] = [{**r, "code": r.get("resident_id") or r.get("uscc") or ""}
                                         for r in others["shareholders"]]
            return _correction_page(request, change, shown, scope, errors, exc.message, exc.status)
        return redirect(request, f"/companies/{quote(uscc)}/changes/{quote(change_id)}")

    return await run_in_threadpool(run)
