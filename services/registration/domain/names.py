"""Company names' vocabulary and the comparison with the register (企业名称登记管理规定 art. 17).

Pure: `conflict_problems` classifies the register entries the store found (by the keys names.py builds)
as identical or barred (an error) or similar (a warning that sends the case to a clerk). The word lists
that need data files stay in services/registration/names.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

ERROR, WARNING = "error", "warning"
FORMER = "former"  # a changed, deregistered or revoked name, still barred until `barred_until` (art. 17)


@dataclass(frozen=True)
class NameParts:
    division: str
    trade_name: str
    industry: str
    organisation_form: str
    division_in_brackets: bool = False

    @property
    def full(self) -> str:
        if self.division_in_brackets:
            return f"{self.trade_name}（{self.division}）{self.industry}{self.organisation_form}"
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


def conflict_problems(keys: dict[str, Any], candidates: list[dict[str, Any]], today: date | None = None,
                      ) -> list[Problem]:
    """Classify register entries against a name: identical or barred (art. 17) -> error, similar -> warning.

    A former name (changed or deregistered) counts while its `barred_until` is after `today`.
    """
    buckets: dict[str, list[str]] = {k: [] for k in ("identical", "barred", "barred_former", "same_trade",
                                                     "homophone", "contained")}
    mine_groups = set(keys["industry_groups"])
    for other in candidates:
        former = other.get("status") == FORMER
        if former and not (today and other.get("barred_until") and today < date.fromisoformat(other["barred_until"])):
            continue
        same_industry = bool(mine_groups & set(other.get("industry_groups", ())))
        same_authority = keys.get("authority") is not None and other.get("authority") == keys.get("authority")
        # 规定 art. 17: at one authority a 字号 may not equal the 字号 of a name of the same industry or of a
        # name without industry wording (registered/reserved; changed, deregistered or revoked < 1 year)
        barred = (same_authority and other["trade_name"] == keys["trade_name"]
                  and (same_industry or other.get("no_industry") or keys.get("no_industry")))
        if barred:
            buckets["barred_former" if former else "barred"].append(other["full"])
        elif other["core_key"] == keys["core_key"] or other["chars_key"] == keys["chars_key"]:
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
        "barred": (ERROR, "same_trade_name_barred",
                   "在同一登记机关，字号不得与同行业或者不使用行业表述的已登记、保留期内的企业名称的字号相同"
                   "（企业名称登记管理规定第十七条），请更换字号"),
        "barred_former": (ERROR, "former_name_barred",
                          "字号与同一登记机关同行业的已注销、变更登记或被撤销登记未满1年的原企业名称的字号相同"
                          "（企业名称登记管理规定第十七条），请更换字号"),
        "same_trade": (WARNING, "similar_name", "与其他登记机关同行业已登记或已申报企业的字号相同，需登记机关人工审查"),
        "homophone": (WARNING, "homophone_name", "字号与同行业已登记或已申报企业的字号读音相同，需登记机关人工审查"),
        "contained": (WARNING, "contained_name", "字号与同行业已登记或已申报企业的字号相互包含，需登记机关人工审查"),
    }
    problems = []
    for bucket, names in buckets.items():
        if names:
            severity, code, message = messages[bucket]
            problems.append(Problem(code, severity, message, tuple(sorted(set(names)))))
    return problems
