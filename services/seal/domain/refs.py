"""The documents a seal set has: the filing certificate and one impression per kind, once filed."""

from __future__ import annotations

from contracts.form import SEAL_KIND_LABELS
from contracts.rpc import DocumentRef, NotFound
from services.seal.domain.model import MEDIA, SealRecord, SealSet

CERTIFICATE = "seal.certificate"
IMAGE_PREFIX = "seal.image."


def image_seal(seal_set: SealSet, kind: str) -> SealRecord | None:
    """The filed seal whose impression is document seal.image.<kind>: the electronic one if chosen."""
    filed = [s for s in seal_set.seals if s.kind.value == kind and s.filed]
    filed.sort(key=lambda s: MEDIA.index(s.medium))
    return filed[0] if filed else None


def document_refs(seal_set: SealSet) -> list[DocumentRef]:
    """Documents exist once their seals are filed: the filing certificate and one image per kind."""
    if not any(s.filed for s in seal_set.seals):
        return []
    refs = [DocumentRef(name=CERTIFICATE, title="印章备案证明")]
    for kind in dict.fromkeys(s.kind for s in seal_set.seals):
        if image_seal(seal_set, kind.value):
            refs.append(DocumentRef(name=f"{IMAGE_PREFIX}{kind.value}", title=f"{SEAL_KIND_LABELS[kind]}印模",
                                    content_type="image/png"))
    return refs


def check_document(seal_set: SealSet, name: str) -> DocumentRef:
    for ref in document_refs(seal_set):
        if ref.name == name:
            return ref
    raise NotFound(f"没有这份印章文件：{name}")
