"""The unit deposit registration certificate (住房公积金单位缴存登记证明) as a PDF, from the stored unit.

The CJK font is embedded (kit.pdf); with a signing identity the certificate is PAdES-signed by the
housing-fund centre, its round seal over the issue date, like every bureau's certificate. Resident IDs
are printed masked: a certificate is shown around.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Spacer

from contracts.clock import china_date
from contracts.codes import mask_resident_id
from kit import pdf as pdfkit
from kit import pdfsign, pki
from services.housing_fund.domain import Unit, monthly_deposit

FONT = pdfkit.font()
TITLE = "住房公积金单位缴存登记证明"
AGENCY = "武汉住房公积金管理中心"  # signs the certificate; its seal is the visible signature
MARGIN = 16 * mm


def signing_identity(config: dict) -> pki.Identity:
    return pki.identity(config, "housing_fund", AGENCY)


_p = pdfkit.paragraphs("hf")  # title, body and small paragraphs in the embedded font


def render_certificate(unit: Unit, issued_on: date, identity: pki.Identity | None = None) -> bytes:
    """With `identity` (kit.pki.Identity) the PDF is signed by the centre."""
    data, (page, _, y) = _draw(unit, issued_on)
    if identity is None:
        return data
    date_x = MARGIN + stringWidth("出具日期：", FONT, 10) + stringWidth(issued_on.isoformat(), FONT, 10) / 2
    meta = pdfkit.Meta(f"{TITLE} {unit.company_name}", AGENCY, unit.uscc)
    return pdfsign.bureau_sign(data, meta, identity, AGENCY, pdfsign.seal_box(page, date_x, y + 3 * mm, 42 * mm),
                               reason=f"{AGENCY}出具{TITLE}")


def _draw(unit: Unit, issued_on: date):
    buffer = BytesIO()
    doc = pdfkit.doc_template(buffer, A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=18 * mm,
                              bottomMargin=18 * mm, title=TITLE, author=AGENCY)
    date_line = pdfkit.anchor()
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
        pdfkit.grid([[_p(k), _p(v)] for k, v in facts], [42 * mm, 136 * mm]),
        Spacer(1, 6 * mm), _p(f"已开立个人账户（{len(active)}人）"), Spacer(1, 2 * mm),
        pdfkit.grid(rows, [16 * mm, 36 * mm, 44 * mm, 22 * mm, 30 * mm, 30 * mm], header=True),
        Spacer(1, 8 * mm), _p(f"出具日期：{issued_on.isoformat()}　　本证明由企业开办“一网通办”平台住房公积金管理中心出具。"),
        date_line,
        _p("缴存基数为职工本人月工资，不低于最低工资标准，不高于本市上一年度职工月平均工资的3倍；"
           "单位和个人缴存比例各为5%至12%（《住房公积金管理条例》第十八条）。", "small"),
    ]
    if any(a.base_provisional for a in active):
        story.append(_p("标注“暂定”的缴存基数按上一期公布的上下限核定：本期标准公布后重新核定。", "small"))
    doc.build(story)
    return buffer.getvalue(), date_line.at
