"""The production switch (ONESTOP_KEYS_SUPPLIED): where the deployment supplies the keys, neither kit.pki
nor registration's licence key loader nor seal's key-encryption key loader creates anything, and a missing file is an error naming it and
what should hold it; switched off, the demo creates them once, as before."""

from __future__ import annotations

import base64
import os
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from kit import pki
from services.registration import signing
from services.seal import esign

ON = {pki.SUPPLIED_CONFIG: "true", pki.SOURCE_CONFIG: "Secret onestop-pki-tax"}


@pytest.fixture(autouse=True)
def no_switch_in_environment(monkeypatch):
    for name in (pki.SUPPLIED_CONFIG, pki.SOURCE_CONFIG, pki.DIR_CONFIG, pki.PASSWORD_CONFIG):
        monkeypatch.delenv(name, raising=False)


def supplied_root(directory):
    """What the operator supplies: root.pem only (the root's key stays with the operator)."""
    directory.mkdir(exist_ok=True)
    cert, key = pki.new_root()
    (directory / "root.pem").write_text(pki.pem(cert))
    return cert, key


def test_switch_on_and_no_root_is_an_error_naming_the_file_and_the_secret(tmp_path):
    config = {**ON, pki.DIR_CONFIG: str(tmp_path)}
    with pytest.raises(pki.PkiMissing) as error:
        pki.identity(config, "tax", "税务局")
    assert f"{tmp_path / 'root.pem'} is missing" in str(error.value)
    assert "Secret onestop-pki-tax" in str(error.value)
    assert list(tmp_path.iterdir()) == []  # no root, no lock file: nothing written


def test_switch_on_and_no_bureau_key_is_an_error_even_with_the_root_key_at_hand(tmp_path):
    cert, key = supplied_root(tmp_path)
    # a root key lying there is exactly what would let each replica issue its own certificate
    (tmp_path / "root.key").write_bytes(pki.key_pem(key, None))
    config = {**ON, pki.DIR_CONFIG: str(tmp_path)}
    with pytest.raises(pki.PkiMissing, match=r"tax\.pem is missing \(tax's certificate\).*Secret onestop-pki-tax"):
        pki.identity(config, "tax", "税务局")
    bureau_cert, bureau_key = pki.new_bureau(cert, key, "tax", "税务局")
    (tmp_path / "tax.pem").write_text(pki.pem(bureau_cert))
    with pytest.raises(pki.PkiMissing, match=r"tax\.key is missing \(tax's private key\)"):
        pki.identity(config, "tax", "税务局")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root.key", "root.pem", "tax.pem"]


def test_switch_on_loads_what_was_supplied(tmp_path):
    cert, key = supplied_root(tmp_path)
    pki.write_pair(tmp_path, "tax", *pki.new_bureau(cert, key, "tax", "税务局"), b"pw")
    found = pki.identity({**ON, pki.DIR_CONFIG: str(tmp_path), pki.PASSWORD_CONFIG: "pw"}, "tax", "税务局")
    assert found.root == cert and found.certificate.issuer == cert.subject


def test_switch_read_from_the_environment_as_the_gateway_has_it(tmp_path, monkeypatch):
    monkeypatch.setenv(pki.SUPPLIED_CONFIG, "true")
    with pytest.raises(pki.PkiMissing, match=r"root\.pem is missing"):
        pki.root_certificate({pki.DIR_CONFIG: str(tmp_path)})
    assert not (tmp_path / "root.pem").exists()


def test_switch_off_the_demo_creates_the_root_and_the_pair_once(tmp_path):
    config = {pki.DIR_CONFIG: str(tmp_path)}
    first = pki.identity(config, "tax", "税务局")
    assert {p.name for p in tmp_path.iterdir()} >= {"root.pem", "root.key", "tax.pem", "tax.key"}
    pki._cache.clear()
    again = pki.identity(config, "tax", "税务局")
    assert again.certificate == first.certificate and again.root == first.root


def _pem_key() -> str:
    return Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def test_licence_key_switch_on_and_missing_is_an_error_naming_the_variable_file_and_secret(tmp_path):
    path = tmp_path / "keys" / "licence-ed25519.pem"
    with pytest.raises(pki.PkiMissing) as error:
        signing.signer_from_config({pki.SUPPLIED_CONFIG: "1", signing.KEY_FILE_CONFIG: str(path)})
    message = str(error.value)
    assert signing.KEY_CONFIG in message and str(path) in message and "onestop-licence-key" not in message
    assert f"Secret onestop-keys-registration, key {signing.KEY_CONFIG}" in message
    assert not path.parent.exists()


def test_licence_key_switch_on_fails_at_start_with_the_pdf_identity(tmp_path):
    """registration's SigningIdentity loads the licence key too: the service stops at start-up."""
    cert, key = supplied_root(tmp_path / "pki")
    pki.write_pair(tmp_path / "pki", "registration", *pki.new_bureau(cert, key, "registration", "x"), None)
    config = {**ON, pki.DIR_CONFIG: str(tmp_path / "pki"), signing.KEY_FILE_CONFIG: str(tmp_path / "none.pem")}
    with pytest.raises(pki.PkiMissing, match=signing.KEY_CONFIG):
        signing.identity(config)
    supplied = _pem_key()
    found = signing.identity({**config, signing.KEY_CONFIG: supplied})
    assert found.certificate.issuer == cert.subject
    assert signing.signer_from_config({**config, signing.KEY_CONFIG: supplied}).private_key.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode() == supplied


def test_licence_key_switch_on_uses_a_supplied_key_file(tmp_path):
    path = tmp_path / "licence.pem"
    path.write_text(_pem_key())
    signer = signing.signer_from_config({pki.SUPPLIED_CONFIG: "true", signing.KEY_FILE_CONFIG: str(path)})
    assert signer.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode() == path.read_text()


def test_licence_key_switch_off_generates_the_key_file_once(tmp_path):
    path = tmp_path / "keys" / "licence-ed25519.pem"
    first = signing.signer_from_config({signing.KEY_FILE_CONFIG: str(path)})
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    signing._cache.clear()
    assert signing.signer_from_config({signing.KEY_FILE_CONFIG: str(path)}).public_raw == first.public_raw
    assert base64.b64encode(first.public_raw)


def _same_key(one: AESGCM, other: AESGCM) -> bool:
    nonce = os.urandom(12)
    return other.decrypt(nonce, one.encrypt(nonce, b"seal key", b"code"), b"code") == b"seal key"


def test_seal_kek_switch_on_and_unset_is_an_error_naming_the_setting_and_secret(tmp_path):
    directory = tmp_path / "pki"
    with pytest.raises(pki.PkiMissing) as error:
        esign.key_encryption_key({**ON, pki.DIR_CONFIG: str(directory)})
    message = str(error.value)
    assert f"{esign.KEY_CONFIG} is not set" in message and str(directory / esign.KEY_FILE) in message
    assert f"Secret onestop-keys-seal, key {esign.KEY_CONFIG}" in message
    assert not directory.exists()  # not even the directory: nothing written


def test_seal_kek_switch_on_stops_the_service_at_start(tmp_path):
    """The seal service's Keys dependency loads the CA and the key when the service starts."""
    cert, key = supplied_root(tmp_path)
    pki.write_pair(tmp_path, "seal_ca", *pki.new_bureau(cert, key, "seal_ca", esign.CA_NAME, ca=True), None)
    config = {**ON, pki.DIR_CONFIG: str(tmp_path)}
    keys = esign.Keys()
    keys.container = SimpleNamespace(config=config)
    with pytest.raises(pki.PkiMissing, match=esign.KEY_CONFIG):
        keys.setup()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root.pem", "seal_ca.key", "seal_ca.pem"]
    supplied = base64.b64encode(os.urandom(32)).decode()
    keys.container = SimpleNamespace(config={**config, esign.KEY_CONFIG: supplied})
    keys.setup()
    assert _same_key(keys.kek, AESGCM(base64.b64decode(supplied)))
    assert keys.ca.certificate.issuer == cert.subject


def test_seal_kek_switch_on_reads_a_key_file_already_there(tmp_path):
    raw = os.urandom(32)
    (tmp_path / esign.KEY_FILE).write_text(base64.b64encode(raw).decode())
    assert _same_key(esign.key_encryption_key({**ON, pki.DIR_CONFIG: str(tmp_path)}), AESGCM(raw))
    assert [p.name for p in tmp_path.iterdir()] == [esign.KEY_FILE]


def test_seal_kek_switch_off_generates_the_key_file_once(tmp_path):
    config = {pki.DIR_CONFIG: str(tmp_path / "pki")}
    first = esign.key_encryption_key(config)
    path = tmp_path / "pki" / esign.KEY_FILE
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert _same_key(first, esign.key_encryption_key(config))
