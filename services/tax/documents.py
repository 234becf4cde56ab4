"""The PDFs the tax bureau issues, rendered from stored data (never stored themselves).

- `tax.registration_notice`: 税务事项通知书 (登记信息确认): taxpayer id, type, office, invoice approval.
- `tax.invoice.<number>`: the 数电发票 as printed: number, date, buyer, seller, items, totals, 大写 amount.
The CJK font is embedded (kit.pdf). With a signing identity every PDF is PAdES-signed by the tax
bureau; the notice shows the tax office's round seal over its date.
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
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from contracts.form import InvoiceKind, TaxpayerType
from contracts.rpc import Document, DocumentRef, NotFound
from kit import pdf as pdfkit
from kit import pdfsign, pki
from services.tax import domain

FONT = pdfkit.font()
MARGIN = 15 * mm
SIGNING_NAME = "国家税务总局武汉市税务局"  # the certificate; the visible seal names the district's office


def signing_identity(config: dict) -> pki.Identity:
    return pki.identity(config, "tax", SIGNING_NAME)

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


def render(name: str, registration: dict[str, Any], invoices: dict[str, dict[str, Any]],
           identity=None) -> Document:
    """The named document of one registration; `invoices` maps number -> invoice for `tax.invoice.*`.
    With `identity` (kit.pki.Identity) the PDF is signed by the tax bureau."""
    office = registration["tax_office"]
    if name == NOTICE:
        data, (page, _, y) = _notice(registration)
        filename = f"tax-registration-{registration['uscc']}.pdf"
        meta = pdfkit.Meta(f"税务事项通知书 {registration['company_name']}", office, registration["uscc"],
                           created=_moment(registration["registered_at"]))
        box = pdfsign.seal_box(page, _date_centre_x(registration), y + 3 * mm, 42 * mm)
    elif name.startswith(INVOICE_PREFIX) and name[len(INVOICE_PREFIX):] in invoices:
        number = name[len(INVOICE_PREFIX):]
        data, filename = invoice_pdf(invoices[number]), f"invoice-{number}.pdf"
        meta = pdfkit.Meta(f"数电发票 {number} {registration['company_name']}", office, registration["uscc"],
                           created=_moment(invoices[number]["issued_at"]))
        box = None
    else:
        raise NotFound(f"没有名为 {name} 的税务文书")
    if identity is not None:
        if box is None:  # an invoice: signed, without a seal over its figures
            data = pdfsign.sign(data, meta, identity, reason=f"{office}开具")
        else:
            data = pdfsign.bureau_sign(data, meta, identity, office, box, reason=f"{office}出具")
    return Document(name=name, filename=filename, content_type="application/pdf",
                    data_base64=base64.b64encode(data).decode())


def registration_notice(reg: dict[str, Any]) -> bytes:
    return _notice(reg)[0]


def _date_centre_x(reg: dict[str, Any]) -> float:
    """The notice ends with "<office>　<date>" at the left margin: the office's seal sits over the date."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    date = _day(reg["registered_at"])
    return MARGIN + stringWidth(f"{reg['tax_office']}　", FONT, BODY.fontSize) + stringWidth(date, FONT, BODY.fontSize) / 2


def _notice(reg: dict[str, Any]) -> tuple[bytes, tuple[int, float, float]]:
    """The notice and where its date line ended (page, x, y): the office's seal goes over the date."""
    date_line = pdfkit.anchor()
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
        date_line,
    ]
    return _build(story, A4), date_line.at


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
    doc = pdfkit.doc_template(buffer, pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
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


def _moment(moment: datetime | str) -> datetime:
    return datetime.fromisoformat(moment) if isinstance(moment, str) else moment


def _day(moment: datetime | str) -> str:
    return domain.local_day(_moment(moment)).isoformat()
