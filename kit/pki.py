"""OneStop's trust root and the certificates of the bureaus that sign documents (ECDSA P-256, SHA-256).

One directory holds the deployment's PKI (config `PKI_DIR`, default `var/pki`, never in the repository):

    root.pem            the trust root's certificate: published at /.well-known/onestop-ca.pem
    root.key            the root's private key: only where this deployment issues certificates itself
    <bureau>.pem/.key   a bureau's document-signing certificate and key (the bureau's "seal")

In production the operator supplies `root.pem` and each bureau's pair (`onestop pki issue`, or their
own CA; the root key kept offline) and sets `ONESTOP_KEYS_SUPPLIED` (Kubernetes does): nothing is ever
created then, and a missing file is a startup error naming it and what should hold it
(`PKI_SUPPLIED_BY`, e.g. the Kubernetes Secret). Created files there would be worse than an error: each replica would make its own root and
key, signing with keys nobody published. On a fresh demo deployment (switch off) the first process
that needs it creates the root ONCE (a file lock serialises racing processes; every later process
loads it), then each bureau's certificate on first use. Private keys are PKCS#8 PEM, mode 0600,
encrypted with `PKI_KEY_PASSWORD` when it is set.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from nameko.extensions import DependencyProvider

from contracts.clock import now

log = logging.getLogger(__name__)

ROOT_DIR = Path(__file__).resolve().parents[1]
DIR_CONFIG, PASSWORD_CONFIG = "PKI_DIR", "PKI_KEY_PASSWORD"
SUPPLIED_CONFIG = "ONESTOP_KEYS_SUPPLIED"  # the production switch: keys come from the deployment
SOURCE_CONFIG = "PKI_SUPPLIED_BY"  # what fills PKI_DIR (e.g. "Secret onestop-pki-tax"), named in the errors
DEFAULT_DIR = "var/pki"
ROOT_NAME = "OneStop 企业开办一网通办 根证书"
ROOT_YEARS, BUREAU_YEARS = 20, 5


class PkiMissing(RuntimeError):
    """The configured PKI directory lacks a certificate or key and may not create it."""


def keys_supplied(config: dict | None = None) -> bool:
    """True where the deployment supplies every key (ONESTOP_KEYS_SUPPLIED): create none, ever."""
    value = str((config or {}).get(SUPPLIED_CONFIG) or os.environ.get(SUPPLIED_CONFIG) or "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def missing(config: dict | None, path: Path, what: str) -> PkiMissing:
    """The startup error for a file the deployment should have supplied."""
    source = str((config or {}).get(SOURCE_CONFIG) or os.environ.get(SOURCE_CONFIG) or "").strip()
    where = f"{source}, mounted at {path.parent}" if source else f"{DIR_CONFIG}={path.parent}"
    return PkiMissing(f"{path} is missing ({what}): {SUPPLIED_CONFIG} is set, so nothing is created; "
                      f"supply it in {where} (`onestop pki issue` writes it, docs/operations.md)")


def keys_secret(bureau: str) -> str:
    """The Kubernetes Secret holding a bureau's secret settings (PKI_KEY_PASSWORD, e.g. its licence key)."""
    return f"onestop-keys-{bureau.replace('_', '-')}"


def setting_missing(variable: str, bureau: str, what: str) -> PkiMissing:
    """The startup error for a secret setting the deployment should have supplied."""
    return PkiMissing(f"{variable} is not set ({what}): {SUPPLIED_CONFIG} is set, so nothing is created; "
                      f"set {variable} (on Kubernetes from the Secret {keys_secret(bureau)}, key {variable}; "
                      "`onestop pki issue` writes it, docs/operations.md)")


@dataclass(frozen=True)
class Identity:
    """A signer: its certificate, private key and the chain up to (and including) the root."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    chain: tuple[x509.Certificate, ...]

    @property
    def root(self) -> x509.Certificate:
        return self.chain[-1]

    def pyhanko_signer(self):
        from asn1crypto import keys
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign.signers import SimpleSigner
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        der = serialization.Encoding.DER
        cert = asn1_x509.Certificate.load(self.certificate.public_bytes(der))
        key = keys.PrivateKeyInfo.load(self.key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        chain = [asn1_x509.Certificate.load(c.public_bytes(der)) for c in self.chain]
        return SimpleSigner(signing_cert=cert, signing_key=key,
                            cert_registry=SimpleCertificateStore.from_certs(chain))


def pki_dir(config: dict | None = None) -> Path:
    path = Path(str((config or {}).get(DIR_CONFIG) or os.environ.get(DIR_CONFIG) or DEFAULT_DIR))
    return path if path.is_absolute() else ROOT_DIR / path


def _password(config: dict | None) -> bytes | None:
    value = str((config or {}).get(PASSWORD_CONFIG) or os.environ.get(PASSWORD_CONFIG) or "")
    return value.encode() if value else None


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key, password: bytes | None) -> bytes:
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def load_key(data: bytes, password: bytes | None):
    return serialization.load_pem_private_key(data, password=password)


def subject(common_name: str, unit: str | None = None, serial: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OneStop")]
    if unit:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    if serial:
        parts.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(parts)


def issue(subject_name: x509.Name, public_key, issuer: x509.Certificate | None, issuer_key, *, ca: bool,
          years: int, path_length: int | None = None, extensions=()) -> x509.Certificate:
    """A certificate; `issuer=None` makes it self-signed (the root)."""
    moment = now()
    builder = (x509.CertificateBuilder()
               .subject_name(subject_name)
               .issuer_name(issuer.subject if issuer else subject_name)
               .public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(moment - timedelta(minutes=5))  # a little slack for clock skew
               .not_valid_after(moment + timedelta(days=365 * years))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=True, content_commitment=not ca, key_encipherment=False,
                   data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                   encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()), critical=False)
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


# ---- the deployment's PKI directory ---------------------------------------------------------------

_cache: dict[tuple[str, str], Identity] = {}
_cache_lock = threading.Lock()


@contextmanager
def _locked(directory: Path):
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # across processes: one root, one certificate per bureau
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def new_root() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = new_key()
    return issue(subject(ROOT_NAME), key.public_key(), None, key, ca=True, years=ROOT_YEARS), key


def new_bureau(root: x509.Certificate, root_key, name: str, common_name: str,
               ca: bool = False) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """Bureau `name`'s signing certificate and key, issued by the root (`ca`: see `identity`)."""
    key = new_key()
    cert = issue(subject(common_name, unit=name), key.public_key(), root, root_key,
                 ca=ca, path_length=0 if ca else None, years=BUREAU_YEARS)
    return cert, key


def write_pair(directory: Path, name: str, cert: x509.Certificate, key, password: bytes | None) -> None:
    """`<name>.pem` and `<name>.key` (mode 0600) as `identity` loads them."""
    _write_private(directory / f"{name}.key", key_pem(key, password))
    (directory / f"{name}.pem").write_text(pem(cert))


def root_certificate(config: dict | None = None) -> x509.Certificate:
    """The trust root, created (with its key) on first use in a demo deployment."""
    directory = pki_dir(config)
    cert_path = directory / "root.pem"
    if not cert_path.exists():
        if keys_supplied(config):
            raise missing(config, cert_path, "the OneStop trust root's certificate")
        with _locked(directory):
            if not cert_path.exists():
                cert, key = new_root()
                write_pair(directory, "root", cert, key, _password(config))
                log.warning("created a OneStop trust root in %s: fine for a demo; production supplies "
                            "%s with root.pem and each bureau's certificate", directory, DIR_CONFIG)
    return x509.load_pem_x509_certificate(cert_path.read_bytes())


def identity(config: dict | None, name: str, common_name: str, ca: bool = False) -> Identity:
    """Bureau `name`'s signing identity (certificate subject `common_name`), issued by the root on
    first use unless the operator supplied it. `ca`: an issuing CA below the root (path length 0),
    e.g. the seal bureau's, which issues the companies' electronic-seal certificates."""
    directory = pki_dir(config)
    with _cache_lock:
        cached = _cache.get((str(directory), name))
    if cached is not None:
        return cached
    root = root_certificate(config)
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    if keys_supplied(config):
        for path, what in ((cert_path, f"{name}'s certificate"), (key_path, f"{name}'s private key")):
            if not path.exists():
                raise missing(config, path, what)
    elif not cert_path.exists():
        with _locked(directory):
            if not cert_path.exists():
                root_key_path = directory / "root.key"
                if not root_key_path.exists():
                    raise PkiMissing(f"{cert_path} is missing and {root_key_path} is absent: "
                                     f"supply the bureau's certificate and key in {DIR_CONFIG}")
                root_key = load_key(root_key_path.read_bytes(), _password(config))
                cert, key = new_bureau(root, root_key, name, common_name, ca)
                write_pair(directory, name, cert, key, _password(config))
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    found = Identity(cert, load_key(key_path.read_bytes(), _password(config)), (cert, root))
    with _cache_lock:
        _cache[(str(directory), name)] = found
    return found


def crl(issuer: Identity, revoked: list[tuple[int, datetime]], number: int, hours: int = 24) -> bytes:
    """A DER CRL by `issuer` listing (serial, revoked at) pairs; valid `hours` (readers refetch)."""
    moment = now()
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(issuer.certificate.subject)
               .last_update(moment - timedelta(minutes=5))
               .next_update(moment + timedelta(hours=hours))
               .add_extension(x509.CRLNumber(number), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer.certificate.public_key()), critical=False))
    for serial, revoked_at in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at).build())
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def published(config: dict | None = None) -> dict[str, str]:
    """Every certificate anyone may fetch: {"root": PEM, "<bureau>": PEM, ...} (never a key)."""
    directory = pki_dir(config)
    out = {"root": pem(root_certificate(config))}
    for path in sorted(directory.glob("*.pem")):
        if path.stem != "root":
            out[path.stem] = path.read_text()
    return out


class SigningIdentity(DependencyProvider):
    """A Nameko dependency: the bureau's signing identity, made (or loaded) when the service starts, so
    its certificate is published before the first document is asked for. `factory(config)` builds it,
    e.g. `SigningIdentity(documents.signing_identity)`."""

    def __init__(self, factory):
        self.factory = factory
        self.identity: Identity | None = None

    def setup(self):
        self.identity = self.factory(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.identity
