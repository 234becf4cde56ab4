"""Electronic seals that sign (电子印章 / 电子签章), as close to GB/T 38540-2020 as X.509 and PAdES allow.

GB/T 38540 defines an electronic seal as seal data (header, seal code, properties: kind, name,
validity, the signer certificates; the seal picture) signed by the seal maker, and 电子签章 as a digital
signature over a document with it. The libraries at hand (cryptography, pyHanko) speak X.509 and
CMS/PAdES, not the standard's SESeal ASN.1 structure nor SM2/SM3 end to end, so here:

- the seal maker is the seal bureau's issuing CA (`seal_ca`, below the OneStop root);
- each electronic seal is an ECDSA P-256 key pair and a certificate issued by that CA: subject = the
  company's name (O, CN with the seal kind), its USCC (organizationIdentifier), the seal code
  (serialNumber) and kind (OU); validity; and the seal data - code, kind, USCC, name and the version
  of the deterministic picture renderer - in a private extension (OID below). GB/T 38540 binds the
  picture's bytes; we bind what the picture is drawn from, because rendering it to hash it costs
  ~110-160 ms per seal on the automatic path (measured), where issuing key + certificate costs ~3 ms;
- 电子签章 = a PAdES signature with that key, the seal picture as the visible signature.
The standard's seal data itself (SESeal, v4) is built on request by `ElectronicSeals.eseal` (kit.seseal),
signed by the maker. What is missing against the standard: no SES_Signature objects (OFD's signature
structure; PDFs carry PAdES), SHA-256/ECDSA instead of SM3/SM2 (no maintained Python library signs with
SM2 end to end), no OFD.

The private key never leaves this service unencrypted: AES-256-GCM under the seal bureau's key
(`SEAL_KEY_ENCRYPTION_KEY`, base64 of 32 bytes; unset: generated once into PKI_DIR), the seal code
as associated data. A revoked seal (licence revoked, seal reported lost) is listed in the CA's CRL
(`/.well-known/onestop-ca/seal_ca.crl`, named in every seal certificate) and signs nothing more.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import uuid
from typing import Any

from bson import Binary
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from nameko.extensions import DependencyProvider
from pydantic import ValidationError

from contracts.clock import in_china, now
from contracts.form import SEAL_KIND_LABELS, pydantic_field_errors
from contracts.rpc import Conflict, FieldError, Invalid, NotFound
from contracts.rpc.seal import MAX_IDEMPOTENCY_KEY, Placement, SignRequest
from kit import pdfsign, pki, seseal
from services.seal import documents, views
from services.seal.domain import (
    CERTIFICATE_DEREGISTERED,
    ELECTRONIC_MAKER,
    VOID_NAME_CHANGED,
    SealRecord,
    SealSet,
)
from services.seal.store import UNSETTLED, ElectronicSealStore, SealStore

log = logging.getLogger(__name__)

CA_NAME = ELECTRONIC_MAKER  # the seal maker of GB/T 38540: the certificate that issues seal certificates
# a private arc (ITU-T X.667 UUID OID): OneStop seal data bound into a seal certificate
SEAL_DATA_OID = x509.ObjectIdentifier("2.25.203160570919246657710382304956581998618")
SEAL_YEARS = 5
PICTURE_RENDERER = "onestop-seal-image/1"
KEY_CONFIG = "SEAL_KEY_ENCRYPTION_KEY"
KEY_FILE = "seal-keys.aes"  # in PKI_DIR, where KEY_CONFIG is unset (the demo)
CRL_PATH = "/.well-known/onestop-ca/seal_ca.crl"
ESEAL_MM = (40, 20)  # the seal picture's display size in a SESeal: round seals 40 mm, the name seal 20 mm
MM = 72 / 25.4


def seal_ca(config: dict) -> pki.Identity:
    return pki.identity(config, "seal_ca", CA_NAME, ca=True)


def key_encryption_key(config: dict) -> AESGCM:
    """The configured key, else the demo's key file in PKI_DIR (made once). Where the deployment supplies
    the keys (ONESTOP_KEYS_SUPPLIED) nothing is made: each replica would encrypt with a key of its own,
    which the others cannot open; a file already there (a demo's seals moved on) is still read."""
    value = str(config.get(KEY_CONFIG) or "").strip()
    if not value:
        path = pki.pki_dir(config) / KEY_FILE
        if not path.exists():
            if pki.keys_supplied(config):
                raise pki.setting_missing(KEY_CONFIG, "seal", f"the key that encrypts the electronic seals' keys; "
                                                              f"{path} is absent too")
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as out:
                    out.write(base64.b64encode(AESGCM.generate_key(bit_length=256)).decode())
                log.warning("%s is not set: generated the seal key-encryption key in %s", KEY_CONFIG, path)
        value = path.read_text().strip()
    raw = base64.b64decode(value)
    if len(raw) != 32:
        raise ValueError(f"{KEY_CONFIG}: base64 of 32 bytes expected")
    return AESGCM(raw)


class ElectronicSeals:
    """Credentials (`electronic_seals`, _id = seal code) and uses (`seal_uses`) of electronic seals."""

    def __init__(self, sets: SealStore, ca: pki.Identity, kek: AESGCM, public_base_url: str):
        self.sets = sets  # the seal sets and licence revocations a new credential is checked against
        self.store = ElectronicSealStore(sets.db)
        self.ca, self.kek = ca, kek
        self.crl_url = public_base_url.rstrip("/") + CRL_PATH

    def ensure_indexes(self) -> None:
        self.store.ensure_indexes()

    # ---- credentials

    def credential(self, seal_set: SealSet, seal: SealRecord) -> dict[str, Any]:
        """The seal's certificate and encrypted key, made on the seal's first use (signing, its seal
        data, a loss report), not when it is filed: the licence_issued path then writes the seal set
        alone. Made once: _id = seal code, so racing makers insert one and the losers read it."""
        found = self.store.credential(seal.code)
        if found is None:
            found = self.store.insert_credential(self._make(seal_set, seal))
        return self._settled(found)

    def _settled(self, credential: dict[str, Any]) -> dict[str, Any]:
        """A credential made after its seal was voided or its licence revoked is revoked as the
        revocation would have revoked it, had it existed. Checked after the insert, against the state
        read then: a revoker writes its cause (the void set, the recorded revocation) before it revokes
        the certificates, so either it finds this credential or this check finds its cause. Until the
        check is done the credential stays marked unsettled (a maker killed in between): whoever reads
        it next (signing, the CRL, a status check) finishes the check."""
        if not credential.get(UNSETTLED):
            return credential
        return self.store.settle(credential["_id"], self._fate(credential))

    def _fate(self, credential: dict[str, Any]) -> tuple[Any, str] | None:
        """(since when, why) the credential's certificate must be revoked, the earliest cause; None: valid."""
        causes = []
        seal_set = self.sets.get(credential["application_id"])
        seal = next((s for s in seal_set.seals if s.code == credential["_id"]), None) if seal_set else None
        if seal is not None and seal.void:
            reason = VOID_NAME_CHANGED if seal.void_reason == VOID_NAME_CHANGED else CERTIFICATE_DEREGISTERED
            causes.append((seal.voided_at, reason))
        revocation = self.sets.revocations.get(credential["uscc"])
        if revocation is not None:
            causes.append((revocation.revoked_at, licence_revoked_reason(revocation.reason)))
        return min(causes, key=lambda cause: cause[0]) if causes else None

    def _make(self, seal_set: SealSet, seal: SealRecord) -> dict[str, Any]:
        key = pki.new_key()
        # the seal data the picture is drawn from (deterministically, kit.seal_image): rendering the
        # picture itself to hash it costs ~110-160 ms per seal, too much for the automatic path
        data = {"code": seal.code, "kind": seal.kind.value, "uscc": seal_set.uscc,
                "name": seal_set.company_name, "picture": PICTURE_RENDERER}
        name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, seal_set.company_name),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRCN-{seal_set.uscc}"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, SEAL_KIND_LABELS[seal.kind]),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, seal.code),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{seal_set.company_name}{SEAL_KIND_LABELS[seal.kind]}"),
        ])
        extensions = [
            (x509.UnrecognizedExtension(SEAL_DATA_OID, json.dumps(data, sort_keys=True).encode()), False),
            (x509.CRLDistributionPoints([x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(self.crl_url)], relative_name=None, reasons=None,
                crl_issuer=None)]), False),
        ]
        cert = pki.issue(name, key.public_key(), self.ca.certificate, self.ca.key, ca=False, years=SEAL_YEARS,
                         extensions=extensions)
        nonce = os.urandom(12)
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        doc = {"_id": seal.code, "uscc": seal_set.uscc, "application_id": seal_set.application_id,
               "kind": seal.kind.value, "certificate": pki.pem(cert), "serial": format(cert.serial_number, "x"),
               "key": Binary(nonce + self.kek.encrypt(nonce, der, seal.code.encode())),
               "issued_at": now(), "revoked_at": None, "revocation_reason": None, UNSETTLED: True}
        return doc

    def eseal(self, seal_set: SealSet, seal: SealRecord) -> bytes:
        """The seal's GB/T 38540 seal data (SESeal, kit.seseal), signed by the seal maker: built once, on
        first request (drawing the picture costs ~110-160 ms, kept off the automatic path), then stored
        with the credential; racing builders: the first stored stands."""
        credential = self.credential(seal_set, seal)
        if credential.get("eseal"):
            return bytes(credential["eseal"])
        cert = x509.load_pem_x509_certificate(credential["certificate"].encode())
        personal = seal.kind.value == "legal_representative"  # the name seal is a personal seal (type 2)
        data = seseal.SealData(
            es_id=seal.code, kind=seseal.PERSONAL if personal else seseal.ORGANISATION,
            name=f"{seal_set.company_name}{SEAL_KIND_LABELS[seal.kind]}", signer_certificates=[cert],
            created=credential["issued_at"], valid_from=cert.not_valid_before_utc, valid_until=cert.not_valid_after_utc,
            picture_png=documents.render_seal(seal_set, seal),
            width_mm=ESEAL_MM[1] if personal else ESEAL_MM[0], height_mm=ESEAL_MM[1] if personal else ESEAL_MM[0])
        der = seseal.build(data, self.ca.certificate, self.ca.key)
        return self.store.keep_eseal(seal.code, der)

    def _identity(self, credential: dict) -> pki.Identity:
        blob = bytes(credential["key"])
        der = self.kek.decrypt(blob[:12], blob[12:], credential["_id"].encode())
        key = serialization.load_der_private_key(der, password=None)
        cert = x509.load_pem_x509_certificate(credential["certificate"].encode())
        return pki.Identity(cert, key, (cert, self.ca.certificate, self.ca.root))

    # ---- signing

    def sign(self, seal_set: SealSet, code: str, request: SignRequest, licence_revoked) -> dict[str, Any]:
        """Sign the request's PDF with seal `code`; the same Idempotency-Key returns the same result."""
        seal = next((s for s in seal_set.seals if s.code == code and s.medium == "electronic"), None)
        if seal is None or not seal.filed:
            raise NotFound(f"该企业没有这枚已备案的电子印章：{code}")
        key = _idempotency_key(request.idempotency_key)
        pdf = pdfsign.readable_pdf(_decode(request.pdf_base64))
        digest = hashlib.sha256(pdf).hexdigest()
        use_id = f"{seal_set.uscc}:{key}" if key else uuid.uuid4().hex
        if key:
            done = self.store.use(use_id)
            if done:
                return _repeat(done, code, digest)
        credential = self.credential(seal_set, seal)
        if credential.get("revoked_at"):
            raise Conflict(f"该电子印章已于{_when(credential['revoked_at'])}吊销，不能再签章")
        if licence_revoked is not None:
            raise licence_revoked.refusal("电子印章不能再签章")
        box = _box(pdf, request.placement)
        stamp = documents.seal_image(seal_set, seal) if box else None
        signed = pdfsign.sign(pdf, None, self._identity(credential), stamp=stamp, box=box,
                              reason=f"{seal_set.company_name}{SEAL_KIND_LABELS[seal.kind]}电子签章",
                              location="湖北省武汉市", field_name=f"Seal{code}-{uuid.uuid4().hex[:8]}")
        signer = request.signer.model_dump()
        use = {"_id": use_id, "uscc": seal_set.uscc, "code": code, "kind": seal.kind.value,
               "serial": credential["serial"], "signed_at": now(),
               "signer": signer,
               "document_sha256": digest, "signed_sha256": hashlib.sha256(signed).hexdigest(),
               "idempotency_key": key, "pdf": Binary(signed) if key else None}
        first = self.store.insert_use(use)
        if first is not None:  # a twin request with the same key landed first: answer with its result
            return _repeat(first, code, digest)
        log.info("document sealed", extra={"seal": code, "use": use_id})
        return views.signed_view(use, signed)

    def list_uses(self, uscc: str) -> list[dict[str, Any]]:
        return [views.use_view(u) for u in self.store.uses_of(uscc)]

    # ---- revocation and status

    def revoke(self, codes: list[str], at, reason: str) -> int:
        """These seals' certificates revoked (listed in the CRL from `at`); how many were not yet."""
        return self.store.revoke_codes(codes, at, reason)

    def revoke_company(self, uscc: str, at, reason: str) -> int:
        """Every certificate of the company revoked; how many were not yet."""
        return self.store.revoke_company(uscc, at, reason)

    def crl(self) -> bytes:
        for credential in self.store.unsettled():  # what a maker killed mid-way left (_settled)
            self._settled(credential)
        revoked = [(int(serial, 16), at) for serial, at in self.store.revoked()]
        return pki.crl(self.ca, revoked, number=max(1, int(now().timestamp())))

    def status(self, serial: str, signed_sha256: str | None = None) -> dict[str, Any] | None:
        """What a public check says of a seal certificate: which seal, whose, revoked since when, and
        when our records say it signed this very file (if it did)."""
        credential = self.store.credential_by_serial(serial)
        if credential is None:
            return None
        credential = self._settled(credential)
        use = self.store.use_of_file(serial, signed_sha256) if signed_sha256 else None
        return views.certificate_status(credential, use)

    def crl_base64(self) -> str:
        return views.crl_view(self.crl())


def _repeat(done: dict, code: str, digest: str) -> dict[str, Any]:
    """A retry with the same Idempotency-Key: the first answer again, unless the key now names another file."""
    if done["code"] != code or done["document_sha256"] != digest:
        raise Conflict("这个 Idempotency-Key 已用于另一份文件或另一枚印章：请换一个")
    return views.signed_view(done, bytes(done["pdf"]))


def _idempotency_key(value: str | None) -> str | None:
    """An empty key is no key; SignRequest has typed it and bounded its length, a key must be printable too."""
    if not value:
        return None
    if not value.isprintable():
        raise Invalid.with_fields("Idempotency-Key 无效", [FieldError(field="Idempotency-Key",
                                                                     message=f"1-{MAX_IDEMPOTENCY_KEY}个可打印字符")])
    return value


def _decode(value: Any) -> bytes:
    try:
        return base64.b64decode(value or "", validate=True)
    except (ValueError, TypeError):
        raise Invalid.with_fields("文件编码无效", [FieldError(field="document", message="应为 base64")]) from None


def _box(pdf: bytes, placement: Placement | None):
    """Where the seal picture goes (its bounds checked by contracts.rpc.seal.Placement); the page must be
    one of this PDF's and the point inside it. None: an invisible signature."""
    if placement is None:
        return None
    from pyhanko.pdf_utils.reader import PdfFileReader

    def bad(field, message):
        return Invalid.with_fields(f"盖章位置无效：{message}", [FieldError(field=f"placement.{field}", message=message)])

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    count = int(reader.root["/Pages"]["/Count"])
    page, x, y, size = placement.page, placement.x, placement.y, placement.size
    if not 1 <= page <= count:
        raise bad("page", f"页码应在1至{count}之间")
    page_ref, _ = reader.find_page_for_modification(page - 1)
    media = page_ref.get_object().get("/MediaBox") or reader.root["/Pages"].get("/MediaBox") or [0, 0, 595, 842]
    box = [float(v) for v in media]
    width_mm, height_mm = (box[2] - box[0]) / MM, (box[3] - box[1]) / MM
    if not (0 <= x <= width_mm and 0 <= y <= height_mm):
        raise bad("x", f"位置应在页面内（宽{width_mm:.0f}毫米，高{height_mm:.0f}毫米）")
    return pdfsign.seal_box(page - 1, x * MM, y * MM, size * MM)


def _when(moment) -> str:
    return f"{in_china(moment):%Y-%m-%d %H:%M}（北京时间）"



# ---- the use cases the service's entrypoints call ----------------------------------------------------


class Keys(DependencyProvider):
    """A Nameko dependency: the seal CA and the key-encryption key, loaded (or made) at start-up;
    `over(store)` gives the ElectronicSeals of one worker's seal store."""

    def setup(self):
        config = self.container.config
        self.ca, self.kek = seal_ca(config), key_encryption_key(config)
        self.public_base_url = str(config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000")
        self.indexed = False

    def get_dependency(self, worker_ctx):
        return self

    def over(self, sets: SealStore) -> ElectronicSeals:
        seals = ElectronicSeals(sets, self.ca, self.kek, self.public_base_url)
        if not self.indexed:
            seals.ensure_indexes()
            self.indexed = True
        return seals


def _company(store, uscc: Any, code: Any) -> SealSet:
    from services.seal import domain

    seal_set = store.by_uscc(domain.check_uscc(uscc))
    domain.check_seal_code(code)
    if seal_set is None:
        raise NotFound(f"没有该单位的印章：{uscc}")
    return seal_set


def sign_document(store, seals: ElectronicSeals, uscc: str, code: str, raw: Any) -> dict:
    try:
        request = SignRequest.model_validate(raw)
    except ValidationError as exc:
        raise Invalid.with_fields("签章请求有误", pydantic_field_errors(exc)) from None
    seal_set = _company(store, uscc, code)
    return seals.sign(seal_set, code, request, store.revocations.get(seal_set.uscc))


def electronic_seal_data(store, seals: ElectronicSeals, uscc: str, code: str) -> dict:
    """The seal's GB/T 38540 seal data as a file (`<code>.esl`, DER) for the company's own signing software."""
    seal_set = _company(store, uscc, code)
    seal = next((s for s in seal_set.seals if s.code == code and s.medium == "electronic"), None)
    if seal is None or not seal.filed:
        raise NotFound(f"该企业没有这枚已备案的电子印章：{code}")
    return views.seal_data_file(code, seals.eseal(seal_set, seal))


def report_lost(store, seals: ElectronicSeals, uscc: str, code: str, reason: Any) -> dict:
    seal_set = _company(store, uscc, code)
    seal = next((s for s in seal_set.seals if s.code == code and s.medium == "electronic"), None)
    if seal is None:
        raise NotFound(f"该企业没有这枚电子印章：{code}")
    if not isinstance(reason, str) or not 2 <= len(reason.strip()) <= 200:
        raise Invalid.with_fields("请写明挂失原因", [FieldError(field="reason", message="2-200个字符")])
    seals.credential(seal_set, seal)
    seals.revoke([code], now(), f"印章挂失：{reason.strip()}")
    return seals.status(seals.store.credential(code)["serial"])


def licence_revoked_reason(reason: str) -> str:
    return f"营业执照已吊销：{reason}"


def revoke_company(seals: ElectronicSeals, uscc: str, at, reason: str) -> int:
    return seals.revoke_company(uscc, at, licence_revoked_reason(reason))
