"""What every PDF OneStop issues has in common: an embedded CJK font, XMP metadata and the PDF/A-2b
parts reportlab cannot write itself.

Font: AR PL UMing (Debian `fonts-arphic-uming`, a 明体/宋体-style serif with TrueType outlines, which
reportlab needs: the Noto CJK fonts are CFF and reportlab cannot embed them). reportlab subsets it and
embeds the subset (`pdffonts`: emb yes), so poppler viewers without `poppler-data` show the text;
reportlab's built-in `STSong-Light` is a non-embedded CID font and rendered as blank pages there.

PDF/A-2b: reportlab (open source) writes neither XMP nor an output intent. `archive()` adds both in an
incremental update through pyHanko's writer (which the signature then extends): XMP with
`pdfaid:part=2, conformance=B` and the document's title/author/subject/keywords/dates, and an sRGB
output intent (profile made by Pillow's littleCMS). What is NOT checked here: no veraPDF run (not in
Debian); reportlab's TrueType subsets are simple fonts with a custom encoding and ToUnicode maps,
which validators usually accept but we have not proven.
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

FONT_ENV = "ONESTOP_PDF_FONT"
DEFAULT_FONT = "/usr/share/fonts/truetype/arphic/uming.ttc"  # Debian fonts-arphic-uming
DEBIAN_PACKAGE = "fonts-arphic-uming"
FONT = "OneStopSerif"
_lock = threading.Lock()


class FontMissing(RuntimeError):
    """The CJK font every PDF embeds is not installed."""


def font_path() -> Path:
    return Path(os.environ.get(FONT_ENV, DEFAULT_FONT))


def font() -> str:
    """The registered reportlab name of the embedded CJK font (registered once per process)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            path = font_path()
            if not path.is_file():
                raise FontMissing(f"PDF font {path} is missing: install Debian package {DEBIAN_PACKAGE} "
                                  f"(`make fonts`) or point ${FONT_ENV} at a TrueType CJK font")
            # subfont 0 of the collection is "AR PL UMing CN" (simplified-Chinese glyph forms)
            pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    return FONT


@dataclass(frozen=True)
class Meta:
    """What a reader's document properties show (and XMP repeats)."""

    title: str
    author: str
    subject: str = ""
    keywords: list[str] = field(default_factory=list)
    created: datetime | None = None


CREATOR = "OneStop 企业开办一网通办"


@cache
def _srgb_profile() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def archive(pdf: bytes, meta: Meta):
    """An incremental writer over `pdf` carrying XMP (PDF/A-2b identification) and an sRGB output
    intent; the caller signs through it or writes it out (`to_bytes`)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import NS, ExpandedName, XmpStructure, XmpValue

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    doc = writer.document_meta
    doc.title, doc.author, doc.subject = meta.title, meta.author, meta.subject
    doc.keywords, doc.creator, doc.created = list(meta.keywords), CREATOR, meta.created or "now"
    doc.xmp_extra = [XmpStructure.of(
        (ExpandedName(NS["pdfaid"], "part"), XmpValue("2")),
        (ExpandedName(NS["pdfaid"], "conformance"), XmpValue("B")),
    )]
    profile = generic.StreamObject({generic.NameObject("/N"): generic.NumberObject(3)},
                                   stream_data=_srgb_profile())
    profile.compress()
    intent = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/OutputIntent"),
        generic.NameObject("/S"): generic.NameObject("/GTS_PDFA1"),
        generic.NameObject("/OutputConditionIdentifier"): generic.TextStringObject("sRGB"),
        generic.NameObject("/Info"): generic.TextStringObject("sRGB IEC61966-2.1"),
        generic.NameObject("/DestOutputProfile"): writer.add_object(profile),
    })
    writer.root[generic.NameObject("/OutputIntents")] = generic.ArrayObject([writer.add_object(intent)])
    writer.update_root()
    return writer


def to_bytes(writer) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def canvas(buffer, pagesize):
    """A reportlab canvas whose every font is the embedded one (never the non-embedded Helvetica
    reportlab starts with), deterministic (`invariant`: no random id or build time in the file)."""
    from reportlab.pdfgen.canvas import Canvas

    return Canvas(buffer, pagesize=pagesize, initialFontName=font(), invariant=1)


def doc_template(buffer, pagesize, **kwargs):
    """A platypus document with the same guarantees as `canvas`."""
    from reportlab.platypus import SimpleDocTemplate

    return SimpleDocTemplate(buffer, pagesize=pagesize, initialFontName=font(), invariant=1, **kwargs)


def anchor():
    """A zero-size platypus flowable that remembers where it landed: put it right after the line a
    seal must cover, then `anchor.at` is (page index, x, y) in points from the page's bottom-left."""
    from reportlab.platypus import Flowable

    class Anchor(Flowable):
        at: tuple[int, float, float] | None = None

        def wrap(self, available_width, available_height):
            return 0, 0

        def draw(self):
            x, y = self.canv.absolutePosition(0, 0)
            self.at = (self.canv.getPageNumber() - 1, x, y)

    return Anchor()


def grid(rows: list[list], widths: list[float], header: bool = False):
    """A certificate's ruled table in the embedded font; `header`: the first row shaded and repeated."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("FONTNAME", (0, 0), (-1, -1), font())]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)))
    table.setStyle(TableStyle(style))
    return table


def paragraphs(prefix: str, body_size: float = 10):
    """A certificate's paragraph maker in the embedded font: `p(text, "title"|"body"|"small")`."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    styles = {
        "title": ParagraphStyle(f"{prefix}-title", fontName=font(), fontSize=18, leading=26, alignment=1),
        "body": ParagraphStyle(f"{prefix}-body", fontName=font(), fontSize=body_size, leading=body_size * 1.5),
        "small": ParagraphStyle(f"{prefix}-small", fontName=font(), fontSize=8.5, leading=12, textColor=colors.grey),
    }

    def p(text, style: str = "body"):
        return Paragraph(str(text), styles[style])

    return p
