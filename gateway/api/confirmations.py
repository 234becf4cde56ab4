"""Confirming an application one is named on, from one's own verified account (gateway/confirmations.py)."""

from __future__ import annotations

from fastapi import APIRouter

from contracts.rpc import registration
from gateway.api.deps import GatewayDep, Who
from gateway.api.schemas import ConfirmationRequest
from gateway.confirmations import Decision

router = APIRouter(prefix="/api/v1/confirmations", tags=["confirmations"])


@router.get("", response_model=list[ConfirmationRequest], summary="Applications waiting for my confirmation")
def awaiting(who: Who, gateway: GatewayDep) -> list[dict]:
    """Found by the resident ID my account holds (one account per number): an application naming me
    appears here once I sign up with that number. 403 if my identity is not verified."""
    return gateway.confirmations.awaiting(who)


@router.get("/{application_id}", response_model=ConfirmationRequest, summary="One application naming me")
def one(application_id: str, who: Who, gateway: GatewayDep) -> dict:
    return gateway.confirmations.get(who, application_id)


@router.put("/{application_id}", response_model=ConfirmationRequest, summary="Confirm or decline")
def decide(application_id: str, body: Decision, who: Who, gateway: GatewayDep) -> dict:
    """`{"decision": "confirm"}` or `{"decision": "decline", "reason": "..."}`. Repeating the same decision
    is harmless; changing it is a 409. The last confirmation sends the application to the bureaus; a
    decline withdraws it, with the reason shown to the founder."""
    return gateway.confirmations.decide(who, application_id, body)


changes = APIRouter(prefix="/api/v1/change-confirmations", tags=["confirmations"])


@changes.get("", summary="Changes of details naming me, waiting for my confirmation")
def changes_awaiting(who: Who, gateway: GatewayDep) -> list[registration.ChangeConfirmation]:
    """A change that names someone newly (a shareholder, director, manager, legal representative) is
    registered only once each of them confirms. 403 if my identity is not verified."""
    return gateway.companies.change_confirmations(who)


@changes.put("/{uscc}/{change_id}", summary="Confirm or decline a change naming me")
def decide_change(uscc: str, change_id: str, body: Decision, who: Who,
                  gateway: GatewayDep) -> registration.ChangeConfirmation:
    """The last confirmation registers the change (or publishes a capital decrease); a decline ends it."""
    return gateway.companies.decide_change(who, uscc, change_id, body.model_dump(exclude_none=True))
