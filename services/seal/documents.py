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
import os
from datetime import datetime
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from contracts.codes import district_name
from contracts.form import SEAL_KIND_LABELS, SealKind
from services.seal.domain import CHINA, MEDIUM_LABELS, STATUS_LABELS, SealRecord, SealSet

FONT_ENV = "SEAL_FONT"
DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # Debian fonts-wqy-zenhei
SIZE = 600
INK = (218, 24, 32)  # 印泥红
PDF_FONT = "STSong-Light"


class SealFontMissing(RuntimeError):
    """The CJK font for seal impressions is not installed; seals cannot be rendered without it."""


def font_path() -> Path:
    return Path(os.environ.get(FONT_ENV, DEFAULT_FONT))


def check_font() -> Path:
    path = font_path()
    if not path.is_file():
        raise SealFontMissing(
            f"seal font {path} is missing: install Debian package fonts-wqy-zenhei (`make fonts`) "
            f"or point ${FONT_ENV} at a TrueType font with Chinese glyphs"
        )
    return path


def _stroke(height: int) -> int:
    """Engraved strokes are bolder than the screen font: thicken in proportion to the glyph size."""
    return max(1, height // 30)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(check_font()), size)


# ---- seal impressions -----------------------------------------------------------------------------


def render_seal(seal_set: SealSet, seal: SealRecord) -> bytes:
    """The impression of one seal as a 600x600 RGBA PNG (red ink on a transparent background)."""
    ink = Image.new("L", (SIZE, SIZE), 0)  # ink coverage; coloured once at the end, so edges stay red
    if seal.kind is SealKind.legal_representative:
        _name_seal(ink, seal_set.legal_representative)
    elif seal.kind is SealKind.invoice:
        _oval_seal(ink, seal_set, seal)
    else:
        _round_seal(ink, seal_set, seal)
    image = Image.new("RGBA", (SIZE, SIZE), (*INK, 0))
    image.putalpha(ink)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _round_seal(ink: Image.Image, seal_set: SealSet, seal: SealRecord) -> None:
    c = SIZE / 2
    draw = ImageDraw.Draw(ink)
    draw.ellipse((12, 12, SIZE - 12, SIZE - 12), outline=255, width=16)
    _arc_text(ink, seal_set.company_name, radii=(222, 222), span_deg=250, height=72, top=True)
    _star(draw, (c, c - 8), 92)
    if seal.kind is not SealKind.company:  # special seals say what they are for
        _centred_text(ink, SEAL_KIND_LABELS[seal.kind], (c, c + 132), height=54, max_width=300)
    _arc_text(ink, seal.code, radii=(246, 246), span_deg=52, height=26, top=False)


def _oval_seal(ink: Image.Image, seal_set: SealSet, seal: SealRecord) -> None:
    a, b = 286, 214
    c = SIZE / 2
    draw = ImageDraw.Draw(ink)
    draw.ellipse((c - a, c - b, c + a, c + b), outline=255, width=12)
    # The name stays above the middle line, which belongs to the taxpayer id.
    _arc_text(ink, seal_set.company_name, radii=(a - 58, b - 50), span_deg=186, height=58, top=True)
    _centred_text(ink, seal_set.uscc, (c, c + 26), height=40, max_width=340)
    _centred_text(ink, SEAL_KIND_LABELS[seal.kind], (c, c + 96), height=46, max_width=250)
    _arc_text(ink, seal.code, radii=(a - 28, b - 24), span_deg=44, height=22, top=False)


def _name_seal(ink: Image.Image, name: str) -> None:
    """Square name seal: 2 chars + 之印, 3 chars + 印; columns read right to left, top to bottom."""
    text = name + ("之印" if len(name) == 2 else "印" if len(name) == 3 else "")
    rows = max(2, math.ceil(len(text) / 2))
    draw = ImageDraw.Draw(ink)
    margin, border = 40, 22
    draw.rectangle((margin, margin, SIZE - margin, SIZE - margin), outline=255, width=border)
    inner = SIZE - 2 * (margin + border) - 24
    cell_w, cell_h = inner / 2, inner / rows
    left = margin + border + 12
    for i, char in enumerate(text):
        column, row = divmod(i, rows)
        x = left + (1 - column) * cell_w + cell_w / 2  # first column is on the right
        y = left + row * cell_h + cell_h / 2
        glyph = _glyph(char, int(min(cell_w, cell_h) * 0.92), width_factor=cell_w / max(cell_w, cell_h))
        _stamp(ink, glyph, (x, y))


def _star(draw: ImageDraw.ImageDraw, centre: tuple[float, float], radius: float) -> None:
    cx, cy = centre
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382  # golden-ratio inner radius of a regular star
        angle = math.radians(-90 + 36 * i)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=255)


def _glyph(char: str, height: int, width_factor: float = 1.0) -> Image.Image:
    """One character as an ink mask, optionally narrowed the way seal engravers fit long names."""
    box = int(height * 1.3)
    glyph = Image.new("L", (box, box), 0)
    ImageDraw.Draw(glyph).text((box / 2, box / 2), char, font=_font(height), fill=255, anchor="mm",
                               stroke_width=_stroke(height), stroke_fill=255)
    if width_factor < 0.999:
        glyph = glyph.resize((max(1, int(box * width_factor)), box), Image.Resampling.LANCZOS)
    return glyph


def _stamp(ink: Image.Image, glyph: Image.Image, centre: tuple[float, float]) -> None:
    x = int(round(centre[0] - glyph.width / 2))
    y = int(round(centre[1] - glyph.height / 2))
    ink.paste(255, (x, y, x + glyph.width, y + glyph.height), mask=glyph)


def _centred_text(ink: Image.Image, text: str, centre: tuple[float, float], height: int, max_width: int) -> None:
    font = _font(height)
    width = font.getlength(text)
    if width > max_width:  # squeeze horizontally rather than shrink, as engravers do
        layer = Image.new("L", (int(width) + 8, int(height * 1.4)), 0)
        ImageDraw.Draw(layer).text((layer.width / 2, layer.height / 2), text, font=font, fill=255, anchor="mm",
                                   stroke_width=_stroke(height), stroke_fill=255)
        layer = layer.resize((max_width, layer.height), Image.Resampling.LANCZOS)
        _stamp(ink, layer, centre)
    else:
        ImageDraw.Draw(ink).text(centre, text, font=font, fill=255, anchor="mm", stroke_width=_stroke(height),
                                 stroke_fill=255)


def _arc_text(ink: Image.Image, text: str, radii: tuple[float, float], span_deg: float, height: int,
              top: bool) -> None:
    """Text along the upper arc (read clockwise, glyph tops outward) or the lower arc (read left to
    right, glyph tops inward) of an ellipse centred in the image, spaced evenly by arc length."""
    if not text:
        return
    a, b = radii
    mid = -90.0 if top else 90.0
    span_len = _arc_length(a, b, mid - span_deg / 2, mid + span_deg / 2)
    pitch = min(span_len / len(text), height * 1.05)  # short texts keep natural spacing, centred
    size = min(height, int(pitch / 0.62))  # very long names: also lower the glyphs a little
    width_factor = min(1.0, pitch * 0.94 / size)
    direction = 1 if top else -1  # the lower arc reads left to right, i.e. counter-clockwise
    for i, char in enumerate(text):
        offset = (i + 0.5 - len(text) / 2) * pitch * direction
        theta = _angle_at(a, b, mid, offset)
        x = SIZE / 2 + a * math.cos(theta)
        y = SIZE / 2 + b * math.sin(theta)
        normal = math.degrees(math.atan2(a * math.sin(theta), b * math.cos(theta)))
        turn = normal + 90 if top else normal - 90  # degrees clockwise from upright
        glyph = _glyph(char, size, width_factor).rotate(-turn, resample=Image.Resampling.BICUBIC, expand=True)
        _stamp(ink, glyph, (x, y))


def _arc_length(a: float, b: float, start_deg: float, end_deg: float, steps: int = 720) -> float:
    t0, t1 = math.radians(start_deg), math.radians(end_deg)
    dt = (t1 - t0) / steps
    return sum(math.hypot(a * math.sin(t0 + (k + 0.5) * dt), b * math.cos(t0 + (k + 0.5) * dt)) * dt
               for k in range(steps))


def _angle_at(a: float, b: float, mid_deg: float, offset: float) -> float:
    """The ellipse angle (radians) `offset` pixels of arc away from `mid_deg` (negative: backwards)."""
    theta, walked = math.radians(mid_deg), 0.0
    step = math.radians(0.05) * (1 if offset >= 0 else -1)
    while abs(walked) < abs(offset):
        walked += math.copysign(math.hypot(a * math.sin(theta), b * math.cos(theta)) * abs(step), offset)
        theta += step
    return theta


# ---- the filing certificate -----------------------------------------------------------------------


def filing_authority(district_code: str) -> str:
    district = district_name(district_code) or district_code
    return f"武汉市公安局{district}分局"


def _local(moment: datetime | None) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else "—"


def render_certificate(seal_set: SealSet) -> bytes:
    """印章备案证明: company, USCC, and each seal's kind, code, medium, status, filing time and image."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image as PdfImage
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    title = ParagraphStyle("title", fontName=PDF_FONT, fontSize=20, leading=28, alignment=1)
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=11, leading=17)
    small = ParagraphStyle("small", fontName=PDF_FONT, fontSize=8.5, leading=12, alignment=1)

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
        title=f"印章备案证明 {seal_set.company_name}", author=filing_authority(seal_set.district_code),
        invariant=1,  # no creation timestamp or random id: the same data gives the same file
    )
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
    rows = [["印章种类", "印章编码", "介质", "状态", "备案时间"]]
    rows += [[SEAL_KIND_LABELS[s.kind], s.code, MEDIUM_LABELS[s.medium], STATUS_LABELS[s.status],
              _local(s.filed_at)] for s in seal_set.seals]
    table = Table(rows, colWidths=[32 * mm, 40 * mm, 24 * mm, 34 * mm, 42 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story += [table, Spacer(1, 6 * mm), Paragraph("印模", body), Spacer(1, 2 * mm)]

    cells = []
    for seal in filed:
        picture = PdfImage(io.BytesIO(render_seal(seal_set, seal)), width=48 * mm, height=48 * mm)
        caption = Paragraph(f"{SEAL_KIND_LABELS[seal.kind]}（{MEDIUM_LABELS[seal.medium]}）<br/>{seal.code}", small)
        cells.append([picture, caption])
    if cells:
        grid = [cells[i:i + 3] + [""] * (3 - len(cells[i:i + 3])) for i in range(0, len(cells), 3)]
        story.append(Table(grid, colWidths=[58 * mm] * 3, style=[("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    story += [
        Spacer(1, 6 * mm),
        Paragraph("以上印章已在公安机关备案。可凭印章编码在“一网通办”平台核验印章真伪。", body),
    ]
    doc.build(story)
    return out.getvalue()
