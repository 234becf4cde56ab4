"""Contribution bases and rates (缴费基数与费率) by period, as the province and city publish them.

Hubei does not date its annual base notice by the calendar year: the audit of 2026-12 found the 2025
base in force from 2025-09-01 to 2026-08-31 (ASSUMPTION as of 2026-12-01, kept as each file's
`valid_from`/`valid_until`, not as a constant here). So a figure file covers a *period*, and the
figures for a month are those of the period that month falls in.

When a month falls after the last published period (the new notice is late), the last published
figures continue, marked `provisional`: a bureau keeps registering and enrolling on the rules in force,
and recomputes once the operator loads the new file (`onestop rates load FILE`). A month before the
first period known is an error: there is nothing to continue from.

File (JSON), one district (`420111`) or one city for all its districts (`420100`):
  {"region_code": "420100", "valid_from": "2026-09-01", "valid_until": "2027-08-31",
   "source": "who typed it in, when, from which notice", "confirmed": false,
   "base": {"floor": "4700.00", "ceiling": "23500.00"},
   "rates": {"pension": {"employer_rate": "0.16", "personal_rate": "0.08"}, ...}}
The housing fund's bases are the housing-fund centre's own files (services/housing_fund/data); the
medical insurance bureau's are files of this shape with its own kinds (services/medical_insurance/data).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from contracts.datafile import InvalidDataFile, line_of

# Social security's three insurances; medical (with maternity) is the 医疗保障局's since 2018, with its own
# files of the same shape (services/medical_insurance/data): 职工基本医疗保险 and 生育保险.
INSURANCE_KINDS: tuple[str, ...] = ("pension", "unemployment", "work_injury")
MEDICAL_KINDS: tuple[str, ...] = ("medical", "maternity")


class InvalidRatesFile(InvalidDataFile):
    """A figure file that is malformed or contradicts itself; `line` points at the cause."""


class PolicyNotConfigured(LookupError):
    """No figures cover this district at this date, and none came before it to continue from."""

    def __init__(self, district_code: str, day: date):
        super().__init__(f"{day:%Y年%m月}{district_code}社保缴费基数和费率尚未配置，且此前没有可延续的标准")
        self.district_code = district_code
        self.day = day


@dataclass(frozen=True)
class Rate:
    employer: Decimal
    personal: Decimal


@dataclass(frozen=True)
class Bounds:
    floor: Decimal
    ceiling: Decimal


@dataclass(frozen=True)
class Policy:
    """The figures of one region for one period; `provisional` when applied past `valid_until`."""

    district_code: str  # the file's region: a district, or the city for all its districts
    valid_from: date
    valid_until: date
    base: Bounds
    rates: dict[str, Rate]  # every kind the file's bureau needs (INSURANCE_KINDS for social security)
    source: str
    confirmed: bool = False
    provisional: bool = False

    @property
    def period(self) -> str:
        return f"{self.valid_from.isoformat()}~{self.valid_until.isoformat()}"

    def view(self) -> dict:
        return {"district_code": self.district_code, "period": self.period, "source": self.source,
                "confirmed": self.confirmed, "provisional": self.provisional}


def parse_policy(text: str, kinds: tuple[str, ...] = INSURANCE_KINDS) -> Policy:
    """Validate one figure file's text (with a rate for each of `kinds`); every refusal names its line."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidRatesFile(f"not JSON: {exc.msg}", exc.lineno) from None
    if not isinstance(raw, dict):
        raise InvalidRatesFile("the file must be one JSON object", 1)

    def line(key: str) -> int | None:
        return line_of(text, f'"{key}"')

    region = raw.get("region_code")
    if not (isinstance(region, str) and len(region) == 6 and region.isdigit()):
        raise InvalidRatesFile('"region_code" must be a 6-digit division code', line("region_code"))
    valid_from, valid_until = (_date(raw, k, line(k)) for k in ("valid_from", "valid_until"))
    if valid_until < valid_from:
        raise InvalidRatesFile(f"valid_until {valid_until} is before valid_from {valid_from}", line("valid_until"))
    if not str(raw.get("source", "")).strip():
        raise InvalidRatesFile('"source" must say who typed the figures in, when, from what', line("source"))
    rates = raw.get("rates")
    if not isinstance(rates, dict) or set(kinds) - set(rates):
        missing = sorted(set(kinds) - set(rates or {}))
        raise InvalidRatesFile(f"rates missing for {missing}", line("rates"))
    return Policy(
        district_code=region,
        valid_from=valid_from,
        valid_until=valid_until,
        base=_bounds(raw.get("base"), line("base")),
        rates={kind: _rate(rates[kind], line_of(text, f'"{kind}"')) for kind in kinds},
        source=str(raw["source"]),
        confirmed=raw.get("confirmed") is True,
    )


def check_no_overlap(policies: Iterable[Policy]) -> None:
    """Two periods of one region may not overlap: which figures apply would be a guess."""
    by_region: dict[str, list[Policy]] = {}
    for policy in policies:
        by_region.setdefault(policy.district_code, []).append(policy)
    for region, periods in by_region.items():
        periods.sort(key=lambda p: p.valid_from)
        for before, after in zip(periods, periods[1:], strict=False):
            if after.valid_from <= before.valid_until:
                raise InvalidRatesFile(f"{region}: period {after.period} overlaps {before.period}")


def policy_for(policies: Iterable[Policy], district_code: str, day: date) -> Policy:
    """The figures for `district_code` on `day`: the district's own periods, else its city's; past the
    last period, the last one continues, marked provisional."""
    for region in (district_code, district_code[:4] + "00"):
        periods = sorted((p for p in policies if p.district_code == region), key=lambda p: p.valid_from)
        started = [p for p in periods if p.valid_from <= day]
        if not started:
            continue
        current = started[-1]
        chosen = replace(current, provisional=day > current.valid_until)
        return replace(chosen, district_code=district_code)
    raise PolicyNotConfigured(district_code, day)


def _date(raw: dict, key: str, line: int | None) -> date:
    try:
        return date.fromisoformat(raw[key])
    except (KeyError, TypeError, ValueError):
        raise InvalidRatesFile(f'"{key}" must be a date (YYYY-MM-DD)', line) from None


def _amount(value, line: int | None) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidRatesFile(f"{value!r} is not a number", line) from None
    if not amount.is_finite():
        raise InvalidRatesFile(f"{value!r} is not a number", line)
    return amount


def _bounds(raw, line: int | None) -> Bounds:
    if not isinstance(raw, dict):
        raise InvalidRatesFile("a base must be {floor, ceiling}", line)
    floor, ceiling = _amount(raw.get("floor"), line), _amount(raw.get("ceiling"), line)
    if not 0 < floor <= ceiling:
        raise InvalidRatesFile(f"base floor {floor} / ceiling {ceiling} out of order", line)
    return Bounds(floor, ceiling)


def _rate(raw, line: int | None) -> Rate:
    if not isinstance(raw, dict):
        raise InvalidRatesFile("a rate must be {employer_rate, personal_rate}", line)
    rate = Rate(_amount(raw.get("employer_rate"), line), _amount(raw.get("personal_rate"), line))
    for value in (rate.employer, rate.personal):
        if not 0 <= value < 1:
            raise InvalidRatesFile(f"rate {value} is not a fraction (0.16 = 16%)", line)
    return rate
