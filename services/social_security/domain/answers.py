"""What a change of details means for the employer, and what a closing finds unfinished."""

from __future__ import annotations

from typing import Any

from contracts.events import Blocker, CompanyChanged
from services.social_security.domain.records import Employer


def change_answer(employer: Employer, event: CompanyChanged) -> tuple[str, dict, dict]:
    """A change of details at social security: the employer's registered items follow the licence;
    every district here is in the Wuhan pool, so the employer number and the staff's insurance stay.
    Returns (the founder's line, the answer's detail, the employer fields to set)."""
    licence = event.licence
    fields = {"company_name": licence.company_name, "district_code": licence.district_code,
              "domicile": licence.domicile, "licence_version": event.version}
    number = employer.employer_number
    summary = f"单位社保登记信息已更新，单位编号{number}不变，在职员工参保关系不变" if number else \
        "单位社保登记信息已更新"
    return summary, {"employer_number": number, "district_code": licence.district_code}, fields


def clearance_blockers(active_staff: list[dict[str, Any]]) -> list[Blocker]:
    """A closing: every employee still insured must be ended first (减员)."""
    return [Blocker(item=f"职工{p.get('name', '')}仍在本单位参保", todo="为该职工办理减员（停止参保）后重新核查")
            for p in active_staff]
