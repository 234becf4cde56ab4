"""Public verification (no login): the page a licence's QR code opens, a seal's code, and a small form."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from contracts.codes import is_valid_uscc
from contracts.rpc import Invalid, OneStopError
from gateway.api.trust import check_document
from gateway.web.pages import CsrfChecked, GatewayDep, page_router, redirect, render

router = page_router(prefix="/verify")


def kind_of_code(code: str) -> tuple[str | None, str]:
    """What a typed code is, told apart by its shape: (licence|seal, '') or (None, why not, in Chinese).
    A founder holding a seal and a licence should not have to know which code is which."""
    compact = "".join(code.split()).upper()
    if len(compact) == 13 and compact.isdigit():
        return "seal", ""
    if len(compact) == 18:
        if is_valid_uscc(compact):
            return "licence", ""
        return None, "这个18位代码不是有效的统一社会信用代码（校验位不符或含有不允许的字符），请核对营业执照上的代码"
    return None, (f"请输入18位统一社会信用代码（营业执照）或13位数字印章编码（印章），现在输入的是{len(compact)}位"
                  if compact else "请输入要验证的代码")


@router.get("")
def verify_form(request: Request, code: str | None = None, kind: str | None = None):
    """The small form; GET with ?code=... goes to that code's page, the code's shape telling a licence's
    18-character USCC from a seal's 13-digit code (`kind`, from older links, is not needed)."""
    if code is None:
        return render(request, "verify.html", {"code": ""})
    found, problem = kind_of_code(code)
    if found is None:
        return render(request, "verify.html", {"code": code.strip(), "errors": {"code": [problem]}}, status_code=422)
    compact = "".join(code.split()).upper()
    return redirect(request, f"/verify/{'licences' if found == 'licence' else 'seals'}/{quote(compact)}")


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
