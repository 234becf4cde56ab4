"""The unit's medical insurance registration certificate (医疗保险单位参保登记证明) as a PDF, from the
stored unit: the unit number, the insurances, each active member with base and this month's
contributions. The CJK font is embedded (kit.pdf); with a signing identity the certificate is
PAdES-signed by the bureau, its round seal over the issue date. Resident IDs are printed masked.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reportlab.lib.units import mm

from contracts.clock import china_date
from contracts.codes import mask_resident_id
from contracts.contributions import Policy
from kit import pki, unit_certificate
from services.medical_insurance.domain import INSURANCES, Unit, monthly_contributions

TITLE = "医疗保险单位参保登记证明"
AGENCY = "武汉市医疗保障局"  # signs the certificate; its seal is the visible signature
LAYOUT = unit_certificate.Layout(TITLE, AGENCY, issuer="医疗保障部门", styles="mi", fact_widths=(40 * mm, 138 * mm),
                                 staff_widths=(20 * mm, 36 * mm, 44 * mm, 24 * mm, 28 * mm, 26 * mm), body_size=9.5)


def signing_identity(config: dict) -> pki.Identity:
    return pki.identity(config, "medical_insurance", AGENCY)


def render_certificate(unit: Unit, figures: Policy | None, issued_on: date, identity: pki.Identity | None = None) -> bytes:
    """`figures`: those in force on the issue day (for the monthly amounts; None leaves them out)."""
    facts = [("单位名称", unit.company_name), ("统一社会信用代码", unit.uscc), ("单位医保编号", unit.unit_number),
             ("参保险种", "、".join(INSURANCES)), ("登记日期", china_date(unit.registered_at).isoformat())]
    if figures is not None:
        rates = "；".join(f"{label} 单位 {_percent(figures.rates[k].employer)}，个人 {_percent(figures.rates[k].personal)}"
                         for k, label in (("medical", INSURANCES[0]), ("maternity", INSURANCES[1])))
        facts.append(("费率", rates))
    active = unit.active()
    staff: list[tuple] = [("姓名", "公民身份号码", "个人参保记录号", "参保日期", "缴费基数（元）", "月缴费（元）")]
    for m in active:
        staff.append((m.name, mask_resident_id(m.resident_id), m.record_number, m.start_date,
                      f"{m.contribution_base}{'（暂定）' if m.base_provisional else ''}",
                      _monthly(m.contribution_base, figures)))
    notes = ["职工基本医疗保险与生育保险合并实施，按同一缴费基数缴纳（国办发〔2019〕10号）；缴费基数为职工本人月工资，"
             "不低于下限、不高于上限。"]
    if any(m.base_provisional for m in active):
        notes.append("标注“暂定”的缴费基数按上一期公布的上下限核定：本期标准公布后重新核定。")
    return unit_certificate.render(LAYOUT, unit, issued_on, facts, f"参保职工（{len(active)}人）", staff, notes, identity)


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _monthly(base: Decimal, figures: Policy | None) -> str:
    if figures is None:
        return "—"
    owed = monthly_contributions(base, figures)
    employer = sum(Decimal(k["employer"]) for k in owed.values())
    personal = sum(Decimal(k["personal"]) for k in owed.values())
    return f"单位 {employer}<br/>个人 {personal}"
