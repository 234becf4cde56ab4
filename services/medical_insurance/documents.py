"""The unit's medical insurance registration certificate (医疗保险单位参保登记证明) as a PDF, from the
stored unit: the unit number, the insurances, each active member with base and this month's
contributions. The CJK font is embedded (kit.pdf); with a signing identity the certificate is
PAdES-signed by the bureau, its round seal over the issue date. Resident IDs are printed masked.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Spacer

from contracts.clock import china_date
from contracts.codes import mask_resident_id
from contracts.contributions import Policy
from kit import pdf as pdfkit
from kit import pdfsign, pki
from services.medical_insurance.domain import INSURANCES, Unit, monthly_contributions

FONT = pdfkit.font()
TITLE = "医疗保险单位参保登记证明"
AGENCY = "武汉市医疗保障局"  # signs the certificate; its seal is the visible signature
MARGIN = 16 * mm


def signing_identity(config: dict) -> pki.Identity:
    return pki.identity(config, "medical_insurance", AGENCY)


_p = pdfkit.paragraphs("mi", body_size=9.5)  # title, body and small paragraphs in the embedded font


def render_certificate(unit: Unit, figures: Policy | None, issued_on: date, identity: pki.Identity | None = None) -> bytes:
    """`figures`: those in force on the issue day (for the monthly amounts; None leaves them out)."""
    data, (page, _, y) = _draw(unit, figures, issued_on)
    if identity is None:
        return data
    date_x = MARGIN + stringWidth("出具日期：", FONT, 9.5) + stringWidth(issued_on.isoformat(), FONT, 9.5) / 2
    meta = pdfkit.Meta(f"{TITLE} {unit.company_name}", AGENCY, unit.uscc)
    return pdfsign.bureau_sign(data, meta, identity, AGENCY, pdfsign.seal_box(page, date_x, y + 3 * mm, 42 * mm),
                               reason=f"{AGENCY}出具{TITLE}")


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _monthly(base: Decimal, figures: Policy | None) -> str:
    if figures is None:
        return "—"
    owed = monthly_contributions(base, figures)
    employer = sum(Decimal(k["employer"]) for k in owed.values())
    personal = sum(Decimal(k["personal"]) for k in owed.values())
    return f"单位 {employer}<br/>个人 {personal}"


def _draw(unit: Unit, figures: Policy | None, issued_on: date):
    buffer = BytesIO()
    doc = pdfkit.doc_template(buffer, A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=18 * mm,
                              bottomMargin=18 * mm, title=TITLE, author=AGENCY)
    date_line = pdfkit.anchor()
    facts = [("单位名称", unit.company_name), ("统一社会信用代码", unit.uscc), ("单位医保编号", unit.unit_number),
             ("参保险种", "、".join(INSURANCES)), ("登记日期", china_date(unit.registered_at).isoformat())]
    if figures is not None:
        rates = "；".join(f"{label} 单位 {_percent(figures.rates[k].employer)}，个人 {_percent(figures.rates[k].personal)}"
                         for k, label in (("medical", INSURANCES[0]), ("maternity", INSURANCES[1])))
        facts.append(("费率", rates))
    active = unit.active()
    rows = [[_p(h) for h in ("姓名", "公民身份号码", "个人参保记录号", "参保日期", "缴费基数（元）", "月缴费（元）")]]
    for m in active:
        rows.append([_p(c) for c in (m.name, mask_resident_id(m.resident_id), m.record_number, m.start_date,
                                     f"{m.contribution_base}{'（暂定）' if m.base_provisional else ''}",
                                     _monthly(m.contribution_base, figures))])
    story: list[Any] = [
        _p(TITLE, "title"), Spacer(1, 6 * mm),
        pdfkit.grid([[_p(k), _p(v)] for k, v in facts], [40 * mm, 138 * mm]),
        Spacer(1, 6 * mm), _p(f"参保职工（{len(active)}人）"), Spacer(1, 2 * mm),
        pdfkit.grid(rows, [20 * mm, 36 * mm, 44 * mm, 24 * mm, 28 * mm, 26 * mm], header=True),
        Spacer(1, 8 * mm), _p(f"出具日期：{issued_on.isoformat()}　　本证明由企业开办“一网通办”平台医疗保障部门出具。"),
        date_line,
        _p("职工基本医疗保险与生育保险合并实施，按同一缴费基数缴纳（国办发〔2019〕10号）；缴费基数为职工本人月工资，"
           "不低于下限、不高于上限。", "small"),
    ]
    if any(m.base_provisional for m in active):
        story.append(_p("标注“暂定”的缴费基数按上一期公布的上下限核定：本期标准公布后重新核定。", "small"))
    doc.build(story)
    return buffer.getvalue(), date_line.at
