"""What the seal bureau hands out, rendered from stored data: seal impressions (PNG) and the filing
certificate (PDF). Rendering is deterministic, so a document fetched twice is the same file.

Round seals (公章, 财务/合同专用章) follow the usual layout: red ring, company name along the upper arc,
five-pointed star in the centre, the purpose under the star, the 13-digit seal code small along the
bottom arc. The invoice seal (发票专用章) is the usual oval with the taxpayer id (= USCC) across the
middle. The legal representative's seal is square with the name in two columns, read right to left.
"""

from __future__ import annotations

import io
import math
from datetime import datetime
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw

from contracts.clock import CHINA
from contracts.codes import district_name
from contracts.form import SEAL_KIND_LABELS, SealKind
from kit.seal_image import (  # noqa: F401 - FONT_ENV, SealFontMissing, check_font: this module's API
    FONT_ENV,
    SIZE,
    SealFontMissing,
    arc_text,
    centred_text,
    check_font,
    coloured,
    glyph,
    ink,
    png,
    round_seal,
    stamp,
)
from kit.seal_image import font as _font  # noqa: F401 - tests clear its cache
from services.seal.domain import MEDIUM_LABELS, STATUS_LABELS, SealRecord, SealSet

# ---- seal impressions -----------------------------------------------------------------------------


def render_seal(seal_set: SealSet, seal: SealRecord) -> bytes:
    """The impression of one seal as a 600x600 RGBA PNG (red ink on a transparent background)."""
    return png(seal_image(seal_set, seal))


def seal_image(seal_set: SealSet, seal: SealRecord) -> Image.Image:
    if seal.kind is SealKind.legal_representative:
        mask = ink()
        _name_seal(mask, seal_set.legal_representative)
        return coloured(mask)
    if seal.kind is SealKind.invoice:
        mask = ink()
        _oval_seal(mask, seal_set, seal)
        return coloured(mask)
    # special seals say what they are for under the star
    purpose = SEAL_KIND_LABELS[seal.kind] if seal.kind is not SealKind.company else ""
    return round_seal(seal_set.company_name, purpose, seal.code)


def _oval_seal(mask: Image.Image, seal_set: SealSet, seal: SealRecord) -> None:
    a, b = 286, 214
    c = SIZE / 2
    draw = ImageDraw.Draw(mask)
    draw.ellipse((c - a, c - b, c + a, c + b), outline=255, width=12)
    # The name stays above the middle line, which belongs to the taxpayer id.
    arc_text(mask, seal_set.company_name, radii=(a - 58, b - 50), span_deg=186, height=58, top=True)
    centred_text(mask, seal_set.uscc, (c, c + 26), height=40, max_width=340)
    centred_text(mask, SEAL_KIND_LABELS[seal.kind], (c, c + 96), height=46, max_width=250)
    arc_text(mask, seal.code, radii=(a - 28, b - 24), span_deg=44, height=22, top=False)


def _name_seal(mask: Image.Image, name: str) -> None:
    """Square name seal: 2 chars + 之印, 3 chars + 印; columns read right to left, top to bottom."""
    text = name + ("之印" if len(name) == 2 else "印" if len(name) == 3 else "")
    rows = max(2, math.ceil(len(text) / 2))
    draw = ImageDraw.Draw(mask)
    margin, border = 40, 22
    draw.rectangle((margin, margin, SIZE - margin, SIZE - margin), outline=255, width=border)
    inner = SIZE - 2 * (margin + border) - 24
    cell_w, cell_h = inner / 2, inner / rows
    left = margin + border + 12
    for i, char in enumerate(text):
        column, row = divmod(i, rows)
        x = left + (1 - column) * cell_w + cell_w / 2  # first column is on the right
        y = left + row * cell_h + cell_h / 2
        stamp(mask, glyph(char, int(min(cell_w, cell_h) * 0.92), width_factor=cell_w / max(cell_w, cell_h)), (x, y))


# ---- the filing certificate -----------------------------------------------------------------------


def filing_authority(district_code: str) -> str:
    district = district_name(district_code) or district_code
    return f"武汉市公安局{district}分局"


def _local(moment: datetime | None) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else "—"


SIGNING_NAME = "武汉市公安局"  # the certificate that signs; the visible seal names the district's branch


def signing_identity(config: dict):
    from kit import pki

    return pki.identity(config, "seal", SIGNING_NAME)


def render_certificate(seal_set: SealSet, identity=None) -> bytes:
    """印章备案证明: company, USCC, and each seal's kind, code, medium, status, filing time and image.
    With `identity` (kit.pki.Identity) PAdES-signed, the branch's round seal over the date."""
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from kit import pdf as pdfkit
    from kit import pdfsign

    data, issued, (page, _, y) = _draw_certificate(seal_set)
    if identity is None:
        return data
    authority = filing_authority(seal_set.district_code)
    x = 18 * mm + stringWidth(f"{authority}　", pdfkit.FONT, 11) + stringWidth(_local(issued)[:10], pdfkit.FONT, 11) / 2
    meta = pdfkit.Meta(f"印章备案证明 {seal_set.company_name}", authority, seal_set.uscc, created=issued)
    return pdfsign.bureau_sign(data, meta, identity, authority, pdfsign.seal_box(page, x, y + 3 * mm, 42 * mm),
                               reason=f"{authority}出具印章备案证明")


def _draw_certificate(seal_set: SealSet):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image as PdfImage
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from kit import pdf as pdfkit

    font = pdfkit.font()
    title = ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=17)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=12, alignment=1)

    out = io.BytesIO()
    doc = pdfkit.doc_template(  # invariant: the same data gives the same file
        out, A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
        title=f"印章备案证明 {seal_set.company_name}", author=filing_authority(seal_set.district_code),
    )
    date_line = pdfkit.anchor()
    filed = [s for s in seal_set.seals if s.filed_at]
    issued = max((s.filed_at for s in filed), default=seal_set.created_at)
    story = [
        Paragraph("印章备案证明", title),
        Spacer(1, 6 * mm),
        Paragraph(f"单位名称：{seal_set.company_name}", body),
        Paragraph(f"统一社会信用代码：{seal_set.uscc}", body),
        Paragraph(f"法定代表人：{seal_set.legal_representative}", body),
        Paragraph(f"备案机关：{filing_authority(seal_set.district_code)}", body),
        Paragraph(f"出具时间：{_local(issued)}", body),
        Spacer(1, 5 * mm),
    ]
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=11)
    rows = [["印章种类", "印章编码", "介质", "状态", "备案时间", "印章制作单位"]]
    rows += [[SEAL_KIND_LABELS[s.kind], s.code, MEDIUM_LABELS[s.medium], STATUS_LABELS[s.status],
              _local(s.filed_at), Paragraph(escape(s.engraver or "—"), cell)] for s in seal_set.seals]
    table = Table(rows, colWidths=[26 * mm, 30 * mm, 18 * mm, 26 * mm, 30 * mm, 44 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story += [table, Spacer(1, 6 * mm), Paragraph("印模", body), Spacer(1, 2 * mm)]

    cells = []
    for seal in filed:
        picture = PdfImage(io.BytesIO(render_seal(seal_set, seal)), width=40 * mm, height=40 * mm)
        caption = Paragraph(f"{SEAL_KIND_LABELS[seal.kind]}（{MEDIUM_LABELS[seal.medium]}）<br/>{seal.code}", small)
        cells.append([picture, caption])
    if cells:
        grid = [cells[i:i + 3] + [""] * (3 - len(cells[i:i + 3])) for i in range(0, len(cells), 3)]
        story.append(Table(grid, colWidths=[58 * mm] * 3, style=[("ALIGN", (0, 0), (-1, -1), "CENTER"), ("FONTNAME", (0, 0), (-1, -1), font)]))
    story += [
        Spacer(1, 6 * mm),
        Paragraph("以上印章已在公安机关备案。可凭印章编码在“一网通办”平台核验印章真伪。", body),
        Spacer(1, 4 * mm),
        Paragraph(f"{filing_authority(seal_set.district_code)}　{_local(issued)}", body),
        date_line,
    ]
    doc.build(story)
    return out.getvalue(), issued, date_line.at
