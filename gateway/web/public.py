"""Public verification (no login): the page a licence's QR code opens, a seal's code, and a small form."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from contracts.rpc import Invalid, OneStopError
from gateway.api.trust import check_document
from gateway.web.pages import CsrfChecked, GatewayDep, page_router, redirect, render

router = page_router(prefix="/verify")


@router.get("")
def verify_form(request: Request, kind: str | None = None, code: str = ""):
    """The small form; GET with ?kind=licence|seal&code=... goes to that code's page."""
    code = code.strip().upper()
    if code and kind in ("licence", "seal"):
        return redirect(request, f"/verify/{'licences' if kind == 'licence' else 'seals'}/{quote(code)}")
    return render(request, "verify.html", {"code": code})


@router.get("/licences/{uscc}")
def licence(request: Request, uscc: str, gateway: GatewayDep):
    try:
        result = gateway.verify.licence(uscc.strip().upper())
    except Invalid as exc:
        return render(request, "verify_result.html", {"kind": "licence", "code": uscc, "invalid": exc.message},
                      status_code=404)
    return render(request, "verify_result.html", {"kind": "licence", "code": uscc, "result": result},
                  status_code=200 if result.get("genuine") else 404)


@router.get("/seals/{code}")
def seal(request: Request, code: str, gateway: GatewayDep):
    try:
        result = gateway.verify.seal(code.strip())
    except Invalid as exc:
        return render(request, "verify_result.html", {"kind": "seal", "code": code, "invalid": exc.message},
                      status_code=404)
    # a seal we know answers 200 with its verdict (valid, not yet filed, void), as a revoked licence does
    return render(request, "verify_result.html", {"kind": "seal", "code": code, "result": result},
                  status_code=200 if result.get("seal") else 404)


@router.get("/documents")
def document_form(request: Request):
    """Upload a PDF: its signatures are checked against the OneStop root (and the seal CRL)."""
    return render(request, "verify_document.html", {})


@router.post("/documents", dependencies=[CsrfChecked])
async def document(request: Request, gateway: GatewayDep):
    form = await request.form()
    upload = form.get("document")
    data = await upload.read() if hasattr(upload, "read") else b""
    try:
        result = await run_in_threadpool(check_document, data, gateway)
    except OneStopError as exc:
        return render(request, "verify_document.html", {"error": exc.message}, status_code=exc.status)
    return render(request, "verify_document.html", {"result": result, "filename": getattr(upload, "filename", "")})
