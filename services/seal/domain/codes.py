"""Seal codes (DOMAIN.md §13: our own convention, so it lives in this ONE module) and the USCC check."""

from __future__ import annotations

import re
from typing import Any

from contracts.codes import is_valid_uscc
from contracts.rpc import FieldError, Invalid

SEAL_CODE_RE = re.compile(r"^\d{13}$")
SEQUENCE_DIGITS = 7


def seal_code(district_code: str, sequence: int) -> str:
    """13 digits: the 6-digit district (GB/T 2260) + a 7-digit per-district sequence from a counter."""
    if not re.fullmatch(r"\d{6}", district_code or ""):
        raise ValueError(f"district code must be 6 digits: {district_code!r}")
    if not 1 <= sequence < 10**SEQUENCE_DIGITS:
        raise ValueError(f"seal sequence {sequence} is outside 1..{10**SEQUENCE_DIGITS - 1}: district exhausted")
    return f"{district_code}{sequence:0{SEQUENCE_DIGITS}d}"


def is_seal_code(code: Any) -> bool:
    return isinstance(code, str) and bool(SEAL_CODE_RE.match(code))


def check_seal_code(code: Any) -> str:
    if not is_seal_code(code):
        raise Invalid.with_fields("印章编码应为13位数字", [FieldError(field="code", message="印章编码应为13位数字")])
    return code


def check_uscc(uscc: Any) -> str:
    if not isinstance(uscc, str) or not is_valid_uscc(uscc):
        raise Invalid.with_fields(
            "统一社会信用代码无效", [FieldError(field="uscc", message="统一社会信用代码无效：请核对18位代码及校验码")]
        )
    return uscc
