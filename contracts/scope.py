"""The business-scope catalogue (经营范围规范表述目录), shipped as data: general or licensed items."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict


class ScopeItem(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    name: str
    kind: str  # "general" (一般项目) or "licensed" (许可项目)
    industry: str  # 国民经济行业 wording, used for same-industry name comparison
    name_keyword: str  # the industry wording a company name would use
    division: str | None = None  # its GB/T 4754-2017 大类 (two digits): "same industry" in name checks
    approval_by: str | None = None

    @property
    def licensed(self) -> bool:
        return self.kind == "licensed"


@cache
def catalogue() -> dict[str, ScopeItem]:
    raw = json.loads(resources.files("contracts.data").joinpath("business_scope.json").read_text("utf-8"))
    return {row["code"]: ScopeItem.model_validate(row) for row in raw["items"]}


@cache
def licensed_suffix() -> str:
    raw = json.loads(resources.files("contracts.data").joinpath("business_scope.json").read_text("utf-8"))
    return raw["licensed_suffix"]


def item(code: str) -> ScopeItem | None:
    return catalogue().get(code)


def describe(codes: list[str]) -> str:
    """The scope as printed on a licence: 一般项目：…；许可项目：…（suffix）."""
    items = [catalogue()[c] for c in codes if c in catalogue()]
    general = "；".join(i.name for i in items if not i.licensed)
    licensed = "；".join(i.name for i in items if i.licensed)
    parts = []
    if licensed:
        parts.append(f"许可项目：{licensed}（{licensed_suffix()}）")
    if general:
        parts.append(f"一般项目：{general}（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）")
    return "\n".join(parts)
