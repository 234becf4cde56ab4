"""The public objection form (no login): during a company's public notice anyone concerned may object
on the web as through the API (POST /api/v1/verify/licences/{uscc}/capital-objections and
/objections), from the licence's verification page:
- a capital decrease's 45-day creditor notice: a creditor demands repayment or a guarantee (公司法
  第二百二十四条);
- a simplified closing's 20-day notice: a department, creditor or other interested party objects
  (市场主体登记管理条例第三十三条).
The page shows only the company's public facts and the notice's dates; what an objector writes is kept
by registration for the company and never shown back here. Limited as the API is (per client address
and in all, per hour: gateway/companies.py VerifyService); every refusal is a field error in Chinese."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from contracts.changes import CreditorObjection
from contracts.closing import parse_objection
from contracts.form import pydantic_field_errors
from contracts.rpc import Invalid, OneStopError
from gateway.api.deps import client_address
from gateway.web.pages import CsrfChecked, GatewayDep, page_router, redirect, render

router = page_router(prefix="/verify")
KINDS = {"capital_decrease": "减资公告", "simplified_closing": "简易注销公告"}
FIELD_NAMES = {"capital_decrease": ("creditor", "demand", "reason"), "simplified_closing": ("objector", "reason")}
# pydantic's own messages are English; a field this form has gets the form's Chinese one
MESSAGES = {"creditor": "请填写债权人名称（1-60字）", "objector": "请填写异议人名称（1-60字）",
            "demand": "请选择要求清偿债务或要求提供担保", "reason": "请简要说明理由（2-500字）"}


def _notice(result: dict, kind: str) -> dict | None:
    return next((n for n in result.get("notices") or () if n["kind"] == kind), None)


def _page(request, uscc, kind, result, values=None, errors=None, message=None, status_code=200):
    licence = (result or {}).get("licence") or {}
    return render(request, "objection.html", {
        "uscc": uscc, "kind": kind, "kind_label": KINDS.get(kind, ""), "company_name": licence.get("company_name"),
        "notice": _notice(result or {}, kind), "values": values or {}, "errors": errors or {}, "error": message,
    }, status_code=status_code)


@router.get("/licences/{uscc}/objection")
def objection_form(request: Request, uscc: str, gateway: GatewayDep, kind: str = "capital_decrease"):
    uscc = uscc.strip().upper()
    if kind not in KINDS:
        return _page(request, uscc, None, None, message="请从营业执照验证页选择正在公示的事项", status_code=404)
    try:
        result = gateway.verify.licence(uscc)
    except Invalid as exc:
        return _page(request, uscc, kind, None, message=exc.message, status_code=404)
    if not result.get("genuine") or _notice(result, kind) is None:
        return _page(request, uscc, kind, result, message=f"该企业目前没有正在公示的{KINDS[kind]}，无需在此提出异议",
                     status_code=404)
    return _page(request, uscc, kind, result)


@router.post("/licences/{uscc}/objection", dependencies=[CsrfChecked])
async def object_on_the_web(request: Request, uscc: str, gateway: GatewayDep):
    form = await request.form()
    uscc, kind = uscc.strip().upper(), str(form.get("kind") or "")
    if kind not in KINDS:
        return _page(request, uscc, None, None, message="请从营业执照验证页选择正在公示的事项", status_code=404)
    values = {k: str(form.get(k) or "").strip() for k in FIELD_NAMES[kind]}
    client = client_address(request)

    def run():
        try:
            if kind == "capital_decrease":
                try:
                    body = CreditorObjection.model_validate(values)
                except ValidationError as exc:
                    raise Invalid.with_fields("异议有内容需要修改", [
                        {"field": e.field, "message": MESSAGES.get(e.field, e.message)}
                        for e in pydantic_field_errors(exc)]) from None
                gateway.verify.object_to_decrease(uscc, body, client)
            else:
                gateway.verify.object_to_closure(uscc, parse_objection(values), client)
        except OneStopError as exc:  # 404 no notice, 409 its period over, 422 a field, 429 too many
            errors = {e.field: e.message for e in exc.field_errors}
            try:
                result = gateway.verify.licence(uscc)
            except OneStopError:
                result = None
            return _page(request, uscc, kind, result, values, errors, exc.message, exc.status)
        return redirect(request, f"/verify/licences/{quote(uscc)}/objection/recorded?kind={kind}")

    return await run_in_threadpool(run)


@router.get("/licences/{uscc}/objection/recorded")
def recorded(request: Request, uscc: str, kind: str = "capital_decrease"):
    """What the objector is told: recorded, and who will see it (nothing of what they wrote)."""
    return render(request, "objection.html", {"uscc": uscc.strip().upper(), "kind": kind if kind in KINDS else None,
                                              "kind_label": KINDS.get(kind, ""), "recorded": True,
                                              "values": {}, "errors": {}})
