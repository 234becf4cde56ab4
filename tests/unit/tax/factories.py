"""LicenceIssued and LicenceRevoked events as the registration bureau sends them, built from the contracts models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from contracts.codes import make_uscc
from contracts.events import Licence, LicenceIssued, LicenceRevoked
from contracts.form import LegalRepresentative, SealRequest, TaxNeeds

REP_ID = "11010519491231002X"  # GB 11643 appendix A sample
BUYER = make_uscc("420102", "00000777")


def licence_issued(org_body: str = "00000001", district: str = "420111", rep_id: str = REP_ID,
                   rep_name: str = "张三", **tax) -> LicenceIssued:
    uscc = make_uscc(district, org_body)
    return LicenceIssued(
        application_id=f"app-{org_body}",
        licence=Licence(
            uscc=uscc, company_name="武汉海陆空商贸有限公司", company_type="有限责任公司",
            legal_representative=rep_name, registered_capital=Decimal("1000000"),
            established_on=date(2026, 3, 2), term="长期", domicile="武汉市洪山区珞喻路1号",
            district_code=district, business_scope="日用百货销售", authority="武汉市洪山区市场监督管理局",
            issued_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC)),
        legal_representative=LegalRepresentative.model_construct(
            name=rep_name, resident_id=rep_id, position="director"),
        contact_phone="13800000000",
        seals=SealRequest(),
        tax=TaxNeeds(**tax),
    )


def licence_revoked(issued: LicenceIssued, reason: str = "提交虚假材料取得公司登记",
                    occurred_at: datetime = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)) -> LicenceRevoked:
    """The revocation registration sends for the company of `issued` (by default late on 2026-11-24 UTC,
    which is already 2026-11-25 in Shanghai)."""
    return LicenceRevoked(application_id=issued.application_id, uscc=issued.licence.uscc, reason=reason,
                          occurred_at=occurred_at)
