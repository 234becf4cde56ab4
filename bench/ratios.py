"""The four figures issue 23 is judged on, each against the bare chain of the same run, printed last.

Absolute times move between machines (and with the load of whoever else shares one); a ratio against
the bare Nameko + RabbitMQ chain measured minutes earlier on the same machine moves much less, and
database round trips per application are a count that no load changes. Pure: unit-tested.
"""

from __future__ import annotations

from bench.results import Run
from bench.stats import ratio, table


def cpu_per_app(run: Run | None, shared: bool = True) -> float | None:
    """CPU seconds per completed application over every watched process (or only the run's own)."""
    if run is None or not run.completed or not run.cpu:
        return None
    total = sum(seconds for name, seconds in run.cpu.items() if shared or "(shared)" not in name)
    return total / run.completed


def half_knee_step(steps: list[dict], knee: dict | None) -> dict | None:
    """The saturation step offered closest to half the knee, at or below it (or half the highest
    rate tried when there was no knee: then the knee is only a lower bound)."""
    if not steps:
        return None
    top = knee["rate"] if knee else steps[-1]["rate"]
    below = [s for s in steps if s["rate"] <= top / 2 and s["p50"] is not None]
    return max(below, key=lambda s: s["rate"]) if below else None


def ratio_rows(e2e: Run | None, base: Run | None, steps: list[dict], knee: dict | None,
               best_rate: float | None) -> list[list[object]]:
    rows: list[list[object]] = []
    base_cpu = cpu_per_app(base)
    for label, shared in (("CPU per application, all processes (db + broker + ours)", True),
                          ("CPU per application, our processes only", False)):
        mine = cpu_per_app(e2e, shared)
        rows.append([label, _ms(mine), _ms(base_cpu), _x(ratio(mine, base_cpu)), "<= 6x" if shared else ""])
    trips = e2e.db_ops / e2e.completed if e2e and e2e.db_ops is not None and e2e.completed else None
    rows.append(["database round trips per application", _n(trips), "0", "-", "<= 20"])
    bare_rate = base.throughput if base else None
    knee_label = (f"knee {knee['rate']:g}/s offered; sustained below it" if knee
                  else "no knee reached; highest sustained (a lower bound)")
    # the bare chain is only offered the e2e rate, so its figure is a lower bound on what it sustains
    rows.append([f"{knee_label} / bare at the offered rate", _rate(best_rate), _rate(bare_rate),
                 _x(ratio(best_rate, bare_rate)), ">= 10/s"])
    half = half_knee_step(steps, knee)
    b = base.summary("completed") if base else None
    at = f"@ {half['rate']:g}/s" if half else "@ half the knee"
    rows.append([f"p50 completed {at} / bare p50", _s(half and half["p50"]), _s(b and b.p50),
                 _x(ratio(half and half["p50"], b and b.p50)), ""])
    rows.append([f"p99 completed {at} / bare p99", _s(half and half["p99"]), _s(b and b.p99),
                 _x(ratio(half and half["p99"], b and b.p99)), "<= 10x"])
    return rows


def report(e2e: Run | None, base: Run | None, steps: list[dict], knee: dict | None,
           best_rate: float | None) -> str:
    return table(["ratio (this run)", "system", "bare chain", "ratio", "issue 23 wants"],
                 ratio_rows(e2e, base, steps, knee, best_rate))


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x"


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.3f} s"


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}/s"
