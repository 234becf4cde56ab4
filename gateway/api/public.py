from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from contracts.changes import CreditorObjection
from contracts.closing import ObjectionRequest
from contracts.rpc import registration, seal
from gateway import health
from gateway.api.deps import GatewayDep, Who, client_address
from gateway.api.schemas import HealthOut, NameCheck

router = APIRouter(tags=["public"])


@router.get("/healthz/live", response_model=HealthOut, summary="The web process serves")
def live() -> dict:
    return {"status": "ok", "checks": {}}


@router.get("/healthz", response_model=HealthOut, responses={503: {"model": HealthOut}},
            summary="Database, broker and every bureau answer")
def ready(gateway: GatewayDep) -> Any:
    ok, checks = health.check(gateway)
    return JSONResponse({"status": "ok" if ok else "down", "checks": checks}, status_code=200 if ok else 503)


@router.post("/api/v1/name-checks", summary="Check a company name before submitting")
def check_name(body: NameCheck, who: Who, gateway: GatewayDep) -> registration.NameCheckResult:
    gateway.quotas.take(who, "name_check")
    return gateway.clients.registration.check_name(body.name, body.district_code, body.scope)


@router.get("/api/v1/verify/licences/{uscc}", summary="Is this licence genuine? (no login)")
def verify_licence(uscc: str, gateway: GatewayDep,
                   version: Annotated[int | None, Query(ge=1, le=10000)] = None) -> registration.Verification:
    """`version`: an older licence version (after a change of details) verifies as superseded, with
    the period it was valid."""
    return gateway.verify.licence(uscc, version)


@router.post("/api/v1/verify/licences/{uscc}/objections", status_code=201,
             summary="Object to a company's simplified deregistration during its notice (no login)")
def object_to_closure(uscc: str, body: ObjectionRequest, gateway: GatewayDep,
                      request: Request) -> registration.ClosureObjectionRecorded:
    """A department, creditor or other interested party (条例 art. 33). The objector and the reason are
    kept by registration; the public answer says only that it was recorded. Limited per client
    address and in all, per hour (429)."""
    return gateway.verify.object_to_closure(uscc, body, client_address(request))


@router.post("/api/v1/verify/licences/{uscc}/capital-objections", status_code=201,
             summary="A creditor objects to a company's capital decrease during its notice (no login)")
def object_to_decrease(uscc: str, body: CreditorObjection, gateway: GatewayDep,
                       request: Request) -> registration.CreditorObjectionRecorded:
    """公司法 art. 224: within the notice's 45 days a creditor may demand repayment (`repay`) or a
    guarantee (`guarantee`); the decrease is not registered until the company answers. The creditor
    and the reason are kept by registration for the company; the answer says only that it was
    recorded. 404 without an open decrease, 409 after its period; limited like closing objections (429)."""
    return gateway.verify.object_to_decrease(uscc, body, client_address(request))


@router.get("/api/v1/verify/seals/{code}", summary="Is this seal filed? (no login)")
def verify_seal(code: str, gateway: GatewayDep) -> seal.SealLookup:
    return gateway.verify.seal(code)
