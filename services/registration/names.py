"""Company-name rules (企业名称登记管理规定): parse a full name, find banned words, compare with the register.

Pure functions, no I/O. The store asks the register for candidates with a few indexed lookups on the
normalised forms built by `name_keys`; `conflict_problems` then decides which candidates are identical
(an error) or similar (a warning that sends the case to a clerk).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pypinyin import Style, lazy_pinyin

from contracts import scope
from contracts.codes import district_name, hubei_divisions

DATA = Path(__file__).parent / "data"

# Longest first, so 股份有限公司 wins over 有限公司 and 有限责任公司 over 公司.
ORGANISATION_FORMS = ("股份有限公司", "有限责任公司", "股份公司", "有限公司")
# Wordings founders use that are not a company form under Company Law art. 7.
WRONG_FORMS = ("有限责任", "责任公司", "集团公司", "公司", "企业", "厂", "店", "中心")

_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9Ａ-Ｚａ-ｚ０-９]")

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class NameParts:
    division: str
    trade_name: str
    industry: str
    organisation_form: str

    @property
    def full(self) -> str:
        return f"{self.division}{self.trade_name}{self.industry}{self.organisation_form}"

    def as_dict(self) -> dict[str, str]:
        return {"division": self.division, "trade_name": self.trade_name, "industry": self.industry,
                "organisation_form": self.organisation_form}


@dataclass(frozen=True)
class Problem:
    code: str
    severity: str  # "error" | "warning"
    message: str  # Chinese, for the founder
    conflicts: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "conflicts": list(self.conflicts)}


@dataclass(frozen=True)
class NameCheck:
    name: str
    parts: NameParts | None
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "name": self.name, "parts": self.parts.as_dict() if self.parts else None,
                "problems": [p.as_dict() for p in self.problems]}


# ---- data --------------------------------------------------------------------------------------


@cache
def _rules() -> dict:
    return json.loads((DATA / "name_rules.json").read_text("utf-8"))


@cache
def banned_words() -> tuple[dict, ...]:
    # Longest first so 世界卫生组织 is reported rather than a shorter word inside it.
    return tuple(sorted(_rules()["words"], key=lambda w: -len(w["word"])))


@cache
def industry_groups() -> dict[str, str]:
    """Industry wording -> its group ("网络科技" -> "科技"); same group = same industry."""
    return {word: group for group, words in _rules()["industry_groups"].items() for word in words}


@cache
def division_words() -> dict[str, str | None]:
    """Every division wording a name may start with -> its district code (None above district level)."""
    words: dict[str, str | None] = {}
    for code, row in hubei_divisions().items():
        short = row["name"].rstrip("省市区")
        district = code if row["level"] == "district" else None
        words[row["name"]] = district
        words[short] = district
    return words


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
    division = next((d for d in sorted(division_words(), key=len, reverse=True) if body.startswith(d)), "")
    rest = body[len(division):]
    industry = next((w for w in sorted(industry_groups(), key=len, reverse=True)
                     if rest.endswith(w) and len(rest) > len(w)), "")
    trade = rest[: len(rest) - len(industry)] if industry else rest
    parts = NameParts(division, trade, industry, form or "")
    problems.extend(trade_name_problems(trade))
    return parts, problems


def trade_name_problems(trade: str) -> list[Problem]:
    if _LATIN_OR_DIGIT.search(trade):
        return [Problem("trade_name_not_chinese", ERROR, f"字号“{trade}”不能含拼音、字母或数字，请使用规范汉字")]
    if not _HAN.match(trade or "x"):
        return [Problem("trade_name_not_chinese", ERROR, f"字号“{trade}”只能使用规范汉字，不能含符号")]
    if len(trade) < 2:
        return [Problem("trade_name_too_short", ERROR, "字号应由两个以上汉字组成（行政区划、行业表述和组织形式之外）")]
    if trade in division_words():
        return [Problem("trade_name_is_division", ERROR, f"字号不能使用行政区划名称“{trade}”")]
    return []


def word_problems(name: str) -> list[Problem]:
    """Banned and restricted words anywhere in the name, one problem per word with its reason."""
    found: list[Problem] = []
    covered: set[int] = set()
    for row in banned_words():
        start = name.find(row["word"])
        if start < 0 or start in covered:
            continue
        covered.update(range(start, start + len(row["word"])))
        code = "restricted_word" if row["severity"] == "restricted" else "banned_word"
        found.append(Problem(code, ERROR, f"名称含有“{row['word']}”：{row['reason']}"))
    return found


def division_problems(parts: NameParts, district_code: str | None) -> list[Problem]:
    if not district_code or not parts.division:
        return []
    named = division_words().get(parts.division)
    if named is not None and named != district_code:
        return [Problem("division_mismatch", ERROR,
                        f"名称中的行政区划“{parts.division}”与住所所在的{district_name(district_code)}不一致")]
    return []


def static_problems(name: str, district_code: str | None = None) -> tuple[NameParts | None, list[Problem]]:
    """Everything that can be said about a name without looking at the register."""
    parts, problems = parse_name(name)
    problems.extend(word_problems(name))
    if parts is not None:
        problems.extend(division_problems(parts, district_code))
    return parts, problems


# ---- normalised forms and comparison ----------------------------------------------------------


def pinyin_key(text: str) -> str:
    """Toneless pinyin, syllables separated so 西安 (xi an) and 先 (xian) stay different."""
    return " ".join(lazy_pinyin(text, style=Style.NORMAL))


def substrings(text: str, min_len: int = 2) -> list[str]:
    return sorted({text[i:j] for i in range(len(text)) for j in range(i + min_len, len(text) + 1)})


def industry_groups_of(parts: NameParts, scope_codes: list[str] | None) -> list[str]:
    """The name's industry: its wording's group, plus the groups of the business-scope items."""
    groups = {industry_groups().get(parts.industry)} if parts.industry else set()
    for code in scope_codes or ():
        row = scope.item(code)
        if row is not None:
            groups.add(industry_groups().get(row.name_keyword, row.name_keyword))
    return sorted(g for g in groups if g)


def name_keys(parts: NameParts, scope_codes: list[str] | None = None) -> dict[str, Any]:
    """The normalised forms the register stores and indexes, one per comparison rule."""
    core = parts.trade_name + parts.industry
    return {
        "full": parts.full,
        "trade_name": parts.trade_name,
        "industry": parts.industry,
        "core_key": core,  # same 字号 + industry wording (division and form do not matter)
        "chars_key": "".join(sorted(core)),  # the same words reordered
        "trade_pinyin": pinyin_key(parts.trade_name),
        "trade_substrings": substrings(parts.trade_name),
        "industry_groups": industry_groups_of(parts, scope_codes),
    }


def candidate_query(keys: dict[str, Any]) -> list[dict[str, Any]]:
    """The `$or` branches that find every register entry any rule could flag; each uses an index."""
    return [
        {"core_key": keys["core_key"]},
        {"chars_key": keys["chars_key"]},
        {"trade_name": keys["trade_name"]},
        {"trade_pinyin": keys["trade_pinyin"]},
        {"trade_substrings": keys["trade_name"]},  # theirs contains mine
        {"trade_name": {"$in": keys["trade_substrings"]}},  # mine contains theirs
    ]


def conflict_problems(keys: dict[str, Any], candidates: list[dict[str, Any]]) -> list[Problem]:
    """Classify register entries against a name: identical -> error, similar -> warning."""
    buckets: dict[str, list[str]] = {k: [] for k in ("identical", "same_trade", "homophone", "contained")}
    mine_groups = set(keys["industry_groups"])
    for other in candidates:
        same_industry = bool(mine_groups & set(other.get("industry_groups", ())))
        if other["core_key"] == keys["core_key"] or other["chars_key"] == keys["chars_key"]:
            buckets["identical"].append(other["full"])
        elif not same_industry:
            continue  # similarity only counts within one industry (comparison rules)
        elif other["trade_name"] == keys["trade_name"]:
            buckets["same_trade"].append(other["full"])
        elif other["trade_pinyin"] == keys["trade_pinyin"]:
            buckets["homophone"].append(other["full"])
        elif keys["trade_name"] in other["trade_name"] or other["trade_name"] in keys["trade_name"]:
            buckets["contained"].append(other["full"])
    messages = {
        "identical": (ERROR, "identical_name", "与已登记或已申报的企业名称相同（同字号同行业，或仅调换字词顺序），请更换字号"),
        "same_trade": (WARNING, "similar_name", "与同行业已登记或已申报企业的字号相同，需登记机关人工审查"),
        "homophone": (WARNING, "homophone_name", "字号与同行业已登记或已申报企业的字号读音相同，需登记机关人工审查"),
        "contained": (WARNING, "contained_name", "字号与同行业已登记或已申报企业的字号相互包含，需登记机关人工审查"),
    }
    problems = []
    for bucket, names in buckets.items():
        if names:
            severity, code, message = messages[bucket]
            problems.append(Problem(code, severity, message, tuple(sorted(set(names)))))
    return problems
