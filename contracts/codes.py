"""Identification codes: Unified Social Credit Code (GB 32100-2015), organisation code (GB 11714),
resident identity number (GB 11643-1999) and Hubei administrative divisions (GB/T 2260)."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from importlib import resources

from contracts import clock

# GB 32100-2015: digits and capitals except I, O, Z, S, V; value = position in this string.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"

_USCC_RE = re.compile(rf"^[{USCC_CHARSET}]{{18}}$")
_ORG_BODY_RE = re.compile(r"^[0-9A-Z]{8}$")
_RESIDENT_ID_RE = re.compile(r"^\d{17}[\dX]$")


def uscc_check_char(first17: str) -> str:
    """The 18th character of a USCC, from its first 17."""
    if len(first17) != 17 or any(c not in USCC_CHARSET for c in first17):
        raise ValueError(f"not 17 USCC characters: {first17!r}")
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body: str) -> str:
    """The 9th character of an organisation code (GB 11714) from its 8-character body."""
    if not _ORG_BODY_RE.match(body):
        raise ValueError(f"not an 8-character organisation code body: {body!r}")
    total = sum(int(c, 36) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def is_valid_uscc(code: str) -> bool:
    """True when both the embedded organisation-code check and the USCC check pass."""
    if not isinstance(code, str) or not _USCC_RE.match(code):
        return False
    try:
        if org_code_check_char(code[8:16]) != code[16]:
            return False
    except ValueError:
        return False
    return uscc_check_char(code[:17]) == code[17]


def make_uscc(district_code: str, org_body: str, authority: str = "9", entity_type: str = "1") -> str:
    """Assemble a USCC: authority, type, division, organisation code (with its check), check char."""
    if not re.fullmatch(r"\d{6}", district_code):
        raise ValueError(f"district code must be 6 digits: {district_code!r}")
    first17 = f"{authority}{entity_type}{district_code}{org_body}{org_code_check_char(org_body)}"
    return first17 + uscc_check_char(first17)


MA_PREFIX = "MA"  # every post-2015 body we found starts so (e.g. 91420111MA4L0M8B46); shared/DOMAIN.md sec. 12
_BODY_DIGITS = 6
BODY_SEQUENCE_LIMIT = len(USCC_CHARSET) ** _BODY_DIGITS


def org_body_from_sequence(sequence: int) -> str:
    """An 8-character organisation-code body from a counter value: MA + 6 USCC characters (base 31).

    Real bodies are assigned by the national code centre (全国组织机构统一社会信用代码数据服务中心); ours come from
    an atomic counter, so each sequence number yields one body and one code, never repeated while it only grows.
    Only USCC characters are used, so the body fits positions 9-16 of a USCC.
    """
    if sequence < 0 or sequence >= BODY_SEQUENCE_LIMIT:
        raise ValueError("sequence out of range")
    digits = []
    for _ in range(_BODY_DIGITS):
        sequence, digit = divmod(sequence, len(USCC_CHARSET))
        digits.append(USCC_CHARSET[digit])
    return MA_PREFIX + "".join(reversed(digits))


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK[total % 11]


def resident_id_birth_date(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def is_valid_resident_id(number: str, today: date | None = None) -> bool:
    """GB 11643-1999: 18 characters, a real birth date not in the future, ISO 7064 MOD 11-2 check."""
    if not isinstance(number, str) or not _RESIDENT_ID_RE.match(number):
        return False
    born = resident_id_birth_date(number)
    if born is None or born.year < 1900 or born > (today or clock.china_today()):
        return False
    return resident_id_check_char(number[:17]) == number[17]


def mask_resident_id(number: str) -> str:
    """Show only the first 3 and last 4 characters: 420***********123X."""
    if not isinstance(number, str) or len(number) < 8:
        return "***"
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


# Structure, not the check digit: a mistyped ID is still personal data. Region codes start 1-8 and
# the birth date must look like one, so all-digit USCCs (which start with 9 or 1 + type) stay readable.
RESIDENT_ID_PATTERN = re.compile(
    r"(?<![0-9A-Z])[1-8]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX](?![0-9A-Z])"
)


def mask_resident_ids_in_text(text: str) -> str:
    """Mask every 18-character resident ID number that appears in free text (logs)."""
    return RESIDENT_ID_PATTERN.sub(lambda m: mask_resident_id(m.group(0)), text)


@cache
def hubei_divisions() -> dict[str, dict]:
    """GB/T 2260 codes for Hubei that OneStop serves: {code: {name, city, level}}."""
    raw = resources.files("contracts.data").joinpath("regions_hubei.json").read_text("utf-8")
    return {row["code"]: row for row in json.loads(raw)["divisions"]}


def district_name(code: str) -> str | None:
    row = hubei_divisions().get(code)
    return row["name"] if row else None


def is_known_district(code: str) -> bool:
    row = hubei_divisions().get(code)
    return bool(row) and row["level"] == "district"
