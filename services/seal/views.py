"""What the seal bureau's RPCs return: a clerk's task, a seal as anyone may see it, a lookup, and for the
electronic seals that sign (esign.py) a use, a signed file, a certificate's status, the seal data file and
the CRL. Each built through its contract (contracts/rpc/seal.py), the model the gateway validates with."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from contracts import clock
from contracts.calendar import DEADLINE_KEYS
from contracts.clock import in_china
from contracts.form import SEAL_KIND_LABELS
from contracts.revocation import Revocation, revocation_view
from contracts.rpc import Document, Task
from contracts.rpc.seal import CertificateStatus, SealLookup, SealUse, SealView, SignedDocument
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



# ---- electronic seals that sign (esign.py) --------------------------------------------------------


def use_view(use: dict[str, Any]) -> dict[str, Any]:
    """One stored use (`seal_uses`) as the company's record shows it: a use made with an Idempotency-Key is
    named by that key (its _id is `<uscc>:<key>`), times in China's time zone."""
    return SealUse(
        id=use["_id"].split(":", 1)[-1] if use.get("idempotency_key") else use["_id"], code=use["code"],
        kind=use["kind"], kind_label=SEAL_KIND_LABELS.get(use["kind"], use["kind"]),
        signed_at=_iso(use["signed_at"]), signer=use["signer"], document_sha256=use["document_sha256"],
        signed_sha256=use["signed_sha256"],
    ).model_dump(mode="json")


def signed_view(use: dict[str, Any], signed: bytes) -> dict[str, Any]:
    """`sign_document`'s reply: the use and the signed PDF."""
    return SignedDocument(use=use_view(use), pdf_base64=base64.b64encode(signed).decode()).model_dump(mode="json")


def certificate_status(credential: dict[str, Any], use: dict[str, Any] | None) -> dict[str, Any]:
    """A seal certificate as a public check sees it; `use`: our record of it signing the file asked
    about (None: not asked, or no such record), which alone makes `valid_when_signed` a yes or no."""
    revoked_at = credential.get("revoked_at")
    signed_at = use["signed_at"] if use else None
    return CertificateStatus(
        code=credential["_id"], kind=credential["kind"], uscc=credential["uscc"], revoked_at=_china(revoked_at),
        revocation_reason=credential.get("revocation_reason"), valid_now=revoked_at is None,
        recorded_signed_at=_china(signed_at),
        valid_when_signed=(revoked_at is None or (signed_at is not None and signed_at < revoked_at)) if use else None,
    ).model_dump(mode="json")


def seal_data_file(code: str, der: bytes) -> dict[str, Any]:
    """The seal's GB/T 38540 seal data (DER) as `<code>.esl`, for the company's own signing software."""
    return Document(name=f"seal.eseal.{code}", filename=f"{code}.esl", content_type="application/octet-stream",
                    data_base64=base64.b64encode(der).decode()).model_dump(mode="json")


def crl_view(der: bytes) -> str:
    return base64.b64encode(der).decode()  # the wire is JSON: the DER CRL travels as base64


def _china(moment: datetime | None) -> datetime | None:
    return in_china(moment) if moment else None


def _iso(moment: datetime | None) -> str | None:
    return in_china(moment).isoformat() if moment else None
