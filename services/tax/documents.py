"""The PDFs the tax bureau issues, rendered from stored data (never stored themselves).

- `tax.registration_notice`: 税务事项通知书 (登记信息确认): taxpayer id, type, office, invoice approval.
- `tax.invoice.<number>`: the 数电发票 as printed: number, date, buyer, seller, items, totals, 大写 amount.
Chinese text uses reportlab's built-in CID font STSong-Light (no font file to ship).
"""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from contracts.form import InvoiceKind, TaxpayerType
from contracts.rpc import Document, DocumentRef, NotFound
from services.tax import domain

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

NOTICE = "tax.registration_notice"
INVOICE_PREFIX = "tax.invoice."
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=24, alignment=1)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16)
SMALL = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=12)


def notice_ref() -> DocumentRef:
    return DocumentRef(name=NOTICE, title="税务事项通知书（税务登记信息确认）")


def invoice_ref(invoice: dict[str, Any]) -> DocumentRef:
    red = "（红字）" if invoice["red"] else ""
    return DocumentRef(name=INVOICE_PREFIX + invoice["number"], title=f"{invoice['title']}{red} {invoice['number']}")


def render(name: str, registration: dict[str, Any], invoices: dict[str, dict[str, Any]]) -> Document:
    """The named document of one registration; `invoices` maps number -> invoice for `tax.invoice.*`."""
    if name == NOTICE:
        data, filename = registration_notice(registration), f"tax-registration-{registration['uscc']}.pdf"
    elif name.startswith(INVOICE_PREFIX) and name[len(INVOICE_PREFIX):] in invoices:
        number = name[len(INVOICE_PREFIX):]
        data, filename = invoice_pdf(invoices[number]), f"invoice-{number}.pdf"
    else:
        raise NotFound(f"没有名为 {name} 的税务文书")
    return Document(name=name, filename=filename, content_type="application/pdf",
                    data_base64=base64.b64encode(data).decode())


def registration_notice(reg: dict[str, Any]) -> bytes:
    kinds = "、".join(domain.INVOICE_KIND_LABELS[InvoiceKind(k)] for k in reg["invoice_kinds"])
    approval = {"approved": "已核准", "pending": "审核中", "rejected": "未核准"}[reg["approval"]]
    rows = [
        ("纳税人名称", reg["company_name"]),
        ("纳税人识别号", reg["taxpayer_id"]),
        ("纳税人类型", domain.TAXPAYER_TYPE_LABELS[TaxpayerType(reg["taxpayer_type"])]),
        ("主管税务机关", reg["tax_office"]),
        ("法定代表人", reg["legal_representative"]),
        ("登记日期", _day(reg["registered_at"])),
        ("发票种类", f"数电发票：{kinds}"),
        ("发票核准", approval),
        ("月开票额度（授信额度）", f"{domain.yuan(domain.from_fen(reg['monthly_quota_fen']))}元"),
    ]
    story = [
        Paragraph(reg["tax_office"], TITLE),
        Paragraph("税务事项通知书", TITLE),
        Spacer(1, 6 * mm),
        Paragraph(f"{reg['company_name']}（纳税人识别号：{reg['taxpayer_id']}）：", BODY),
        Paragraph("你单位的税务登记信息已确认，纳税人识别号即统一社会信用代码。登记信息如下：", BODY),
        Spacer(1, 4 * mm),
        _grid([[_p(k), _p(v)] for k, v in rows], [45 * mm, 120 * mm]),
        Spacer(1, 6 * mm),
        Paragraph(f"{reg['tax_office']}　{_day(reg['registered_at'])}", BODY),
    ]
    return _build(story, A4)


def invoice_pdf(inv: dict[str, Any]) -> bytes:
    red = inv["red"]
    header = [[_p(f"发票号码：{inv['number']}"), _p(f"开票日期：{_day(inv['issued_at'])}")]]
    parties = [
        [_p("购买方信息"), _party(inv["buyer"]), _p("销售方信息"), _party(inv["seller"])],
    ]
    items = [[_p(h) for h in ("项目名称", "数量", "单价", "金额", "税率/征收率", "税额")]]
    for line in inv["items"]:
        rate = f"{(Decimal(line['tax_rate']) * 100).normalize():f}%"
        items.append([_p(line["name"]), _p(line["quantity"]), _p(line["unit_price"]),
                      _p(line["amount"]), _p(rate), _p(line["tax"])])
    items.append([_p("合计"), "", "", _p(f"¥{inv['total_amount']}"), "", _p(f"¥{inv['total_tax']}")])
    totals = [[_p("价税合计（大写）"), _p(inv["amount_in_words"]), _p(f"（小写）¥{inv['total']}")]]
    remark = f"被红冲蓝字数电发票号码：{inv['reverses']}　红冲原因：{inv.get('reason', '')}" if red else ""
    story = [
        Paragraph(inv["title"] + ("（红字）" if red else ""), TITLE),
        Spacer(1, 3 * mm),
        _grid(header, [130 * mm, 130 * mm], boxed=False),
        _grid(parties, [22 * mm, 108 * mm, 22 * mm, 108 * mm]),
        _grid(items, [80 * mm, 30 * mm, 40 * mm, 40 * mm, 30 * mm, 40 * mm]),
        _grid(totals, [40 * mm, 150 * mm, 70 * mm]),
        _grid([[_p("备注"), _p(remark)]], [22 * mm, 238 * mm]),
        Spacer(1, 3 * mm),
        Paragraph(f"开票人：{inv['seller']['name']}", SMALL),
    ]
    return _build(story, landscape(A4))


def _build(story: list, pagesize) -> bytes:
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title="OneStop 税务")
    doc.build(story)
    return buffer.getvalue()


def _grid(rows: list[list], widths: list[float], boxed: bool = True) -> Table:
    table = Table(rows, colWidths=widths)
    style = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("FONTNAME", (0, 0), (-1, -1), FONT)]
    if boxed:
        style += [("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a5a2b"))]
    table.setStyle(TableStyle(style))
    return table


def _p(text: str) -> Paragraph:
    """A table cell; user text is escaped because Paragraph reads a small XML markup."""
    return Paragraph(escape(str(text)), BODY)


def _party(party: dict[str, str]) -> Paragraph:
    return Paragraph(f"名称：{escape(party['name'])}<br/>统一社会信用代码/纳税人识别号：{escape(party['tax_id'] or '无（自然人）')}", BODY)


def _day(moment: datetime | str) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return domain.local_day(moment).isoformat()
