"""The rules a real bureau would sign off, refused through the real API with their field and message
(Company Law organs and capacity; the unit tests in tests/unit/contracts/test_company_law.py quote the articles)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from contracts import clock
from tests.e2e.conftest import confirm_everyone
from tests.factories import make_form, resident_id

pytestmark = pytest.mark.e2e

API = "/api/v1"


def refused(http, founder, form) -> dict[str, str]:
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    assert reply.status_code == 422, reply.text
    return {e["field"]: e["message"] for e in reply.json()["errors"]}


def test_an_llc_board_of_two_is_refused_on_directors(http, founder):
    form = make_form(governance={"board": "board"})
    form["directors"].append({"name": "陈静", "resident_id": resident_id()})
    assert refused(http, founder, form) == {
        "directors": "设董事会的，董事会成员为三人以上（公司法第六十八条）；"
                     "规模较小或者股东人数较少的，可以不设董事会，设一名董事（公司法第七十五条）"}


def test_no_supervisor_without_every_shareholders_consent_is_refused(http, founder):
    form = make_form(supervisors=[], governance={"supervision": "none"})
    assert refused(http, founder, form) == {
        "governance.no_supervisor_consent":
            "不设监事须经全体股东一致同意（公司法第八十三条）：请确认全体股东已一致同意，或填写一名监事"}


def test_a_minor_supervisor_is_refused_on_that_field(http, founder):
    form = make_form()
    born = clock.china_today().replace(year=clock.china_today().year - 17) - timedelta(days=30)
    form["supervisors"][0]["resident_id"] = resident_id(born)
    assert refused(http, founder, form) == {
        "supervisors.0.resident_id":
            "监事须具有完全民事行为能力：按身份证号码，此人在提交之日未满十八周岁（公司法第一百七十八条）"}


def test_a_supervisory_board_without_a_third_of_staff_representatives_is_refused(http, founder):
    form = make_form(governance={"supervision": "supervisory_board"})
    form["supervisors"] += [{"name": "赵敏", "resident_id": resident_id(female=True)},
                            {"name": "孙丽", "resident_id": resident_id(female=True)}]
    assert refused(http, founder, form) == {
        "supervisors": "监事会中职工代表的比例不得低于三分之一（公司法第七十六条）：3名监事中至少应有1名职工代表"}
    form["supervisors"][1]["staff_representative"] = True
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    assert reply.status_code == 201, reply.text


def test_an_audit_committee_without_a_board_and_beside_supervisors_is_refused(http, founder):
    form = make_form(governance={"supervision": "audit_committee"})
    form["governance"]["audit_committee"] = [form["directors"][0]["resident_id"]]
    assert refused(http, founder, form) == {
        "governance.audit_committee": "审计委员会设在董事会中，由董事组成（公司法第六十九条）：请选择设董事会",
        "supervisors": "设审计委员会的，不设监事会或者监事（公司法第六十九条）"}


def test_one_supervisor_means_exactly_one(http, founder):
    form = make_form(governance={"supervision": "sole_supervisor"})
    form["supervisors"].append({"name": "赵敏", "resident_id": resident_id(female=True)})
    assert refused(http, founder, form) == {
        "supervisors": "不设监事会的，只设一名监事（公司法第八十三条），现填写了2名"}


def test_a_minor_manager_is_refused_on_that_field(http, founder):
    form = make_form()
    born = clock.china_today().replace(year=clock.china_today().year - 16)
    form["manager"] = {"name": "周强", "resident_id": resident_id(born)}
    problems = refused(http, founder, form)
    assert problems["manager.resident_id"].startswith("经理须具有完全民事行为能力")


def test_a_form_without_the_officers_declaration_is_refused(http, founder):
    form = make_form(governance={"officers_declaration": False})
    assert set(refused(http, founder, form)) == {"governance.officers_declaration"}


# ---- names (企业名称登记管理规定 2021): refusals from the real registration service through the API ---------


def name_problems(http, founder, name, district_code="420111", scope=("G0001",)) -> dict[str, dict]:
    reply = http.post(f"{API}/name-checks", json={"name": name, "district_code": district_code, "scope": list(scope)},
                      headers=founder)
    assert reply.status_code == 200, reply.text
    return {p["code"]: p for p in reply.json()["problems"]}


def test_the_same_trade_name_in_the_same_industry_at_the_same_authority_is_barred(http, founder):
    # the demo register holds 武汉楚天云启科技有限公司 at 洪山 (software): 软件 is the same industry (GB/T 4754 65)
    found = name_problems(http, founder, "武汉楚天云启软件有限公司", scope=("G0004",))
    assert found["same_trade_name_barred"]["severity"] == "error"
    assert found["same_trade_name_barred"]["conflicts"] == ["武汉楚天云启科技有限公司"]
    assert "第十七条" in found["same_trade_name_barred"]["message"]


def test_a_deregistered_name_stays_barred_for_a_year(http, founder):
    # demo register: 武汉汉水鸣琴科技有限公司 (洪山), deregistered 2026-09-30, barred until 2027-09-30
    found = name_problems(http, founder, "武汉汉水鸣琴网络科技有限公司")
    if clock.china_today().isoformat() < "2027-09-30":
        assert found["former_name_barred"]["conflicts"] == ["武汉汉水鸣琴科技有限公司"]
    else:
        assert "former_name_barred" not in found


def test_a_bare_district_and_a_division_as_trade_name_are_refused(http, founder):
    assert "第七条" in name_problems(http, founder, "洪山鼎盛科技有限公司")["division_form"]["message"]
    assert "第八条" in name_problems(http, founder, "武汉江岸科技有限公司")["trade_name_is_division"]["message"]


def test_a_bare_district_on_the_form_is_refused_on_name_division(http, founder):
    form = make_form(name={"division": "洪山"})
    assert refused(http, founder, form) == {
        "name.division": "市辖区名称在企业名称中使用时，应当同时冠以其所属的设区的市的行政区划名称"
                         "（企业名称登记管理规定第七条），如“武汉市洪山区”"}


def test_a_country_name_as_a_word_of_the_trade_name_is_refused_on_it(http, founder):
    """规定 art. 11: 外国国家（地区）名称 - as a word of the 字号, not as a run of characters."""
    form = make_form(name={"trade_name": "美国优选", "industry": "商贸"})
    problems = refused(http, founder, form)
    assert set(problems) == {"name.trade_name"} and "美国" in problems["name.trade_name"]
    across = name_problems(http, founder, "武汉华美国际贸易有限公司", scope=("G0007",))
    assert "banned_word" not in across and "restricted_word" not in across


def test_china_words_in_the_middle_must_qualify_the_industry(http, founder):
    """规定 art. 12: 中间含有“中国”“中华”“全国”“国家”等字词的，该字词应当是行业限定语; heading the name: 国务院批准."""
    form = make_form(name={"trade_name": "鼎盛国际", "industry": "贸易"})
    assert "行业限定语" in refused(http, founder, form)["name.trade_name"]
    heading = name_problems(http, founder, "中央厨房餐饮有限公司", scope=("G0007",))
    assert heading["restricted_word"]["message"].startswith("名称冠以“中央”")


def test_a_housing_fund_rate_outside_5_to_12_percent_is_refused_on_its_field(http, founder):
    """住房公积金管理条例 art. 18: 职工和单位住房公积金的缴存比例均不得低于职工上一年度月平均工资的5%, 原则上不高于12%."""
    assert refused(http, founder, make_form(housing_fund={"employer_rate": 4, "employee_rate": 8})) == {
        "housing_fund.employer_rate": "不能小于5"}
    assert refused(http, founder, make_form(housing_fund={"employer_rate": 8, "employee_rate": 13})) == {
        "housing_fund.employee_rate": "不能大于12"}


# ---- registering authority and the USCC ---------------------------------------------------------------


def test_a_joint_stock_company_is_registered_by_the_city_and_its_uscc_says_so(http, founder):
    form = make_form(company_type="joint_stock", name={"organisation_form": "股份有限公司"})
    for holder in form["shareholders"]:
        holder["payment_due"] = clock.china_today().isoformat()  # art. 98: paid before incorporation
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    view = wait_for(http, confirm_everyone(http, reply, form), founder)
    uscc = view["outputs"]["uscc"]
    assert uscc.startswith("91420100MA"), uscc  # positions 3-8: 武汉市市场监督管理局's division code
    licence = http.get(f"{API}/verify/licences/{uscc}").json()["licence"]
    assert licence["authority"] == "武汉市市场监督管理局" and licence["company_type"] == "股份有限公司"


def test_a_development_zone_outside_the_district_is_refused_on_its_field(http, founder):
    form = make_form(domicile={"district_code": "420102", "development_zone": "donghu"})
    assert refused(http, founder, form) == {"domicile.development_zone": "东湖新技术开发区不在所填住所所在区的范围内，请核对"}


def wait_for(http, app_id, headers, timeout=90.0) -> dict:
    import time

    deadline = time.monotonic() + timeout
    while True:
        view = http.get(f"{API}/applications/{app_id}", headers=headers).json()
        if view["outputs"].get("uscc") or view["status"] in ("rejected", "completed") or time.monotonic() > deadline:
            return view
        time.sleep(0.3)


# ---- tax: rates by taxpayer type, natural-person buyers, the number's channel digit ----------------------


def test_invoicing_rules_through_the_api(http, founder):
    form = make_form(tax={"invoice_kinds": ["vat_general", "vat_special"]})  # a small-scale taxpayer
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    app_id = confirm_everyone(http, reply, form)
    import time

    deadline = time.monotonic() + 90
    while not (view := http.get(f"{API}/applications/{app_id}", headers=founder).json())["outputs"].get("invoices"):
        assert time.monotonic() < deadline, view["steps"]
        time.sleep(0.3)
    uscc = view["outputs"]["uscc"]

    def invoice(rate, kind="vat_general", buyer_tax_id=None):
        return http.post(f"{API}/companies/{uscc}/invoices", headers=founder, json={
            "request_id": uuid.uuid4().hex, "buyer_name": "张三", "buyer_tax_id": buyer_tax_id, "kind": kind,
            "items": [{"name": "服务费", "quantity": "1", "unit_price": "100.00", "tax_rate": rate}]})

    ordinary = invoice("0.01")  # to a natural person, at the reduced 1 %
    assert ordinary.status_code == 201, ordinary.text
    number = ordinary.json()["number"]
    assert len(number) == 20 and number[2:4] == "42" and number[4] == "1"
    wrong_rate = invoice("0.03")
    assert wrong_rate.status_code == 422
    assert "减按1%" in {e["field"]: e["message"] for e in wrong_rate.json()["errors"]}["items.0.tax_rate"]
    special = invoice("0.03", kind="vat_special")
    assert special.status_code == 422
    assert {e["field"]: e["message"] for e in special.json()["errors"]} == {
        "buyer_tax_id": "增值税专用发票不得开具给自然人：请填写购买方纳税人识别号（统一社会信用代码）"}

    # red letter: one of the coded reasons, or a 422 on reason_code
    red_url = f"{API}/companies/{uscc}/invoices/{number}/red-letter"
    uncoded = http.post(red_url, headers=founder, json={"request_id": uuid.uuid4().hex, "reason": "退货"})
    assert uncoded.status_code == 422 and {e["field"] for e in uncoded.json()["errors"]} == {"reason_code"}
    red = http.post(red_url, headers=founder, json={"request_id": uuid.uuid4().hex, "reason_code": "sales_return"})
    assert red.status_code == 201, red.text
    assert (red.json()["reason"], red.json()["total"]) == ("销货退回", "-101.00")


# ---- red-letter invoices (国家税务总局公告2024年第11号): partial reversal, the buyer's 确认单 ------------------


def company(http, founder, **tax) -> str:
    """A licensed company of this founder with invoices approved; its USCC."""
    import time

    form = make_form(tax={"invoice_kinds": ["vat_general"], **tax})
    app_id = confirm_everyone(http, http.post(f"{API}/applications", json=form, headers=founder), form)
    deadline = time.monotonic() + 120
    while not (view := http.get(f"{API}/applications/{app_id}", headers=founder).json())["outputs"].get("invoices"):
        assert time.monotonic() < deadline, view["steps"]
        time.sleep(0.3)
    return view["outputs"]["uscc"]


def test_red_letter_partial_reversal_and_the_buyers_confirmation_through_the_api(http, founder):
    seller, buyer = company(http, founder), company(http, founder)
    blue = http.post(f"{API}/companies/{seller}/invoices", headers=founder, json={
        "request_id": uuid.uuid4().hex, "buyer_name": "武汉买方有限公司", "buyer_tax_id": buyer,
        "items": [{"name": "办公桌", "quantity": "10", "unit_price": "100.00", "tax_rate": "0.01"}]})
    assert blue.status_code == 201, blue.text
    number = blue.json()["number"]
    red_url = f"{API}/companies/{seller}/invoices/{number}/red-letter"

    def red(**body):
        return http.post(red_url, headers=founder, json={"request_id": uuid.uuid4().hex, **body})

    # a partial return: 3 of 10, then a discount on what is left; neither may exceed the blue invoice
    part = red(reason_code="sales_return", lines=[{"line": 0, "quantity": "3"}])
    assert part.status_code == 201, part.text
    assert (part.json()["total_amount"], part.json()["total_tax"]) == ("-300.00", "-3.00")
    too_much = red(reason_code="sales_allowance", lines=[{"line": 0, "amount": "700.01"}])
    assert too_much.status_code == 422
    assert {e["field"]: e["message"] for e in too_much.json()["errors"]} == {
        "lines.0.amount": "冲红金额超过该行尚未冲红的金额700.00元"}
    wrong_measure = red(reason_code="sales_allowance", lines=[{"line": 0, "quantity": "1"}])
    assert {e["field"]: e["message"] for e in wrong_measure.json()["errors"]} == {
        "lines.0.quantity": "销售折让只冲减金额，不退回数量：请填写冲红金额"}
    not_partial = red(reason_code="invoicing_error", lines=[{"line": 0, "amount": "1"}])
    assert {e["field"]: e["message"] for e in not_partial.json()["errors"]} == {
        "lines": "开票有误须将蓝字发票全额红冲后重新开具，不能部分红冲"}

    # the buyer confirms its use: from then on only a 确认单 the buyer confirms reverses the invoice
    use = http.post(f"{API}/companies/{buyer}/received-invoices/{number}/use", headers=founder,
                    json={"purpose": "accounting"})
    assert use.status_code == 200, use.text
    direct = red(reason_code="sales_allowance", lines=[{"line": 0, "amount": "100"}])
    assert direct.status_code == 409 and "红字发票信息确认单" in direct.json()["message"]
    form = http.post(f"{API}/companies/{seller}/invoices/{number}/red-letter-forms", headers=founder, json={
        "request_id": uuid.uuid4().hex, "reason_code": "sales_allowance", "lines": [{"line": 0, "amount": "100"}]})
    assert form.status_code == 201, form.text
    assert (form.json()["state"], form.json()["total"]) == ("pending", "-101.00")
    waiting = http.get(f"{API}/companies/{buyer}/red-letter-forms", headers=founder).json()
    assert [f["id"] for f in waiting] == [form.json()["id"]]
    answer_url = f"{API}/companies/{buyer}/red-letter-forms/{form.json()['id']}/answer"
    assert http.post(answer_url, headers=founder, json={"decision": "perhaps"}).status_code == 422
    wrong_side = http.post(f"{API}/companies/{seller}/red-letter-forms/{form.json()['id']}/answer",
                           headers=founder, json={"decision": "confirm"})
    assert wrong_side.status_code == 404  # the seller cannot confirm its own form
    confirmed = http.post(answer_url, headers=founder, json={"decision": "confirm"})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "confirmed"
    invoices = {i["number"]: i for i in http.get(f"{API}/companies/{seller}/invoices", headers=founder).json()}
    issued = invoices[confirmed.json()["red_number"]]
    assert (issued["total"], issued["reason"], issued["reverses"]) == ("-101.00", "销售折让", number)
    assert len(invoices[number]["red_letters"]) == 2


def test_a_general_taxpayers_rates_through_the_api(http, founder):
    """增值税法 art. 10 (13/9/6 %, 0) for a general taxpayer; a transitional rate only under its rule."""
    uscc = company(http, founder, taxpayer_type="general")

    def invoice(rate, **item):
        return http.post(f"{API}/companies/{uscc}/invoices", headers=founder, json={
            "request_id": uuid.uuid4().hex, "buyer_name": "张三", "buyer_tax_id": None,
            "items": [{"name": "服务费", "quantity": "1", "unit_price": "100.00", "tax_rate": rate, **item}]})

    assert invoice("0.06").status_code == 201
    small_rate = invoice("0.01")
    assert small_rate.status_code == 422
    assert "增值税法第十条" in {e["field"]: e["message"] for e in small_rate.json()["errors"]}["items.0.tax_rate"]
    wrong_rule = invoice("0.03", levy_rule="used_goods")
    assert {e["field"]: e["message"] for e in wrong_rule.json()["errors"]} == {
        "items.0.tax_rate": "销售旧货或自己使用过的固定资产（3%减按2%）应按2%开具"}
    assert invoice("0.02", levy_rule="used_goods").status_code == 201
