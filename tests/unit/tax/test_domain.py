"""Tax rules without a broker: arithmetic, 大写 amounts, taxpayer type, approval, numbers, tasks."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from contracts.codes import make_uscc
from contracts.form import TaxNeeds, TaxpayerType
from contracts.rpc import Invalid
from kit import clerk as clerk_queue
from services.tax import domain, views
from services.tax.domain import redletter
from services.tax.offices import offices
from services.tax.rates import vat_rates
from tests.unit.tax.factories import BUYER, licence_issued

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Wuhan
DAY = date(2026, 3, 2)  # NOW's day in Wuhan: the rates of the day of issue
RATES = vat_rates()


# ---- arithmetic --------------------------------------------------------------------------------


@pytest.mark.parametrize(("qty", "price", "rate", "amount", "tax"), [
    ("1", "100", "0.13", "100.00", "13.00"),
    ("3", "0.335", "0.13", "1.01", "0.13"),  # 1.005 rounds half-up to 1.01; tax 0.1313 -> 0.13
    ("1", "0.005", "0", "0.01", "0.00"),  # half a fen rounds up
    ("1", "0.0049", "0", "0.00", "0.00"),
    ("1", "38.50", "0.13", "38.50", "5.01"),  # 5.005 -> 5.01, never banker's 5.00
    ("1", "12.50", "0.06", "12.50", "0.75"),
    ("2.5", "7.77", "0.09", "19.43", "1.75"),  # 19.425 -> 19.43; 1.7487 -> 1.75
    ("1", "0.1", "0.03", "0.10", "0.00"),  # 0.003 -> 0.00
    ("1", "16.50", "0.03", "16.50", "0.50"),  # 0.495 -> 0.50
    ("1", "1", "0.01", "1.00", "0.01"),
])
def test_line_amount_and_tax_round_half_up_to_the_fen(qty, price, rate, amount, tax):
    line = domain.price_line("货物", D(qty), D(price), D(rate))
    assert (str(line.amount), str(line.tax)) == (amount, tax)


def test_totals_are_sums_of_rounded_lines_not_rounded_sums():
    items = [domain.InvoiceItem(name="甲", quantity="1", unit_price="38.50", tax_rate="0.13"),
             domain.InvoiceItem(name="乙", quantity="1", unit_price="38.50", tax_rate="0.13")]
    totals = domain.price(items)
    # per line 5.005 -> 5.01, so 10.02; rounding the sum (10.01) would be wrong on an invoice
    assert (totals.amount, totals.tax, totals.total) == (D("77.00"), D("10.02"), D("87.02"))


def test_fen_conversion_is_exact_and_refuses_fractions():
    assert domain.to_fen(D("99666.00")) == 9966600
    assert domain.from_fen(9966600) == D("99666.00")
    with pytest.raises(ValueError):
        domain.to_fen(D("0.005"))


@pytest.mark.parametrize(("amount", "words"), [
    ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
    ("0", "零元整"),
    ("0.05", "伍分"),
    ("0.50", "伍角整"),
    ("1.05", "壹元零伍分"),
    ("100.50", "壹佰元伍角整"),
    ("10", "壹拾元整"),
    ("1005", "壹仟零伍元整"),
    ("1050", "壹仟零伍拾元整"),
    ("10000", "壹万元整"),
    ("100010000", "壹亿零壹万元整"),
    ("1001000", "壹佰万零壹仟元整"),
    ("200010", "贰拾万零壹拾元整"),
    ("110111", "壹拾壹万零壹佰壹拾壹元整"),
    ("100000000", "壹亿元整"),
    ("123456789012.34", "壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰元叁角肆分"),
    ("-113.00", "负壹佰壹拾叁元整"),
])
def test_amount_in_chinese_capitals(amount, words):
    assert domain.amount_in_words(D(amount)) == words


# ---- registration rules ------------------------------------------------------------------------


@pytest.mark.parametrize(("wish", "annual", "expected"), [
    ("small_scale", "0", "small_scale"),
    ("small_scale", "5000000", "small_scale"),  # at the threshold: still small-scale (≤ 500万)
    ("small_scale", "5000000.01", "general"),
    ("general", "0", "general"),
])
def test_taxpayer_type(wish, annual, expected):
    needs = TaxNeeds(taxpayer_type=wish, annual_sales_estimate=D(annual))
    assert domain.taxpayer_type(needs) == TaxpayerType(expected)


def test_tax_office_per_district_with_city_fallback():
    assert domain.tax_office("420111", offices()) == "国家税务总局武汉市洪山区税务局"
    assert domain.tax_office("420113", offices()).startswith("国家税务总局武汉经济技术开发区")
    assert domain.tax_office("420199", offices()) == "国家税务总局武汉市税务局"
    with pytest.raises(LookupError):
        domain.tax_office("110101", offices())


def test_real_name_check_records_a_masked_id_and_each_problem():
    ok = domain.check_real_name("张三", "11010519491231002X", NOW)
    assert ok.passed and ok.resident_id_masked == "110***********002X"
    bad = domain.check_real_name(" ", "110105194912310021", NOW)
    assert not bad.passed
    assert bad.problems == ("法定代表人姓名缺失", "法定代表人居民身份证号码无效")


@pytest.mark.parametrize(("kind", "estimate", "quota"), [
    ("small_scale", "0", "100000.00"),
    ("small_scale", "100000", "100000.00"),
    ("small_scale", "100000.01", "110000.00"),  # raised in whole 10,000 steps to cover the estimate
    ("small_scale", "345678", "350000.00"),
    ("general", "0", "1000000.00"),
    ("general", "2500001", "2510000.00"),
])
def test_proposed_quota(kind, estimate, quota):
    assert domain.proposed_quota(TaxpayerType(kind), D(estimate)) == D(quota)


def _decide(**needs):
    tax = TaxNeeds(**needs)
    real = domain.check_real_name("张三", "11010519491231002X", NOW)
    return domain.decide_invoices(domain.taxpayer_type(tax), tax, real)


def test_standard_case_is_approved_automatically():
    decision = _decide(monthly_invoice_estimate=D("300000"))
    assert decision.automatic and decision.monthly_quota == D("300000.00")
    assert decision.kinds == ("vat_general",)


def test_estimate_above_the_automatic_cap_goes_to_a_clerk():
    decision = _decide(monthly_invoice_estimate=D("1000000.01"))
    assert not decision.automatic
    assert "超过自动核定上限1000000.00元" in decision.reasons[0]
    assert decision.monthly_quota == D("1010000.00")  # the proposal the clerk sees


def test_general_taxpayer_wanting_special_invoices_with_a_large_estimate_goes_to_a_clerk():
    assert _decide(taxpayer_type="general", invoice_kinds=["vat_general", "vat_special"],
                   monthly_invoice_estimate=D("1000000")).automatic
    decision = _decide(taxpayer_type="general", invoice_kinds=["vat_special"],
                       monthly_invoice_estimate=D("1500000"))
    assert not decision.automatic and "增值税专用发票" in decision.reasons[0]


def test_new_registration_automatic_and_clerk_paths():
    auto = domain.new_registration(licence_issued(), NOW, offices())
    assert auto["taxpayer_id"] == auto["uscc"] == make_uscc("420111", "00000001")
    assert (auto["approval"], auto["task"], auto["monthly_quota_fen"]) == ("approved", None, 10_000_000)
    assert auto["tax_office"] == "国家税务总局武汉市洪山区税务局"
    events = domain.registration_events(auto, [])
    assert [e.type for e in events] == ["tax_registered", "invoices_approved"]
    assert events[1].monthly_quota == D("100000.00")

    clerk = domain.new_registration(licence_issued(monthly_invoice_estimate=D("2000000")), NOW, offices())
    assert clerk["approval"] == "pending"
    assert clerk["task"]["deadline"] == "2026-03-04"  # 2 working days after Monday 2 March 2026
    events = domain.registration_events(clerk, [])
    assert [e.type for e in events] == ["tax_registered", "task_queued"]
    assert events[1].task_id == clerk["task"]["id"] and events[1].kind == "invoice_approval"


def test_the_approval_task_id_derives_from_the_application():
    event = licence_issued(monthly_invoice_estimate=D("2000000"))
    first, again = domain.new_registration(event, NOW, offices()), domain.new_registration(event, NOW, offices())
    assert first["task"]["id"] == again["task"]["id"] == domain.task_id(event.application_id)  # no random id
    assert len(first["task"]["id"]) == 32 and domain.task_id("app-a") != domain.task_id("app-b")


def test_task_view_shows_claims_lapsing_and_overdue():
    reg = domain.new_registration(licence_issued(monthly_invoice_estimate=D("2000000")), NOW, offices())
    reg["task"].update(claimed_by="li", claim_expires_at=clerk_queue.claim_until(NOW))  # stored open, as seal's
    held = views.task_view(reg, NOW)
    assert (held.state, held.claimed_by, held.actions) == ("claimed", "li", ["approve", "reject"])
    lapsed = views.task_view(reg, NOW + timedelta(minutes=31))
    assert (lapsed.state, lapsed.claimed_by) == ("open", None)
    old = {**reg, "task": {**reg["task"], "state": "claimed"}}  # stored before s7-tax2: shown the same
    assert views.task_view(old, NOW) == held and views.task_view(old, NOW + timedelta(minutes=31)) == lapsed
    assert views.task_view(reg, datetime(2026, 3, 5, 2, tzinfo=UTC)).overdue


def test_approval_quota_from_payload():
    assert domain.approval_quota({}, 123) == 123
    assert domain.approval_quota({"monthly_quota": "250000.50"}, 123) == 25_000_050
    for bad in ("-1", "0", "abc", "1.001", "100000000.01"):
        with pytest.raises(Invalid) as err:
            domain.approval_quota({"monthly_quota": bad}, 123)
        assert err.value.field_errors[0].field == "monthly_quota"


# ---- invoice requests and numbers --------------------------------------------------------------

SELLER = make_uscc("420111", "00000001")


def _request(**overrides):
    base = {"request_id": "r1", "buyer_name": "武汉买方有限公司", "buyer_tax_id": BUYER,
            "items": [{"name": "办公用品", "quantity": "2", "unit_price": "50", "tax_rate": "0.13"}]}
    return base | overrides


def test_invoice_request_field_errors_are_all_reported():
    bad = _request(buyer_tax_id="91420111000000018X", kind="vat_special",
                   items=[{"name": "x", "quantity": "1", "unit_price": "10", "tax_rate": "0.17"}])
    with pytest.raises(Invalid) as err:
        domain.parse_invoice_request(bad, SELLER, ["vat_general"], TaxpayerType.general, DAY, RATES)
    fields = {e.field for e in err.value.field_errors}
    assert fields == {"items.0.tax_rate"}  # parsing errors come first, all of them
    with pytest.raises(Invalid) as err:
        domain.parse_invoice_request(_request(buyer_tax_id="91420111000000018X", kind="vat_special"),
                                     SELLER, ["vat_general"], TaxpayerType.general, DAY, RATES)
    assert {e.field for e in err.value.field_errors} == {"buyer_tax_id", "kind"}
    with pytest.raises(Invalid) as err:
        domain.parse_invoice_request(_request(buyer_tax_id=SELLER), SELLER, ["vat_general"], TaxpayerType.general, DAY, RATES)
    assert err.value.field_errors[0].message == "购买方不能是销售方本身"


def test_tax_rate_message_lists_the_allowed_rates():
    with pytest.raises(Invalid) as err:
        domain.parse_invoice_request(
            _request(items=[{"name": "x", "quantity": "1", "unit_price": "1", "tax_rate": "0.17"}]),
            SELLER, ["vat_general"], TaxpayerType.general, DAY, RATES)
    assert "13%、9%、6%、5%、3%、2%、1.5%、1%、0%" in err.value.field_errors[0].message  # the contract's own list


def test_invoice_number_format():
    """20 digits: year 2, province 2, issuing channel 1 (position 5), sequence 15."""
    assert domain.format_invoice_number(NOW, 1, RATES.issuing_channel) == "26421000000000000001"
    # 31 Dec 2026 17:00 UTC is already 1 January 2027 in Wuhan: year and month follow Shanghai
    new_year = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert domain.format_invoice_number(new_year, 876543210123456, RATES.issuing_channel) == "27421876543210123456"
    assert domain.format_invoice_number(NOW, 1, "3")[4] == "3"
    assert domain.number_counter_key(new_year) == "invoice:2742"
    assert domain.month_key(new_year) == "2027-01"
    assert len(domain.format_invoice_number(NOW, 10**15 - 1, RATES.issuing_channel)) == 20
    for bad in (0, 10**15):
        with pytest.raises(ValueError):
            domain.format_invoice_number(NOW, bad, RATES.issuing_channel)


def test_build_invoice_and_red_letter():
    reg = domain.new_registration(licence_issued(), NOW, offices())
    request = domain.parse_invoice_request(_request(), SELLER, ["vat_general"], TaxpayerType.general, DAY, RATES)
    inv = domain.build_invoice(reg, request, "26420000000000000001", NOW, RATES)
    assert (inv["total_amount"], inv["total_tax"], inv["total"]) == ("100.00", "13.00", "113.00")
    assert inv["amount_in_words"] == "壹佰壹拾叁元整" and inv["quota_fen"] == 10000  # without VAT
    assert inv["seller"] == {"name": "武汉海陆空商贸有限公司", "tax_id": SELLER}
    whole = domain.RedLetterRequest(request_id="x", reason_code="sales_return", reason="整批退货")
    parts = redletter.red_parts(inv, whole, redletter.reversed_so_far({}, inv))
    red = domain.build_red_letter(reg, inv, whole, parts, "26420000000000000002", NOW + timedelta(days=40), RATES)
    assert (red["total"], red["items"][0]["quantity"], red["quota_fen"]) == ("-113.00", "-2", -10000)
    assert red["reverses"] == inv["number"] and red["quota_month"] == "2026-03" and red["month"] == "2026-04"
    assert red["amount_in_words"] == "负壹佰壹拾叁元整"
    assert date.fromisoformat(views.invoice_view(red)["issued_at"][:10]) == date(2026, 4, 11)
