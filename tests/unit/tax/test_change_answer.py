"""Tax's answer to a change of details: the competent office follows the domicile's district."""

from __future__ import annotations

from datetime import date

from contracts import clock
from contracts.events import CompanyChanged, Licence
from services.tax.domain import change_answer
from services.tax.offices import offices


def changed(district: str, version: int = 2) -> CompanyChanged:
    licence = Licence(uscc="91420111MA4K00001X", company_name="武汉测试科技有限公司", company_type="有限责任公司",
                      legal_representative="张伟", registered_capital="100000", established_on=date(2026, 1, 5),
                      term="长期", domicile="湖北省武汉市武昌区中南路99号", district_code=district,
                      business_scope="软件开发", authority="武汉市武昌区市场监督管理局", issued_at=clock.now())
    return CompanyChanged(application_id="app-1", uscc=licence.uscc, change_id="change-0001", version=version,
                          changed=["domicile"], licence=licence, previous_district_code="420111",
                          answerers=["tax"])


def test_a_move_across_districts_moves_the_company_to_the_new_tax_office():
    summary, detail, fields = change_answer({"tax_office": "国家税务总局武汉市洪山区税务局"}, changed("420106"), offices())
    assert detail == {"tax_office": "国家税务总局武汉市武昌区税务局",
                      "previous_tax_office": "国家税务总局武汉市洪山区税务局", "office_changed": True}
    assert "武昌区税务局" in summary and fields["licence_version"] == 2 and fields["district_code"] == "420106"


def test_a_move_within_the_district_keeps_the_office():
    summary, detail, _ = change_answer({"tax_office": "国家税务总局武汉市武昌区税务局"}, changed("420106"), offices())
    assert detail["office_changed"] is False and "不变" in summary
