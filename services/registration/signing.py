"""What makes a licence trustworthy away from our servers: the PAdES signature of the PDF by the
market regulator's certificate (kit.pki, chained to the OneStop root), the authority's Ed25519
signature over its key fields (in the QR code, format in `contracts.licence_token`: survives printing),
and, online, its revocation status.

The private key comes from configuration (`LICENCE_SIGNING_KEY`: base64 of the raw 32-byte seed, or a
PEM PKCS#8 key). Unset, a key is generated ONCE into `LICENCE_KEY_FILE` (default var/keys/, mode 0600,
never in the repository) with a warning: fine for a demo, but production sets the key (every instance
of the service must sign with the same key, and a lost key invalidates every printed licence). Where
the deployment supplies keys (`ONESTOP_KEYS_SUPPLIED`, kit.pki; Kubernetes sets it and fills the
variable from the Secret `onestop-keys-registration`) nothing is generated: without the variable or an
existing key file the service does not start.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from contracts import licence_token as osl
from contracts.events import Licence, LicenceRevoked
from contracts.rpc import FieldError, Invalid, NotFound
from kit import pki
from kit.outbox import Dispatch, outbox_entry

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
KEY_CONFIG = "LICENCE_SIGNING_KEY"
KEY_FILE_CONFIG = "LICENCE_KEY_FILE"
DEFAULT_KEY_FILE = "var/keys/licence-ed25519.pem"
# the Kubernetes Secret (and its key) that fills LICENCE_SIGNING_KEY: deploy/k8s/registration.yaml,
# written by `onestop pki issue`
KEY_SECRET, KEY_SECRET_KEY = "onestop-keys-registration", KEY_CONFIG
MAX_REASON = 500
# the subject of the certificate that signs every licence PDF (the visible seal names the district's bureau)
SIGNING_NAME = "武汉市市场监督管理局"


def identity(config: dict) -> pki.Identity:
    """The PDF signer, made when the service starts (kit.pki.SigningIdentity); the licence key is loaded
    then too where the deployment supplies keys, so that one without it fails at start, not at its first
    approved licence (in the demo the key file is made on first use, as before)."""
    if pki.keys_supplied(config):
        signer_from_config(config)
    return pki.identity(config, "registration", SIGNING_NAME)


@dataclass(frozen=True)
class Signer:
    private_key: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return osl.key_id(self.public_raw)

    def token(self, licence: Licence) -> str:
        return osl.encode(licence_fields(licence, self.key_id), self.private_key.sign)

    def public_document(self) -> dict[str, Any]:
        """What /.well-known/onestop-licence-key serves: enough to verify offline."""
        pem = self.private_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        return {"algorithm": osl.ALGORITHM, "format": osl.PREFIX, "key_id": self.key_id,
                "public_key": base64.b64encode(self.public_raw).decode(), "pem": pem.decode(),
                "fields": osl.FIELDS}


def licence_fields(licence: Licence, key_id: str) -> dict[str, Any]:
    return {"u": licence.uscc, "n": licence.company_name, "r": licence.legal_representative,
            "c": str(licence.registered_capital), "d": licence.established_on.isoformat(),
            "a": licence.authority, "k": key_id}


def parse_private_key(value: str) -> Ed25519PrivateKey:
    value = value.strip()
    if value.startswith("-----BEGIN"):
        key = load_pem_private_key(value.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{KEY_CONFIG}: not an Ed25519 key")
        return key
    raw = base64.b64decode(value + "=" * (-len(value) % 4))
    if len(raw) != 32:
        raise ValueError(f"{KEY_CONFIG}: base64 of the raw 32-byte Ed25519 seed expected, got {len(raw)} bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


_cache: dict[tuple[str, str], Signer] = {}
_lock = threading.Lock()


def signer_from_config(config: dict) -> Signer:
    """The configured key, else the generated key file (created once, even with racing instances)."""
    configured = str(config.get(KEY_CONFIG) or "").strip()
    path = str(config.get(KEY_FILE_CONFIG) or DEFAULT_KEY_FILE)
    with _lock:
        cached = _cache.get((configured, path))
        if cached is None:
            key = parse_private_key(configured) if configured else _key_file(Path(path), config)
            cached = _cache[(configured, path)] = Signer(key)
        return cached


def _key_file(path: Path, config: dict) -> Ed25519PrivateKey:
    path = path if path.is_absolute() else ROOT / path
    if not path.exists() and pki.keys_supplied(config):
        raise pki.PkiMissing(f"{KEY_CONFIG} is not set and {path} is missing: {pki.SUPPLIED_CONFIG} is set, so "
                             f"no licence key is generated; set {KEY_CONFIG} (on Kubernetes from the Secret "
                             f"{KEY_SECRET}, key {KEY_SECRET_KEY}; `onestop pki issue` writes it)")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another instance made it first: use theirs
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
            log.warning("%s is not set: generated a licence signing key in %s; set it in production",
                        KEY_CONFIG, path)
    return parse_private_key(path.read_text())


# ---- revocation -------------------------------------------------------------------------------


def revoke(store, dispatch: Dispatch, uscc: str, reason: str) -> dict[str, Any]:
    """Mark the licence revoked and emit `licence_revoked` in the same write; repeating is harmless."""
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise Invalid.with_fields("请写明吊销原因", [FieldError(field="reason", message=f"1-{MAX_REASON}个字符")])
    case = store.case_by_uscc(uscc) if isinstance(uscc, str) else None
    if case is None:
        raise NotFound(f"没有这份营业执照：{uscc}")
    if case.get("licence_status") != "revoked":
        event = LicenceRevoked(application_id=case["_id"], uscc=uscc, reason=reason.strip())
        entry = outbox_entry(event)
        new = store.revoke_licence(case["_id"], {"revoked_at": event.occurred_at, "revocation_reason": event.reason},
                                   entry)
        if new is not None:
            store.flush(case["_id"], [entry], dispatch)
            log.info("licence revoked", extra={"application_id": case["_id"], "event_id": event.event_id})
            case = new
        else:
            case = store.case_by_uscc(uscc)
    return {"uscc": uscc, "status": "revoked", "reason": case.get("revocation_reason"),
            "revoked_at": case.get("revoked_at").isoformat() if case.get("revoked_at") else None}
