"""The certificate a unit bureau issues (kit.units): one page laid out the same way for the housing-fund
centre and the medical insurance bureau, its words and figures the bureau's.

The page: the title, the unit's facts, the heading and table of its active staff, the issue line
(`出具日期：…　　本证明由企业开办“一网通办”平台<issuer>出具。`), then the bureau's notes in small print.
With a signing identity the PDF is PAdES-signed by the bureau (kit.pdfsign), its round seal over the
issue date. The CJK font is embedded (kit.pdf); the PDF is deterministic for the same input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Spacer

from kit import pdf as pdfkit
from kit import pdfsign, pki

MARGIN = 16 * mm
ISSUED = "出具日期："


@dataclass(frozen=True)
class Layout:
    """A bureau's certificate: its title, the agency that signs it, how the platform names it on the
    issue line, its paragraph styles' prefix and body size, and the widths of its two tables."""

    title: str
    agency: str
    issuer: str
    styles: str
    fact_widths: tuple[float, float]
    staff_widths: tuple[float, ...]
    body_size: float = 10

    @property
    def paragraph(self):
        return pdfkit.paragraphs(self.styles, body_size=self.body_size)


def render(layout: Layout, unit: Any, issued_on: date, facts: Sequence[tuple[str, Any]], staff_heading: str,
           staff: Sequence[Sequence[Any]], notes: Sequence[str], identity: pki.Identity | None = None) -> bytes:
    """`staff`: the table's header row, then a row per active employee; `notes`: the small print."""
    data, (page, _, y) = _draw(layout, issued_on, facts, staff_heading, staff, notes)
    if identity is None:
        return data
    size = layout.body_size
    date_x = MARGIN + stringWidth(ISSUED, pdfkit.font(), size) + stringWidth(issued_on.isoformat(), pdfkit.font(), size) / 2
    meta = pdfkit.Meta(f"{layout.title} {unit.company_name}", layout.agency, unit.uscc)
    return pdfsign.bureau_sign(data, meta, identity, layout.agency,
                               pdfsign.seal_box(page, date_x, y + 3 * mm, 42 * mm),
                               reason=f"{layout.agency}出具{layout.title}")


def _draw(layout: Layout, issued_on: date, facts: Sequence[tuple[str, Any]], staff_heading: str,
          staff: Sequence[Sequence[Any]], notes: Sequence[str]):
    p = layout.paragraph
    buffer = BytesIO()
    doc = pdfkit.doc_template(buffer, A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=18 * mm,
                              bottomMargin=18 * mm, title=layout.title, author=layout.agency)
    date_line = pdfkit.anchor()
    story: list[Any] = [
        p(layout.title, "title"), Spacer(1, 6 * mm),
        pdfkit.grid([[p(k), p(v)] for k, v in facts], list(layout.fact_widths)),
        Spacer(1, 6 * mm), p(staff_heading), Spacer(1, 2 * mm),
        pdfkit.grid([[p(c) for c in row] for row in staff], list(layout.staff_widths), header=True),
        Spacer(1, 8 * mm), p(f"{ISSUED}{issued_on.isoformat()}　　本证明由企业开办“一网通办”平台{layout.issuer}出具。"),
        date_line,
        *(p(note, "small") for note in notes),
    ]
    doc.build(story)
    return buffer.getvalue(), date_line.at
