"""Which characters a name or a line of text may contain.

A name typed into the form reaches the licence, the seal, the tax record and the public verification
page. Bidirectional controls (U+202E turns "公司ABC" into "CBA司公" on screen), zero-width characters
(two names that look identical but differ), control characters, private-use code points, lone
surrogates (which cannot even be encoded as UTF-8 and used to fail deep inside an RPC) and unassigned
code points are therefore refused at the edge, each with a field error:

- `VisibleText`: any visible characters and the plain space; nothing invisible or unencodable.
- `PersonName`: a natural person's name as on the resident identity card: 规范汉字 (CJK unified
  ideographs, every extension: rare name characters live there; not the compatibility ideographs,
  which are duplicates), with the middle dot "·" between parts of a minority or transliterated name
  (买买提·艾力). No Latin letters, digits, spaces or punctuation.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}  # control, format (bidi, zero-width), private, ...
MIDDLE_DOT = "\u00b7"
LOOKALIKE_DOTS = "\u2022\u2027\u30fb\u0387\u16eb\u2219\u22c5\u318d\uff65"  # typed for "·" by mistake


def invisible_character(value: str) -> str | None:
    """The first character that must not be there, as "U+XXXX", or None."""
    for char in value:
        category = unicodedata.category(char)
        if category in INVISIBLE or (category == "Zs" and char != " "):
            return f"U+{ord(char):04X}"
    return None


def is_han(char: str) -> bool:
    if char == "\u3007":  # 〇, used in names
        return True
    return unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH")


def person_name_problem(value: str) -> str | None:
    bad = invisible_character(value)
    if bad:
        return f"姓名中含有不可见字符或控制字符（{bad}），请删除后重新输入"
    if any(dot in value for dot in LOOKALIKE_DOTS):
        return "少数民族或外文译名的间隔号请使用“·”"
    parts = value.split(MIDDLE_DOT)
    if not all(parts) or not all(is_han(c) for part in parts for c in part):
        return "姓名只能使用规范汉字（少数民族姓名各部分之间可用间隔号“·”），不能含字母、数字、空格或符号"
    return None


def _visible(value: str) -> str:
    bad = invisible_character(value)
    if bad:
        raise PydanticCustomError("invisible_character", "不能含有不可见字符、双向控制符或控制字符（{bad}）",
                                  {"bad": bad})
    return value


def _person_name(value: str) -> str:
    problem = person_name_problem(value)
    if problem:
        raise PydanticCustomError("person_name", problem)
    return value


VisibleText = Annotated[str, AfterValidator(_visible)]
PersonName = Annotated[str, Field(min_length=2, max_length=40), AfterValidator(_person_name)]
