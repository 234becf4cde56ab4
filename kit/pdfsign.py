"""PAdES signatures (pyHanko) on the PDFs OneStop issues, and checking them.

`sign()` takes a rendered PDF, adds the PDF/A parts (kit.pdf.archive) and a PAdES-B-B signature
(ETSI.CAdES.detached, SHA-256) by a `kit.pki.Identity`, with the chain up to the OneStop root embedded.
The visible signature is an image (the bureau's round red seal) in a box on a page; without a box the
signature is invisible. Anyone can check it with `pyhanko sign validate --trust onestop-ca.pem`, or
`check()` here: the same pyHanko validation against the published root, offline.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from contracts import clock
from kit.pdf import Meta, archive
from kit.pki import Identity

FIELD = "OneStopSignature"
INK_OPACITY = 72  # percent
# what a signature's visible box holds: (page index, x1, y1, x2, y2) in PDF points from bottom-left
Box = tuple[int, float, float, float, float]


def sign(pdf: bytes, meta: Meta | None, signer: Identity, *, stamp=None, box: Box | None = None,
         reason: str = "", location: str = "", field_name: str = FIELD) -> bytes:
    """`stamp` is a PIL image (RGBA: transparent around the ink) drawn in `box`. `meta`: our own
    document, made archival (kit.pdf.archive); None: someone else's PDF, signed as it is."""
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    writer = archive(pdf, meta) if meta is not None else IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    spec = None
    if box is not None:
        page, *rect = box
        spec = fields.SigFieldSpec(field_name, on_page=page, box=tuple(rect))
    elif field_name not in _existing_fields(writer):
        spec = fields.SigFieldSpec(field_name)
    from pyhanko.pdf_utils import layout

    # the image fills the box: no margins (the seal's ring is its own border)
    fill = layout.SimpleBoxLayoutRule(x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
                                      margins=layout.Margins.uniform(0))
    style = StaticStampStyle(background=PdfImage(stamp, writer=writer), border_width=0, background_opacity=1.0,
                             background_layout=fill) if stamp is not None else None
    signature_meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None, location=location or None)
    pdf_signer = signers.PdfSigner(signature_meta, signer=signer.pyhanko_signer(), stamp_style=style,
                                   new_field_spec=spec)
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()


def _existing_fields(writer) -> set[str]:
    from pyhanko.sign.fields import enumerate_sig_fields

    return {name for name, _value, _ref in enumerate_sig_fields(writer)}


# ---- uploads ---------------------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def readable_pdf(data: Any, max_bytes: int = MAX_UPLOAD_BYTES) -> bytes:
    """An uploaded PDF we can sign or check, else a typed error with the reason (in Chinese):
    empty, too large, not a PDF, encrypted, or unreadable."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    from contracts.rpc import FieldError, Invalid, TooLarge, UnsupportedMedia

    def refuse(kind, message):
        return kind.with_fields(message, [FieldError(field="document", message=message)])

    if not isinstance(data, bytes | bytearray) or not data:
        raise refuse(Invalid, "请上传PDF文件（请求体为空）")
    if len(data) > max_bytes:
        raise refuse(TooLarge, f"PDF文件不能超过{max_bytes // (1024 * 1024)}MB")
    if not bytes(data[:1024]).lstrip().startswith(b"%PDF-"):
        raise refuse(UnsupportedMedia, "上传的不是PDF文件（文件头不是 %PDF-）")
    try:
        reader = PdfFileReader(io.BytesIO(bytes(data)), strict=False)
        if reader.encrypted:
            raise refuse(Invalid, "PDF文件已加密：请上传未加密的文件")
        if int(reader.root["/Pages"]["/Count"]) < 1:
            raise refuse(Invalid, "PDF文件没有页面")
    except (PdfError, KeyError, ValueError, TypeError, AttributeError, IndexError):
        raise refuse(Invalid, "PDF文件已损坏，无法读取") from None
    return bytes(data)


# ---- checking ------------------------------------------------------------------------------------


class NotSignedPdf(ValueError):
    """The bytes are no readable PDF, or the PDF carries no signature."""


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    valid: bool  # intact, cryptographically valid, chains to the trust root, whole file covered
    intact: bool
    trusted: bool
    covers_whole_file: bool
    signer: str  # the signing certificate's subject, readable
    signer_serial: str  # hex
    signed_at: datetime | None  # the signer's claimed time (no timestamp authority)
    revoked: bool
    summary: str

    def as_dict(self) -> dict:
        return {"field": self.field, "valid": self.valid, "intact": self.intact, "trusted": self.trusted,
                "covers_whole_file": self.covers_whole_file, "signer": self.signer,
                "signer_serial": self.signer_serial,
                "signed_at": self.signed_at.isoformat() if self.signed_at else None,
                "revoked": self.revoked, "summary": self.summary}


def _asn1(cert: x509.Certificate):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def check(pdf: bytes, roots: list[x509.Certificate], crls: list[bytes] = ()) -> list[SignatureCheck]:
    """Every signature in `pdf`, validated against `roots` (and `crls`, DER), never fetching anything.
    Raises NotSignedPdf for bytes that are no PDF or a PDF without signatures."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.errors import RevokedError

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise NotSignedPdf(f"not a readable PDF: {exc}") from None
    if not signatures:
        raise NotSignedPdf("the PDF carries no signature")
    usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)

    def validate(embedded, with_crls: bool):
        # validated at the process clock's moment (contracts.clock), the one the certificates were issued by
        context = ValidationContext(trust_roots=[_asn1(r) for r in roots], crls=list(crls) if with_crls else [],
                                    allow_fetching=False, revocation_mode="soft-fail", moment=clock.now())
        return validate_pdf_signature(embedded, context, key_usage_settings=usage)

    results = []
    for embedded in signatures:
        revoked = False
        try:
            try:
                status = validate(embedded, with_crls=True)
            except RevokedError:
                # the CRL lists the signer: say so, with what the signature is otherwise
                revoked, status = True, validate(embedded, with_crls=False)
        except (SignatureValidationError, PdfError, ValueError) as exc:
            results.append(SignatureCheck(embedded.field_name, False, False, False, False, "", "", None,
                                          False, f"signature unreadable: {exc}"))
            continue
        revoked = revoked or bool(getattr(status, "revoked", False))
        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        valid = bool(status.bottom_line) and whole and not revoked
        cert = status.signing_cert
        results.append(SignatureCheck(
            field=embedded.field_name, valid=valid, intact=bool(status.intact), trusted=bool(status.trusted),
            covers_whole_file=whole, signer=cert.subject.human_friendly if cert else "",
            signer_serial=format(cert.serial_number, "x") if cert else "",
            signed_at=status.signer_reported_dt, revoked=revoked, summary=_summary(status, whole, revoked)))
    return results


def _summary(status, whole: bool, revoked: bool) -> str:
    if not status.intact:
        return "文件在签名后被改动（摘要不符）"
    if not status.valid:
        return "签名值无效"
    if revoked:
        return "签名证书已吊销（CRL）"
    if not status.trusted:
        return "签名证书不能链接到 OneStop 根证书"
    if not whole:
        return "签名后文件又被追加修改"
    return "签名有效"


def seal_box(page: int, centre_x: float, centre_y: float, diameter: float) -> Box:
    half = diameter / 2
    return (page, centre_x - half, centre_y - half, centre_x + half, centre_y + half)


def bureau_sign(pdf: bytes, meta: Meta, signer: Identity, seal_name: str, box: Box, reason: str) -> bytes:
    """Sign as a bureau: its round red seal (`seal_name` along the arc, the star) is the visible
    signature, placed over the issue date as on a paper document."""
    return sign(pdf, meta, signer, stamp=_bureau_seal(seal_name), box=box, reason=reason, location="湖北省武汉市")


@lru_cache(maxsize=256)
def _bureau_seal(name: str):
    """Drawing a seal costs ~100 ms; a bureau has a handful of names: draw each once per process."""
    from kit.seal_image import round_seal

    seal = round_seal(name)
    # seal ink lets the printed date show through, as on paper
    seal.putalpha(seal.getchannel("A").point(lambda a: a * INK_OPACITY // 100))
    return seal
