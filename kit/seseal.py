"""GB/T 38540-2020 electronic seal data (电子印章数据, `SESeal`, version 4) in DER: built by the seal maker,
read and checked by anyone.

The structure (GB/T 38540-2020 §7.1; field names as in the standard, its spelling "Pictrue" kept):

    SESeal ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING (the maker's certificate, DER),
                          signAlgID OBJECT IDENTIFIER, signedValue BIT STRING }
    SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String, property SES_ESPropertyInfo,
                                picture SES_ESPictrueInfo, extDatas ExtensionDatas OPTIONAL }
    SES_Header ::= SEQUENCE { id IA5String ("ES"), version INTEGER (4), vid IA5String (the maker's software) }
    SES_ESPropertyInfo ::= SEQUENCE { type INTEGER (1 单位印章, 2 个人印章), name UTF8String,
                                      certListType INTEGER (1: certificates), certList SEQUENCE OF OCTET STRING
                                      (the signers' certificates), createDate, validStart, validEnd GeneralizedTime }
    SES_ESPictrueInfo ::= SEQUENCE { type IA5String ("PNG"), data OCTET STRING, width INTEGER, height INTEGER (mm) }

`signedValue` is the maker's signature over the DER of `eSealInfo`, as the open OFD library ofdrw builds and
checks v4 seals (the standard's own text was not retrievable here; ofdrw is what OFD readers interoperate
with). The algorithm is the one the maker's key has: ECDSA P-256 with SHA-256 here (OID 1.2.840.10045.4.3.2),
where the standard's deployments use SM2 with SM3 (1.2.156.10197.1.501): no maintained Python library signs
with SM2 end to end (docs/documents.md), and the OID in the structure says which one was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from asn1crypto import core
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

ECDSA_SHA256 = "1.2.840.10045.4.3.2"
SM2_SM3 = "1.2.156.10197.1.501"
ORGANISATION, PERSONAL = 1, 2  # SES_ESPropertyInfo.type
CERTIFICATES = 1  # certListType: the signers' certificates themselves (2 would be their digests)
VENDOR = "OneStop"
MAX_BYTES = 1024 * 1024


class SESHeader(core.Sequence):
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class CertInfoList(core.SequenceOf):
    _child_spec = core.OctetString


class SESESPropertyInfo(core.Sequence):
    _fields = [("type", core.Integer), ("name", core.UTF8String), ("cert_list_type", core.Integer),
               ("cert_list", CertInfoList), ("create_date", core.GeneralizedTime),
               ("valid_start", core.GeneralizedTime), ("valid_end", core.GeneralizedTime)]


class SESESPictrueInfo(core.Sequence):
    _fields = [("type", core.IA5String), ("data", core.OctetString), ("width", core.Integer),
               ("height", core.Integer)]


class ExtData(core.Sequence):
    _fields = [("extn_id", core.ObjectIdentifier), ("critical", core.Boolean, {"default": False}),
               ("extn_value", core.OctetString)]


class ExtensionDatas(core.SequenceOf):
    _child_spec = ExtData


class SESSealInfo(core.Sequence):
    _fields = [("header", SESHeader), ("es_id", core.IA5String), ("property", SESESPropertyInfo),
               ("picture", SESESPictrueInfo), ("ext_datas", ExtensionDatas, {"optional": True})]


class SESeal(core.Sequence):
    _fields = [("e_seal_info", SESSealInfo), ("cert", core.OctetString), ("sign_alg_id", core.ObjectIdentifier),
               ("signed_value", core.OctetBitString)]


@dataclass(frozen=True)
class SealData:
    """What goes into one seal's SESeal (times aware; the picture a PNG; sizes in millimetres)."""

    es_id: str
    kind: int
    name: str
    signer_certificates: list[x509.Certificate]
    created: datetime
    valid_from: datetime
    valid_until: datetime
    picture_png: bytes
    width_mm: int
    height_mm: int


def build(data: SealData, maker_certificate: x509.Certificate, maker_key: ec.EllipticCurvePrivateKey) -> bytes:
    """The DER of a SESeal for `data`, signed by the seal maker."""
    from cryptography.hazmat.primitives.serialization import Encoding

    info = SESSealInfo({
        "header": {"id": "ES", "version": 4, "vid": VENDOR},
        "es_id": data.es_id,
        "property": {"type": data.kind, "name": data.name, "cert_list_type": CERTIFICATES,
                     "cert_list": [c.public_bytes(Encoding.DER) for c in data.signer_certificates],
                     "create_date": data.created, "valid_start": data.valid_from, "valid_end": data.valid_until},
        "picture": {"type": "PNG", "data": data.picture_png, "width": data.width_mm, "height": data.height_mm},
    })
    signature = maker_key.sign(info.dump(), ec.ECDSA(hashes.SHA256()))
    return SESeal({"e_seal_info": info, "cert": maker_certificate.public_bytes(Encoding.DER),
                   "sign_alg_id": ECDSA_SHA256, "signed_value": signature}).dump()


class NotASeal(ValueError):
    """The bytes are not a SESeal this reader can check (the message says why, in Chinese)."""


@dataclass(frozen=True)
class SealCheck:
    es_id: str
    kind: int
    name: str
    valid_from: datetime
    valid_until: datetime
    maker: str  # the maker certificate's subject
    signer_serials: list[str]  # hex serials of the certificates that may sign with the seal
    picture_type: str
    picture: bytes
    maker_signature_valid: bool
    maker_trusted: bool  # the maker certificate is issued by one of the trusted roots


def read(der: bytes, roots: list[x509.Certificate]) -> SealCheck:
    """Parse a SESeal and check the maker's signature and the maker's certificate against `roots`."""
    if not der or len(der) > MAX_BYTES:
        raise NotASeal("电子印章数据为空或过大")
    try:
        return _checked(SESeal.load(der, strict=True), roots)
    except NotASeal:
        raise
    except Exception as exc:  # noqa: BLE001 - untrusted bytes: any parser (ASN.1, X.509, EC key) may refuse them
        raise NotASeal(f"电子印章数据无法解析：{type(exc).__name__}") from None


def _checked(seal: SESeal, roots: list[x509.Certificate]) -> SealCheck:
    info = seal["e_seal_info"]
    header, prop, picture = info["header"], info["property"], info["picture"]
    if header["id"].native != "ES" or header["version"].native != 4:
        raise NotASeal("不是GB/T 38540第4版电子印章数据（头信息应为ES、版本4）")
    algorithm = seal["sign_alg_id"].dotted
    if algorithm != ECDSA_SHA256:
        raise NotASeal(f"不支持的签名算法：{algorithm}" + ("（SM2/SM3，本系统暂不支持）" if algorithm == SM2_SM3 else ""))
    maker = x509.load_der_x509_certificate(seal["cert"].native)
    signers = [x509.load_der_x509_certificate(c) for c in prop["cert_list"].native]
    return SealCheck(es_id=info["es_id"].native, kind=prop["type"].native, name=prop["name"].native,
                     valid_from=prop["valid_start"].native, valid_until=prop["valid_end"].native,
                     maker=maker.subject.rfc4514_string(), signer_serials=[format(c.serial_number, "x") for c in signers],
                     picture_type=picture["type"].native, picture=picture["data"].native,
                     maker_signature_valid=_verified(maker, seal["signed_value"].native, info.dump()),
                     maker_trusted=any(_issued_by(maker, root) for root in roots))


def _verified(certificate: x509.Certificate, signature: bytes, data: bytes) -> bool:
    key = certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
