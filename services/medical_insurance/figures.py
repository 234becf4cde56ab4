"""Which medical-insurance bases and rates apply: the shipped files in `data/` (data/README.md) plus the
ones an operator loaded (`onestop rates load FILE` installs them under $ONESTOP_RATES_DIR/medical_insurance;
kit/rates.py, shared with social security), by region and period, read with social security's file format
and period rules (contracts.contributions: the district's own file, else its city's; past the last period
the last one continues, provisional). A running process sees a newly loaded file within a minute."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from contracts.contributions import Policy, PolicyNotConfigured
from kit import rates
from services.medical_insurance.domain import KINDS, LABELS

DATA_DIR = Path(__file__).resolve().parent / "data"

__all__ = ["DATA_DIR", "KINDS", "LABELS", "FiguresBook", "NotConfigured", "Policy", "operator_book"]


class NotConfigured(LookupError):
    """No figures for this region at this date, and none before it to continue from."""

    def __init__(self, district_code: str, day: date):
        super().__init__(f"{day:%Y年%m月}{district_code}医疗保险缴费基数和费率尚未配置，且此前没有可延续的标准")


class FiguresBook(rates.PolicyBook):
    """The figures one process knows: the shipped files (`directory`), overlaid by the operator's."""

    def __init__(self, directory: Path = DATA_DIR, operator_dir: Path | None = None, recheck: float | None = None):
        super().__init__(operator_dir, directory, KINDS, recheck)

    def figures(self, district_code: str, day: date) -> Policy:
        try:
            return self.policy(district_code, day)
        except PolicyNotConfigured:
            raise NotConfigured(district_code, day) from None

    def figures_or_none(self, district_code: str, day: date) -> Policy | None:
        try:
            return self.figures(district_code, day)
        except NotConfigured:
            return None


def operator_book() -> FiguresBook:
    """What a running service reads: the shipped files and $ONESTOP_RATES_DIR/medical_insurance."""
    return FiguresBook(operator_dir=rates.operator_dir("medical_insurance"))
