"""Work-injury rates by industry risk class, as 人社部发〔2015〕71号 sets them (services/social_security/injury.py).

Quoted: "按照《国民经济行业分类》（GB/T 4754-2011）对行业的划分，根据不同行业的工伤风险程度，由低到高，依次将
行业工伤风险类别划分为一类至八类" and "各行业工伤风险类别对应的全国工伤保险行业基准费率为，一类至八类分别控制在
该行业用人单位职工工资总额的0.2%、0.4%、0.7%、0.9%、1.1%、1.3%、1.6%、1.9%左右".
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from contracts import scope
from services.social_security import domain, injury
from tests.unit.social_security.test_domain import policy

ROOT = Path(__file__).resolve().parents[3]
DIVISIONS = json.loads((ROOT / "services/registration/data/industries_gbt4754_2017.json").read_text("utf-8"))["divisions"]


def test_eight_classes_with_the_notices_base_rates():
    """"一类至八类分别控制在……0.2%、0.4%、0.7%、0.9%、1.1%、1.3%、1.6%、1.9%左右"."""
    assert [(c.number, c.label, c.base_rate) for c in injury.classes().values()] == [
        (1, "一类", Decimal("0.002")), (2, "二类", Decimal("0.004")), (3, "三类", Decimal("0.007")),
        (4, "四类", Decimal("0.009")), (5, "五类", Decimal("0.011")), (6, "六类", Decimal("0.013")),
        (7, "七类", Decimal("0.016")), (8, "八类", Decimal("0.019"))]


def test_every_gbt4754_2017_division_has_exactly_one_class_under_its_official_name():
    """The annex classes every industry of 《国民经济行业分类》: all 97 divisions, each once."""
    table = json.loads(injury.TABLE.read_text("utf-8"))["divisions"]
    assert [r["division"] for r in table] == [d["code"] for d in DIVISIONS]
    assert {r["division"]: r["name"] for r in table} == {d["code"]: d["name"] for d in DIVISIONS}


@pytest.mark.parametrize(("division", "klass"), [
    ("65", 1), ("66", 1), ("75", 1),  # 一类: 软件和信息技术服务业, 货币金融服务, 科技推广和应用服务业
    ("51", 2), ("52", 2), ("62", 2), ("70", 2),  # 二类: 批发业, 零售业, 餐饮业, 房地产业
    ("13", 3), ("39", 3), ("90", 3),  # 三类: 农副食品加工业, 计算机通信和其他电子设备制造业, 娱乐业
    ("01", 4), ("36", 4), ("89", 4),  # 四类: 农业, 汽车制造业, 体育
    ("02", 5), ("49", 5), ("54", 5),  # 五类: 林业, 建筑安装业, 道路运输业
    ("04", 6), ("47", 6), ("48", 6),  # 六类: 渔业, 房屋建筑业, 土木工程建筑业
    ("07", 7), ("25", 7),  # 七类: 石油和天然气开采业, 石油加工、炼焦和核燃料加工业 (2017: 石油、煤炭及其他燃料加工业)
    ("06", 8), ("08", 8), ("10", 8),  # 八类: 煤炭开采和洗选业, 黑色金属矿采选业, 非金属矿采选业
])
def test_divisions_fall_in_the_annexs_classes(division, klass):
    """工伤保险行业风险分类表 (the notice's annex), one example or more per class."""
    assert injury.division_class(division).number == klass


def test_the_company_takes_the_class_of_its_riskiest_scope_item():
    """company_rule (dated ASSUMPTION in the data file): never under-insured when the scope spans classes."""
    software, goods, landscaping = "G0001", "G0008", next(
        c for c, i in scope.catalogue().items() if i.division == "48")
    assert injury.employer_class([software]).risk.number == 1
    mixed = injury.employer_class([software, goods, landscaping])
    assert (mixed.risk.number, mixed.scope_code, mixed.division) == (6, landscaping, "48")
    assert mixed.record()["rate"] == "0.013" and mixed.record()["basis"] == "人社部发〔2015〕71号"
    assert injury.employer_class(["X9999"]) is None  # no known industry: a clerk classes it


def test_every_catalogue_item_has_a_class():
    assert all(injury.employer_class([code]) is not None for code in scope.catalogue())


def test_the_employers_class_rate_is_what_work_injury_costs_and_the_employee_pays_none():
    """Work injury is the employer's alone (社会保险法 art. 33), at the class rate, on the contribution base."""
    owed = domain.employee_contribution(Decimal("8000.00"), policy(), Decimal("0.004"))
    assert owed["kinds"]["work_injury"] == {"base": Decimal("8000.00"), "employer": Decimal("32.00"),
                                             "personal": Decimal("0.00")}
    eighth = domain.employee_contribution(Decimal("8000.00"), policy(), Decimal("0.019"))
    assert eighth["kinds"]["work_injury"]["employer"] == Decimal("152.00")
    assert eighth["employer"] - owed["employer"] == Decimal("120.00")


def test_no_class_sends_the_employer_to_a_clerk_and_a_clerk_may_set_one():
    assert domain.employer_review_reasons("420111", None) == ["经营范围无法确定工伤保险行业风险类别（人社部发〔2015〕71号），需人工核定"]
    assert domain.employer_review_reasons("420111", injury.employer_class(["G0008"]).record()) == []
    assert injury.clerk_class(3)["rate"] == "0.007" and injury.clerk_class("8")["label"] == "八类"
    assert injury.clerk_class(None) is None
    for bad in (0, 9, "二", True, 2.5):
        with pytest.raises(ValueError, match="1至8类"):
            injury.clerk_class(bad)


def test_the_certificate_line_names_class_rate_and_basis():
    line = injury.rate_line(injury.employer_class(["G0008"]).record())
    assert line == "二类行业，基准费率0.4%（批发业：日用百货销售；人社部发〔2015〕71号）"
