"""`onestop pki issue`: the keys a deployment that supplies its own (ONESTOP_KEYS_SUPPLIED, Kubernetes)
needs, laid out one directory per Secret for `kubectl create secret generic NAME --from-file=DIR`:

    onestop pki issue --out DIR                  the root, then every bureau of contracts/bureaus.py
    onestop pki issue --out DIR --bureau tax     one bureau more, issued by the root already in DIR

    DIR/operator/root.pem, root.key          the trust root and its key: the operator's, in no Secret
    DIR/onestop-pki-<bureau>/                root.pem and the bureau's pairs (<name>.pem, <name>.key),
                                             mounted read-only at its PKI_DIR; nothing of another bureau
    DIR/onestop-keys-<bureau>/               PKI_KEY_PASSWORD (its own, random: it encrypts its keys) and
                                             the bureau's secret settings (e.g. LICENCE_SIGNING_KEY)
    DIR/onestop-pki-gateway/                 root.pem and every bureau's certificate, no key: published

Every bureau of the manifest signs its PDFs with the pair named after it; a new bureau needs nothing
here. What some bureaus need beyond that is the manifest's `keys` (contracts/bureaus.py: further pairs,
secret settings with the kind of key each is); MAKERS below makes each kind (tests/ops/test_pki.py holds
the manifest against the code: the identities each bureau asks kit.pki for, the secret settings its
config.yml reads). An
existing bureau directory is never overwritten: a replaced key invalidates what it signed, so rotating
one means moving its directories away first, deliberately.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from contracts import bureaus as manifest
from kit import pki

OPERATOR = "operator"  # the root's directory: never a Secret
GATEWAY_SECRET = "onestop-pki-gateway"
NAMESPACE = "onestop"


def ed25519_pem() -> str:
    """A licence signing key as services/registration/signing.py reads it (PEM PKCS#8)."""
    return Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def aes_key() -> str:
    """An AES-256 key as services/seal/esign.py reads it (base64 of 32 bytes)."""
    return base64.b64encode(os.urandom(32)).decode()


# contracts.bureaus.KeyKind -> how a value of that kind is made
MAKERS: dict[str, Callable[[], str]] = {"ed25519_pem": ed25519_pem, "aes256_base64": aes_key}


class IssueError(Exception):
    """The output directory does not fit (an existing bureau, an unknown bureau, a root without key)."""


def dash(name: str) -> str:
    return name.replace("_", "-")


def pki_secret(bureau: str) -> str:
    return f"onestop-pki-{dash(bureau)}"


keys_secret = pki.keys_secret  # the bureaus' startup errors name it too


def pairs(entry: manifest.Bureau) -> tuple[manifest.Pair, ...]:
    """The certificates a bureau signs with: its own (subject: the manifest's label), then its keys'."""
    return (manifest.Pair(entry.name, entry.label), *entry.keys.pairs)


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)  # no newline added: each file is one Secret key's exact value


def _root(out: Path, password: bytes | None) -> tuple[x509.Certificate, object, bool]:
    """The root in DIR/operator, made there if absent; (certificate, key, made now)."""
    directory = out / OPERATOR
    cert_path, key_path = directory / "root.pem", directory / "root.key"
    if cert_path.exists() or key_path.exists():
        if not (cert_path.exists() and key_path.exists()):
            raise IssueError(f"{directory} holds only one of root.pem and root.key")
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        return cert, pki.load_key(key_path.read_bytes(), password), False
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    cert, key = pki.new_root()
    pki.write_pair(directory, "root", cert, key, password)
    return cert, key, True


def issue(out: Path, bureaus: Sequence[str] | None = None, root_password: bytes | None = None,
          entries: Sequence[manifest.Bureau] = manifest.BUREAUS) -> list[str]:
    """Write the Secrets' directories for `bureaus` (default: every bureau); the Secrets written."""
    by_name = {e.name: e for e in entries}
    chosen = list(bureaus) if bureaus else list(by_name)
    unknown = [b for b in chosen if b not in by_name]
    if unknown:
        raise IssueError(f"not a bureau of contracts/bureaus.py: {', '.join(unknown)}")
    unmade = sorted({f"{s.variable} ({s.kind})" for b in chosen for s in by_name[b].keys.settings
                     if s.kind not in MAKERS})
    if unmade:  # refused before anything is written: no bureau half issued
        raise IssueError(f"no maker in gateway/ops/pki.py MAKERS for: {', '.join(unmade)}")
    existing = [str(out / s) for b in chosen for s in (pki_secret(b), keys_secret(b)) if (out / s).exists()]
    if existing:
        raise IssueError(f"already issued, not overwritten: {', '.join(existing)}")
    root, root_key, _ = _root(out, root_password)
    written = []
    for name in chosen:
        password = secrets.token_urlsafe(32)
        certs, keys = out / pki_secret(name), out / keys_secret(name)
        for directory in (certs, keys):
            directory.mkdir(parents=True, mode=0o700)
        (certs / "root.pem").write_text(pki.pem(root))
        for pair in pairs(by_name[name]):
            cert, key = pki.new_bureau(root, root_key, pair.name, pair.common_name, pair.ca)
            pki.write_pair(certs, pair.name, cert, key, password.encode())
        _write(keys / pki.PASSWORD_CONFIG, password)
        for setting in by_name[name].keys.settings:
            _write(keys / setting.variable, MAKERS[setting.kind]())
        written += [pki_secret(name), keys_secret(name)]
    _gateway(out, root)
    return [*written, GATEWAY_SECRET]


def _gateway(out: Path, root: x509.Certificate) -> None:
    """Rewritten on every run: the root and every bureau's certificate issued so far (public)."""
    directory = out / GATEWAY_SECRET
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for old in directory.glob("*.pem"):
        old.unlink()
    (directory / "root.pem").write_text(pki.pem(root))
    for cert in sorted(out.glob("onestop-pki-*/*.pem")):
        if cert.parent != directory and cert.name != "root.pem":
            (directory / cert.name).write_text(cert.read_text())


def commands(out: Path, written: Sequence[str], namespace: str = NAMESPACE) -> list[str]:
    """The kubectl commands that create the Secrets (the gateway's replaced: it grows with each bureau)."""
    lines = []
    for secret in written:
        source = shlex.quote(str(out / secret))
        if secret == GATEWAY_SECRET:
            lines.append(f"kubectl -n {namespace} create secret generic {secret} --from-file={source} "
                         f"--dry-run=client -o yaml | kubectl -n {namespace} apply -f -")
        else:
            lines.append(f"kubectl -n {namespace} create secret generic {secret} --from-file={source}")
    return lines


def _issue(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\r\n").encode() if args.root_password_stdin else None
    out = Path(args.out)
    try:
        made_root = not (out / OPERATOR / "root.pem").exists()
        written = issue(out, args.bureau, password)
    except IssueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    root = out / OPERATOR
    print(f"# the trust root {'made' if made_root else 'used'}: {root}/root.pem; keep {root}/root.key offline, "
          "in no Secret (it issues every bureau's certificate)")
    print("# create the Secrets (each bureau reads only its own two), then restart the bureaus' pods:")
    for line in commands(out, written, args.namespace):
        print(line)
    print(f"# then remove the Secrets' directories under {out} (the cluster holds them now)")
    return 0


def register(subparsers) -> None:
    group = subparsers.add_parser("pki", help="the trust root and the bureaus' keys, for Kubernetes Secrets")
    actions = group.add_subparsers(dest="action", required=True)
    sub = actions.add_parser("issue", help="issue the root (if absent) and the bureaus' certificates and keys")
    sub.add_argument("--out", required=True, help="the directory: one sub-directory per Secret")
    sub.add_argument("--bureau", action="append", choices=manifest.NAMES,
                     help="only this bureau (repeatable; default: every bureau)")
    sub.add_argument("--root-password-stdin", action="store_true",
                     help="read the password that encrypts root.key from stdin")
    sub.add_argument("--namespace", default=NAMESPACE, help="in the printed kubectl commands")
    sub.set_defaults(run=_issue)
