"""The unit deposit registration certificate (住房公积金单位缴存登记证明) as a PDF, from the stored unit.

The CJK font is embedded (kit.pdf); with a signing identity the certificate is PAdES-signed by the
housing-fund centre, its round seal over the issue date, like every bureau's certificate. Resident IDs
are printed masked: a certificate is shown around.
"""

from __future__ import annotations

from datetime import date

from reportlab.lib.units import mm

from contracts.clock import china_date
from contracts.codes import mask_resident_id
from kit import pki, unit_certificate
from services.housing_fund.domain import Unit, monthly_deposit

TITLE = "住房公积金单位缴存登记证明"
AGENCY = "武汉住房公积金管理中心"  # signs the certificate; its seal is the visible signature
LAYOUT = unit_certificate.Layout(TITLE, AGENCY, issuer="住房公积金管理中心", styles="hf", fact_widths=(42 * mm, 136 * mm),
                                 staff_widths=(16 * mm, 36 * mm, 44 * mm, 22 * mm, 30 * mm, 30 * mm))


def signing_identity(config: dict) -> pki.Identity:
    return pki.identity(config, "housing_fund", AGENCY)


def render_certificate(unit: Unit, issued_on: date, identity: pki.Identity | None = None) -> bytes:
    """With `identity` (kit.pki.Identity) the PDF is signed by the centre."""
    facts = [("单位名称", unit.company_name), ("统一社会信用代码", unit.uscc), ("单位公积金账号", unit.unit_account),
             ("缴存比例", f"单位 {unit.employer_rate}%，个人 {unit.employee_rate}%"),
             ("登记日期", china_date(unit.registered_at).isoformat())]
    active = unit.active()
    staff: list[tuple] = [("姓名", "公民身份号码", "个人账号", "开户日期", "缴存基数（元）", "月缴存额（元）")]
    for a in active:
        total = monthly_deposit(a.deposit_base, unit.employer_rate) + monthly_deposit(a.deposit_base, unit.employee_rate)
        staff.append((a.name, mask_resident_id(a.resident_id), a.account_number, a.start_date,
                      f"{a.deposit_base}{'（暂定）' if a.base_provisional else ''}", total))
    notes = ["缴存基数为职工本人月工资，不低于最低工资标准，不高于本市上一年度职工月平均工资的3倍；"
             "单位和个人缴存比例各为5%至12%（《住房公积金管理条例》第十八条）。"]
    if any(a.base_provisional for a in active):
        notes.append("标注“暂定”的缴存基数按上一期公布的上下限核定：本期标准公布后重新核定。")
    return unit_certificate.render(LAYOUT, unit, issued_on, facts, f"已开立个人账户（{len(active)}人）", staff, notes,
                                   identity)
