"""The unit deposit registration certificate (住房公积金单位缴存登记证明) as a PDF, from the stored unit.

Rendered like the other bureaus' certificates (reportlab, the CID font STSong-Light); issue 17 owns
fonts and signing for every bureau. Resident IDs are printed masked: a certificate is shown around.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from contracts.clock import china_date
from contracts.codes import mask_resident_id
from services.housing_fund.domain import Unit, monthly_deposit

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
TITLE = "住房公积金单位缴存登记证明"

_STYLES = {
    "title": ParagraphStyle("hf-title", fontName=FONT, fontSize=18, leading=26, alignment=1),
    "body": ParagraphStyle("hf-body", fontName=FONT, fontSize=10, leading=15),
    "small": ParagraphStyle("hf-small", fontName=FONT, fontSize=8.5, leading=12, textColor=colors.grey),
}


def _p(text: Any, style: str = "body") -> Paragraph:
    return Paragraph(str(text), _STYLES[style])


def render_certificate(unit: Unit, issued_on: date) -> bytes:
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=TITLE, author="OneStop housing_fund")
    facts = [("单位名称", unit.company_name), ("统一社会信用代码", unit.uscc), ("单位公积金账号", unit.unit_account),
             ("缴存比例", f"单位 {unit.employer_rate}%，个人 {unit.employee_rate}%"),
             ("登记日期", china_date(unit.registered_at).isoformat())]
    active = unit.active()
    rows = [[_p(h) for h in ("姓名", "公民身份号码", "个人账号", "开户日期", "缴存基数（元）", "月缴存额（元）")]]
    for a in active:
        total = monthly_deposit(a.deposit_base, unit.employer_rate) + monthly_deposit(a.deposit_base, unit.employee_rate)
        rows.append([_p(c) for c in (a.name, mask_resident_id(a.resident_id), a.account_number, a.start_date,
                                     f"{a.deposit_base}{'（暂定）' if a.base_provisional else ''}", total)])
    story: list[Any] = [
        _p(TITLE, "title"), Spacer(1, 6 * mm),
        _grid([[_p(k), _p(v)] for k, v in facts], [42 * mm, 136 * mm]),
        Spacer(1, 6 * mm), _p(f"已开立个人账户（{len(active)}人）"), Spacer(1, 2 * mm),
        _grid(rows, [22 * mm, 38 * mm, 40 * mm, 24 * mm, 30 * mm, 24 * mm], header=True),
        Spacer(1, 8 * mm), _p(f"出具日期：{issued_on.isoformat()}　　本证明由企业开办“一网通办”平台住房公积金管理中心出具。"),
        _p("缴存基数为职工本人月工资，不低于最低工资标准，不高于本市上一年度职工月平均工资的3倍；"
           "单位和个人缴存比例各为5%至12%（《住房公积金管理条例》第十八条）。", "small"),
    ]
    if any(a.base_provisional for a in active):
        story.append(_p("标注“暂定”的缴存基数按上一期公布的上下限核定：本期标准公布后重新核定。", "small"))
    doc.build(story)
    return buffer.getvalue()


def _grid(rows: list[list[Any]], widths: list[float], header: bool = False) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)))
    table.setStyle(TableStyle(style))
    return table
