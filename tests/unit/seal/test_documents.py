"""Seal impressions and the filing certificate, parsed back the way a reader would see them."""

import io
import math
from datetime import UTC, datetime

import pytest
from PIL import Image
from pypdf import PdfReader

from contracts.form import SealKind
from services.seal import documents, domain
from tests.unit.seal.factories import COMPANY, REP_ID, USCC, licence_issued

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def seal_set():
    event = licence_issued(kinds=list(SealKind), issued_at=NOW)
    codes = [domain.seal_code("420111", i) for i in range(1, 6)]
    return domain.new_seal_set(event, codes, NOW)[0]


def png(seal_set, kind):
    seal = next(s for s in seal_set.seals if s.kind is kind)
    return Image.open(io.BytesIO(documents.render_seal(seal_set, seal)))


def is_red(pixel):
    r, g, b, a = pixel
    return a > 200 and r > 180 and g < 90 and b < 90


def share_red(image, points):
    return sum(is_red(image.getpixel(p)) for p in points) / len(points)


def circle(radius, n=72, c=300):
    return [(round(c + radius * math.cos(2 * math.pi * i / n)), round(c + radius * math.sin(2 * math.pi * i / n)))
            for i in range(n)]


@pytest.mark.parametrize("kind", [SealKind.company, SealKind.finance, SealKind.contract])
def test_round_seal_is_a_red_ring_with_a_star_on_a_transparent_ground(seal_set, kind):
    image = png(seal_set, kind)
    assert image.format == "PNG" and image.size == (600, 600) and image.mode == "RGBA"
    assert share_red(image, circle(280)) == 1.0  # the ring is closed
    assert is_red(image.getpixel((300, 300)))  # the star's centre
    assert image.getpixel((2, 2))[3] == 0 and image.getpixel((300, 2))[3] == 0  # outside the seal
    assert share_red(image, circle(200)) < 0.5  # inside the ring is mostly paper


def test_special_seals_carry_their_purpose_under_the_star(seal_set):
    company, finance = png(seal_set, SealKind.company), png(seal_set, SealKind.finance)
    label_band = [(x, y) for x in range(180, 420, 3) for y in range(410, 455, 3)]
    assert share_red(company, label_band) == 0
    assert share_red(finance, label_band) > 0.05


def test_invoice_seal_is_an_oval_with_the_taxpayer_id(seal_set):
    image = png(seal_set, SealKind.invoice)
    assert image.size == (600, 600)
    assert is_red(image.getpixel((20, 300))) and is_red(image.getpixel((580, 300)))  # the oval's ends
    assert image.getpixel((300, 20))[3] == 0  # above the oval, where a round seal has its ring
    uscc_band = [(x, y) for x in range(140, 460, 2) for y in range(310, 342, 2)]
    assert share_red(image, uscc_band) > 0.05


def test_name_seal_is_square(seal_set):
    image = png(seal_set, SealKind.legal_representative)
    corners = [(50, 50), (550, 50), (50, 550), (550, 550)]
    assert all(is_red(image.getpixel(p)) for p in corners)
    assert image.getpixel((20, 20))[3] == 0


def test_rendering_is_deterministic(seal_set):
    seal = seal_set.seals[0]
    assert documents.render_seal(seal_set, seal) == documents.render_seal(seal_set, seal)


def test_certificate_lists_company_and_every_code(seal_set):
    data = documents.render_certificate(seal_set)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert COMPANY in text and USCC in text
    for seal in seal_set.seals:
        assert seal.code in text
    assert "财务专用章" in text and "电子印章" in text and "武汉市公安局洪山区分局" in text
    assert "印章制作单位" in text and domain.ELECTRONIC_MAKER in text.replace("\n", "")
    assert REP_ID not in text
    images = sum(len(page.images) for page in reader.pages)
    assert images == 5
    assert documents.render_certificate(seal_set) == data  # same data, same file


def test_a_missing_font_is_a_clear_error(seal_set, monkeypatch):
    monkeypatch.setenv(documents.FONT_ENV, "/nonexistent/font.ttc")
    documents._font.cache_clear()
    try:
        with pytest.raises(documents.SealFontMissing, match="fonts-wqy-zenhei"):
            documents.render_seal(seal_set, seal_set.seals[0])
    finally:
        documents._font.cache_clear()
