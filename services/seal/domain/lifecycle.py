"""A seal set's life outside the clerk queue: made for a licence, renewed for a new name, voided on
deregistration, and what a change of details or a closing means for it."""

from __future__ import annotations

from datetime import datetime

from contracts.events import Blocker, CompanyChanged, Event, LicenceIssued
from contracts.form import SealKind, SealRequest
from kit import clerk as queue
from services.seal.domain.events import progress, queue_step, seals_filed
from services.seal.domain.model import (
    ELECTRONIC_MAKER,
    MEDIA,
    VOID_DEREGISTERED,
    VOID_NAME_CHANGED,
    Medium,
    SealRecord,
    SealSet,
)


def change_answer(seal_set: SealSet, event: CompanyChanged) -> tuple[str, dict, dict]:
    """What a change of details means for the filed seals. A name change has renewed the set already
    (`renew_for_new_name`): the answer names the void seals and their successors. Otherwise the
    seals stay valid; a new legal representative makes the name seal, which bears the old
    representative's name, one to stop using and re-engrave."""
    if "name" in event.changed:
        voided = [s.code for s in seal_set.seals if s.replaced_in == event.version]
        made = [s.code for s in seal_set.live()]
        pending = [s.code for s in seal_set.live() if not s.filed]
        summary = (f"已按新名称刻制新印章（{'、'.join(made)}），原印章（{'、'.join(voided)}）已作废"
                   + (f"；实物印章（{'、'.join(pending)}）刻制中" if pending else ""))
        return summary, {"seals_valid": [s.code for s in seal_set.live() if s.filed], "new_seals": made,
                         "voided": voided, "remake": pending}, {}
    codes = [s.code for s in seal_set.live()]
    name_seals = [s.code for s in seal_set.live() if s.kind == SealKind.legal_representative]
    new_rep = event.legal_representative.name if event.legal_representative else None
    if new_rep and new_rep != seal_set.legal_representative and name_seals:
        summary = (f"印章备案信息已更新；法定代表人已变更为{new_rep}，原法定代表人名章"
                   f"（{'、'.join(name_seals)}）应停止使用并申请重新刻制，其余印章继续有效")
        return summary, {"seals_valid": [c for c in codes if c not in name_seals], "remake": name_seals}, {}
    return "印章备案信息已更新，现有印章继续有效", {"seals_valid": codes, "remake": []}, {}


def clearance_blockers(seal_set: SealSet | None) -> list[Blocker]:
    """A closing: a physical seal still being made is an open order; filed seals are voided with the
    deregistration itself (company_deregistered), so they block nothing."""
    if seal_set is None:
        return []
    return [Blocker(item=f"印章{s.code}（{s.kind.value}）尚在刻制中",
                    todo="待刻制单位完成并备案后随注销一并缴销，或联系刻制单位撤销该印章订单")
            for s in seal_set.live() if not s.filed and s.status not in ("rejected",)]


def requested_seals(request: SealRequest) -> list[tuple[SealKind, Medium]]:
    """(kind, medium) for every seal to make, in a stable order; repeated kinds count once."""
    kinds = list(dict.fromkeys(request.kinds))
    media = [m for m in MEDIA if getattr(request, m)]
    return [(kind, medium) for kind in kinds for medium in media]



def make_seals(wanted: list[tuple[SealKind, Medium]], codes: list[str], now: datetime) -> list[SealRecord]:
    """One record per (kind, medium) with its fresh code: electronic seals are generated and their data
    filed in the same step, physical ones are ordered from an engraver (the clerk steps)."""
    return [
        SealRecord(
            code=code, kind=kind, medium=medium, created_at=now,
            status="filed" if medium == "electronic" else "ordered",
            filed_at=now if medium == "electronic" else None,
            engraver=ELECTRONIC_MAKER if medium == "electronic" else None,
        )
        for (kind, medium), code in zip(wanted, codes, strict=True)
    ]


def void_seals(seal_set: SealSet, reason: str, now: datetime) -> list[str]:
    """Void every live seal (it bears the set's current name) and close the physical steps still
    open for them; the codes voided."""
    voided = []
    for seal in seal_set.live():
        seal.status, seal.voided_at, seal.void_reason, seal.bears_name = "void", now, reason, seal_set.company_name
        voided.append(seal.code)
    for task in seal_set.tasks:
        if task.state == "open":
            task.state, task.finished_at, task.claimed_by, task.claim_expires_at = "rejected", now, None, None
            task.history.append(queue.history_entry("system", "void", {"reason": reason}, now))
    return voided


def void_on_deregistration(seal_set: SealSet, at: datetime) -> tuple[SealSet, list[Event]]:
    """注销: the company's seals bind nobody from its deregistration on (no event: registration's
    company_deregistered is the one the founder sees)."""
    void_seals(seal_set, VOID_DEREGISTERED, at)
    return seal_set, []


def renewal_wanted(seal_set: SealSet) -> list[tuple[SealKind, Medium]]:
    """A name change remakes each seal the company holds or has on order (not a refused order)."""
    return [(s.kind, s.medium) for s in seal_set.live() if s.status != "rejected"]


def renew_for_new_name(seal_set: SealSet, event: CompanyChanged, codes: list[str],
                       now: datetime) -> tuple[SealSet, list[Event]]:
    """名称变更: every seal bears the old name, so each is voided and made again under the new one
    (electronic at once, physical through the engraving steps). Once per licence version."""
    if seal_set.licence_version is not None and seal_set.licence_version >= event.version:
        return seal_set, []
    wanted = renewal_wanted(seal_set)
    voided = set(void_seals(seal_set, VOID_NAME_CHANGED, now))
    for seal in seal_set.seals:
        if seal.code in voided:
            seal.replaced_in = event.version
    seal_set.seals.extend(make_seals(wanted, codes, now))
    seal_set.company_name = event.licence.company_name
    seal_set.legal_representative = event.licence.legal_representative
    seal_set.licence_issued_at, seal_set.licence_version = event.licence.issued_at, event.version
    seal_set.tracking_number = None
    return seal_set, ([queue_step(seal_set, "engraving", now)] if seal_set.physical() else [])


def new_seal_set(event: LicenceIssued, codes: list[str], now: datetime) -> tuple[SealSet, list[Event]]:
    """The seal set for a licence, given one freshly allocated code per requested seal."""
    wanted = requested_seals(event.seals)
    if len(codes) != len(wanted):
        raise ValueError(f"{len(wanted)} seals need {len(wanted)} codes, got {len(codes)}")
    seals = make_seals(wanted, codes, now)
    seal_set = SealSet(
        application_id=event.application_id,
        uscc=event.licence.uscc,
        company_name=event.licence.company_name,
        legal_representative=event.legal_representative.name,
        district_code=event.licence.district_code,
        licence_issued_at=event.licence.issued_at,
        delivery=event.seals.delivery,
        postal_address=event.seals.postal_address,
        created_at=now,
        seals=seals,
    )
    events: list[Event] = []
    if seal_set.all_filed():
        events.append(seals_filed(seal_set))
    else:
        electronic = [s.code for s in seals if s.medium == "electronic"]
        if electronic:
            events.append(progress(seal_set, "electronic_seals_filed", {"codes": electronic}))
        events.append(queue_step(seal_set, "engraving", now))
    return seal_set, events
