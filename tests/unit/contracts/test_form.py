"""The one application form: a valid form passes; each rule broken alone names its field and says why."""

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from contracts.codes import resident_id_check_char
from contracts.form import ApplicationForm, validate_form
from contracts.rpc import Invalid

TODAY = date(2026, 11, 25)
EXAMPLE = json.loads((Path(__file__).parents[3] / "examples" / "application.json").read_text("utf-8"))
OTHER_ID = "42010519880505005" + resident_id_check_char("42010519880505005")


def errors_of(form: dict) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        validate_form(form, today=TODAY)
    return {e.field: e.message for e in caught.value.field_errors}


def broken(change) -> dict:
    form = copy.deepcopy(EXAMPLE)
    change(form)
    return form


def test_the_example_form_is_valid():
    form = validate_form(EXAMPLE, today=TODAY)
    assert isinstance(form, ApplicationForm)
    assert form.name.full == "武汉知音云帆科技有限公司"
    assert str(form.registered_capital) == "1000000.00"


def test_every_problem_is_reported_at_once():
    def many(f):
        f["contact"]["phone"] = "123"
        f["name"]["trade_name"] = "A1"
        f["employees"][0]["monthly_wage"] = "0"

    assert set(errors_of(broken(many))) == {"contact.phone", "name.trade_name", "employees.0.monthly_wage"}


RULES = [
    ("trade name with latin letters", lambda f: f["name"].update(trade_name="Cloud云"),
     "name.trade_name", "字号只能使用规范汉字，不能含拼音、字母、数字或符号"),
    ("one-character trade name", lambda f: f["name"].update(trade_name="云"),
     "name.trade_name", "字号应由两个以上汉字组成"),
    ("unknown division", lambda f: f["name"].update(division="北京"),
     "name.division", "行政区划名称应为湖北省内的省、市或区名称（如“武汉”“武汉市洪山区”），或留空"),
    ("wrong organisation form", lambda f: f["name"].update(organisation_form="股份有限公司"),
     "name.organisation_form", "有限责任公司的组织形式应为“有限公司”或“有限责任公司”"),
    ("domicile outside Wuhan's districts", lambda f: f["domicile"].update(district_code="110105"),
     "domicile.district_code", "住所所在区不在本系统服务范围内（武汉市13个区）"),
    ("shares do not add up", lambda f: f["shareholders"][1].update(subscribed_amount="300000.00"),
     "shareholders", "股东认缴出资合计900000.00元，与注册资本1000000.00元不一致"),
    ("bad shareholder ID", lambda f: f["shareholders"][0].update(resident_id="420102198503120010"),
     "shareholders.0.resident_id", "身份证号码无效：请核对出生日期和最后一位校验码"),
    ("payment beyond five years", lambda f: f["shareholders"][0].update(payment_due="2031-12-31"),
     "shareholders.0.payment_due",
     "有限责任公司股东认缴的出资应自公司成立之日起五年内缴足（公司法第四十七条），最晚2031-11-25"),
    ("payment date in the past", lambda f: f["shareholders"][0].update(payment_due="2026-01-01"),
     "shareholders.0.payment_due", "认缴出资日期不能早于今天"),
    ("corporate shareholder with a bad USCC",
     lambda f: f["shareholders"][1].update(kind="corporate", uscc="91110000800088421P", resident_id=None)
     or f["shareholders"][1].pop("resident_id"),
     "shareholders.1.uscc", "统一社会信用代码无效：请核对18位代码及校验码"),
    ("legal representative not a director",
     lambda f: f["legal_representative"].update(name="陈静", resident_id=OTHER_ID),
     "legal_representative", "法定代表人须由执行公司事务的董事担任：请先把此人列为董事（公司法第十条）"),
    ("legal representative said to be the manager but is not",
     lambda f: f.update(manager=None) or f["legal_representative"].update(position="manager"),
     "legal_representative", "法定代表人选择由经理担任时，须与所填经理为同一人（公司法第十条）"),
    ("director as supervisor", lambda f: f.update(supervisors=[f["directors"][0]]),
     "supervisors.0", "董事、高级管理人员不得兼任监事"),
    ("scope item not in the catalogue", lambda f: f["business_scope"].append("X9999"),
     "business_scope.3", "该经营范围条目不在《经营范围规范表述目录》中，请从目录中选择"),
    ("no seal medium", lambda f: f["seals"].update(electronic=False, physical=False),
     "seals", "请至少选择电子印章或实物印章中的一种"),
    ("post without an address", lambda f: f["seals"].update(physical=True, delivery="post"),
     "seals.postal_address", "选择免费邮寄实物印章时，请填写收件地址"),
    ("small-scale above the threshold", lambda f: f["tax"].update(annual_sales_estimate="6000000.00"),
     "tax.taxpayer_type", "预计年应税销售额超过500万元，应登记为一般纳税人（财税〔2018〕33号）"),
    ("employee wage zero", lambda f: f["employees"][0].update(monthly_wage="0"),
     "employees.0.monthly_wage", "月工资应大于0元"),
    ("employee starts before the company exists", lambda f: f["employees"][1].update(start_date="2026-11-01"),
     "employees.1.start_date", "入职日期不能早于今天：公司成立后才能参保"),
    ("same employee twice", lambda f: f["employees"].append(copy.deepcopy(f["employees"][0])),
     "employees.2", "同一员工不能重复填写"),
    ("bad phone", lambda f: f["contact"].update(phone="02788886666"),
     "contact.phone", "请填写11位手机号码"),
    ("bad email", lambda f: f["contact"].update(email="zhangwei.example.com"),
     "contact.email", "电子邮箱格式不正确"),
    ("one-person LLC with two shareholders", lambda f: f.update(company_type="one_person_llc"),
     "shareholders", "一人有限责任公司只能有一个股东"),
]


@pytest.mark.parametrize("title, change, field, message", RULES, ids=[r[0] for r in RULES])
def test_each_rule_names_its_field(title, change, field, message):
    assert errors_of(broken(change)) == {field: message}


PARSE_ERRORS = [
    ("missing capital", lambda f: f.pop("registered_capital"), "registered_capital", "必填"),
    ("capital below the fen", lambda f: f.update(registered_capital="100.005"),
     "registered_capital", "金额最多保留两位小数（到分）"),
    ("capital not a number", lambda f: f.update(registered_capital="一百万"),
     "registered_capital", "请填写金额数字，如 100000.00"),
    ("bad date", lambda f: f["shareholders"][0].update(payment_due="2031/06/30"),
     "shareholders.0.payment_due", "日期格式应为 YYYY-MM-DD"),
    ("unknown field", lambda f: f.update(nickname="x"), "nickname", "表单中没有这一项"),
    ("no shareholders", lambda f: f.update(shareholders=[]), "shareholders", "至少需要填写一项"),
]


@pytest.mark.parametrize("title, change, field, message", PARSE_ERRORS, ids=[r[0] for r in PARSE_ERRORS])
def test_parse_errors_are_in_chinese_with_the_field(title, change, field, message):
    assert errors_of(broken(change)) == {field: message}


def test_unknown_company_type_lists_the_choices():
    errors = errors_of(broken(lambda f: f.update(company_type="partnership")))
    assert errors["company_type"].startswith("不是可选的值，可选：")
    assert "limited_liability" in errors["company_type"]


def test_joint_stock_promoters_pay_before_establishment():
    def joint_stock(f):
        f["company_type"] = "joint_stock"
        f["name"]["organisation_form"] = "股份有限公司"

    assert errors_of(broken(joint_stock)) == {
        "shareholders.0.payment_due": "股份有限公司发起人应在公司成立前缴足股款（公司法第九十八条）",
        "shareholders.1.payment_due": "股份有限公司发起人应在公司成立前缴足股款（公司法第九十八条）",
    }


def test_money_is_decimal_never_float():
    form = validate_form(EXAMPLE, today=TODAY)
    assert type(form.registered_capital).__name__ == "Decimal"
    assert type(form.employees[0].monthly_wage).__name__ == "Decimal"


def test_a_form_that_does_not_parse_still_reports_the_one_field_checks():
    """A missing section used to hide the bad ID check digit and phone until the next submit."""
    def many(f):
        del f["domicile"]
        f["shareholders"][0]["resident_id"] = "420102198503120010"
        f["directors"][0]["resident_id"] = "420102198503120010"
        f["contact"]["phone"] = "1380013800"
        f["contact"]["email"] = "nobody@"

    errors = errors_of(broken(many))
    assert errors == {
        "domicile": "必填", "shareholders.0.resident_id": "身份证号码无效：请核对出生日期和最后一位校验码",
        "directors.0.resident_id": "身份证号码无效：请核对出生日期和最后一位校验码",
        "contact.phone": "请填写11位手机号码", "contact.email": "电子邮箱格式不正确"}
