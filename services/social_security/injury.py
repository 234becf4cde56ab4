"""Work-injury insurance rates by industry risk class (人社部发〔2015〕71号). Pure: the table is data.

"按照《国民经济行业分类》……根据不同行业的工伤风险程度，由低到高，依次将行业工伤风险类别划分为一类至八类";
the base rates of classes 1 to 8 are 0.2, 0.4, 0.7, 0.9, 1.1, 1.3, 1.6 and 1.9 % of the payroll. The
class of each GB/T 4754-2017 division and the rule for a company whose scope spans several classes
(its riskiest item: `company_rule`) are in data/classes/work_injury.json, with their sources.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from contracts import scope

TABLE = Path(__file__).resolve().parent / "data" / "classes" / "work_injury.json"
NOTICE = "人社部发〔2015〕71号"


@dataclass(frozen=True)
class RiskClass:
    number: int  # 1..8
    label: str  # 一类..八类
    base_rate: Decimal  # of the payroll (the contribution base)


@dataclass(frozen=True)
class EmployerClass:
    """An employer's class, with the scope item and industry it follows."""

    risk: RiskClass
    scope_code: str
    scope_name: str
    division: str
    industry: str

    def record(self) -> dict[str, Any]:
        return {"class": self.risk.number, "label": self.risk.label, "rate": str(self.risk.base_rate),
                "scope_code": self.scope_code, "scope_name": self.scope_name, "division": self.division,
                "industry": self.industry, "basis": NOTICE}


@cache
def _table() -> dict[str, Any]:
    return json.loads(TABLE.read_text("utf-8"))


@cache
def classes() -> dict[int, RiskClass]:
    return {c["class"]: RiskClass(c["class"], c["label"], Decimal(c["base_rate"])) for c in _table()["classes"]}


@cache
def _divisions() -> dict[str, dict[str, Any]]:
    return {row["division"]: row for row in _table()["divisions"]}


def division_class(division: str) -> RiskClass:
    """The class of a GB/T 4754-2017 大类 (two digits); LookupError for a code not in the table."""
    return classes()[_divisions()[division]["class"]]


def employer_class(scope_codes: list[str]) -> EmployerClass | None:
    """The class of a company: that of its riskiest business-scope item (data: company_rule).

    None when no item has a known industry (a clerk decides)."""
    found = []
    for code in scope_codes:
        item = scope.item(code)
        if item is None or item.division is None or item.division not in _divisions():
            continue
        found.append(EmployerClass(division_class(item.division), item.code, item.name, item.division,
                                   _divisions()[item.division]["name"]))
    if not found:
        return None
    return max(found, key=lambda c: c.risk.number)  # the first item of the highest class wins a tie


def clerk_class(raw: Any) -> dict[str, Any] | None:
    """The class a clerk sets on approving an employer (`work_injury_class`: 1..8); None if not given.
    ValueError when it is not a class."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str) or str(raw).strip() not in {str(k) for k in classes()}:
        raise ValueError("工伤保险行业风险类别应为1至8类")
    risk = classes()[int(raw)]
    return {"class": risk.number, "label": risk.label, "rate": str(risk.base_rate), "scope_code": None,
            "scope_name": "经办人员核定", "division": None, "industry": "按主营业务核定", "basis": NOTICE}


def rate_line(record: dict[str, Any]) -> str:
    """The line printed on the certificate: 二类 0.4%（批发业：日用百货销售，人社部发〔2015〕71号）."""
    percent = format((Decimal(record["rate"]) * 100).normalize(), "f")
    return f"{record['label']}行业，基准费率{percent}%（{record['industry']}：{record['scope_name']}；{record['basis']}）"
