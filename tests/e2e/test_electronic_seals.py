"""Electronic seals that sign, end to end: the founder signs a PDF through the API, anyone checks it,
repeats are idempotent, strangers and bad uploads are refused, and a lost seal or a revoked licence
revokes the seal's certificate (CRL) from that moment."""

from __future__ import annotations

import base64
import hashlib
import io
import time
import uuid

import pytest
from cryptography import x509

from gateway.ops import cli
from kit import pdfsign, seseal
from tests.conftest import MONGO_URI
from tests.e2e.conftest import STAFF_PASSWORD, confirm_everyone, log_in, sign_up_and_log_in
from tests.e2e.test_signed_documents import _encrypted_pdf
from tests.factories import make_form

pytestmark = pytest.mark.e2e
API = "/api/v1"
PDF = {"Content-Type": "application/pdf"}


def wait_until(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.3)
    return value


def contract_pdf(text: str = "合同") -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    from kit import pdf as pdfkit

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(595, 842), initialFontName=pdfkit.font())
    canvas.setFont(pdfkit.font(), 14)
    canvas.drawString(72, 760, f"{text} {uuid.uuid4().hex[:6]}")
    canvas.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def company(http):
    founder = sign_up_and_log_in(http)
    form = make_form()
    form["seals"]["kinds"] = ["company", "contract"]
    form["seals"]["electronic"] = True
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    app_id = confirm_everyone(http, reply, form)
    view = wait_until(lambda: (v := http.get(f"{API}/applications/{app_id}", headers=founder).json())
                      ["outputs"].get("seals") and v.get("outputs", {}).get("uscc") and v, timeout=120)
    assert view, "seals never filed"
    seals = {s["kind"]: s["code"] for s in view["outputs"]["seals"] if s["medium"] == "electronic"}
    return {"founder": founder, "uscc": view["outputs"]["uscc"], "seals": seals, "app": view}


@pytest.fixture(scope="module")
def root(http):
    return x509.load_pem_x509_certificate(http.get("/.well-known/onestop-ca.pem").content)


def crl(http) -> bytes:
    reply = http.get("/.well-known/onestop-ca/seal_ca.crl")
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/pkix-crl"
    return reply.content


def sign(http, company, kind="company", body=None, key=None, params="?page=1&x=150&y=80", headers=None):
    url = f"{API}/companies/{company['uscc']}/seals/{company['seals'][kind]}/signatures{params}"
    extra = {"Idempotency-Key": key} if key else {}
    return http.post(url, content=contract_pdf() if body is None else body,
                     headers={**PDF, **(headers if headers is not None else company["founder"]), **extra})


def test_the_founder_signs_a_pdf_and_anyone_can_check_it(http, company, root):
    document = contract_pdf()
    reply = sign(http, company, body=document, key="contract-1")
    assert reply.status_code == 200, reply.text
    signed = reply.content
    assert reply.headers["x-signed-sha256"] == hashlib.sha256(signed).hexdigest()
    [check] = pdfsign.check(signed, [root], crls=[crl(http)])
    assert check.valid and company["app"]["outputs"]["licence"]["company_name"] in check.signer
    public = http.post(f"{API}/verify/documents", content=signed, headers=PDF).json()
    [row] = public["signatures"]
    assert public["valid"] and row["seal"]["code"] == company["seals"]["company"]
    assert row["seal"]["valid_now"] and row["seal"]["valid_when_signed"] and row["seal"]["recorded_signed_at"]
    # the same key: the same signed file; the same key for another file: refused
    again = sign(http, company, body=document, key="contract-1")
    assert again.status_code == 200 and again.content == signed
    other = sign(http, company, key="contract-1")
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["message"]
    uses = http.get(f"{API}/companies/{company['uscc']}/seals/signatures", headers=company["founder"]).json()
    assert [u["document_sha256"] for u in uses] == [hashlib.sha256(document).hexdigest()]
    assert uses[0]["signer"]["name"] == "张伟"


def test_only_the_founder_may_sign(http, company):
    stranger = sign_up_and_log_in(http)
    assert sign(http, company, headers=stranger).status_code == 404
    assert sign(http, company, headers={}).status_code == 401
    assert http.get(f"{API}/companies/{company['uscc']}/seals/signatures", headers=stranger).status_code == 404


@pytest.mark.parametrize(("body", "content_type", "params", "status", "words"), [
    (b"not a pdf at all", "application/pdf", "", 415, "不是PDF"),
    (b"%PDF-1.7\n broken", "application/pdf", "", 422, "损坏"),
    (None, "application/pdf", "", 422, "加密"),
    (b"", "application/pdf", "", 422, "为空"),
    (b"%PDF-1.4", "text/plain", "", 415, "application/pdf"),
    (b"%PDF-1.4" + b"0" * (2 * 1024 * 1024), "application/pdf", "", 413, ""),
    ("contract", "application/pdf", "?page=9&x=10&y=10", 422, "页码"),
    ("contract", "application/pdf", "?page=1&x=900&y=10", 422, "页面内"),
])
def test_bad_uploads_are_refused_and_nothing_is_recorded(http, company, body, content_type, params, status, words):
    before = len(http.get(f"{API}/companies/{company['uscc']}/seals/signatures", headers=company["founder"]).json())
    body = _encrypted_pdf() if body is None else contract_pdf() if body == "contract" else body
    reply = sign(http, company, body=body, params=params,
                 headers={**company["founder"], "Content-Type": content_type})
    assert reply.status_code == status, reply.text
    assert words in reply.json()["message"]
    after = len(http.get(f"{API}/companies/{company['uscc']}/seals/signatures", headers=company["founder"]).json())
    assert after == before


def eseal(http, company, kind="company", headers=None):
    return http.get(f"{API}/companies/{company['uscc']}/seals/{company['seals'][kind]}/eseal",
                    headers=company["founder"] if headers is None else headers)


def verify_eseal(http, data: bytes):
    return http.post(f"{API}/verify/eseals", content=data, headers={"Content-Type": "application/octet-stream"})


def test_each_seal_has_gb_t_38540_seal_data_signed_by_the_seal_maker(http, company, root):
    reply = eseal(http, company)
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/octet-stream", reply.text
    code = company["seals"]["company"]
    assert f'filename="{code}.esl"' in reply.headers["content-disposition"]
    data = reply.content
    check = seseal.read(data, [root])
    assert check.maker_signature_valid and check.maker_trusted, check
    company_name = company["app"]["outputs"]["licence"]["company_name"]
    assert check.es_id == code and check.name.startswith(company_name) and check.kind == seseal.ORGANISATION
    assert "电子印章制作中心" in check.maker
    # the picture in the seal data is the seal's image as the founder downloads it
    image = http.get(f"{API}/applications/{company['app']['id']}/documents/seal.image.company",
                     headers=company["founder"])
    assert image.status_code == 200 and check.picture_type == "PNG" and check.picture == image.content
    assert eseal(http, company).content == data  # built once, then served as stored

    public = verify_eseal(http, data).json()
    assert public["valid"] is True and public["es_id"] == code and public["seals"][0]["code"] == code, public
    assert public["valid_until"].endswith("+08:00")
    # one changed byte in the picture: the maker's signature no longer holds
    at = data.index(check.picture[100:120]) + 5
    changed = bytearray(data)
    changed[at] ^= 0x01
    tampered = verify_eseal(http, bytes(changed)).json()
    assert tampered["valid"] is False and tampered["maker_signature_valid"] is False and "改动" in tampered["summary"]


def test_seal_data_is_the_owners_and_bad_seal_data_is_a_422(http, company):
    stranger = sign_up_and_log_in(http)
    assert eseal(http, company, headers=stranger).status_code == 404
    assert eseal(http, company, headers={}).status_code == 401
    for body in (b"", b"not der at all", b"0" * 2_000_000):
        reply = verify_eseal(http, body)
        assert reply.status_code in (413, 422), (body[:10], reply.text)
        if reply.status_code == 422:
            assert reply.json()["message"]


def test_a_lost_seal_and_a_revoked_licence_revoke_the_certificates(http, company, root, system):
    earlier = sign(http, company, kind="contract").content
    seal_data = eseal(http, company, kind="contract").content
    lost = http.post(f"{API}/companies/{company['uscc']}/seals/{company['seals']['contract']}/loss",
                     json={"reason": "U盾遗失"}, headers=company["founder"])
    assert lost.status_code == 200 and lost.json()["valid_now"] is False, lost.text
    refused = sign(http, company, kind="contract")
    assert refused.status_code == 409 and "吊销" in refused.json()["message"]
    public = http.post(f"{API}/verify/documents", content=earlier, headers=PDF).json()
    [row] = public["signatures"]
    assert not public["valid"] and row["revoked"] and row["seal"]["valid_when_signed"] is True
    revoked_serials = {entry.serial_number for entry in x509.load_der_x509_crl(crl(http))}
    assert int(row["signer_serial"], 16) in revoked_serials
    public = verify_eseal(http, seal_data).json()  # the seal data itself is intact, the seal revoked
    assert public["maker_signature_valid"] and public["valid"] is False and "吊销" in public["summary"], public

    before = sign(http, company).content  # the company seal still signs until the licence goes
    cli.add_staff("ops.eseal", STAFF_PASSWORD, operator=True, mongo_uri=MONGO_URI, db_prefix=system.db_prefix)
    operator = log_in(http, "ops.eseal", STAFF_PASSWORD)
    reply = http.post(f"{API}/operator/licences/{company['uscc']}/revocation", json={"reason": "虚假登记"},
                      headers=operator)
    assert reply.status_code == 200, reply.text
    assert wait_until(lambda: sign(http, company).status_code == 409)
    [check] = pdfsign.check(before, [root], crls=[crl(http)])
    assert check.intact and check.revoked and not check.valid
    assert base64.b64encode(before)  # the file itself is unchanged: only its seal's status moved
