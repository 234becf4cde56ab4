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
from contracts.events import LicenceIssued
from contracts.rpc import Document, NotFound
from kit.mongo import database_health
from services.seal import documents, domain
from services.seal.store import SealStore

log = logging.getLogger(__name__)


def open_seal_set(store: SealStore, event: LicenceIssued) -> list[dict]:
    """Make the seal set for a licence: once, however often the event arrives."""
    wanted = domain.requested_seals(event.seals)
    if not wanted:
        log.info("no seals requested", extra={"application_id": event.application_id})
        return []
    if store.exists(event.application_id):  # the common duplicate: no codes wasted
        log.info("seal set exists: duplicate licence_issued ignored",
                 extra={"application_id": event.application_id, "event_id": event.event_id})
        return []
    # Allocate first, then insert with _id = application_id. Two workers racing on a redelivered
    # event both allocate, but only one insert lands: the loser's codes are wasted (a gap in the
    # sequence), never issued, and the application never gets two sets or two codes for one seal.
    codes = store.allocate_codes(event.licence.district_code, len(wanted))
    seal_set, events = domain.new_seal_set(event, codes, clock.now())
    entries = store.insert_set(seal_set, events)
    if entries is None:
        log.warning("lost a race for this seal set; codes %s stay unused", codes,
                    extra={"application_id": event.application_id})
        return []
    log.info("seal set opened: %d seals", len(seal_set.seals), extra={"application_id": event.application_id})
    return entries


# ---- clerk tasks: services/seal/clerk.py -------------------------------------------------------


# ---- public lookups and documents ------------------------------------------------------------


def lookup_seal(store: SealStore, code: str) -> dict:
    code = domain.check_seal_code(code)
    seal_set = store.by_code(code)
    revocation = store.revocations.get(seal_set.uscc) if seal_set else None
    return domain.lookup_result(seal_set, code, revocation)


def list_seals(store: SealStore, uscc: str) -> list[dict]:
    seal_set = store.by_uscc(domain.check_uscc(uscc))
    if seal_set is None:
        raise NotFound(f"没有该单位的印章：{uscc}")
    revocation = store.revocations.get(seal_set.uscc)
    return [domain.seal_view(seal_set, s, revocation) for s in seal_set.seals]


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


def health(store: SealStore) -> dict:
    database = database_health(store.ping)
    try:
        documents.check_font()
        font = "ok"
    except documents.SealFontMissing:
        font = "missing"
    ok = database == "ok" and font == "ok"
    return {"service": domain.BUREAU, "status": "ok" if ok else "degraded", "database": database, "font": font}
