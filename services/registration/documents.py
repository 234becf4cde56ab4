"""The business licence (营业执照) as an A4-landscape PDF, rendered from the stored licence.

Layout follows the 2019 format (DOMAIN.md section 5): title, USCC, the registered items, the
authority and date, the 国家企业信用信息公示系统 address, 国家市场监督管理总局监制, and a QR code
pointing at the public verification page. The font is embedded (kit.pdf); with a signing identity
the licence is a PAdES-signed PDF whose visible signature is the authority's round seal over the date.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import qrcode
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from contracts.clock import in_china
from contracts.events import Licence
from contracts.rpc import Document, NotFound
from kit import pdf as pdfkit
from kit import pdfsign
from kit.documents import DocumentArchive
from services.registration import views
from services.registration.domain import LICENCE_DOC, capital_text

GSXT_URL = "http://www.gsxt.gov.cn"
SUPERVISED_BY = "国家市场监督管理总局监制"
RED = HexColor("#B22222")


class LicenceDesk:
    """The documents RPCs' desk (kit.entrypoints.DocumentRpc): a case's licence once issued, each licence
    version rendered and signed once, then served as issued (kit.documents). `case` reads a case by its
    application id; `render` draws (and signs) a licence's PDF."""

    def __init__(self, case: Callable[[str], dict[str, Any]], archive: DocumentArchive,
                 render: Callable[[Licence], bytes]):
        self.case, self.archive, self.render = case, archive, render

    def list(self, application_id: str) -> list[dict]:
        return views.documents_view(self.case(application_id))

    def get(self, application_id: str, name: str) -> dict:
        case = self.case(application_id)
        if name != LICENCE_DOC.name or not case.get("licence"):
            raise NotFound(f"该申请没有文书“{name}”")
        licence = Licence.model_validate(case["licence"])

        def render() -> Document:
            return Document(name=name, filename=f"营业执照-{licence.uscc}.pdf", content_type="application/pdf",
                            data_base64=base64.b64encode(self.render(licence)).decode())

        return self.archive.issue(application_id, name, licence, render).model_dump(mode="json")


def verification_url(uscc: str, public_base_url: str) -> str:
    return f"{public_base_url.rstrip('/')}/verify/licences/{uscc}"


def qr_payload(licence: Licence, public_base_url: str, signer=None) -> str:
    """What the QR code encodes: the verification page's address (a phone camera opens it) and, with a
    `signing.Signer`, `#OSL1.<fields>.<signature>` after it (checked offline: contracts/licence_token.py)."""
    url = verification_url(licence.uscc, public_base_url)
    return f"{url}#{signer.token(licence)}" if signer is not None else url


@dataclass(frozen=True)
class QrPlacement:
    """The QR code as drawn: its matrix, the module's size and the square's bottom-left corner (points),
    the square including the 4-module quiet zone the QR standard asks for."""

    version: int
    matrix: tuple[tuple[bool, ...], ...]
    module: float
    x: float
    y: float

    @property
    def side(self) -> float:
        return (len(self.matrix) + 2 * QR_QUIET) * self.module


def qr_layout(payload: str) -> QrPlacement:
    """Error correction M survives print wear. The square grows with the QR version (a long company name
    makes a long signed payload) rather than the modules shrinking: a module under ~0.6 mm drops below
    2.4 px on a 100 dpi scanner, where zbar stops finding the code on a whole page
    (tests/unit/registration/test_licence_qr.py)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(payload)
    code.make(fit=True)
    count = code.modules_count
    module = max(QR_MODULE, QR_MIN_SIDE / (count + 2 * QR_QUIET))
    # the dark modules end at the page's right text margin (where the footer ends); the quiet zone lies outside
    right, top = QR_CORNER[0] + QR_QUIET * module, QR_CORNER[1] + QR_QUIET * module
    side = (count + 2 * QR_QUIET) * module
    return QrPlacement(code.version, tuple(tuple(bool(m) for m in row) for row in code.modules), module,
                       right - side, top - side)


def _draw_qr(pdf, qr: QrPlacement) -> None:
    """Vector squares, one path: sharp at any resolution, where a scaled bitmap is resampled (blurred
    or aliased) by the viewer; a dark run of a row is one rectangle, and one fill has no seams."""
    path = pdf.beginPath()
    left = qr.x + QR_QUIET * qr.module
    top = qr.y + qr.side - QR_QUIET * qr.module
    for row_index, row in enumerate(qr.matrix):
        y = top - (row_index + 1) * qr.module
        col = 0
        while col < len(row):
            if not row[col]:
                col += 1
                continue
            start = col
            while col < len(row) and row[col]:
                col += 1
            path.rect(left + start * qr.module, y, (col - start) * qr.module, qr.module)
    pdf.setFillColor(HexColor("#000000"))
    pdf.drawPath(path, stroke=0, fill=1)


def _wrap(text: str, font: str, size: float, width: float | Callable[[int], float]) -> list[str]:
    """Break Chinese text by width (no spaces to break on); keeps the licence's own line breaks.
    `width` may depend on the line's index (text flowing around the QR code)."""
    width_of = width if callable(width) else (lambda _: width)
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if pdfmetrics.stringWidth(line + char, font, size) > width_of(len(lines)):
                lines.append(line)
                line = char
            else:
                line += char
        lines.append(line)
    return lines


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


PAGE = landscape(A4)
DATE_RIGHT_X, DATE_Y = PAGE[0] - 30 * mm, 40 * mm
# the authority's seal (42 mm, as on paper) centred over the issue date, which is ~100 pt wide
SEAL_BOX = pdfsign.seal_box(0, DATE_RIGHT_X - 50, DATE_Y + 4 * mm, 42 * mm)
QR_MODULE = 0.6 * mm  # the smallest module a 100 dpi scanner reads off a whole page (qr_layout)
QR_QUIET = 4  # modules of white around the code (ISO/IEC 18004): a scanner finds the code's edge by it
QR_MIN_SIDE = 34 * mm
QR_CORNER = (PAGE[0] - 25 * mm, PAGE[1] - 20 * mm)
CAPTION_SIZE = 8
GAP = 2 * mm  # between the QR code's quiet zone and the text flowing around it
AUTHORITY_Y, AUTHORITY_SIZE = 48 * mm, 13
# the business scope's type sizes, largest first: a long scope beside a large QR code (a long name) takes
# the next smaller one rather than running over the authority and the date
SCOPE_SIZES = (10.5, 10, 9.5, 9, 8.5, 8, 7.5, 7)


def _fit_scope(text: str, font: str, top: float, width_at: Callable[[float], float]):
    """(size, leading, lines) of the largest scope size whose lines end above the authority's line;
    `width_at(line_top)` is the width free beside whatever is drawn at that height."""
    bottom = AUTHORITY_Y + AUTHORITY_SIZE + GAP
    for size in SCOPE_SIZES:
        leading = size * 1.5

        def width_of(index: int, size=size, leading=leading) -> float:
            return width_at(top - index * leading + size)

        lines = _wrap(text, font, size, width_of)
        if top - (len(lines) - 1) * leading >= bottom:
            break
    return size, leading, lines


def meta(licence: Licence, payload: str) -> pdfkit.Meta:
    # the signed QR text rides in the keywords too: readable without rendering the page
    return pdfkit.Meta(title=f"营业执照 {licence.company_name}", author=licence.authority, subject=licence.uscc,
                       keywords=[payload], created=licence.issued_at)


def render_licence(licence: Licence, public_base_url: str, signer=None, identity=None) -> bytes:
    """The licence PDF; with `identity` (kit.pki.Identity) PAdES-signed by the authority."""
    payload = qr_payload(licence, public_base_url, signer)
    data = _draw(licence, payload)
    if identity is None:
        return data
    return pdfsign.bureau_sign(data, meta(licence, payload), identity, licence.authority, SEAL_BOX,
                               reason=f"{licence.authority}核发营业执照")


def _draw(licence: Licence, payload: str) -> bytes:
    font = pdfkit.font()
    buffer = io.BytesIO()
    width, height = PAGE
    pdf = pdfkit.canvas(buffer, PAGE)
    pdf.setTitle(f"营业执照 {licence.company_name}")
    pdf.setAuthor(licence.authority)
    pdf.setSubject(licence.uscc)
    pdf.setKeywords(payload)

    # frame
    pdf.setStrokeColor(RED)
    pdf.setLineWidth(3)
    pdf.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm)

    # title and code
    pdf.setFillColor(RED)
    pdf.setFont(font, 40)
    pdf.drawCentredString(width / 2, height - 42 * mm, "营 业 执 照")
    pdf.setFont(font, 12)
    pdf.drawCentredString(width / 2, height - 51 * mm, "（电子营业执照）")
    pdf.setFillColor(HexColor("#000000"))
    pdf.setFont(font, 12)
    pdf.drawString(25 * mm, height - 35 * mm, "统一社会信用代码")
    pdf.setFont(font, 15)
    pdf.drawString(25 * mm, height - 43 * mm, licence.uscc)

    # QR code to the public verification page; the caption below its quiet zone
    qr = qr_layout(payload)
    _draw_qr(pdf, qr)
    pdf.setFont(font, CAPTION_SIZE)
    caption_y = qr.y - CAPTION_SIZE - 1
    pdf.drawCentredString(qr.x + qr.side / 2, caption_y, "扫描二维码核验本执照")

    # registered items: two columns, business scope in the right one
    size, leading = 12, 8 * mm
    left_x, right_x, top = 25 * mm, width / 2 + 5 * mm, height - 66 * mm
    label_w = 26 * mm
    left_items = [
        ("名　　称", licence.company_name),
        ("类　　型", licence.company_type),
        ("法定代表人", licence.legal_representative),
        ("注册资本", capital_text(licence.registered_capital)),
        ("成立日期", _chinese_date(licence.established_on)),
        ("营业期限", licence.term),
        ("住　　所", licence.domicile),
    ]
    y = top
    col_w = width / 2 - left_x - label_w - 5 * mm
    for label, value in left_items:
        pdf.setFont(font, size)
        pdf.drawString(left_x, y, label)
        for line in _wrap(value, font, size, col_w):
            pdf.drawString(left_x + label_w, y, line)
            y -= leading * 0.75
        y -= leading * 0.25
    pdf.drawString(right_x, top, "经营范围")
    scope_x = right_x + label_w
    clear_below = caption_y - 3 - GAP  # under the caption's descent, the scope takes the column's width

    def scope_width(line_top: float) -> float:
        return (qr.x - GAP if line_top > clear_below else width - 25 * mm) - scope_x

    scope_size, scope_leading, lines = _fit_scope(licence.business_scope, font, top, scope_width)
    pdf.setFont(font, scope_size)
    for index, line in enumerate(lines):
        pdf.drawString(scope_x, top - index * scope_leading, line)

    # authority, date, footer
    issued: datetime = licence.issued_at
    pdf.setFont(font, AUTHORITY_SIZE)
    pdf.drawRightString(DATE_RIGHT_X, AUTHORITY_Y, f"登记机关　{licence.authority}")
    pdf.drawRightString(DATE_RIGHT_X, DATE_Y, _chinese_date(licence.established_on))
    pdf.setFont(font, 9)
    pdf.drawString(25 * mm, 24 * mm, f"国家企业信用信息公示系统网址：{GSXT_URL}")
    pdf.drawString(25 * mm, 19 * mm, f"签发时间：{in_china(issued):%Y-%m-%d %H:%M:%S}（北京时间）")
    pdf.drawRightString(width - 25 * mm, 19 * mm, SUPERVISED_BY)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
