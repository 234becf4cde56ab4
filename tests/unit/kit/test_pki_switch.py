"""The production switch (ONESTOP_KEYS_SUPPLIED): where the deployment supplies the keys, neither kit.pki
nor registration's licence key loader creates anything, and a missing file is an error naming it and
what should hold it; switched off, the demo creates them once, as before."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from kit import pki
from services.registration import signing

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
