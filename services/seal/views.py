"""What the seal bureau's RPCs return: a clerk's task, a seal as anyone may see it, a lookup."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts import clock
from contracts.calendar import DEADLINE_KEYS
from contracts.form import SEAL_KIND_LABELS
from contracts.revocation import Revocation, revocation_view
from contracts.rpc import Task
from contracts.rpc.seal import SealLookup, SealView
from kit import clerk as queue
from services.seal.domain import (
    BUREAU,
    MEDIUM_LABELS,
    STATUS_LABELS,
    SealRecord,
    SealSet,
    StepTask,
    offered_actions,
)


def task_view(seal_set: SealSet, task: StepTask, now: datetime, revocation: Revocation | None = None) -> Task:
    physical = seal_set.physical()
    details: dict[str, Any] = {
        "uscc": seal_set.uscc,
        "company_name": seal_set.company_name,
        "legal_representative": seal_set.legal_representative,
        "seals": [{"code": s.code, "kind": s.kind.value, "label": SEAL_KIND_LABELS[s.kind],
                   "status": s.status} for s in physical],
        "delivery": seal_set.delivery,
        "licence_revoked": revocation_view(revocation),
    }
    if task.kind in ("dispatch", "delivery"):
        details["postal_address"] = seal_set.postal_address
        details["tracking_number"] = seal_set.tracking_number
    return queue.task_view(
        bureau=BUREAU, id=task.id, kind=task.kind, application_id=seal_set.application_id,
        title=seal_set.company_name, reason=task.reason, state=task.state, created_at=task.created_at,
        deadline=task.model_dump(include=set(DEADLINE_KEYS)), claimed_by=task.claimed_by,
        claim_expires_at=task.claim_expires_at,
        actions=offered_actions(task.kind, revocation), details=details, history=task.history, now=now,
    )


def seal_view(seal_set: SealSet, seal: SealRecord, revocation: Revocation | None = None) -> dict[str, Any]:
    """What anyone may see of a seal: company, kind, medium, status, and the licence revocation that
    voids it (date and reason only). Never a personal ID."""
    return SealView(
        code=seal.code,
        kind=seal.kind.value,
        kind_label=SEAL_KIND_LABELS[seal.kind],
        medium=seal.medium,
        medium_label=MEDIUM_LABELS[seal.medium],
        status=seal.status,
        status_label=STATUS_LABELS[seal.status],
        filed=seal.filed,
        filed_at=seal.filed_at,
        engraver=seal.engraver,
        company_name=seal.bears_name or seal_set.company_name,
        voided_on=clock.china_date(seal.voided_at) if seal.voided_at else None,
        void_reason=seal.void_reason,
        uscc=seal_set.uscc,
        licence_revoked=revocation_view(revocation),
    ).model_dump(mode="json")


def lookup_result(seal_set: SealSet | None, code: str, revocation: Revocation | None = None) -> dict[str, Any]:
    """A seal is genuine when we made it, it is filed with the public security bureau, and its
    company's licence has not been revoked (a dead company's seal binds nobody)."""
    if seal_set is None:
        return SealLookup(genuine=False, seal=None).model_dump(mode="json")
    seal = next(s for s in seal_set.seals if s.code == code)
    return SealLookup(genuine=seal.filed and revocation is None,
                      seal=seal_view(seal_set, seal, revocation)).model_dump(mode="json")

