"""The founder's pages: the one form, my applications, one application with live progress, the
correction form, downloads, and the live name check the form calls while a trade name is typed."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.responses import JSONResponse, Response

from contracts.form import pydantic_field_errors
from contracts.rpc import Conflict, FieldError, Forbidden, Invalid, OneStopError
from contracts.rpc.bank import AppointmentChoice
from gateway import namecheck, receipt_pdf, replies
from gateway.applications import UNCHANGED
from gateway.drafts import new_draft_id
from gateway.receipts import ReceiptService
from gateway.staffing import EmployeeRequest, status_of, with_medical_bases
from gateway.web import formdata
from gateway.web import session as sessions
from gateway.web.pages import (
    CsrfChecked,
    Founder,
    GatewayDep,
    current_principal,
    env,
    page_router,
    redirect,
    render,
)
from gateway.web.texts import field_label

router = page_router()

FINAL = ("completed", "rejected", "revoked", "withdrawn")
STAFFED = ("licensed", "completed")  # a company exists: its staff can change


@router.get("/apply")
def apply_page(request: Request, who: Founder, gateway: GatewayDep):
    """The new-application form, resumed from the founder's draft if there is one (any device)."""
    blank = formdata.blank_form(gateway.store.account(who.id) or {})
    draft = gateway.drafts.current(who)
    values = formdata.from_draft(draft["fields"], blank) if draft else blank
    return _form_page(request, values, {}, mode="new", draft=draft)


@router.put("/apply/draft")
async def save_draft(request: Request, gateway: GatewayDep):
    """Autosave (static/drafts.js). JSON in and out, never a redirect: an expired session is a 401
    the page can say something about, while the browser keeps its own copy."""
    who = current_principal(request)
    if who is None:
        return JSONResponse({"code": "UNAUTHENTICATED", "message": "登录已过期，请重新登录"}, status_code=401)
    if not sessions.load(request).csrf_ok(request.headers.get(sessions.CSRF_HEADER)):
        return JSONResponse({"code": "CSRF", "message": "页面已过期，请刷新"}, status_code=403)
    try:
        body = await request.json()
    except ValueError:
        body = None
    try:
        saved = gateway.drafts.save(who, body)
    except (Invalid, Forbidden) as exc:
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)
    return JSONResponse(saved, headers={"Cache-Control": "no-store"})


@router.post("/apply/draft/discard", dependencies=[CsrfChecked])
def discard_draft(request: Request, who: Founder, gateway: GatewayDep):
    gateway.drafts.discard(who)
    return redirect(request, "/apply?fresh=1")


@router.post("/apply", dependencies=[CsrfChecked])
async def submit(request: Request, who: Founder, gateway: GatewayDep):
    posted = await request.form()
    data = formdata.parse(posted)
    # one key per rendering of the form: a double click or a resent POST is the same application
    key = str(posted.get("form_marker") or "") or None

    def run():
        try:
            view, _ = gateway.applications.submit(who, data, key)
        except (Invalid, Conflict, Forbidden) as exc:  # Forbidden: the contact is not verified yet
            return _form_page(request, data, formdata.errors_by_field(exc.field_errors), mode="new",
                              message=exc.message, status_code=exc.status,
                              draft=gateway.drafts.current(who))
        gateway.drafts.discard(who)  # submitted: the next /apply starts a new form
        return redirect(request, f"/applications/{quote(view['id'])}?submitted=1")

    return await run_in_threadpool(run)


@router.get("/applications")
def my_applications(request: Request, who: Founder, gateway: GatewayDep):
    return render(request, "applications.html", {"rows": gateway.applications.list(who)})


@router.get("/applications/{app_id}")
def application_page(request: Request, app_id: str, who: Founder, gateway: GatewayDep):
    return _application_page(request, app_id, who, gateway)


def _application_page(request: Request, app_id: str, who, gateway, status_code: int = 200, **staffing: Any):
    view = gateway.applications.get(who, app_id)
    receipt = ReceiptService(gateway.store).receipt(who, app_id)
    context = {"app": view, "final": view["status"] in FINAL, "receipt": receipt, "staff": None,
               "hire_request_id": uuid.uuid4().hex, "hire_values": {}, **staffing}
    uscc = (view.get("outputs") or {}).get("uscc")
    if uscc and view["status"] in STAFFED:
        try:
            context["staff"] = gateway.staffing.list_staff(who, uscc)
        except OneStopError as exc:  # social security not registered yet, or unreachable: say so
            context["staff"], context["staff_error"] = [], context.get("staff_error") or exc.message
        try:  # each employee's medical-insurance base beside the row (the base bureau's own answer, live)
            members = gateway.companies.medical_members(who, uscc) if context["staff"] else []
        except OneStopError as exc:  # not registered yet or unreachable: the rows say "—" and why
            members, context["medical_error"] = [], exc.message
        context["staff"] = with_medical_bases(context["staff"], members)
    return render(request, "application.html", context, status_code=status_code)


@router.post("/applications/{app_id}/staff", dependencies=[CsrfChecked])
async def hire(request: Request, app_id: str, who: Founder, gateway: GatewayDep):
    """增员 from the company page: the same fan-out as the API; the hidden request_id (one per rendering
    of the form) makes a resent form the same request at every bureau."""
    posted = await request.form()
    values = {k: str(posted.get(k) or "").strip() for k in ("name", "resident_id", "start_date", "monthly_wage")}

    def run():
        uscc = (gateway.applications.get(who, app_id).get("outputs") or {}).get("uscc") or ""
        try:
            employee = EmployeeRequest.model_validate(values)
        except ValidationError as exc:
            errors = "；".join(f"{field_label(e.field)}：{e.message}" for e in pydantic_field_errors(exc))
            return _application_page(request, app_id, who, gateway, 422, staff_error=f"员工信息有误：{errors}",
                                     hire_values=values)
        result = gateway.staffing.hire(who, uscc, employee, str(posted.get("request_id") or "")[:100] or None)
        return _application_page(request, app_id, who, gateway, status_of(result, 200), staff_result=result,
                                 hire_values={} if result["outcome"] != "refused" else values)

    return await run_in_threadpool(run)


@router.post("/applications/{app_id}/bank-appointment", dependencies=[CsrfChecked])
async def move_bank_appointment(request: Request, app_id: str, who: Founder, gateway: GatewayDep):
    """改约 from the company page: the bank answers each field (a full slot on the slot)."""
    posted = await request.form()
    values = {k: str(posted.get(k) or "").strip()[:n] for k, n in (("appointment_date", 10), ("appointment_slot", 11))}

    def run():
        uscc = (gateway.applications.get(who, app_id).get("outputs") or {}).get("uscc") or ""
        try:
            moved = gateway.companies.move_bank_appointment(who, uscc, AppointmentChoice.model_validate(values))
        except (Invalid, Conflict) as exc:
            errors = exc.field_errors or [FieldError(field="appointment_slot", message=exc.message)]
            return _application_page(request, app_id, who, gateway, exc.status, bank_errors=errors, bank_values=values)
        return _application_page(request, app_id, who, gateway, 200, bank_result=moved)

    return await run_in_threadpool(run)


@router.post("/applications/{app_id}/staff/{employee_id}/leave", dependencies=[CsrfChecked])
async def leave(request: Request, app_id: str, employee_id: str, who: Founder, gateway: GatewayDep):
    posted = await request.form()

    def run():
        uscc = (gateway.applications.get(who, app_id).get("outputs") or {}).get("uscc") or ""
        try:
            end = date.fromisoformat(str(posted.get("end_date") or ""))
        except ValueError:
            return _application_page(request, app_id, who, gateway, 422, staff_error="离职日期：日期格式应为 YYYY-MM-DD")
        result = gateway.staffing.leave(who, uscc, employee_id, end)
        return _application_page(request, app_id, who, gateway, status_of(result, 200), staff_result=result)

    return await run_in_threadpool(run)


@router.get("/applications/{app_id}/live")
def application_live(request: Request, app_id: str, who: Founder, gateway: GatewayDep):
    """What the page polls: the status and the re-rendered progress section (same template)."""
    view = gateway.applications.get(who, app_id)
    html = env.get_template("_progress.html").render(app=view, request=request)
    return JSONResponse({"status": view["status"], "final": view["status"] in FINAL, "html": html},
                        headers={"Cache-Control": "no-store"})


@router.get("/applications/{app_id}/correction")
def correction_page(request: Request, app_id: str, who: Founder, gateway: GatewayDep):
    view = gateway.applications.get(who, app_id)
    if view["status"] != "correction_requested":
        return redirect(request, f"/applications/{quote(app_id)}")
    return _form_page(request, view["form"], {}, mode="correction", app=view)


@router.post("/applications/{app_id}/correction", dependencies=[CsrfChecked])
async def correct(request: Request, app_id: str, who: Founder, gateway: GatewayDep):
    posted = await request.form()
    data = formdata.parse(posted)
    confirmed = posted.get("confirm_unchanged") == "true"
    text = str(posted.get(replies.TEXT_FIELD) or "") if isinstance(posted.get(replies.TEXT_FIELD), str) else ""
    file = posted.get(replies.FILE_FIELD)
    upload = None
    if isinstance(file, StarletteUpload) and file.filename:  # an empty file input posts a nameless part
        upload = replies.Upload(file.filename, file.content_type or "", await file.read(replies.MAX_BYTES + 1))

    def run():
        try:
            gateway.applications.correct(who, app_id, data, confirmed, reply=(text, upload))
        except Invalid as exc:
            view = gateway.applications.get(who, app_id)
            return _form_page(request, data, formdata.errors_by_field(exc.field_errors), mode="correction",
                              app=view, message=exc.message, status_code=422,
                              ask_unchanged=exc.message == UNCHANGED, reply_text=text)
        return redirect(request, f"/applications/{quote(app_id)}")

    return await run_in_threadpool(run)


@router.get("/applications/{app_id}/receipt.pdf")
def receipt_download(app_id: str, who: Founder, gateway: GatewayDep):
    """受理回执: the founder's PDF record of the submission (gateway/receipt_pdf.py)."""
    view = gateway.applications.get(who, app_id)
    return Response(receipt_pdf.render(view), media_type="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(receipt_pdf.filename(view))}",
                             "Cache-Control": "private, no-store"})


@router.get("/applications/{app_id}/replies/{reply_id}/attachment")
def reply_attachment(request: Request, app_id: str, reply_id: str, gateway: GatewayDep):
    """The file of a correction reply: its founder, or a registration clerk (the bureau that asked)."""
    who = current_principal(request)
    if who is None:
        return redirect(request, f"/login?next={quote(request.url.path)}")
    file = replies.download(gateway.store, who, app_id, reply_id)
    return Response(file.content, media_type=file.content_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(file.filename)}",
                             "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


@router.get("/applications/{app_id}/documents/{name}")
def download(app_id: str, name: str, who: Founder, gateway: GatewayDep):
    file = gateway.applications.document(who, app_id, name)
    return Response(file.content, media_type=file.content_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(file.filename)}",
                             "Cache-Control": "private, no-store"})


@router.get("/apply/name-check")
def name_check(who: Founder, gateway: GatewayDep, name: str = "", district_code: str | None = None,
               scope: str = "", application: str | None = None):
    """The registration bureau's name check for the name being typed (read-only, so a GET).
    `application`: the founder's own application being corrected, whose reserved name is no conflict."""
    codes = [c for c in scope.split(",") if c] or None
    if not name.strip():
        return JSONResponse({"ok": False, "name": "", "problems": []})
    if application:
        gateway.applications.get(who, application)  # NotFound unless it is this founder's
    gateway.quotas.take(who, "name_check")  # gateway/quotas.py
    result = namecheck.check(gateway.clients.registration, name.strip()[:80], district_code, codes, application)
    return JSONResponse(result, headers={"Cache-Control": "no-store"})


def _form_page(request: Request, values: dict[str, Any], errors: dict[str, list[str]], mode: str,
               app: dict | None = None, message: str | None = None, status_code: int = 200,
               draft: dict | None = None, ask_unchanged: bool = False, reply_text: str = "") -> Response:
    flagged: list[str] = []
    reasons: list[str] = []
    if app is not None:
        step = next((s for s in app["steps"] if s["bureau"] == "registration"), {})
        flagged, reasons = step.get("fields") or [], step.get("reasons") or []
    return render(request, "form.html", {
        "values": values, "errors": errors, "mode": mode, "app": app, "message": message,
        "flagged": flagged, "reasons": reasons, "form_marker": uuid.uuid4().hex, "ask_unchanged": ask_unchanged,
        "reply_text": reply_text,
        "draft": {"id": (draft or {}).get("draft_id") or new_draft_id(), "saved_at": (draft or {}).get("saved_at", 0),
                  "step": (draft or {}).get("step", 0), "resumed": bool(draft)},
        "v": lambda path, default="": formdata.value(values, path, default),
        "is_flagged": lambda key: any(f == key or f.startswith(key + ".") for f in flagged),
    }, status_code=status_code)
