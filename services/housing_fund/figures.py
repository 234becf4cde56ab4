"""Which housing-fund deposit bases apply: the shipped figure files in `data/`, by region and period.

A file covers a period (see data/README.md); the periods are chosen exactly as the social-security
figures are (contracts.contributions.policy_for: the district's own file, else its city's; past the
last period the last one continues, marked provisional). The ceiling is derived: 3x the city's average
monthly wage of the previous year.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path

from contracts.contributions import PolicyNotConfigured, check_no_overlap, policy_for
from contracts.datafile import InvalidDataFile, line_of

DATA_DIR = Path(__file__).resolve().parent / "data"
CEILING_TIMES_AVERAGE = 3

__all__ = ["DATA_DIR", "Figures", "FiguresBook", "InvalidFiguresFile", "NotConfigured", "parse_figures"]


class InvalidFiguresFile(InvalidDataFile):
    """A figure file that is malformed or contradicts itself; `line` points at the cause."""


class NotConfigured(LookupError):
    """No figures for this region at this date, and none before it to continue from."""

    def __init__(self, district_code: str, day: date):
        super().__init__(f"{day:%Y年%m月}{district_code}住房公积金缴存基数尚未配置，且此前没有可延续的标准")


@dataclass(frozen=True)
class Figures:
    district_code: str
    valid_from: date
    valid_until: date
    average_monthly_wage: Decimal
    floor: Decimal
    source: str
    confirmed: bool = False
    provisional: bool = False

    @property
    def ceiling(self) -> Decimal:
        return self.average_monthly_wage * CEILING_TIMES_AVERAGE

    @property
    def period(self) -> str:
        return f"{self.valid_from.isoformat()}~{self.valid_until.isoformat()}"


def parse_figures(text: str) -> Figures:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidFiguresFile(f"not JSON: {exc.msg}", exc.lineno) from None
    if not isinstance(raw, dict):
        raise InvalidFiguresFile("the file must be one JSON object", 1)

    def line(key: str) -> int | None:
        return line_of(text, f'"{key}"')

    region = raw.get("region_code")
    if not (isinstance(region, str) and len(region) == 6 and region.isdigit()):
        raise InvalidFiguresFile('"region_code" must be a 6-digit division code', line("region_code"))
    try:
        valid_from, valid_until = date.fromisoformat(raw["valid_from"]), date.fromisoformat(raw["valid_until"])
    except (KeyError, TypeError, ValueError):
        raise InvalidFiguresFile('"valid_from" and "valid_until" must be dates (YYYY-MM-DD)', line("valid_from")) from None
    if valid_until < valid_from:
        raise InvalidFiguresFile(f"valid_until {valid_until} is before valid_from {valid_from}", line("valid_until"))
    if not str(raw.get("source", "")).strip():
        raise InvalidFiguresFile('"source" must say who typed the figures in, when, from what', line("source"))
    average, floor = (_amount(raw.get(k), k, line(k)) for k in ("average_monthly_wage", "floor"))
    if floor > average * CEILING_TIMES_AVERAGE:
        raise InvalidFiguresFile(f"floor {floor} is above the ceiling (3x {average})", line("floor"))
    return Figures(region, valid_from, valid_until, average, floor, str(raw["source"]), raw.get("confirmed") is True)


def _amount(value, key: str, line: int | None) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidFiguresFile(f'"{key}": {value!r} is not a number', line) from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidFiguresFile(f'"{key}" must be a positive amount', line)
    return amount


class FiguresBook:
    """The figures one process knows (read once: the files ship with the service)."""

    def __init__(self, directory: Path = DATA_DIR):
        self.directory = directory

    @cached_property
    def known(self) -> list[Figures]:
        known = [parse_figures(f.read_text("utf-8")) for f in sorted(self.directory.glob("*.json"))]
        check_no_overlap(known)  # type: ignore[arg-type] - the same period fields as a Policy
        return known

    def figures(self, district_code: str, day: date) -> Figures:
        try:
            return policy_for(self.known, district_code, day)  # type: ignore[arg-type,return-value]
        except PolicyNotConfigured:
            raise NotConfigured(district_code, day) from None
