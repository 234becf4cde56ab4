"""Yearly data an operator installs: holiday notices and contribution figures (`onestop calendar|rates`):
social security's and medical insurance's figure files, told apart by the kinds they rate.

Both validate the whole file before anything is installed (a refusal names the line and the reason;
what was loaded before stays in force), then install it with an atomic rename into the directory the
running processes read ($ONESTOP_HOLIDAY_DIR, $ONESTOP_RATES_DIR[/medical_insurance], kit/rates.py). Processes pick a new file up by
themselves within a minute; open deadlines and provisional contribution bases are then recomputed.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from contracts import clock
from contracts.calendar import (
    DEFAULT_OVERRIDE_DIR,
    OVERRIDE_DIR_ENV,
    InvalidCalendarFile,
    WorkingCalendar,
    YearOverride,
    load_override_dir,
)
from contracts.contributions import InvalidRatesFile, Policy, check_no_overlap, parse_policy
from contracts.datafile import line_of
from kit import rates


class FileRefused(Exception):
    """The file was not installed: one readable line with the file, the line and the reason."""


def holiday_dir() -> Path:
    return Path(os.environ.get(OVERRIDE_DIR_ENV) or DEFAULT_OVERRIDE_DIR)


def rates_dir() -> Path:
    return rates.rates_root()


# ---- holiday notices --------------------------------------------------------------------------


def load_calendar_file(path: str | Path, directory: str | Path) -> dict[str, Any]:
    """Validate a year's notice and install it as <directory>/<year>.json."""
    source = Path(path)
    try:
        override = YearOverride.load(source)
    except FileNotFoundError:
        raise FileRefused(f"{source}: no such file") from None
    except InvalidCalendarFile as exc:
        raise FileRefused(f"{source}: {exc}") from None
    canonical = {"year": override.year, "source": override.source,
                 "holidays": sorted(d.isoformat() for d in override.holidays),
                 "workdays": sorted(d.isoformat() for d in override.workdays)}
    target = _install(canonical, Path(directory), f"{override.year}.json")
    return {"year": override.year, "installed": str(target), "holidays": len(override.holidays),
            "workdays": len(override.workdays), "source": override.source}


def calendar_status(directory: str | Path, today: date | None = None) -> dict[str, Any]:
    """Where each year from last year to three years ahead takes its working days from."""
    today = today or clock.china_today()
    calendar = WorkingCalendar(override_dir=Path(directory))
    refused = load_override_dir(calendar, directory)
    years = [{"year": y, "source": calendar.source(y)} for y in range(today.year - 1, today.year + 4)]
    return {"directory": str(directory), "today": today.isoformat(), "years": years,
            "provisional": [y["year"] for y in years if y["source"] == "provisional"],
            "invalid": [{"file": str(f), "error": reason} for f, reason in refused]}


# ---- contribution figures ---------------------------------------------------------------------


def load_rates_file(path: str | Path, directory: str | Path) -> dict[str, Any]:
    """Validate a period's figures (alone and against the periods of the same bureau loaded before) and
    install them where that bureau's processes read them (kit/rates.py: social security's at the top of
    `directory`, medical insurance's in its subdirectory). Whose figures they are, the kinds tell."""
    source = Path(path)
    try:
        text = source.read_text("utf-8")
        bureau = bureau_of(text)
        policy = parse_policy(text, bureau.kinds)
        target_dir = rates.operator_dir(bureau.name, Path(directory))
        others = [p for p in _loaded_policies(target_dir, bureau)
                  if (p.district_code, p.valid_from) != (policy.district_code, policy.valid_from)]
        check_no_overlap([*others, policy])
    except FileNotFoundError:
        raise FileRefused(f"{source}: no such file") from None
    except (UnicodeDecodeError, InvalidRatesFile) as exc:
        raise FileRefused(f"{source}: {exc}") from None
    name = f"{policy.district_code}_{policy.valid_from:%Y-%m}.json"
    target = _install(json.loads(text), target_dir, name)
    return {"bureau": bureau.name, "region_code": policy.district_code, "period": policy.period,
            "installed": str(target), "confirmed": policy.confirmed}


def bureau_of(text: str) -> rates.Bureau:
    """The bureau whose kinds the file rates, all of them; a file rating every kind of two bureaus is
    refused (which one it is for would be a guess). Rating no bureau's kinds completely, it is read as the
    bureau's it rates most of (social security's when none), whose validation then names what is missing."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError:
        return rates.BUREAUS[0]  # parse_policy refuses it with its line
    rated = raw.get("rates") if isinstance(raw, dict) else None
    rated = set(rated) if isinstance(rated, dict) else set()
    complete = [b for b in rates.BUREAUS if set(b.kinds) <= rated]
    if len(complete) > 1:
        raise InvalidRatesFile("rates the kinds of " + " and ".join(f"{b.label} ({', '.join(b.kinds)})" for b in complete)
                               + ": one bureau's figures per file", line_of(text, '"rates"'))
    if complete:
        return complete[0]
    return max(rates.BUREAUS, key=lambda b: len(rated & set(b.kinds)))  # first on a tie: social security


def rates_status(directory: str | Path, today: date | None = None) -> dict[str, Any]:
    today = today or clock.china_today()
    rows, lapsed = [], []
    for bureau in rates.BUREAUS:
        loaded = _loaded_policies(rates.operator_dir(bureau.name, Path(directory)), bureau)
        rows += [{"bureau": bureau.name, "region_code": p.district_code, "period": p.period, "confirmed": p.confirmed,
                  "in_force_today": p.valid_from <= today <= p.valid_until} for p in loaded]
        # a region whose loaded periods have all ended runs on continued figures until the next is loaded
        lapsed += [{"bureau": bureau.name, "region_code": r} for r in sorted({p.district_code for p in loaded})
                   if all(p.valid_until < today for p in loaded if p.district_code == r)]
    return {"directory": str(directory), "today": today.isoformat(), "periods": rows, "provisional_regions": lapsed}


def _loaded_policies(directory: Path, bureau: rates.Bureau) -> list[Policy]:
    return [parse_policy(f.read_text("utf-8"), bureau.kinds) for f in sorted(directory.glob("*.json"))] \
        if directory.is_dir() else []


def _install(content: dict, directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=directory, suffix=".tmp", delete=False) as tmp:
        json.dump(content, tmp, ensure_ascii=False, indent=1)
    os.replace(tmp.name, directory / name)
    return directory / name


# ---- the commands -----------------------------------------------------------------------------
# Exit codes: 0 fine; 1 worked, but something runs on provisional rules; 2 the file was refused.


def cmd_calendar(args) -> int:
    if args.action == "load":
        return _loaded(args, lambda: load_calendar_file(args.file, holiday_dir()),
                       lambda r: f"installed {r['year']} ({r['holidays']} holidays, {r['workdays']} make-up "
                                 f"working days) as {r['installed']}; open deadlines are recomputed within a minute")
    status = calendar_status(holiday_dir())
    text = "\n".join(f"{y['year']}: {y['source']}" + (" (statutory rules; make-up working days unknown: "
                                                       "deadlines marked provisional)" if y["source"] == "provisional" else "")
                     for y in status["years"])
    for bad in status["invalid"]:
        text += f"\ninvalid file {bad['file']}: {bad['error']}"
    _print(args, status, text)
    return 1 if status["provisional"] or status["invalid"] else 0


def cmd_rates(args) -> int:
    if args.action == "load":
        return _loaded(args, lambda: load_rates_file(args.file, rates_dir()),
                       lambda r: f"installed {r['bureau']} {r['region_code']} {r['period']} as {r['installed']}; "
                                 "its processes use them within a minute (provisional bases are recomputed)")
    status = rates_status(rates_dir())
    lines = [f"{p['bureau']} {p['region_code']} {p['period']}{' (in force)' if p['in_force_today'] else ''}"
             f"{'' if p['confirmed'] else ' unconfirmed'}" for p in status["periods"]]
    lines += [f"{r['bureau']} {r['region_code']}: no figures for today: the last period continues, provisional"
              for r in status["provisional_regions"]]
    _print(args, status, "\n".join(lines) or f"no operator-loaded figures in {status['directory']} (shipped figures only)")
    return 1 if status["provisional_regions"] else 0


def _loaded(args, install, describe) -> int:
    try:
        result = install()
    except FileRefused as exc:
        print(f"error: {exc} (nothing was installed; what was loaded before stays in force)", file=sys.stderr)
        return 2
    _print(args, result, describe(result))
    return 0


def _print(args, data: dict, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1, default=str) if getattr(args, "json", False) else text)


def register(subparsers) -> None:
    for name, run, what in (("calendar", cmd_calendar, "a year's holiday notice (JSON)"),
                            ("rates", cmd_rates, "a period's contribution bases and rates, social or medical insurance's (JSON)")):
        group = subparsers.add_parser(name, help=f"install or show {what}")
        actions = group.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help=f"validate and install {what}")
        load.add_argument("file")
        load.add_argument("--json", action="store_true")
        status = actions.add_parser("status", help="what is in force, and what is provisional")
        status.add_argument("--json", action="store_true")
        group.set_defaults(run=run)
