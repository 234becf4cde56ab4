"""Signed licences: the registration authority's public key (to verify licences offline) and, for
operators, revocation (then `verify` and the application's timeline show the licence as revoked)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from contracts.codes import is_valid_uscc
from contracts.rpc import Forbidden, Invalid, registration
from gateway.api.deps import GatewayDep, Who

router = APIRouter(tags=["licences"])


class Revocation(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=2, max_length=500)


@router.get("/.well-known/onestop-licence-key", summary="Public key that signs licence QR codes (no login)")
def licence_key(gateway: GatewayDep) -> registration.LicenceKey:
    """Ed25519; `public_key` is base64 of the raw 32 bytes. `onestop verify-licence FILE --key <this JSON>`."""
    return gateway.clients.registration.licence_public_key()


@router.post("/api/v1/operator/licences/{uscc}/revocation", summary="Revoke a licence (operators only)")
def revoke(uscc: str, body: Revocation, who: Who, gateway: GatewayDep) -> registration.LicenceRevocation:
    if not who.is_operator:
        raise Forbidden("只有运营人员可以吊销营业执照")
    if not is_valid_uscc(uscc):
        raise Invalid.with_fields("统一社会信用代码无效", [{"field": "uscc", "message": "请核对18位代码及校验码"}])
    return gateway.clients.registration.revoke_licence(uscc, body.reason)
