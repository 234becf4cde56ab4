"""Every PDF a bureau issues, read the way people read it: rendered by poppler (`pdftoppm`, here
without `poppler-data`, so a non-embedded CJK font would show as blank), fonts listed by `pdffonts`,
PDF/A-2b parts present, and the bureau's PAdES signature checked against the OneStop root."""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from contracts.form import SealKind, TaxpayerType
from kit import pdfsign, pki
from services.bank import documents as bank_docs
from services.bank import workflow as bank_workflow
from services.bank.store import BankStore
from services.housing_fund import documents as hf_docs
from services.housing_fund import workflow as hf_workflow
from services.housing_fund.figures import FiguresBook as HousingFigures
from services.housing_fund.store import HousingFundStore
from services.medical_insurance import documents as mi_docs
from services.medical_insurance import workflow as mi_workflow
from services.medical_insurance.figures import FiguresBook as MedicalFigures
from services.medical_insurance.store import MedicalInsuranceStore
from services.registration import documents as licence_docs
from services.seal import documents as seal_docs
from services.seal import domain as seal_domain
from services.social_security import documents as ss_docs
from services.tax import documents as tax_docs
from services.tax import domain as tax_domain
from services.tax.offices import offices
from services.tax.rates import vat_rates
from tests.unit.bank.factories import licence_issued as bank_licence_issued
from tests.unit.housing_fund import factories as unit_factories
from tests.unit.registration.test_signed_licence import licence
from tests.unit.seal import factories as seal_factories
from tests.unit.tax import factories as tax_factories

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
DPI = 100


def poppler_data_installed() -> bool:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "poppler-data"], capture_output=True, text=True)
    return "install ok installed" in result.stdout


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return {"PKI_DIR": str(tmp_path_factory.mktemp("pki"))}


def _tax_registration():
    return tax_domain.new_registration(tax_factories.licence_issued(), NOW, offices())


def _invoice(reg):
    request = tax_domain.parse_invoice_request(
        {"request_id": "r", "buyer_name": "武汉买方有限公司", "buyer_tax_id": tax_factories.BUYER,
         "items": [{"name": "办公用品", "quantity": "3", "unit_price": "10", "tax_rate": "0.13"}]},
        reg["uscc"], ["vat_general"], TaxpayerType.general, tax_domain.local_day(NOW), vat_rates())
    return tax_domain.build_invoice(reg, request, "26420000000000000042", NOW, vat_rates())


def _seal_set():
    event = seal_factories.licence_issued(kinds=list(SealKind), issued_at=NOW)
    codes = [seal_domain.seal_code("420111", i) for i in range(1, 6)]
    return seal_domain.new_seal_set(event, codes, NOW)[0]


EMPLOYER = {"company_name": "武汉海陆空商贸有限公司", "uscc": "91420111MA4L0M8B46", "employer_number": "4201112026000001",
            "insurances": ["养老保险", "失业保险", "工伤保险"], "housing_fund_account": None,
            "registered_at": datetime(2026, 11, 30, 17, 0, tzinfo=UTC)}  # 2026-12-01 in Beijing


def _bank_account():
    from contracts import clock

    store = BankStore.in_memory()
    event = bank_licence_issued(issued_at=NOW)
    with clock.using(clock.fixed_at(NOW)):
        bank_workflow.reserve(store, event, NOW)
    account = store.get(event.application_id)
    return account, account.model_copy(update={"state": "opened", "opened_at": NOW})


def _units():
    """A registered unit of each unit bureau (kit.unit_certificate draws both certificates)."""
    from contracts import clock

    event = unit_factories.licence_issued(unit_factories.staff("8000.00", "1000.00"), issued_at=NOW)
    housing, medical, figures = HousingFundStore.in_memory(), MedicalInsuranceStore.in_memory(), MedicalFigures()
    with clock.using(clock.fixed_at(NOW)):
        hf_workflow.open_unit(housing, HousingFigures(), event, NOW)
        mi_workflow.open_unit(medical, figures, event, NOW)
    unit = medical.get(event.application_id)
    return housing.get(event.application_id), unit, figures.figures_or_none(unit.district_code, NOW.date())


@pytest.fixture(scope="module")
def issued(config):
    """name -> (signed PDF bytes, the company name printed on it)."""
    reg = _tax_registration()
    inv = _invoice(reg)
    seal_set = _seal_set()
    tax_id = tax_docs.signing_identity(config)
    lic = licence()
    booked, opened = _bank_account()
    bank_id = bank_docs.signing_identity(config)
    housing, medical, figures = _units()
    return {
        "housing_fund_certificate": (hf_docs.render_certificate(housing, NOW.date(), hf_docs.signing_identity(config)),
                                     housing.company_name),
        "medical_insurance_certificate": (mi_docs.render_certificate(medical, figures, NOW.date(),
                                                                     mi_docs.signing_identity(config)),
                                          medical.company_name),
        "bank_appointment": (bank_docs.render(booked, "bank.appointment", bank_id)[0], booked.company_name),
        "bank_account": (bank_docs.render(opened, "bank.account", bank_id)[0], opened.company_name),
        "licence": (licence_docs.render_licence(lic, "http://127.0.0.1:8000", None,
                                                pki.identity(config, "registration", "武汉市市场监督管理局")),
                    lic.company_name),
        "tax_notice": (base64.b64decode(tax_docs.render(tax_docs.NOTICE, reg, {}, tax_id).data_base64),
                       reg["company_name"]),
        "invoice": (base64.b64decode(tax_docs.render(tax_docs.INVOICE_PREFIX + inv["number"], reg,
                                                     {inv["number"]: inv}, tax_id).data_base64), reg["company_name"]),
        "seal_certificate": (seal_docs.render_certificate(seal_set, seal_docs.signing_identity(config)),
                             seal_set.company_name),
        "social_security_certificate": (ss_docs.render_certificate(EMPLOYER, [], "2026-12-01",
                                                                   ss_docs.signing_identity(config)),
                                        EMPLOYER["company_name"]),
    }


DOCUMENTS = ["licence", "tax_notice", "invoice", "seal_certificate", "social_security_certificate", "bank_appointment",
             "bank_account", "housing_fund_certificate", "medical_insurance_certificate"]


def pdffonts(pdf: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def render(pdf: bytes, tmp_path, name: str = "page") -> Image.Image:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", str(path),
                    str(tmp_path / name)], check=True, capture_output=True)
    return Image.open(tmp_path / f"{name}.png").convert("RGB")


def text_box(pdf: bytes, tmp_path, text: str, last: bool = False, page: int = 1) -> tuple[float, float, float, float]:
    """Where poppler places the first (or last) word containing `text` on `page` (points, top-left origin)."""
    path = tmp_path / "bbox.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    found = [tuple(float(m.group(i)) for i in range(1, 5)) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)
        if text in m.group(5)]
    assert found, f"{text!r} not in the text layer"
    return found[-1] if last else found[0]


def ink(image: Image.Image, box_points, dark=110) -> float:
    """Share of dark pixels inside a box given in points."""
    scale = DPI / 72
    x1, y1, x2, y2 = (round(v * scale) for v in box_points)
    crop = image.crop((x1, y1, x2, y2)).convert("L")
    pixels = list(crop.getdata())
    return sum(p < dark for p in pixels) / max(1, len(pixels))


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_font_is_embedded_and_the_company_name_is_ink_on_the_page(issued, name, tmp_path):
    pdf, company = issued[name]
    fonts = pdffonts(pdf, tmp_path)
    assert fonts, "no fonts listed"
    for row in fonts:
        emb = row[-5]  # name type encoding emb sub uni object ID
        assert emb == "yes", f"{name}: font not embedded: {row}"
    page = render(pdf, tmp_path)
    name_box = text_box(pdf, tmp_path, company[:4])
    assert ink(page, name_box) > 0.04, f"{name}: the company name's box is blank when rendered"


def _one_line(font_name: str) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(595, 842), initialFontName=font_name)
    canvas.setFont(font_name, 20)
    canvas.drawString(72, 700, "武汉海陆空商贸有限公司")
    canvas.save()
    return buffer.getvalue()


@pytest.mark.skipif(poppler_data_installed(), reason="with poppler-data even non-embedded CJK fonts render")
def test_the_ink_check_sees_a_non_embedded_cid_font_as_blank(tmp_path):
    """The control: reportlab's STSong-Light (not embedded) is what the check must catch, while the
    embedded font in the same box is ink."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    from kit import pdf as pdfkit

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    line = (72, 842 - 700 - 18, 72 + 220, 842 - 700 + 4)  # the drawn line's box, top-left origin
    assert ink(render(_one_line("STSong-Light"), tmp_path, "cid"), line) < 0.005
    assert ink(render(_one_line(pdfkit.font()), tmp_path, "ttf"), line) > 0.04


@pytest.mark.parametrize("name", DOCUMENTS)
def test_pdfa_parts_xmp_and_output_intent(issued, name):
    pdf, company = issued[name]
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part[^0-9]*2", xmp) and re.search(r"pdfaid:conformance[^A-Z]*B", xmp)
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1" and len(intent["/DestOutputProfile"].get_object().get_data()) > 100
    assert "/Encrypt" not in reader.trailer
    assert company in reader.metadata.title


@pytest.mark.parametrize("name", DOCUMENTS)
def test_signed_by_the_issuing_bureau_and_a_changed_byte_breaks_it(issued, name, config):
    pdf, _ = issued[name]
    root = pki.root_certificate(config)
    [check] = pdfsign.check(pdf, [root])
    assert check.valid and check.trusted and check.covers_whole_file, check
    for position in (len(pdf) // 4, len(pdf) // 2):
        changed = bytearray(pdf)
        changed[position] ^= 0x01
        try:
            results = pdfsign.check(bytes(changed), [root])
        except pdfsign.NotSignedPdf:
            continue  # the change broke the file itself: certainly not a valid document
        assert not any(r.valid for r in results), f"{name}: byte {position} changed, still valid"


def test_another_root_does_not_trust_the_signature(issued, tmp_path):
    pdf, _ = issued["licence"]
    stranger = pki.root_certificate({"PKI_DIR": str(tmp_path / "other")})
    [check] = pdfsign.check(pdf, [stranger])
    assert check.intact and not check.trusted and not check.valid


def test_pyhanko_cli_validates_the_licence_with_the_published_root(issued, config, tmp_path):
    pdf, _ = issued["licence"]
    (tmp_path / "licence.pdf").write_bytes(pdf)
    (tmp_path / "onestop-ca.pem").write_text(pki.published(config)["root"])
    result = subprocess.run([str(Path(sys.executable).parent / "pyhanko"), "sign", "validate", "--trust", str(tmp_path / "onestop-ca.pem"),
                             "--trust-replace", str(tmp_path / "licence.pdf")], capture_output=True, text=True)
    assert result.returncode == 0 and "INTACT:TRUSTED" in result.stdout, result.stdout + result.stderr


def test_the_licence_seal_is_red_ink_over_the_issue_date_and_times_are_beijing(issued, tmp_path):
    pdf, _ = issued["licence"]
    page = render(pdf, tmp_path).convert("RGB")
    height = PdfReader(io.BytesIO(pdf)).pages[0].mediabox.height
    _, x1, y1, x2, y2 = licence_docs.SEAL_BOX
    scale = DPI / 72
    crop = page.crop((round(x1 * scale), round((height - y2) * scale), round(x2 * scale), round((height - y1) * scale)))
    red = sum(1 for r, g, b in crop.getdata() if r > 170 and g < 110 and b < 110)
    assert red / (crop.width * crop.height) > 0.05
    date_box = text_box(pdf, tmp_path, "2024年05月06日", last=True)
    assert x1 < (date_box[0] + date_box[2]) / 2 < x2  # the seal is centred over the date
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "签发时间：2024-05-06 10:00:00（北京时间）" in text  # issued 02:00 UTC


def test_certificates_print_beijing_dates(issued):
    pdf, _ = issued["social_security_certificate"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "2026-12-01" in text and "2026-11-30" not in text


DATES = {"licence": "2024年05月06日", "tax_notice": "2026-11-25", "seal_certificate": "2026-11-25",
         "social_security_certificate": "2026-12-01"}


@pytest.mark.parametrize("name", sorted(DATES))
def test_the_visible_signature_is_the_bureau_seal_over_the_issue_date(issued, name, tmp_path):
    pdf, _ = issued[name]
    [(number, page, widget)] = [(n, p, a.get_object()) for n, p in enumerate(PdfReader(io.BytesIO(pdf)).pages, 1)
                                for a in p.get("/Annots", []) if a.get_object().get("/FT") == "/Sig"]
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    height = float(page.mediabox.height)
    dx1, dy1, dx2, dy2 = text_box(pdf, tmp_path, DATES[name], last=True, page=number)
    centre = ((dx1 + dx2) / 2, height - (dy1 + dy2) / 2)
    assert x1 < centre[0] < x2 and y1 < centre[1] < y2, (name, (x1, y1, x2, y2), centre)
    # roughly centred (poppler may join the date with the label before it into one "word")
    assert abs((x1 + x2) / 2 - centre[0]) < 25 and abs((y1 + y2) / 2 - centre[1]) < 20
