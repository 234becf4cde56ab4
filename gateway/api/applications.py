from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Header, Response

from gateway import receipt_pdf as receipt
from gateway.api.deps import GatewayDep, Who
from gateway.api.schemas import ApplicationDetail, ApplicationSummary

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])

FORM_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApplicationForm"}}},
    }
}


@router.post("", status_code=201, response_model=ApplicationDetail, openapi_extra=FORM_BODY,
             summary="Submit the one form")
def submit(
    who: Who,
    gateway: GatewayDep,
    response: Response,
    form: Annotated[dict[str, Any], Body()],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> dict:
    """422 lists every field error at once. The same `Idempotency-Key` from the same founder returns the
    application created the first time (header `Idempotent-Replayed: true`), never a second one."""
    view, created = gateway.applications.submit(who, form, idempotency_key)
    response.headers["Location"] = f"/api/v1/applications/{view['id']}"
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return view


@router.get("", response_model=list[ApplicationSummary], summary="My applications (operators: all)")
def list_applications(who: Who, gateway: GatewayDep) -> list[dict]:
    return gateway.applications.list(who)


@router.get("/{application_id}", response_model=ApplicationDetail, summary="Follow one application")
def get_application(application_id: str, who: Who, gateway: GatewayDep) -> dict:
    return gateway.applications.get(who, application_id)


@router.put("/{application_id}/correction", response_model=ApplicationDetail, openapi_extra=FORM_BODY,
            summary="Send the corrected form (only when a correction was requested)")
def correct(application_id: str, who: Who, gateway: GatewayDep,
            form: Annotated[dict[str, Any], Body()], confirm_unchanged: bool = False) -> dict:
    """A field the clerk flagged and sent back unchanged is a 422 on that field, unless
    `?confirm_unchanged=true` says it needs no change."""
    return gateway.applications.correct(who, application_id, form, confirm_unchanged)


@router.get("/{application_id}/documents/{name}", summary="Download a document the timeline lists",
            response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "image/png": {}},
                             "description": "The document"}})
def document(application_id: str, name: str, who: Who, gateway: GatewayDep) -> Response:
    download = gateway.applications.document(who, application_id, name)
    disposition = f"inline; filename*=UTF-8''{quote(download.filename)}"
    return Response(download.content, media_type=download.content_type,
                    headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"})


@router.get("/{application_id}/receipt.pdf", summary="受理回执 (acceptance receipt) as a PDF",
            response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "受理编号, submission time "
                             "(Beijing), what was received, every step's deadline"}})
def receipt_pdf(application_id: str, who: Who, gateway: GatewayDep) -> Response:
    """The founder's (or an operator's) record of the submission; rendered from the current state."""
    view = gateway.applications.get(who, application_id)
    return Response(receipt.render(view), media_type="application/pdf",
                    headers={"Content-Disposition": f"inline; filename*=UTF-8''{quote(receipt.filename(view))}",
                             "Cache-Control": "private, no-store"})
