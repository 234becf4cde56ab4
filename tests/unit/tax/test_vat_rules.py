"""VAT rates by taxpayer type and date (增值税法, in force 2026-01-01, and the 2026 announcements), natural-person
buyers, the invoice number's channel digit and what the monthly quota counts; each test quotes its rule.
Sources and assumptions: services/tax/data/vat_rates.json."""

from datetime import date
from decimal import Decimal

import pytest

from contracts.form import InvoiceKind, TaxpayerType
from contracts.rpc import Invalid
from services.tax import domain
from services.tax.rates import vat_rates
from tests.unit.tax.factories import BUYER

SELLER = "91420111MA0000014X"
IN_2026 = date(2026, 12, 1)
SMALL, GENERAL = TaxpayerType.small_scale, TaxpayerType.general
BOTH = ["vat_general", "vat_special"]
RATES = vat_rates()  # as the use cases get it: read once from the data file


def request(rate: str, kind: str = "vat_general", buyer_tax_id: str | None = BUYER, **item) -> dict:
    return {"request_id": "r1", "buyer_name": "武汉买方有限公司", "buyer_tax_id": buyer_tax_id, "kind": kind,
            "items": [{"name": "服务费", "quantity": "1", "unit_price": "100", "tax_rate": rate, **item}]}


def refusal(raw: dict, taxpayer_type: TaxpayerType, day: date = IN_2026) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        domain.parse_invoice_request(raw, SELLER, BOTH, taxpayer_type, day, RATES)
    return {e.field: e.message for e in caught.value.field_errors}


def accepted(raw: dict, taxpayer_type: TaxpayerType, day: date = IN_2026) -> bool:
    return domain.parse_invoice_request(raw, SELLER, BOTH, taxpayer_type, day, RATES) is not None


def test_vat_law_art_10_general_taxpayers_13_9_6_and_0():
    """增值税法 art. 10: 13 %, 9 %, 6 %; 0 for exported goods and cross-border services."""
    for rate in ("0.13", "0.09", "0.06", "0"):
        assert accepted(request(rate), GENERAL)
    assert "增值税法第十条" in refusal(request("0.01"), GENERAL)["items.0.tax_rate"]


def test_small_scale_3_percent_is_reduced_to_1_percent_until_2027_12_31():
    """财政部 税务总局公告2026年第10号: 小规模纳税人 3 % 减按 1 %, until 2027-12-31; invoiced at 1 %."""
    assert accepted(request("0.01"), SMALL, date(2027, 12, 31))
    assert "减按1%" in refusal(request("0.03"), SMALL)["items.0.tax_rate"]
    # the reduction's end is the data's: from 2028 the levy rate is 3 % again (增值税法 art. 11)
    assert accepted(request("0.03"), SMALL, date(2028, 1, 1))
    assert "第十一条" in refusal(request("0.01"), SMALL, date(2028, 1, 1))["items.0.tax_rate"]
    assert RATES.reduction(SMALL, date(2027, 12, 31))["until"] == "2027-12-31"


def test_a_small_scale_special_invoice_gives_up_the_reduction():
    """税务总局公告2026年第4号: a small-scale taxpayer issuing a special invoice levies 3 % on it."""
    assert accepted(request("0.03", kind="vat_special"), SMALL)
    assert "放弃减按1%" in refusal(request("0.01", kind="vat_special"), SMALL)["items.0.tax_rate"]


def test_transitional_rates_only_under_their_named_rule():
    assert accepted(request("0.05", levy_rule="real_estate_simplified"), GENERAL)
    assert accepted(request("0.015", levy_rule="housing_rental_to_individuals"), SMALL)
    assert accepted(request("0.02", levy_rule="used_goods"), SMALL)
    assert "第十条" in refusal(request("0.05"), GENERAL)["items.0.tax_rate"]  # no rule named: not a general rate
    assert refusal(request("0.02", levy_rule="real_estate_simplified"), GENERAL) == {
        "items.0.tax_rate": "不动产销售或租赁（简易计税，征收率5%）应按5%开具"}


def test_natural_persons_get_ordinary_invoices_but_no_special_ones():
    assert accepted(request("0.13", buyer_tax_id=None), GENERAL)
    assert accepted(request("0.13", buyer_tax_id=""), GENERAL)
    assert refusal(request("0.13", kind="vat_special", buyer_tax_id=None), GENERAL) == {
        "buyer_tax_id": "增值税专用发票不得开具给自然人：请填写购买方纳税人识别号（统一社会信用代码）"}


def test_the_invoice_number_has_the_issuing_channel_in_position_5():
    """20 digits: year 2 + province 2 + issuing channel 1 + sequence 15."""
    from datetime import UTC, datetime

    number = domain.format_invoice_number(datetime(2026, 12, 1, 2, tzinfo=UTC), 42, RATES.issuing_channel)
    assert (number[:2], number[2:4], number[4], number[5:]) == ("26", "42", RATES.issuing_channel, f"{42:015d}")


def test_the_monthly_quota_counts_amounts_without_vat():
    """发票总额度: the month's invoiced amount without VAT (assumption dated in vat_rates.json)."""
    totals = domain.price(domain.parse_invoice_request(request("0.13"), SELLER, BOTH, GENERAL, IN_2026, RATES).items)
    assert (totals.amount, totals.total) == (Decimal("100.00"), Decimal("113.00"))
    assert domain.quota_fen(totals, RATES) == 10_000 and not RATES.quota_counts_vat
    assert RATES.allowed(SMALL, InvoiceKind.vat_general, IN_2026).rates == {Decimal("0.01")}


def test_a_red_letter_invoice_names_one_of_the_coded_reasons():
    """红字发票开具原因: 销货退回, 开票有误, 服务中止, 销售折让."""
    from contracts.rpc.tax import RED_LETTER_REASONS

    assert set(RED_LETTER_REASONS.values()) == {"销货退回", "开票有误", "服务中止", "销售折让"}
    with pytest.raises(Invalid) as caught:
        domain.parse_red_letter_request({"request_id": "x", "reason": "退货"})
    assert [e.field for e in caught.value.field_errors] == ["reason_code"]
    assert domain.parse_red_letter_request({"request_id": "x", "reason_code": "service_stopped"}).reason == ""
