"""LicenceIssued and LicenceRevoked events as registration would emit them, built from the contracts models."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from contracts import clock
from contracts.codes import make_uscc
from contracts.events import Licence, LicenceIssued, LicenceRevoked
from contracts.form import LegalRepresentative, SealKind, SealRequest, TaxNeeds

USCC = make_uscc("420111", "00000001")
COMPANY = "武汉海陆空商贸有限公司"
REP_NAME = "张三"
REP_ID = "11010519491231002X"  # GB 11643 Appendix A sample: must never appear in a public answer


def licence_issued(
    application_id: str | None = None,
    kinds: list[SealKind] | None = None,
    electronic: bool = True,
    physical: bool = False,
    delivery: str = "post",
    issued_at: datetime | None = None,
    uscc: str = USCC,
    company_name: str = COMPANY,
    district_code: str = "420111",
) -> LicenceIssued:
    issued_at = issued_at or clock.now()
    licence = Licence(
        uscc=uscc, company_name=company_name, company_type="有限责任公司（自然人独资）",
        legal_representative=REP_NAME, registered_capital=Decimal("100000.00"),
        established_on=issued_at.date(), term="长期", domicile="武汉市洪山区珞喻路1037号",
        district_code=district_code, business_scope="一般项目：日用百货销售", authority="武汉市洪山区市场监督管理局",
        issued_at=issued_at,
    )
    return LicenceIssued(
        application_id=application_id or f"app-{uuid.uuid4().hex[:8]}",
        licence=licence,
        legal_representative=LegalRepresentative(name=REP_NAME, resident_id=REP_ID, position="director"),
        contact_phone="13800138000",
        seals=SealRequest(
            kinds=kinds if kinds is not None else [SealKind.company],
            electronic=electronic, physical=physical, delivery=delivery,
            postal_address="武汉市洪山区珞喻路1037号" if delivery == "post" else None,
        ),
        tax=TaxNeeds(),
    )


def licence_revoked(
    application_id: str = "app-revoked", uscc: str = USCC, reason: str = "连续六个月未开业",
    occurred_at: datetime | None = None,
) -> LicenceRevoked:
    """A licence_revoked as registration emits it (`revoke_licence`)."""
    return LicenceRevoked(application_id=application_id, uscc=uscc, reason=reason,
                          occurred_at=occurred_at or clock.now())
