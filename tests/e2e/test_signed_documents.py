"""Signed documents end to end: the published trust root, every PDF of a completed application
signed by its bureau, and the public check of a PDF (with its refusals of bad uploads)."""

from __future__ import annotations

import io
import time

import pytest
from cryptography import x509

from kit import pdfsign
from tests.e2e.conftest import confirm_everyone, sign_up_and_log_in
from tests.factories import make_form

pytestmark = pytest.mark.e2e
API = "/api/v1"
SIGNERS = {"registration": "registration", "tax": "tax", "seal": "seal", "social_security": "social_security",
           "medical_insurance": "medical_insurance", "housing_fund": "housing_fund", "bank": "bank"}


@pytest.fixture(scope="module")
def completed(http):
    founder = sign_up_and_log_in(http)
    form = make_form()
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    app_id = confirm_everyone(http, reply, form)
    deadline = time.monotonic() + 120
    while True:
        view = http.get(f"{API}/applications/{app_id}", headers=founder).json()
        if view["status"] in ("completed", "rejected") or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert view["status"] == "completed", view["status"]
    return founder, view


@pytest.fixture(scope="module")
def root(http):
    reply = http.get("/.well-known/onestop-ca.pem")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/x-pem-file")
    return x509.load_pem_x509_certificate(reply.content)


def test_root_and_bureau_certificates_are_published(http, root, completed):
    index = http.get("/.well-known/onestop-ca/").json()
    assert {"registration", "tax", "seal", "social_security"} <= set(index["certificates"])
    for name, entry in index["certificates"].items():
        cert = x509.load_pem_x509_certificate(http.get(entry["url"]).content)
        assert cert.issuer == root.subject, name
    bundle = http.get(index["bundle"]).text
    assert bundle.count("BEGIN CERTIFICATE") == 1 + len(index["certificates"])
    assert http.get("/.well-known/onestop-ca/nobody.pem").status_code == 404
    assert "PRIVATE" not in bundle


def test_every_pdf_is_signed_by_its_bureau_and_checks_publicly(http, root, completed):
    founder, view = completed
    pdfs = [d for d in view["documents"] if d.get("content_type", "application/pdf") == "application/pdf"]
    bureaus = {d["name"].split(".")[0] for d in pdfs}
    assert {"registration", "tax", "seal", "social_security"} <= bureaus, bureaus
    for doc in pdfs:
        data = http.get(f"{API}/applications/{view['id']}/documents/{doc['name']}", headers=founder).content
        [check] = pdfsign.check(data, [root])
        assert check.valid, (doc["name"], check)
        bureau_cert = x509.load_pem_x509_certificate(
            http.get(f"/.well-known/onestop-ca/{SIGNERS[doc['name'].split('.')[0]]}.pem").content)
        assert check.signer_serial == format(bureau_cert.serial_number, "x"), doc["name"]
        public = http.post(f"{API}/verify/documents", content=data, headers={"Content-Type": "application/pdf"})
        assert public.status_code == 200 and public.json()["valid"] is True, public.text
        if doc["name"] == "registration.licence":
            changed = bytearray(data)
            changed[len(data) // 3] ^= 0x01
            reply = http.post(f"{API}/verify/documents", content=bytes(changed),
                              headers={"Content-Type": "application/pdf"})
            assert reply.status_code in (200, 422) and reply.json().get("valid") is not True, reply.text


def test_every_document_is_issued_once_and_downloads_the_same(http, completed):
    """A signed document is immutable: the second download is the stored file, byte for byte (a fresh
    rendering would carry a new signing time), for every bureau's documents (kit.documents)."""
    founder, view = completed
    assert len(view["documents"]) >= 6, view["documents"]
    for doc in view["documents"]:
        url = f"{API}/applications/{view['id']}/documents/{doc['name']}"
        first, second = (http.get(url, headers=founder) for _ in range(2))
        assert first.status_code == second.status_code == 200, doc["name"]
        assert first.content == second.content, f"{doc['name']} was rendered again"


def _encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("body", "content_type", "status", "words"), [
    (b"hello, not a pdf", "application/pdf", 415, "不是PDF"),
    (b"%PDF-1.7\n garbage garbage", "application/pdf", 422, "损坏"),
    (None, "application/pdf", 422, "加密"),
    (b"", "application/pdf", 422, "为空"),
    (b"%PDF-1.4", "text/plain", 415, "application/pdf"),
    (b"%PDF-1.4" + b"0" * (2 * 1024 * 1024), "application/pdf", 413, ""),
])
def test_bad_uploads_are_refused_with_a_reason(http, body, content_type, status, words):
    body = _encrypted_pdf() if body is None else body
    reply = http.post(f"{API}/verify/documents", content=body, headers={"Content-Type": content_type})
    assert reply.status_code == status, reply.text
    assert words in reply.json()["message"]


def test_an_unsigned_pdf_is_reported_unsigned(http):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    reply = http.post(f"{API}/verify/documents", content=out.getvalue(), headers={"Content-Type": "application/pdf"})
    assert reply.status_code == 200 and reply.json()["signed"] is False and reply.json()["valid"] is False


def test_the_verification_page_checks_an_uploaded_pdf(http, completed):
    import re

    founder, view = completed
    licence = http.get(f"{API}/applications/{view['id']}/documents/registration.licence", headers=founder).content
    page = http.get("/verify/documents")
    assert page.status_code == 200 and "验证电子文件的签名" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def upload(data: bytes):
        return http.post("/verify/documents", data={"csrf_token": token},
                         files={"document": ("licence.pdf", data, "application/pdf")})

    good = upload(licence)
    assert good.status_code == 200 and "✔ 签名有效" in good.text and "武汉市市场监督管理局" in good.text
    changed = bytearray(licence)
    changed[len(licence) // 3] ^= 0x01
    assert "✔ 签名有效" not in upload(bytes(changed)).text
    refused = upload(b"hello")
    assert refused.status_code == 415 and "不是PDF" in refused.text
