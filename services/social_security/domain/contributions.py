"""What a revoked licence refuses, and the contributions: bases within bounds, rounded per kind and party."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from contracts.contributions import INSURANCE_KINDS, Bounds, Policy, Rate
from services.social_security.domain.numbers import FEN, TASK_EMPLOYEE, TASK_EMPLOYER

# ---- licence revocation ----------------------------------------------------------------------

# What a revoked company may no longer do here, keyed by the action (the RPC, or the kind of task a
# clerk would approve), worded as the end of the refusal the founder or clerk reads.
REFUSED_WHEN_REVOKED = {
    "enrol_employee": "不能再为员工办理参保登记",
    TASK_EMPLOYER: "不能再核准单位社保登记",
    TASK_EMPLOYEE: "不能再核准员工参保",
}


# ---- contributions ---------------------------------------------------------------------------


def contribution_base(monthly_wage: Decimal, bounds: Bounds) -> Decimal:
    """缴费基数: the wage clamped to the year's floor (下限) and ceiling (上限)."""
    return min(max(monthly_wage, bounds.floor), bounds.ceiling).quantize(FEN, ROUND_HALF_UP)


def fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, ROUND_HALF_UP)


def employee_contribution(monthly_wage: Decimal, policy: Policy, work_injury_rate: Decimal | None = None) -> dict[str, Any]:
    """One person's monthly contributions: per kind {base, employer, personal}, and both totals.

    Work injury is the employer's alone, at its industry risk class's rate (services/social_security/
    injury.py); the figure file's work-injury rate applies only to an employer without a recorded class."""
    kinds: dict[str, dict[str, Decimal]] = {}
    base = contribution_base(monthly_wage, policy.base)
    for kind in INSURANCE_KINDS:
        rate = policy.rates[kind]
        if kind == "work_injury" and work_injury_rate is not None:
            rate = Rate(employer=work_injury_rate, personal=Decimal(0))
        kinds[kind] = {"base": base, "employer": fen(base * rate.employer), "personal": fen(base * rate.personal)}
    return {
        "base": base,
        "kinds": kinds,
        "employer": sum((k["employer"] for k in kinds.values()), Decimal("0.00")),
        "personal": sum((k["personal"] for k in kinds.values()), Decimal("0.00")),
    }


def month_contributions(staff: list[dict[str, Any]], policy: Policy, work_injury: dict[str, Any] | None = None) -> dict[str, Any]:
    """Contributions for a month: `staff` are the people employed in it ({employee_id, name,
    monthly_wage}); returns per employee and totals, Decimals as strings (the wire is JSON)."""
    rows = []
    total_employer = total_personal = Decimal("0.00")
    for person in staff:
        owed = employee_contribution(Decimal(str(person["monthly_wage"])), policy,
                                     Decimal(work_injury["rate"]) if work_injury else None)
        total_employer += owed["employer"]
        total_personal += owed["personal"]
        rows.append({
            "employee_id": person["employee_id"],
            "name": person["name"],
            "contribution_base": str(owed["base"]),
            "kinds": {k: {p: str(v) for p, v in parts.items()} for k, parts in owed["kinds"].items()},
            "employer": str(owed["employer"]),
            "personal": str(owed["personal"]),
            "total": str(owed["employer"] + owed["personal"]),
        })
    return {
        "employees": rows,
        "totals": {
            "employer": str(total_employer),
            "personal": str(total_personal),
            "total": str(total_employer + total_personal),
            "headcount": len(rows),
        },
        "policy": policy.view(),
        "work_injury": work_injury,
        "provisional": policy.provisional,
    }
