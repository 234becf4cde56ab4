"""The PDFs read back as a person would read them (pypdf text extraction)."""

import base64
from datetime import UTC, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from contracts.codes import make_uscc
from contracts.form import TaxpayerType
from contracts.rpc import NotFound
from services.tax import documents, domain
from services.tax.offices import offices
from services.tax.rates import vat_rates
from tests.unit.tax.factories import BUYER, licence_issued

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
RATES = vat_rates()


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages).replace(" ", "")


def test_invoice_pdf_shows_number_parties_items_and_totals():
    reg = domain.new_registration(licence_issued(), NOW, offices())
    request = domain.parse_invoice_request(
        {"request_id": "r", "buyer_name": "武汉<买方>&有限公司", "buyer_tax_id": BUYER,
         "items": [{"name": "办公用品", "quantity": "3", "unit_price": "0.335", "tax_rate": "0.13"},
                   {"name": "咨询服务", "quantity": "1", "unit_price": "1000", "tax_rate": "0.06"}]},
        reg["uscc"], ["vat_general"], TaxpayerType.general, domain.local_day(NOW), RATES)
    inv = domain.build_invoice(reg, request, "26420000000000000042", NOW, RATES)
    doc = documents.render("tax.invoice.26420000000000000042", reg, {inv["number"]: inv})
    text = _text(base64.b64decode(doc.data_base64))
    for expected in ("电子发票（普通发票）", "26420000000000000042", "2026-03-02", "武汉<买方>&有限公司", BUYER,
                     "武汉海陆空商贸有限公司", make_uscc("420111", "00000001"), "办公用品", "0.335", "13%", "6%",
                     "¥1001.01", "¥60.13", "¥1061.14", "壹仟零陆拾壹元壹角肆分"):
        assert expected in text, expected


def test_registration_notice_and_unknown_names():
    reg = domain.new_registration(licence_issued(), NOW, offices())
    text = _text(base64.b64decode(documents.render("tax.registration_notice", reg, {}).data_base64))
    for expected in ("税务事项通知书", reg["uscc"], "小规模纳税人", "国家税务总局武汉市洪山区税务局", "100000.00元"):
        assert expected in text, expected
    with pytest.raises(NotFound):
        documents.render("tax.invoice.1", reg, {})
