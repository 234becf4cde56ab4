"""Signed licence: the OSL1 token in the QR code, the PDF, and offline verification (no broker)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from contracts import licence_token as osl
from contracts.events import Licence
from gateway.ops import cli, verify_licence
from kit import pki
from services.registration import documents, signing


def licence(**changes) -> Licence:
    data = dict(uscc="91420106MA4K00001X", company_name="武汉瑞越啸萱科技有限公司", company_type="有限责任公司（自然人独资）",
                legal_representative="张伟", registered_capital=Decimal("1000000.00"), established_on=date(2024, 5, 6),
                term="长期", domicile="武汉市武昌区中北路1号", district_code="420106", business_scope="软件开发",
                authority="武汉市武昌区市场监督管理局", issued_at=datetime(2024, 5, 6, 2, 0, tzinfo=UTC))
    data.update(changes)
    return Licence(**data)


@pytest.fixture(scope="module")
def signer() -> signing.Signer:
    return signing.Signer(Ed25519PrivateKey.generate())


def public_json(signer) -> str:
    return json.dumps(signer.public_document())


def test_qr_payload_is_the_verification_url_with_a_signed_fragment(signer):
    payload = documents.qr_payload(licence(), "https://onestop.example/", signer)
    url, _, token = payload.partition("#")
    assert url == "https://onestop.example/verify/licences/91420106MA4K00001X"
    assert token.startswith("OSL1.") and token.count(".") == 2
    verdict = osl.verify(payload, osl.load_public_key(public_json(signer)))
    assert verdict.valid, verdict.reason
    assert verdict.fields == {"uscc": "91420106MA4K00001X", "company_name": "武汉瑞越啸萱科技有限公司",
                              "legal_representative": "张伟", "registered_capital": "1000000.00",
                              "established_on": "2024-05-06", "authority": "武汉市武昌区市场监督管理局",
                              "key_id": signer.key_id}
    assert len(payload) < 500  # still a QR code a phone reads at 34 mm


@pytest.mark.parametrize("field,value", [("n", "武汉假冒科技有限公司"), ("c", "99999999.00"), ("r", "李四")])
def test_a_tampered_field_fails(signer, field, value):
    token = osl.find_token(documents.qr_payload(licence(), "http://x", signer))
    _, body, sig = token.split(".")
    fields = json.loads(osl.unb64url(body))
    fields[field] = value
    forged = f"OSL1.{osl.b64url(osl.canonical(fields))}.{sig}"
    verdict = osl.verify(forged, osl.load_public_key(public_json(signer)))
    assert not verdict.valid and "altered" in verdict.reason


def test_another_key_or_another_uscc_in_the_address_fails(signer):
    payload = documents.qr_payload(licence(), "http://x", signer)
    other = signing.Signer(Ed25519PrivateKey.generate())
    assert not osl.verify(payload, osl.load_public_key(public_json(other))).valid
    moved = payload.replace("/verify/licences/91420106MA4K00001X", "/verify/licences/91420106MA4K00002Y")
    assert "another USCC" in osl.verify(moved, osl.load_public_key(public_json(signer))).reason


def test_keys_from_configuration_base64_and_pem_and_a_generated_file(tmp_path, caplog):
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    a = signing.signer_from_config({"LICENCE_SIGNING_KEY": base64.b64encode(seed).decode()})
    b = signing.signer_from_config({"LICENCE_SIGNING_KEY": pem})
    assert a.public_raw == b.public_raw
    path = tmp_path / "keys" / "k.pem"
    c = signing.signer_from_config({"LICENCE_SIGNING_KEY": None, "LICENCE_KEY_FILE": str(path)})
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert "generated a licence signing key" in caplog.text
    signing._cache.clear()
    again = signing.signer_from_config({"LICENCE_KEY_FILE": str(path)})
    assert again.public_raw == c.public_raw  # generated once, then reused
    with pytest.raises(ValueError):
        signing.parse_private_key(base64.b64encode(b"short").decode())


def test_pdf_carries_the_signed_qr_and_the_cli_verifies_it(signer, tmp_path, capsys):
    config = {"PKI_DIR": str(tmp_path / "pki")}
    pdf = documents.render_licence(licence(), "http://127.0.0.1:8000", signer, signing.identity(config))
    path = tmp_path / "licence.pdf"
    path.write_bytes(pdf)
    key = tmp_path / "key.json"
    key.write_text(public_json(signer))
    ca = tmp_path / "onestop-ca.pem"
    ca.write_text(pki.published(config)["root"])
    printed = verify_licence.qr_text_from_pdf(pdf)  # what a camera reads off the printed page
    assert printed == verify_licence.text_from_file(pdf)  # == the copy in the PDF metadata
    assert cli.main(["verify-licence", str(path), "--key", str(key), "--ca", str(ca)]) == 0
    out = capsys.readouterr().out
    assert "VALID" in out and "张伟" in out and "91420106MA4K00001X" in out
    assert "PDF签名: 签名有效" in out and "武汉市市场监督管理局" in out and "北京时间" in out
    # the PDF changed by one byte: the QR data still verifies, the document signature does not
    changed = bytearray(pdf)
    changed[len(pdf) // 2] ^= 0x01
    path.write_bytes(bytes(changed))
    assert cli.main(["verify-licence", str(path), "--key", str(key), "--ca", str(ca)]) == 1
    assert "INVALID" in capsys.readouterr().out
    # signed, but under another root
    other = tmp_path / "other.pem"
    other.write_text(pki.published({"PKI_DIR": str(tmp_path / "other")})["root"])
    path.write_bytes(pdf)
    assert cli.main(["verify-licence", str(path), "--key", str(key), "--ca", str(other)]) == 1
    assert "不能链接到 OneStop 根证书" in capsys.readouterr().out
    # QR text given directly, key as base64
    raw_key = signer.public_document()["public_key"]
    assert cli.main(["verify-licence", printed, "--key", raw_key]) == 0
    # a tampered copy: the capital changed, the old signature kept
    _, body, sig = osl.find_token(printed).split(".")
    fields = json.loads(osl.unb64url(body)) | {"c": "50000000.00"}
    forged = printed.split("#")[0] + f"#OSL1.{osl.b64url(osl.canonical(fields))}.{sig}"
    assert cli.main(["verify-licence", forged, "--key", raw_key]) == 1
    assert "INVALID" in capsys.readouterr().out
