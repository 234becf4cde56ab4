"""The seal bureau's use cases: store + domain + clock, one function per entrypoint.

Each function that changes state returns what the entrypoint must publish (application_id and the
outbox entries it just wrote), so service.py stays a thin shell and tests can call these directly.

Licence revocations are read from their own collection (one find_one by USCC) wherever they matter:
clerk actions, task views, public lookups. They never ride on the seal set, because a revocation may
arrive before the licence it revokes has made a set, and the automatic licence_issued path stays as
cheap as it was.
"""

from __future__ import annotations

import base64
import logging

from contracts import clock
from contracts.events import CompanyChanged, CompanyDeregistered, LicenceIssued
from contracts.rpc import Document, NotFound
from services.seal import documents, domain, views
from services.seal.store import SealStore

log = logging.getLogger(__name__)


def open_seal_set(store: SealStore, event: LicenceIssued) -> list[dict]:
    """Make the seal set for a licence: once, however often the event arrives. Its outbox entries
    (none for a duplicate). The electronic seals' certificates are not made here but on each seal's
    first use (esign.ElectronicSeals.credential): the automatic path writes the set and nothing else."""
    wanted = domain.requested_seals(event.seals)
    if not wanted:
        log.info("no seals requested", extra={"application_id": event.application_id})
        return []
    # Allocate first, then insert with _id = application_id. With the codes in this process's block,
    # no read first: a duplicate's insert finds the set and its codes are handed back (none wasted).
    # When drawing needs a round trip, the duplicate is looked for first: a replayed event never moves
    # the stored counter. Two workers racing on a redelivered event both allocate, but only one insert
    # lands: a loser's codes are at worst a gap, never issued, never two sets or two codes for a seal.
    district = event.licence.district_code
    codes = store.reserved_codes(district, len(wanted))
    if codes is None:
        if store.exists(event.application_id):
            log.info("seal set exists: duplicate licence_issued ignored",
                     extra={"application_id": event.application_id, "event_id": event.event_id})
            return []
        codes = store.allocate_codes(district, len(wanted))
    seal_set, events = domain.new_seal_set(event, codes, clock.now())
    entries = store.insert_set(seal_set, events)
    if entries is None:
        store.give_back_codes(district, codes)
        log.info("seal set exists: duplicate licence_issued ignored",
                 extra={"application_id": event.application_id, "event_id": event.event_id})
        return []
    log.info("seal set opened: %d seals", len(seal_set.seals), extra={"application_id": event.application_id})
    return entries


def renew_for_name_change(store: SealStore, seals, event: CompanyChanged) -> list[dict]:
    """名称变更: void the seals bearing the old name and make new ones (domain.renew_for_new_name), then
    revoke the old electronic seals' certificates (CRL); the new seals' are made on first use, as at
    start-up. Every step is idempotent, so a redelivered change finishes what a dead worker began."""
    if "name" not in event.changed or domain.BUREAU not in event.answerers:
        return []
    seal_set = store.by_uscc(event.uscc)
    if seal_set is None:
        return []  # answer_change waits for the licence_issued still on the way (NotYetKnown)
    entries: list[dict] = []
    if seal_set.licence_version is None or seal_set.licence_version < event.version:
        # allocated before the write, as at start-up: a lost race wastes codes, never issues them twice
        codes = store.allocate_codes(event.licence.district_code, len(domain.renewal_wanted(seal_set)))
        seal_set, entries = store.repo.change(
            {"uscc": event.uscc}, lambda s: domain.renew_for_new_name(s, event, codes, clock.now()),
            lambda: NotFound(f"没有该单位的印章：{event.uscc}"))
    replaced = [s.code for s in seal_set.seals if s.replaced_in == event.version and s.medium == "electronic"]
    if replaced:
        seals.revoke(replaced, clock.now(), domain.VOID_NAME_CHANGED)
    log.info("seals renewed for a new name", extra={"application_id": seal_set.application_id})
    return entries


def void_on_deregistration(store: SealStore, seals, event: CompanyDeregistered) -> None:
    """注销: every seal of the company is void from the deregistration on (lookups say so, with the
    date), its electronic certificates listed in the CRL."""
    seal_set = store.by_uscc(event.uscc)
    if seal_set is not None and seal_set.live():
        store.repo.change({"uscc": event.uscc},
                          lambda s: domain.void_on_deregistration(s, event.occurred_at),
                          lambda: NotFound(f"没有该单位的印章：{event.uscc}"))
    seals.revoke_company(event.uscc, event.occurred_at, domain.CERTIFICATE_DEREGISTERED)


# ---- clerk tasks: services/seal/clerk.py -------------------------------------------------------


# ---- public lookups and documents ------------------------------------------------------------


def lookup_seal(store: SealStore, code: str) -> dict:
    code = domain.check_seal_code(code)
    seal_set = store.by_code(code)
    revocation = store.revocations.get(seal_set.uscc) if seal_set else None
    return views.lookup_result(seal_set, code, revocation)


def list_seals(store: SealStore, uscc: str) -> list[dict]:
    seal_set = store.by_uscc(domain.check_uscc(uscc))
    if seal_set is None:
        raise NotFound(f"没有该单位的印章：{uscc}")
    revocation = store.revocations.get(seal_set.uscc)
    return [views.seal_view(seal_set, s, revocation) for s in seal_set.seals]


def _seal_set(store: SealStore, application_id: str) -> domain.SealSet:
    seal_set = store.get(str(application_id))
    if seal_set is None:
        raise NotFound(f"该申请没有印章记录：{application_id}")
    return seal_set


def list_documents(store: SealStore, application_id: str) -> list[dict]:
    return [r.model_dump(mode="json") for r in domain.document_refs(_seal_set(store, application_id))]


def get_document(store: SealStore, application_id: str, name: str, identity=None) -> dict:
    """`identity` (kit.pki.Identity) signs the filing certificate."""
    seal_set = _seal_set(store, application_id)
    ref = domain.check_document(seal_set, name)

    def render() -> Document:
        if ref.name == domain.CERTIFICATE:
            data = documents.render_certificate(seal_set, identity)
            filename = f"seal-certificate-{seal_set.uscc}.pdf"
        else:
            seal = domain.image_seal(seal_set, ref.name.removeprefix(domain.IMAGE_PREFIX))
            data, filename = documents.render_seal(seal_set, seal), f"seal-{seal.kind.value}-{seal.code}.png"
        return Document(name=ref.name, filename=filename, content_type=ref.content_type,
                        data_base64=base64.b64encode(data).decode("ascii"))

    # rendered once per state of the seals (a clerk task's moves change no document), then served as issued
    source = seal_set.model_dump(mode="json", exclude={"tasks"})
    return store.documents.issue(application_id, ref.name, source, render).model_dump(mode="json")


def font_health() -> str:
    """The CJK font every seal picture is drawn with: "ok", or "missing" (health() says degraded)."""
    try:
        documents.check_font()
    except documents.SealFontMissing:
        return "missing"
    return "ok"
