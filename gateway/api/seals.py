"""Electronic seals that sign: the founder sends a PDF, the seal bureau signs it with the company's seal
(its key never leaves the bureau), every use is recorded and listed to the company."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from contracts.rpc import FieldError, UnsupportedMedia, seal
from gateway.api.deps import GatewayDep, Who

router = APIRouter(prefix="/api/v1/companies/{uscc}/seals", tags=["seals"])


def pdf_content_type(request: Request) -> None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/pdf":
        message = "请以 Content-Type: application/pdf 上传PDF文件本身"
        raise UnsupportedMedia.with_fields(message, [FieldError(field="content-type", message=message)])


@router.post("/{code}/signatures", summary="Sign a PDF with one of the company's electronic seals",
             response_class=Response, responses={200: {"content": {"application/pdf": {}}}},
             openapi_extra={"requestBody": {"required": True, "content": {"application/pdf": {
                 "schema": {"type": "string", "format": "binary"}}}}})
async def sign(uscc: str, code: str, request: Request, who: Who, gateway: GatewayDep,
               page: Annotated[int | None, Query(ge=1, description="page for the visible seal (1 = first)")] = None,
               x: Annotated[float | None, Query(ge=0, le=seal.PAGE_EXTENT_MM,
                                                description="seal centre, mm from the page's left edge")] = None,
               y: Annotated[float | None, Query(ge=0, le=seal.PAGE_EXTENT_MM,
                                                description="seal centre, mm from the page's bottom edge")] = None,
               size: Annotated[float, Query(ge=seal.SEAL_DIAMETER_MM[0], le=seal.SEAL_DIAMETER_MM[1],
                                            description="seal diameter in mm")] = seal.DEFAULT_SEAL_DIAMETER_MM,
               idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key",
                                                             max_length=seal.MAX_IDEMPOTENCY_KEY)] = None) -> Response:
    """The founder who owns the company only. Without `page`, the signature is invisible; with it, the
    seal's picture is stamped at (x, y). The same Idempotency-Key returns the same signed document."""
    pdf_content_type(request)
    data = await request.body()
    placement = {"page": page, "x": x, "y": y, "size": size} if page is not None else None
    result = await run_in_threadpool(gateway.companies.sign_with_seal, who, uscc, code, data, placement,
                                     idempotency_key)
    use = result["use"]
    return Response(base64.b64decode(result["pdf_base64"]), media_type="application/pdf",
                    headers={"X-Seal-Use-Id": use["id"], "X-Signed-SHA256": use["signed_sha256"],
                             "Content-Disposition": f'attachment; filename="sealed-{code}.pdf"'})


@router.get("/signatures", summary="Every document signed with the company's seals (who, when, hash)")
def uses(uscc: str, who: Who, gateway: GatewayDep) -> list[seal.SealUse]:
    return gateway.companies.list_seal_uses(who, uscc)


@router.get("/{code}/eseal", summary="The seal's GB/T 38540 electronic seal data (SESeal, DER `.esl`)",
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}})
def eseal(uscc: str, code: str, who: Who, gateway: GatewayDep) -> Response:
    """The founder who owns the company only: the seal data signed by the seal maker (the seal bureau's
    CA), with the seal's certificate and picture, for signing software that reads GB/T 38540 seals.
    Anyone can check it at `POST /api/v1/verify/eseals`."""
    download = gateway.companies.electronic_seal_data(who, uscc, code)
    return Response(download.content, media_type=download.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{download.filename}"'})


class Loss(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=2, max_length=200)


@router.post("/{code}/loss", summary="Report an electronic seal lost: its certificate is revoked at once")
def report_lost(uscc: str, code: str, body: Loss, who: Who, gateway: GatewayDep) -> seal.CertificateStatus:
    return gateway.companies.report_seal_lost(who, uscc, code, body.reason)
