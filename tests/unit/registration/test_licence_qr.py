"""The licence's QR code scans for every company the form allows, off the whole page the way a scanner
sees it: rendered by poppler at 150 dpi and at 100 dpi (a cheap office scanner), decoded by zbar.

The payload is the verification URL plus the signed OSL1 token (signing.py), whose length follows the
company name, the legal representative, the capital and the authority: a long name pushes the QR version
up (more modules), and at a fixed printed size each module shrinks under what a scanner resolves. The
sweep is seeded and always includes the longest payload the form's bounds allow (contracts/form.py)."""

from __future__ import annotations

import io
import random
import re
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

import pytest
from annotated_types import MaxLen
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from pyzbar.pyzbar import decode
from reportlab.lib.units import mm

from contracts import scope
from contracts.codes import USCC_CHARSET, make_uscc
from contracts.events import Licence
from contracts.form import CompanyName, PersonName
from services.registration import documents, signing

SEED = 20261203
SWEEP = 10  # random companies on top of the longest one; the whole module stays well under 20 s
DPIS = (150, 100)
BASE_URL = "https://onestop.test"
AUTHORITIES = ("武汉市武昌区市场监督管理局", "武汉临空港经济技术开发区市场监督管理局")  # the shortest and the longest
HAN = [chr(c) for c in range(0x4E00, 0x9FA6)]


def max_length(metadata) -> int:
    return next(m.max_length for m in metadata if isinstance(m, MaxLen))


# the form's bounds: division + trade name + industry + organisation form, and （） around the division
LONGEST_NAME = sum(max_length(CompanyName.model_fields[part].metadata)
                   for part in ("division", "trade_name", "industry", "organisation_form")) + 2
LONGEST_PERSON = max_length(PersonName.__metadata__[0].metadata)
LARGEST_CAPITAL = Decimal("9999999999999.99")  # Money: 15 digits, 2 after the point


@cache
def signer() -> signing.Signer:
    return signing.Signer(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))


def licence(rng: random.Random, name: int, person: int, capital: Decimal, authority: str) -> Licence:
    han = "".join(rng.choice(HAN) for _ in range(name + person + 200))
    codes = rng.sample(sorted(scope.catalogue()), rng.randint(1, len(scope.catalogue())))
    body = "MA" + "".join(rng.choice(USCC_CHARSET) for _ in range(6))
    return Licence(uscc=make_uscc("420106", body), company_name=han[:name], company_type="有限责任公司（自然人独资）",
                   legal_representative=han[name:name + person], registered_capital=capital,
                   established_on=date(2026, 12, 3), term="长期", domicile=han[-rng.randint(4, 200):],
                   district_code="420106", business_scope=scope.describe(codes), authority=authority,
                   issued_at=datetime(2026, 12, 3, 2, 0, tzinfo=UTC))


def companies() -> list[Licence]:
    rng = random.Random(SEED)
    longest = licence(rng, LONGEST_NAME, LONGEST_PERSON, LARGEST_CAPITAL, AUTHORITIES[1])
    return [longest] + [
        licence(rng, rng.randint(2, 30), rng.randint(2, 4), Decimal(rng.randint(100, 10**12)) / 100,
                rng.choice(AUTHORITIES))
        for _ in range(SWEEP)]


@pytest.fixture(scope="module")
def rendered() -> list[tuple[str, bytes]]:
    return [(payload, documents.render_licence(lic, BASE_URL, signer()))
            for lic in companies() for payload in [documents.qr_payload(lic, BASE_URL, signer())]]


def page(pdf: bytes, dpi: int) -> Image.Image:
    out = subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-singlefile", "-"], input=pdf, capture_output=True,
                         check=True, timeout=30).stdout
    return Image.open(io.BytesIO(out))


def test_the_sweep_reaches_the_longest_payload_the_form_allows(rendered):
    lengths = [len(payload) for payload, _ in rendered]
    assert lengths[0] == max(lengths) and lengths[0] > 700, lengths
    assert min(lengths) < 420  # and the everyday short names


@pytest.mark.parametrize("dpi", DPIS)
def test_the_qr_code_scans_off_the_whole_page(rendered, dpi, capsys):
    failed = []
    for payload, pdf in rendered:
        box = documents.qr_layout(payload)
        found = [code.data.decode() for code in decode(page(pdf, dpi))]
        line = (f"len={len(payload)} version={box.version} module={box.module / mm:.2f} mm "
                f"= {box.module / 72 * dpi:.2f} px at {dpi} dpi: {'ok' if found == [payload] else found}")
        with capsys.disabled():
            print(line)
        if found != [payload]:
            failed.append(line)
    assert not failed, f"{len(failed)} of {len(rendered)} licences do not scan at {dpi} dpi:\n" + "\n".join(failed)


def test_nothing_is_drawn_in_the_quiet_zone(rendered):
    """The 4 white modules around the code are where a scanner finds the code's edge: the caption, the
    frame and the business scope flowing beside the code stay out of them."""
    dpi = 150
    scale = dpi / 72
    for payload, pdf in rendered:
        qr = documents.qr_layout(payload)
        image = page(pdf, dpi)
        height = image.height / scale
        quiet = documents.QR_QUIET * qr.module
        left, right = qr.x * scale, (qr.x + qr.side) * scale
        top, bottom = (height - qr.y - qr.side) * scale, (height - qr.y) * scale
        inner = quiet * scale - 1  # a pixel of the code's own anti-aliased edge is not an intrusion
        strips = {"top": (left, top, right, top + inner), "bottom": (left, bottom - inner, right, bottom),
                  "left": (left, top, left + inner, bottom), "right": (right - inner, top, right, bottom)}
        for side, box in strips.items():
            darkest = image.crop(tuple(round(v) for v in box)).getextrema()[0]
            assert darkest > 200, f"len={len(payload)}: ink in the quiet zone's {side} strip ({darkest})"


def words(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    """poppler's words with their boxes (points, top-left origin)."""
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True,
                          timeout=30).stdout.decode()
    return [(m.group(5), *(float(m.group(i)) for i in range(1, 5))) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


def test_the_longest_scope_beside_the_largest_code_ends_above_the_authority():
    """The code grows with a long name and the scope beside it is narrowed: every catalogue item still
    ends above 登记机关 (the scope's last words are its fixed closing sentence)."""
    longest = companies()[0].model_copy(update={"business_scope": scope.describe(sorted(scope.catalogue()))})
    found = words(documents.render_licence(longest, BASE_URL, signer()))
    authority_top = min(y0 for text, x0, y0, x1, y1 in found if "登记机关" in text)
    scope_bottom = max(y1 for text, x0, y0, x1, y1 in found if "经营活动" in text)
    assert scope_bottom < authority_top, (scope_bottom, authority_top)
