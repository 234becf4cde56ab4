"""Drawing seal impressions (印模) as ink masks: text along arcs, the star, squeezed lines, in red.

Shared by the seal bureau (the company's seals) and every bureau that signs a document (its own round
seal is the visible signature). The font is WenQuanYi Zen Hei (Debian `fonts-wqy-zenhei`), bold
enough for engraved strokes; `SEAL_FONT` points elsewhere.
"""

from __future__ import annotations

import io
import math
import os
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_ENV = "SEAL_FONT"
DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # Debian fonts-wqy-zenhei
SIZE = 600
INK = (218, 24, 32)  # 印泥红


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


def stroke(height: int) -> int:
    """Engraved strokes are bolder than the screen font: thicken in proportion to the glyph size."""
    return max(1, height // 30)


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(check_font()), size)




def star(draw: ImageDraw.ImageDraw, centre: tuple[float, float], radius: float) -> None:
    cx, cy = centre
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382  # golden-ratio inner radius of a regular star
        angle = math.radians(-90 + 36 * i)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=255)


def glyph(char: str, height: int, width_factor: float = 1.0) -> Image.Image:
    """One character as an ink mask, optionally narrowed the way seal engravers fit long names."""
    box = int(height * 1.3)
    glyph = Image.new("L", (box, box), 0)
    ImageDraw.Draw(glyph).text((box / 2, box / 2), char, font=font(height), fill=255, anchor="mm",
                               stroke_width=stroke(height), stroke_fill=255)
    if width_factor < 0.999:
        glyph = glyph.resize((max(1, int(box * width_factor)), box), Image.Resampling.LANCZOS)
    return glyph


def stamp(ink: Image.Image, glyph: Image.Image, centre: tuple[float, float]) -> None:
    x = int(round(centre[0] - glyph.width / 2))
    y = int(round(centre[1] - glyph.height / 2))
    ink.paste(255, (x, y, x + glyph.width, y + glyph.height), mask=glyph)


def centred_text(ink: Image.Image, text: str, centre: tuple[float, float], height: int, max_width: int) -> None:
    face = font(height)
    width = face.getlength(text)
    if width > max_width:  # squeeze horizontally rather than shrink, as engravers do
        layer = Image.new("L", (int(width) + 8, int(height * 1.4)), 0)
        ImageDraw.Draw(layer).text((layer.width / 2, layer.height / 2), text, font=face, fill=255, anchor="mm",
                                   stroke_width=stroke(height), stroke_fill=255)
        layer = layer.resize((max_width, layer.height), Image.Resampling.LANCZOS)
        stamp(ink, layer, centre)
    else:
        ImageDraw.Draw(ink).text(centre, text, font=face, fill=255, anchor="mm", stroke_width=stroke(height),
                                 stroke_fill=255)


def arc_text(ink: Image.Image, text: str, radii: tuple[float, float], span_deg: float, height: int,
              top: bool) -> None:
    """Text along the upper arc (read clockwise, glyph tops outward) or the lower arc (read left to
    right, glyph tops inward) of an ellipse centred in the image, spaced evenly by arc length."""
    if not text:
        return
    a, b = radii
    mid = -90.0 if top else 90.0
    span_len = arc_length(a, b, mid - span_deg / 2, mid + span_deg / 2)
    pitch = min(span_len / len(text), height * 1.05)  # short texts keep natural spacing, centred
    size = min(height, int(pitch / 0.62))  # very long names: also lower the glyphs a little
    width_factor = min(1.0, pitch * 0.94 / size)
    direction = 1 if top else -1  # the lower arc reads left to right, i.e. counter-clockwise
    for i, char in enumerate(text):
        offset = (i + 0.5 - len(text) / 2) * pitch * direction
        theta = angle_at(a, b, mid, offset)
        x = SIZE / 2 + a * math.cos(theta)
        y = SIZE / 2 + b * math.sin(theta)
        normal = math.degrees(math.atan2(a * math.sin(theta), b * math.cos(theta)))
        turn = normal + 90 if top else normal - 90  # degrees clockwise from upright
        shape = glyph(char, size, width_factor).rotate(-turn, resample=Image.Resampling.BICUBIC, expand=True)
        stamp(ink, shape, (x, y))


def arc_length(a: float, b: float, start_deg: float, end_deg: float, steps: int = 720) -> float:
    t0, t1 = math.radians(start_deg), math.radians(end_deg)
    dt = (t1 - t0) / steps
    return sum(math.hypot(a * math.sin(t0 + (k + 0.5) * dt), b * math.cos(t0 + (k + 0.5) * dt)) * dt
               for k in range(steps))


def angle_at(a: float, b: float, mid_deg: float, offset: float) -> float:
    """The ellipse angle (radians) `offset` pixels of arc away from `mid_deg` (negative: backwards)."""
    theta, walked = math.radians(mid_deg), 0.0
    step = math.radians(0.05) * (1 if offset >= 0 else -1)
    while abs(walked) < abs(offset):
        walked += math.copysign(math.hypot(a * math.sin(theta), b * math.cos(theta)) * abs(step), offset)
        theta += step
    return theta


# ---- the filing certificate -----------------------------------------------------------------------


def ink(size: int = SIZE) -> Image.Image:
    """An empty ink mask: draw with 255; coloured once at the end, so edges stay red."""
    return Image.new("L", (size, size), 0)


def coloured(mask: Image.Image) -> Image.Image:
    """Red ink on a transparent background (RGBA)."""
    image = Image.new("RGBA", mask.size, (*INK, 0))
    image.putalpha(mask)
    return image


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def round_seal(name: str, purpose: str = "", code: str = "") -> Image.Image:
    """The usual round seal: ring, `name` along the upper arc, the star, `purpose` under the star,
    `code` small along the bottom arc."""
    mask = ink()
    c = SIZE / 2
    draw = ImageDraw.Draw(mask)
    draw.ellipse((12, 12, SIZE - 12, SIZE - 12), outline=255, width=16)
    arc_text(mask, name, radii=(222, 222), span_deg=250, height=72, top=True)
    star(draw, (c, c - 8), 92)
    if purpose:
        centred_text(mask, purpose, (c, c + 132), height=54, max_width=300)
    if code:
        arc_text(mask, code, radii=(246, 246), span_deg=52, height=26, top=False)
    return coloured(mask)
