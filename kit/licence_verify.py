"""The signed licence format (OSL1) and its offline verification: no broker, no database, no network.

A licence's QR code reads

    {PUBLIC_BASE_URL}/verify/licences/{uscc}#OSL1.<base64url(canonical JSON)>.<base64url(Ed25519 signature)>

so a phone camera still opens the public verification page (the fragment never reaches the server),
while anyone holding the registration authority's public key (published at
`/.well-known/onestop-licence-key`) can check the printed fields offline:

    onestop verify-licence licence.pdf --key key.json --ca onestop-ca.pem
    onestop verify-licence 'http://.../verify/licences/9142...#OSL1.eyJ...' --key <base64>

A PDF is also checked as a signed document: its PAdES signature (kit.pdfsign) must be intact, cover
the whole file and chain to the OneStop root (`--ca`, else fetched from /.well-known/onestop-ca.pem
at the QR code's address).

Canonical JSON: the fields below with short keys, `sort_keys`, no spaces, UTF-8 (not ASCII-escaped).
The signature covers exactly the bytes of the middle part, so verification never re-serialises.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

PREFIX = "OSL1"
ALGORITHM = "Ed25519"
# short key on the wire -> meaning (keep the QR code small: it is printed 34 mm wide)
FIELDS = {
    "u": "uscc",
    "n": "company_name",
    "r": "legal_representative",
    "c": "registered_capital",
    "d": "established_on",
    "a": "authority",
    "k": "key_id",
}
_TOKEN = re.compile(r"OSL1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)")


class BadToken(ValueError):
    """The text holds no readable OSL1 token."""


@dataclass(frozen=True)
class Verdict:
    valid: bool
    fields: dict[str, Any]
    reason: str = ""


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_id(public_raw: bytes) -> str:
    """A short fingerprint of a public key: which key signed (lets the authority rotate keys)."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def encode(fields: dict[str, Any], sign) -> str:
    """`sign(bytes) -> signature bytes`; fields use the short keys of FIELDS."""
    body = canonical(fields)
    return f"{PREFIX}.{b64url(body)}.{b64url(sign(body))}"


def find_token(text: str) -> str:
    match = _TOKEN.search(text or "")
    if not match:
        raise BadToken("no OSL1 signed licence data found")
    return match.group(0)


def readable(short: dict[str, Any]) -> dict[str, Any]:
    return {FIELDS.get(k, k): v for k, v in short.items()}


def load_public_key(spec: str):
    """An Ed25519 public key from: PEM text, base64 (standard or url-safe) of the raw 32 bytes, or the
    JSON document served at /.well-known/onestop-licence-key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    spec = spec.strip()
    if spec.startswith("{"):
        spec = json.loads(spec)["public_key"]
    if spec.startswith("-----BEGIN"):
        key = load_pem_public_key(spec.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    try:
        raw = base64.b64decode(spec.replace("-", "+").replace("_", "/") + "=" * (-len(spec) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError("public key is neither PEM, base64 nor the published JSON") from exc
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify(text: str, public_key) -> Verdict:
    """Check the OSL1 token found in `text` (a QR text or URL) against the authority's public key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    token = find_token(text)
    _, body_b64, sig_b64 = token.split(".")
    try:
        body = unb64url(body_b64)
        short = json.loads(body)
        if not isinstance(short, dict):
            raise ValueError
    except ValueError:
        return Verdict(False, {}, "the signed data is not readable")
    fields = readable(short)
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    if short.get("k") and short["k"] != key_id(raw):
        return Verdict(False, fields, "signed with another key (key id differs)")
    try:
        public_key.verify(unb64url(sig_b64), body)
    except (InvalidSignature, ValueError):
        return Verdict(False, fields, "signature does not match the data: altered or forged")
    url_uscc = re.search(r"/verify/licences/([0-9A-Z]{18})", text or "")
    if url_uscc and url_uscc.group(1) != short.get("u"):
        return Verdict(False, fields, "the address names another USCC than the signed data")
    return Verdict(True, fields)


# ---- reading a licence file -----------------------------------------------------------------


def text_from_file(data: bytes) -> str:
    """The QR text of a licence: a PDF (metadata first, then the rendered QR code), an image, or text."""
    if data.startswith(b"%PDF"):
        embedded = _pdf_metadata(data)
        if embedded:
            return embedded
        return _decode_qr(_render_pdf(data))
    if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff":
        return _decode_qr([data])
    return data.decode("utf-8").strip()


def qr_text_from_pdf(data: bytes) -> str:
    """Only the printed QR code (pdftoppm + zbar), ignoring metadata: what a phone camera would read."""
    return _decode_qr(_render_pdf(data))


def _pdf_metadata(data: bytes) -> str | None:
    try:
        import io

        from pypdf import PdfReader
    except ImportError:
        return None
    info = PdfReader(io.BytesIO(data)).metadata or {}
    keywords = str(info.get("/Keywords") or "")
    return keywords if PREFIX in keywords else None


def _render_pdf(data: bytes, dpi: int = 200) -> list[bytes]:
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "licence.pdf"
        source.write_bytes(data)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(source), str(Path(tmp) / "page")],
                       check=True, capture_output=True, timeout=60)
        return [p.read_bytes() for p in sorted(Path(tmp).glob("page*.png"))]


def _decode_qr(images: list[bytes]) -> str:
    import io

    from PIL import Image
    from pyzbar.pyzbar import decode

    for raw in images:
        for symbol in decode(Image.open(io.BytesIO(raw))):
            text = symbol.data.decode("utf-8")
            if PREFIX in text:
                return text
    raise BadToken("no QR code with signed licence data found in the file")


# ---- `onestop verify-licence` -------------------------------------------------------------------

LABELS = {"uscc": "统一社会信用代码", "company_name": "名称", "legal_representative": "法定代表人",
          "registered_capital": "注册资本", "established_on": "成立日期", "authority": "登记机关", "key_id": "签名密钥"}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify-licence", help="check a signed licence offline (PDF, QR image, or the QR text)",
        description="Prints the signed fields and VALID (exit 0) or INVALID (exit 1).")
    parser.add_argument("source", metavar="FILE_OR_QR_TEXT")
    parser.add_argument("--key", metavar="FILE_OR_BASE64",
                        help="the authority's public key: PEM, base64 or the JSON of "
                             "/.well-known/onestop-licence-key (a file or the value itself); "
                             "without it the key is fetched from the address in the QR code (online)")
    parser.add_argument("--ca", metavar="PEM_FILE",
                        help="the OneStop trust root (/.well-known/onestop-ca.pem) to check a PDF's signature; "
                             "without it the root is fetched from the address in the QR code (online)")
    parser.set_defaults(run=run)


def run(args) -> int:
    import os
    import sys

    data = None
    try:
        if os.path.isfile(args.source):
            with open(args.source, "rb") as handle:
                data = handle.read()
            text = text_from_file(data)
        else:
            text = args.source
        key = load_public_key(_key_text(args.key, text))
        verdict = verify(text, key)
        signature_problem = _pdf_signature(data, args.ca, text) if data and data.startswith(b"%PDF") else ""
    except (BadToken, ValueError, OSError) as exc:
        print(f"INVALID: {exc}")
        return 1
    for name, value in verdict.fields.items():
        print(f"{LABELS.get(name, name)}: {value}")
    valid = verdict.valid and not signature_problem
    print("VALID" if valid else f"INVALID: {verdict.reason or signature_problem}")
    sys.stdout.flush()
    return 0 if valid else 1


def _pdf_signature(data: bytes, ca: str | None, text: str) -> str:
    """Check the PDF's PAdES signature against the OneStop root; '' when valid, else why not."""
    from cryptography import x509

    from contracts.clock import in_china
    from kit import pdfsign

    root = x509.load_pem_x509_certificate(_fetch(ca, text, "/.well-known/onestop-ca.pem").encode())
    try:
        checks = pdfsign.check(data, [root])
    except pdfsign.NotSignedPdf as exc:
        return f"PDF signature: {exc}"
    for check in checks:
        when = f"{in_china(check.signed_at):%Y-%m-%d %H:%M:%S}（北京时间）" if check.signed_at else "—"
        print(f"PDF签名: {check.summary}（签名证书：{check.signer}；签名时间：{when}）")
    bad = [c for c in checks if not c.valid]
    return f"PDF signature: {bad[0].summary}" if bad else ""


def _key_text(spec: str | None, text: str) -> str:
    return _fetch(spec, text, "/.well-known/onestop-licence-key")


def _fetch(spec: str | None, text: str, path: str) -> str:
    """`spec` (a file or the value itself), else `path` fetched from the QR code's host."""
    import os
    import urllib.parse
    import urllib.request

    if spec:
        if os.path.isfile(spec):
            with open(spec, encoding="utf-8") as handle:
                return handle.read()
        return spec
    url = urllib.parse.urlsplit(text.split("#")[0].strip())
    if url.scheme not in ("http", "https"):
        raise ValueError(f"nothing given and no address to fetch {path} from")
    with urllib.request.urlopen(f"{url.scheme}://{url.netloc}{path}", timeout=10) as r:
        return r.read().decode()
