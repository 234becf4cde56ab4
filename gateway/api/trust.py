"""What anyone needs to check an OneStop document without trusting our servers: the trust root and the
bureaus' certificates (PEM, no login), and a public check of a signed PDF.

    curl -O http://HOST/.well-known/onestop-ca.pem
    pyhanko sign validate --trust onestop-ca.pem --trust-replace licence.pdf
    curl --data-binary @licence.pdf -H 'Content-Type: application/pdf' http://HOST/api/v1/verify/documents
    curl --data-binary @1234567890123.esl -H 'Content-Type: application/octet-stream' http://HOST/api/v1/verify/eseals
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from contracts.clock import in_china
from contracts.rpc import FieldError, Invalid, NotFound, UnsupportedMedia
from gateway.api.deps import GatewayDep
from kit import pdfsign, pki, seseal

router = APIRouter(tags=["trust"])
PEM = "application/x-pem-file"
NAME = re.compile(r"^[a-z_]{1,40}$")


def _config(gateway) -> dict:
    return {"PKI_DIR": gateway.settings.pki_dir}


def _fingerprint(pem_text: str) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    return x509.load_pem_x509_certificate(pem_text.encode()).fingerprint(hashes.SHA256()).hex()


@router.get("/.well-known/onestop-ca.pem", summary="The OneStop trust root (PEM, no login)",
            response_class=Response, responses={200: {"content": {PEM: {}}}})
def root(gateway: GatewayDep) -> Response:
    return Response(pki.published(_config(gateway))["root"], media_type=PEM)


@router.get("/.well-known/onestop-ca/", summary="Index of the trust root and the bureaus' certificates")
def index(gateway: GatewayDep) -> dict[str, Any]:
    published = pki.published(_config(gateway))
    return {"root": {"url": "/.well-known/onestop-ca.pem", "sha256": _fingerprint(published["root"])},
            "certificates": {name: {"url": f"/.well-known/onestop-ca/{name}.pem", "sha256": _fingerprint(text)}
                             for name, text in published.items() if name != "root"},
            "bundle": "/.well-known/onestop-ca/bundle.pem"}


@router.get("/.well-known/onestop-ca/{name}.pem", summary="A bureau's signing certificate, or `bundle` (all)",
            response_class=Response, responses={200: {"content": {PEM: {}}}})
def certificate(name: str, gateway: GatewayDep) -> Response:
    published = pki.published(_config(gateway))
    if name == "bundle":
        return Response("".join(published.values()), media_type=PEM)
    if not NAME.match(name) or name not in published:
        raise NotFound(f"没有这张证书：{name}")
    return Response(published[name], media_type=PEM)


@router.get("/.well-known/onestop-ca/seal_ca.crl", summary="Revoked electronic-seal certificates (DER CRL)",
            response_class=Response, responses={200: {"content": {"application/pkix-crl": {}}}})
def seal_crl(gateway: GatewayDep) -> Response:
    return Response(base64.b64decode(gateway.clients.seal.seal_crl()), media_type="application/pkix-crl")


@router.post("/api/v1/verify/documents", summary="Check the signatures of a PDF (no login)",
             openapi_extra={"requestBody": {"required": True, "content": {"application/pdf": {
                 "schema": {"type": "string", "format": "binary"}}}}})
async def verify_document(request: Request, gateway: GatewayDep) -> dict[str, Any]:
    """Body: the PDF itself (`Content-Type: application/pdf`). Answers which certificate signed it,
    when (as the signer states), whether it chains to the OneStop root and whether the file is unchanged."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/pdf":
        message = "请以 Content-Type: application/pdf 上传PDF文件本身"
        raise UnsupportedMedia.with_fields(message, [FieldError(field="content-type", message=message)])
    data = await request.body()
    return await run_in_threadpool(check_document, data, gateway)


def check_document(data: bytes, gateway) -> dict[str, Any]:
    """pyHanko's verdict against the root and the seal CA's CRL, and for a company seal's signature what
    the seal bureau knows: which seal, revoked since when, valid when it signed this file."""
    pdf = pdfsign.readable_pdf(data)
    digest = hashlib.sha256(pdf).hexdigest()
    crl = base64.b64decode(gateway.clients.seal.seal_crl())
    try:
        checks = pdfsign.check(pdf, [pki.root_certificate(_config(gateway))], crls=[crl])
    except pdfsign.NotSignedPdf:
        return {"sha256": digest, "signed": False, "valid": False, "signatures": [],
                "summary": "该PDF没有数字签名"}
    signatures = []
    for check in checks:
        row = check.as_dict()
        row["seal"] = gateway.clients.seal.seal_certificate_status(check.signer_serial, digest) \
            if check.signer_serial else None
        signatures.append(row)
    return {"sha256": digest, "signed": True, "valid": all(c.valid for c in checks), "signatures": signatures,
            "summary": "；".join(c.summary for c in checks)}


@router.post("/api/v1/verify/eseals", summary="Check a GB/T 38540 electronic seal data file (SESeal, no login)",
             openapi_extra={"requestBody": {"required": True, "content": {"application/octet-stream": {
                 "schema": {"type": "string", "format": "binary"}}}}})
async def verify_eseal(request: Request, gateway: GatewayDep) -> dict[str, Any]:
    """Body: the `.esl` file itself. Answers whose seal it is, its validity, whether the seal maker's
    signature holds and chains to the OneStop root, and whether the seal bureau has revoked it."""
    data = await request.body()
    return await run_in_threadpool(check_eseal, data, gateway)


def check_eseal(data: bytes, gateway) -> dict[str, Any]:
    try:
        check = seseal.read(data, [pki.root_certificate(_config(gateway))])
    except seseal.NotASeal as exc:
        raise Invalid.with_fields(str(exc), [FieldError(field="body", message=str(exc))]) from None
    statuses = [gateway.clients.seal.seal_certificate_status(serial, None) for serial in check.signer_serials]
    known = all(s is not None for s in statuses)
    valid = check.maker_signature_valid and check.maker_trusted and known and all(s["valid_now"] for s in statuses)
    if not check.maker_signature_valid:
        summary = "制章人签名无效：印章数据已被改动"
    elif not check.maker_trusted:
        summary = "制章人证书不是OneStop信任根签发的"
    elif not known:
        summary = "本系统没有这枚印章的证书记录"
    elif not valid:
        summary = "该电子印章已吊销"
    else:
        summary = "电子印章数据完好，由印章制作单位签发，目前有效"
    return {"es_id": check.es_id, "name": check.name, "type": check.kind, "valid": valid, "summary": summary,
            "valid_from": in_china(check.valid_from).isoformat(), "valid_until": in_china(check.valid_until).isoformat(),
            "maker": check.maker, "maker_signature_valid": check.maker_signature_valid,
            "maker_trusted": check.maker_trusted, "picture_type": check.picture_type, "seals": statuses}
