"""The seal bureau's RPC models for signing with an electronic seal, shared by the gateway and the seal
bureau: the gateway builds the request (its query parameters take their bounds from here, so the
OpenAPI says what the bureau accepts), the bureau validates it again, and both read the reply as
`SignedDocument`."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.rpc import Document, LicenceRevoked, Moment, Reply

# ASSUMPTION (2026-12-03): the visible seal's diameter, the range the seal bureau has accepted since
# electronic seals sign (a company's round seals are about 40 mm; smaller or larger stamps stay legible)
SEAL_DIAMETER_MM = (20.0, 60.0)
DEFAULT_SEAL_DIAMETER_MM = 42.0
MAX_IDEMPOTENCY_KEY = 200
PAGE_EXTENT_MM = 2000.0  # no PDF page a person signs is larger (A0 is 841 x 1189 mm)


class Placement(BaseModel):
    """Where the seal picture goes: the seal's centre (x, y) in mm from the page's bottom-left corner."""

    model_config = ConfigDict(extra="forbid")
    page: int = Field(1, ge=1, description="1 = the first page")
    x: float = Field(ge=0, le=PAGE_EXTENT_MM, description="mm from the page's left edge")
    y: float = Field(ge=0, le=PAGE_EXTENT_MM, description="mm from the page's bottom edge")
    size: float = Field(DEFAULT_SEAL_DIAMETER_MM, ge=SEAL_DIAMETER_MM[0], le=SEAL_DIAMETER_MM[1],
                        description="the seal's diameter in mm")


class Signer(BaseModel):
    """Who asked for the signature (the founder's account): kept in the seal's record of uses."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=64)
    name: str = Field("", max_length=100)


class SignRequest(BaseModel):
    """`sign_document(uscc, code, request)`: the PDF (base64), where to stamp it (None: an invisible
    signature), and the Idempotency-Key that makes a retry return the same signed file."""

    model_config = ConfigDict(extra="forbid")
    pdf_base64: str  # an empty or unreadable PDF is the bureau's to name (kit.pdfsign.readable_pdf)
    placement: Placement | None = None
    idempotency_key: str | None = Field(None, max_length=MAX_IDEMPOTENCY_KEY)
    signer: Signer


class SealUse(BaseModel):
    """One signature made with a seal, as the company's record of uses shows it."""

    model_config = ConfigDict(extra="forbid")
    id: str
    code: str
    kind: str
    kind_label: str
    signed_at: str | None
    signer: Signer
    document_sha256: str
    signed_sha256: str


class SignedDocument(BaseModel):
    """`sign_document`'s reply: the record of the use and the signed PDF (base64)."""

    model_config = ConfigDict(extra="forbid")
    use: SealUse
    pdf_base64: str


class SealView(Reply):
    """What anyone may see of a seal (`lookup_seal`, `list_seals`): never a personal ID."""

    code: str
    kind: str
    kind_label: str
    medium: Literal["physical", "electronic"]
    medium_label: str
    status: str
    status_label: str
    filed: bool
    filed_at: Moment | None
    engraver: str | None
    company_name: str  # the name the seal bears (a seal voided by a change of name keeps the old one)
    voided_on: date | None  # the day in China
    void_reason: str | None
    uscc: str
    licence_revoked: LicenceRevoked | None


class SealLookup(Reply):
    """`lookup_seal(code)`: genuine when we made it, it is filed, and the company's licence stands."""

    genuine: bool
    seal: SealView | None


class CertificateStatus(Reply):
    """`seal_certificate_status(serial, digest)` and `report_seal_lost`: a seal certificate as a public check
    sees it (times in China's time zone); `valid_when_signed` None unless the file's digest was given and
    our records say the seal signed it."""

    code: str
    kind: str
    uscc: str
    revoked_at: Moment | None
    revocation_reason: str | None
    valid_now: bool
    recorded_signed_at: Moment | None
    valid_when_signed: bool | None


# the reply of each RPC the gateway calls (contracts/rpc/replies.py)
REPLIES = {
    "lookup_seal": SealLookup,
    "sign_document": SignedDocument,
    "list_seal_uses": list[SealUse],
    "report_seal_lost": CertificateStatus,
    "electronic_seal_data": Document,
    "seal_crl": str,  # the CRL, DER, base64
    "seal_certificate_status": CertificateStatus | None,  # None: not a certificate we issued
}
