"""The business licence (营业执照): its registering authority, its printed texts, its USCC."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from contracts import scope
from contracts.authorities import Authority, registering_authority
from contracts.codes import district_name, make_uscc, org_body_from_sequence
from contracts.events import Licence
from contracts.form import ApplicationForm, licence_type
from contracts.rpc import DocumentRef
from services.registration.domain.review import working_day

TERM = "长期"
LICENCE_DOC = DocumentRef(name="registration.licence", title="营业执照（电子）")


def licence_in_force(case: dict[str, Any]) -> bool:
    """A case whose licence was issued and is neither revoked nor deregistered (no status: issued)."""
    return bool((case.get("licence") or {}).get("uscc")) and (case.get("licence_status") or "active") == "active"


def authority_of(form: ApplicationForm) -> Authority:
    """登记机关: the city's for a 股份有限公司, a development zone's or the district's for an LLC (data)."""
    return registering_authority(form.company_type.value, form.domicile.district_code,
                                 form.domicile.development_zone)


def domicile_text(form: ApplicationForm) -> str:
    district = district_name(form.domicile.district_code) or ""
    detail = form.domicile.detail
    return f"湖北省武汉市{detail}" if detail.startswith(district) else f"湖北省武汉市{district}{detail}"


def allocate_uscc(division_code: str, sequence: int) -> str:
    """USCC for an enterprise (9 = market regulation, 1 = enterprise) registered by the authority whose division
    code this is (positions 3-8, GB 32100-2015), from one counter value."""
    return make_uscc(division_code, org_body_from_sequence(sequence), authority="9", entity_type="1")


def build_licence(form: ApplicationForm, uscc: str, issued_at: datetime) -> Licence:
    return Licence(
        uscc=uscc,
        company_name=form.name.full,
        company_type=licence_type(form),
        legal_representative=form.legal_representative.name,
        registered_capital=form.registered_capital,
        established_on=working_day(issued_at),  # Company Law art. 33: issue date = establishment
        term=TERM,
        domicile=domicile_text(form),
        district_code=form.domicile.district_code,
        business_scope=scope.describe(form.business_scope),
        authority=authority_of(form).name,
        issued_at=issued_at,
    )


def capital_text(amount: Decimal | str) -> str:
    """注册资本 as printed: 100万元 / 12.5万元 (licences state capital in units of 10,000 yuan)."""
    wan = Decimal(str(amount)) / Decimal(10000)
    text = format(wan.normalize(), "f")
    return f"人民币{text}万元"
