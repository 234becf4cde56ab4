"""Which medical-insurance bases and rates apply: the shipped files in `data/` (data/README.md), by
region and period, read with social security's file format and period rules (contracts.contributions:
the district's own file, else its city's; past the last period the last one continues, provisional)."""

from __future__ import annotations

from datetime import date
from functools import cached_property
from pathlib import Path

from contracts.contributions import Policy, PolicyNotConfigured, check_no_overlap, parse_policy, policy_for

DATA_DIR = Path(__file__).resolve().parent / "data"
KINDS = ("medical", "maternity")  # 职工基本医疗保险, 生育保险
LABELS = {"medical": "职工基本医疗保险", "maternity": "生育保险"}

__all__ = ["DATA_DIR", "KINDS", "LABELS", "FiguresBook", "NotConfigured", "Policy"]


class NotConfigured(LookupError):
    """No figures for this region at this date, and none before it to continue from."""

    def __init__(self, district_code: str, day: date):
        super().__init__(f"{day:%Y年%m月}{district_code}医疗保险缴费基数和费率尚未配置，且此前没有可延续的标准")


class FiguresBook:
    """The figures one process knows (read once: the files ship with the service)."""

    def __init__(self, directory: Path = DATA_DIR):
        self.directory = directory

    @cached_property
    def known(self) -> list[Policy]:
        known = [parse_policy(f.read_text("utf-8"), KINDS) for f in sorted(self.directory.glob("*.json"))]
        check_no_overlap(known)
        return known

    def figures(self, district_code: str, day: date) -> Policy:
        try:
            return policy_for(self.known, district_code, day)
        except PolicyNotConfigured:
            raise NotConfigured(district_code, day) from None

    def figures_or_none(self, district_code: str, day: date) -> Policy | None:
        try:
            return self.figures(district_code, day)
        except NotConfigured:
            return None
