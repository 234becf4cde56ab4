"""Company-name rules (企业名称登记管理规定): parse a full name, find banned words, compare with the register.

The word lists and the industry table come from data/ (read once); the vocabulary (NameParts, Problem,
NameCheck) and the comparison with register entries are pure and live in domain/names.py. The store asks the register for candidates with a few indexed lookups on the
normalised forms built by `name_keys`; `conflict_problems` then decides which candidates are identical
(an error) or similar (a warning that sends the case to a clerk).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jieba
from pypinyin import Style, lazy_pinyin

from contracts import scope
from contracts.codes import district_name, hubei_divisions
from contracts.form import CompanyName, division_name_error
from services.registration.domain.names import (  # noqa: F401 - the rules and their vocabulary, read as one
    ERROR,
    FORMER,
    WARNING,
    NameCheck,
    NameParts,
    Problem,
    conflict_problems,
)

jieba.setLogLevel(logging.WARNING)  # its dictionary loads once, quietly

DATA = Path(__file__).parent / "data"

# Longest first, so 股份有限公司 wins over 有限公司 and 有限责任公司 over 公司.
ORGANISATION_FORMS = ("股份有限公司", "有限责任公司", "股份公司", "有限公司")
# Wordings founders use that are not a company form under Company Law art. 7.
WRONG_FORMS = ("有限责任", "责任公司", "集团公司", "公司", "企业", "厂", "店", "中心")

_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9Ａ-Ｚａ-ｚ０-９]")

_BRACKETED = re.compile(r"^([\u4e00-\u9fff]+)（([\u4e00-\u9fff]+)）([\u4e00-\u9fff]*)$")


# ---- data --------------------------------------------------------------------------------------


@cache
def _rules() -> dict:
    return json.loads((DATA / "name_rules.json").read_text("utf-8"))


@cache
def banned_words() -> tuple[dict, ...]:
    # Longest first so 世界卫生组织 is reported rather than a shorter word inside it.
    return tuple(sorted(_rules()["words"], key=lambda w: -len(w["word"])))


@cache
def _industries() -> dict:
    return json.loads((DATA / "industries_gbt4754_2017.json").read_text("utf-8"))


@cache
def industry_wordings() -> dict[str, tuple[str, ...]]:
    """Industry wording a name may use -> the GB/T 4754-2017 divisions (大类) it stands for."""
    return {word: tuple(codes) for word, codes in _industries()["wordings"].items()}


@cache
def divisions() -> dict[str, str]:
    """GB/T 4754-2017 大类 code -> name."""
    return {row["code"]: row["name"] for row in _industries()["divisions"]}


@cache
def division_words() -> dict[str, str | None]:
    """Every division wording a name may start with -> its district code (None above district level).

    Bare district names (洪山, 洪山区) are here so a name using one parses, and art. 7 then refuses it.
    """
    words: dict[str, str | None] = {}
    for code, row in hubei_divisions().items():
        district = code if row["level"] == "district" else None
        for word in (row["name"], row["name"].rstrip("省市区")):
            words[word] = district
        if district:
            city = row["city"]
            for prefix in (city, city.removesuffix("市")):
                words[f"{prefix}{row['name']}"] = district
    return words


@cache
def other_meaning_divisions() -> frozenset[str]:
    """Division names that also mean something else, so may be a 字号 (规定 art. 8: 另有含义的除外)."""
    return frozenset(_rules()["divisions_with_other_meaning"]["words"])


def barred_until(ended_on: str) -> str:
    """The day a changed, deregistered or revoked name stops conflicting: 1 year on (规定 art. 17 (二)(三))."""
    years = _rules()["former_name_bar"]["years"]
    day = date.fromisoformat(ended_on)
    try:
        return day.replace(year=day.year + years).isoformat()
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28).isoformat()


@cache
def protected_names() -> tuple[dict, ...]:
    """Well-known brands a 字号 may not use without a link to their owner (data/protected_names.json:
    a DEMO list until the official 驰名商标 list is loaded; the file says where that comes from)."""
    return tuple(json.loads((DATA / "protected_names.json").read_text("utf-8"))["names"])


def brand_problems(parts: NameParts, linked: list[str] | tuple[str, ...] = ()) -> list[Problem]:
    """A 字号 containing a protected brand, unless `linked` (the corporate shareholders' USCCs and names)
    includes the brand's owner: its own subsidiary or joint venture may use it."""
    links = {x.strip() for x in linked if isinstance(x, str)}
    found = []
    for row in protected_names():
        if row["brand"] in parts.trade_name and not ({row["owner"], row.get("owner_uscc")} & links):
            found.append(Problem("protected_brand", ERROR,
                                 f"字号“{parts.trade_name}”使用了知名品牌“{row['brand']}”（权利人{row['owner']}），"
                                 f"与该品牌无关联的企业不得使用（可能使公众误认，企业名称登记管理规定第十一条）；"
                                 f"如该权利人是本公司股东，请在股东中如实填写该企业的名称和统一社会信用代码"))
    return found


def seed_names() -> list[dict]:
    return json.loads((DATA / "seed_names.json").read_text("utf-8"))["names"]


# ---- parsing -----------------------------------------------------------------------------------


def parse_name(full: str) -> tuple[NameParts | None, list[Problem]]:
    """Split 武汉楚天云启科技有限公司 into 武汉 + 楚天云启 + 科技 + 有限公司, or say what is wrong."""
    name = (full or "").strip()
    problems: list[Problem] = []
    if not name:
        return None, [Problem("empty", ERROR, "请填写企业名称")]
    if not _HAN.match(name.replace("（", "").replace("）", "")):
        problems.append(Problem("invalid_characters", ERROR,
                                "企业名称应使用规范汉字，不能含拼音、字母、数字、空格或其他符号"))
    form = next((f for f in ORGANISATION_FORMS if name.endswith(f)), None)
    if form is None:
        wrong = next((w for w in WRONG_FORMS if name.endswith(w)), "")
        said = f"“{wrong}”" if wrong else "缺少组织形式"
        problems.append(Problem("organisation_form", ERROR,
                                f"组织形式不符合公司法：{said}，应以“有限公司”“有限责任公司”"
                                f"“股份有限公司”或“股份公司”结尾"))
        body = name[: len(name) - len(wrong)]
    else:
        body = name[: -len(form)]
    bracketed = _BRACKETED.match(body)
    if bracketed:  # 字号（武汉）行业: the division in brackets after the 字号
        division, rest = bracketed.group(2), bracketed.group(1) + bracketed.group(3)
    else:
        division = next((d for d in sorted(division_words(), key=len, reverse=True) if body.startswith(d)), "")
        rest = body[len(division):]
    industry = next((w for w in sorted(industry_wordings(), key=len, reverse=True)
                     if rest.endswith(w) and len(rest) > len(w)), "")
    trade = rest[: len(rest) - len(industry)] if industry else rest
    if bracketed:
        trade = bracketed.group(1)
        industry = bracketed.group(3)
    parts = NameParts(division, trade, industry, form or "", bool(bracketed))
    problems.extend(trade_name_problems(trade))
    return parts, problems


def parts_of(name: CompanyName) -> NameParts:
    """The parts the founder declared on the form: the 字号 is theirs, never re-parsed from the full name."""
    return NameParts(name.division, name.trade_name, name.industry, name.organisation_form, name.division_in_brackets)


def trade_name_problems(trade: str) -> list[Problem]:
    if _LATIN_OR_DIGIT.search(trade):
        return [Problem("trade_name_not_chinese", ERROR, f"字号“{trade}”不能含拼音、字母或数字，请使用规范汉字")]
    if not _HAN.match(trade or "x"):
        return [Problem("trade_name_not_chinese", ERROR, f"字号“{trade}”只能使用规范汉字，不能含符号")]
    if len(trade) < 2:
        return [Problem("trade_name_too_short", ERROR, "字号应由两个以上汉字组成（行政区划、行业表述和组织形式之外）")]
    if trade in division_words() and trade not in other_meaning_divisions():
        return [Problem("trade_name_is_division", ERROR,
                        f"县级以上地方行政区划名称“{trade}”不得作为字号（企业名称登记管理规定第八条）")]
    if trade in industry_wordings():
        return [Problem("trade_name_is_industry", ERROR,
                        f"行业或者经营特点“{trade}”不得作为字号（企业名称登记管理规定第八条）")]
    return []


def words_of(part: str) -> list[str]:
    """The words of one part of a name (jieba's segmentation), so a word is matched, not a character run."""
    return jieba.lcut(part, HMM=False) if part else []


def word_problems(parts: NameParts) -> list[Problem]:
    """Banned and restricted words as words of the name's parts (字号, industry wording), one problem each.

    A part containing the characters of a country or an organ across two words (华美|国际) is not that name.
    The restricted 中国/中华/中央/全国/国家/国际 follow 规定 art. 12: heading the name they need the State
    Council; in the middle they must be an industry qualifier, i.e. sit in the industry wording.
    """
    found: list[Problem] = []
    for part, text in (("trade_name", parts.trade_name), ("industry", parts.industry)):
        words = words_of(text)
        for row in banned_words():
            if row["severity"] == "restricted":
                problem = _restricted(row["word"], row["reason"], part, text, heads=not parts.division)
                found.extend([problem] if problem else [])
            elif any(w == row["word"] or w.startswith(row["word"]) for w in words):  # 德国人 is 德国's word
                found.append(Problem("banned_word", ERROR, f"名称含有“{row['word']}”：{row['reason']}"))
    return found


def _restricted(word: str, reason: str, part: str, text: str, heads: bool) -> Problem | None:
    if word not in text or part == "industry" and len(text) > len(word):
        return None  # absent, or in the middle qualifying the industry (国际贸易): art. 12 para. 2
    if heads and text.startswith(word) and part == "trade_name":
        return Problem("restricted_word", ERROR, f"名称冠以“{word}”：{reason}")
    return Problem("restricted_word", ERROR,
                   f"名称中间含有“{word}”的，该字词应当是行业限定语（企业名称登记管理规定第十二条），不能用作字号")


def division_problems(parts: NameParts, district_code: str | None) -> list[Problem]:
    if parts.division and (message := division_name_error(parts.division)):
        return [Problem("division_form", ERROR, message)]
    if not district_code or not parts.division:
        return []
    named = division_words().get(parts.division)
    if named is not None and named != district_code:
        return [Problem("division_mismatch", ERROR,
                        f"名称中的行政区划“{parts.division}”与住所所在的{district_name(district_code)}不一致")]
    return []


def static_problems(name: str, district_code: str | None = None, linked: list[str] | tuple[str, ...] = (),
                    ) -> tuple[NameParts | None, list[Problem]]:
    """Everything that can be said about a full name (parsed) without looking at the register.
    `linked`: the corporate shareholders' USCCs and names (a protected brand's owner may use it)."""
    parts, problems = parse_name(name)
    if parts is not None:
        problems.extend(word_problems(parts))
        problems.extend(brand_problems(parts, linked))
        problems.extend(division_problems(parts, district_code))
    return parts, problems


def declared_problems(parts: NameParts, district_code: str | None = None,
                      linked: list[str] | tuple[str, ...] = ()) -> list[Problem]:
    """The same checks on the parts a founder declared (the form's own 字号 and industry wording)."""
    return [*trade_name_problems(parts.trade_name), *word_problems(parts), *brand_problems(parts, linked),
            *division_problems(parts, district_code)]


# ---- normalised forms and comparison ----------------------------------------------------------


def pinyin_key(text: str) -> str:
    """Toneless pinyin, syllables separated so 西安 (xi an) and 先 (xian) stay different."""
    return " ".join(lazy_pinyin(text, style=Style.NORMAL))


def substrings(text: str, min_len: int = 2) -> list[str]:
    return sorted({text[i:j] for i in range(len(text)) for j in range(i + min_len, len(text) + 1)})


def industry_divisions_of(parts: NameParts, scope_codes: list[str] | None) -> list[str]:
    """The name's industry as GB/T 4754-2017 divisions: its wording's, plus the business-scope items'."""
    codes = set(industry_wordings().get(parts.industry, ()))
    for code in scope_codes or ():
        row = scope.item(code)
        if row is not None and row.division:
            codes.add(row.division)
    return sorted(codes)


def name_keys(parts: NameParts, scope_codes: list[str] | None = None, authority: str | None = None) -> dict[str, Any]:
    """The normalised forms the register stores and indexes, one per comparison rule."""
    core = parts.trade_name + parts.industry
    return {
        "full": parts.full,
        "trade_name": parts.trade_name,
        "industry": parts.industry,
        # 不使用行业、经营特点表述 (art. 17): no wording, or one that names no industry (实业)
        "no_industry": not industry_wordings().get(parts.industry),
        "authority": authority,
        "core_key": core,  # same 字号 + industry wording (division and form do not matter)
        "chars_key": "".join(sorted(core)),  # the same words reordered
        "trade_pinyin": pinyin_key(parts.trade_name),
        "trade_substrings": substrings(parts.trade_name),
        "industry_groups": industry_divisions_of(parts, scope_codes),
    }

