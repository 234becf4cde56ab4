"""licence_issued events asking for the housing fund, as registration emits them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from contracts.codes import make_uscc, resident_id_check_char
from contracts.events import Licence, LicenceIssued
from contracts.form import Employee, HousingFundRequest, LegalRepresentative, SealRequest, TaxNeeds


def resident_id(seq: int, born: str = "19900307") -> str:
    first17 = f"420111{born}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def staff(*wages: str) -> list[dict]:
    return [{"name": f"员工{'甲乙丙丁戊己庚辛'[i]}", "resident_id": resident_id(i + 1), "monthly_wage": w} for i, w in enumerate(wages)]


def licence_issued(employees: list[dict] | None = None, rates: tuple[int, int] | None = (10, 8),
                   district: str = "420111", org: str = "00000001", issued_at: datetime | None = None,
                   application_id: str | None = None) -> LicenceIssued:
    issued_at = issued_at or datetime.now(UTC)
    uscc = make_uscc(district, org)
    return LicenceIssued(
        application_id=application_id or f"app-{uuid.uuid4().hex[:8]}",
        licence=Licence(uscc=uscc, company_name="武汉海陆空商贸有限公司", company_type="有限责任公司",
                        legal_representative="赵六", registered_capital=Decimal("100000.00"),
                        established_on=issued_at.date(), term="长期", domicile="武汉市洪山区珞喻路1号",
                        district_code=district, business_scope="日用百货销售", authority="武汉市洪山区市场监督管理局",
                        issued_at=issued_at),
        legal_representative=LegalRepresentative(name="赵六", resident_id=resident_id(900), position="director"),
        contact_phone="13800000000", seals=SealRequest(), tax=TaxNeeds(),
        employees=[Employee.model_validate(e) for e in employees or []],
        housing_fund=HousingFundRequest(employer_rate=rates[0], employee_rate=rates[1]) if rates else None,
    )
