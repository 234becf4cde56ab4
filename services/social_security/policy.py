"""Contribution bases and rates per district and year, shipped as data files in `data/`.

`data/<district>_<year>.json` applies to one district; `data/<city>_<year>.json` (city code = the
district's first four digits + "00") applies to every district of a city that sets one base for all
of them, as Wuhan does. A year with no file raises `PolicyNotConfigured`: never a guess. The values
are configurable assumptions, not officially confirmed (DOMAIN.md §13): each file carries a dated
source note, and an operator replaces the file when the bureau publishes the year's figures.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from services.social_security.domain import INSURANCE_KINDS, Bounds, Policy, Rate

DATA_DIR = Path(__file__).resolve().parent / "data"


class PolicyNotConfigured(LookupError):
    """No contribution bases and rates are configured for this district and year."""

    def __init__(self, district_code: str, year: int):
        super().__init__(f"{year}年{district_code}社保缴费基数和费率尚未配置（data/{district_code}_{year}.json）")
        self.district_code = district_code
        self.year = year


def load_policy(district_code: str, year: int, data_dir: Path = DATA_DIR) -> Policy:
    for code in (district_code, district_code[:4] + "00"):
        path = data_dir / f"{code}_{year}.json"
        if path.is_file():
            return _read(path, district_code, year)
    raise PolicyNotConfigured(district_code, year)


def has_policy(district_code: str, year: int, data_dir: Path = DATA_DIR) -> bool:
    try:
        load_policy(district_code, year, data_dir)
    except PolicyNotConfigured:
        return False
    return True


@cache
def _read(path: Path, district_code: str, year: int) -> Policy:
    raw = json.loads(path.read_text("utf-8"))
    if int(raw["year"]) != year:
        raise ValueError(f"{path.name} says year {raw['year']}, expected {year}")
    if not str(raw.get("source", "")).strip():
        raise ValueError(f"{path.name} has no source note")
    missing = set(INSURANCE_KINDS) - set(raw["rates"])
    if missing:
        raise ValueError(f"{path.name} lacks rates for {sorted(missing)}")
    hf = raw["housing_fund"]
    return Policy(
        district_code=district_code,
        year=year,
        base=_bounds(raw["base"], path),
        rates={kind: _rate(raw["rates"][kind], path) for kind in INSURANCE_KINDS},
        housing_fund_base=_bounds(hf["base"], path),
        housing_fund_rate=_rate(hf, path),
        source=raw["source"],
    )


def _bounds(raw: dict, path: Path) -> Bounds:
    floor, ceiling = Decimal(raw["floor"]), Decimal(raw["ceiling"])
    if not 0 < floor <= ceiling:
        raise ValueError(f"{path.name}: base floor {floor} / ceiling {ceiling} out of order")
    return Bounds(floor, ceiling)


def _rate(raw: dict, path: Path) -> Rate:
    rate = Rate(Decimal(raw["employer_rate"]), Decimal(raw["personal_rate"]))
    for value in (rate.employer, rate.personal):
        if not 0 <= value < 1:
            raise ValueError(f"{path.name}: rate {value} is not a fraction")
    return rate
