"""The signed licence format (OSL1): the registration authority writes it (services/registration/signing.py),
anyone checks it offline (gateway/ops/verify_licence.py, `onestop verify-licence`): no broker, no database,
no network. A published format shared by both sides, hence in contracts/.

A licence's QR code reads

    {PUBLIC_BASE_URL}/verify/licences/{uscc}#OSL1.<base64url(canonical JSON)>.<base64url(Ed25519 signature)>

so a phone camera still opens the public verification page (the fragment never reaches the server),
while anyone holding the registration authority's public key (published at
`/.well-known/onestop-licence-key`) can check the printed fields offline:

    onestop verify-licence licence.pdf --key key.json --ca onestop-ca.pem
    onestop verify-licence 'http://.../verify/licences/9142...#OSL1.eyJ...' --key <base64>

The command also checks a PDF as a signed document: its PAdES signature (kit.pdfsign) must be intact,
cover the whole file and chain to the OneStop root (`--ca`, else fetched from /.well-known/onestop-ca.pem
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
