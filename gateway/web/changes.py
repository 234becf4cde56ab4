"""The founder's pages for a change of details (变更登记): the company's changes, and one change with
each bureau's answer and its timeline (read-only; the change is requested through the API for now)."""

from __future__ import annotations

from fastapi import Request

from gateway.web.pages import Founder, GatewayDep, page_router, render

router = page_router()


@router.get("/companies/{uscc}/changes")
def company_changes(request: Request, uscc: str, who: Founder, gateway: GatewayDep):
    return render(request, "changes.html", {"uscc": uscc, "rows": gateway.companies.list_changes(who, uscc)})


@router.get("/companies/{uscc}/changes/{change_id}")
def change_page(request: Request, uscc: str, change_id: str, who: Founder, gateway: GatewayDep):
    return render(request, "change.html", {"change": gateway.companies.change(who, uscc, change_id)})
