"""kit.seseal: GB/T 38540-2020 v4 seal data built by a seal maker and read back by anyone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kit import pki, seseal

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture(scope="module")
def maker(tmp_path_factory):
    config = {"PKI_DIR": str(tmp_path_factory.mktemp("pki"))}
    return config, pki.identity(config, "seal_ca", "武汉市公安局电子印章制作中心", ca=True)


def _data(maker_identity, **changes) -> seseal.SealData:
    fields = dict(es_id="4201110000001", kind=seseal.ORGANISATION, name="武汉海陆空商贸有限公司公章",
                  signer_certificates=[maker_identity.certificate], created=NOW, valid_from=NOW,
                  valid_until=NOW.replace(year=2031), picture_png=PNG, width_mm=40, height_mm=40)
    return seseal.SealData(**{**fields, **changes})


def test_the_seal_data_reads_back_with_the_makers_signature_valid(maker):
    config, identity = maker
    der = seseal.build(_data(identity), identity.certificate, identity.key)
    check = seseal.read(der, [pki.root_certificate(config)])
    assert check.maker_signature_valid and check.maker_trusted
    assert (check.es_id, check.kind, check.name) == ("4201110000001", 1, "武汉海陆空商贸有限公司公章")
    assert check.valid_from == NOW and check.valid_until.year == 2031 and check.picture == PNG
    assert check.signer_serials == [format(identity.certificate.serial_number, "x")]
    parsed = seseal.SESeal.load(der)
    assert parsed["e_seal_info"]["header"].native == {"id": "ES", "version": 4, "vid": "OneStop"}
    assert parsed["sign_alg_id"].dotted == seseal.ECDSA_SHA256


def test_a_changed_picture_breaks_the_makers_signature(maker):
    config, identity = maker
    der = bytearray(seseal.build(_data(identity), identity.certificate, identity.key))
    der[der.index(PNG[200:220]) + 3] ^= 0x01
    assert seseal.read(bytes(der), [pki.root_certificate(config)]).maker_signature_valid is False


def test_another_root_does_not_trust_the_maker(maker, tmp_path):
    _, identity = maker
    der = seseal.build(_data(identity), identity.certificate, identity.key)
    other_root = pki.root_certificate({"PKI_DIR": str(tmp_path)})
    check = seseal.read(der, [other_root])
    assert check.maker_signature_valid and not check.maker_trusted


@pytest.mark.parametrize(("der", "words"), [(b"", "为空"), (b"\x30\x03\x02\x01\x01", "无法解析"),
                                            (b"garbage", "无法解析")])
def test_what_is_not_seal_data_is_refused_with_a_reason(der, words):
    with pytest.raises(seseal.NotASeal, match=words):
        seseal.read(der, [])


def test_an_sm2_seal_is_named_as_unsupported(maker):
    _, identity = maker
    der = seseal.build(_data(identity), identity.certificate, identity.key)
    seal = seseal.SESeal.load(der)
    sm2 = seseal.SESeal({"e_seal_info": seal["e_seal_info"], "cert": seal["cert"], "sign_alg_id": seseal.SM2_SM3,
                         "signed_value": seal["signed_value"]}).dump()
    with pytest.raises(seseal.NotASeal, match="SM2"):
        seseal.read(sm2, [])
