"""Pure statistics and table helpers for the benchmarks: no I/O, unit-tested in tests/unit/bench."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation between closest ranks (numpy's default).

    None for no values, so a milestone nobody reached prints as a dash instead of a fake zero.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"percentile wants 0 <= q <= 100, got {q}")
    ordered = sorted(values)
    if not ordered:
        return None
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


@dataclass(frozen=True)
class Summary:
    count: int
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None


def summarize(values: Iterable[float]) -> Summary:
    data = list(values)
    return Summary(
        count=len(data),
        p50=percentile(data, 50),
        p95=percentile(data, 95),
        p99=percentile(data, 99),
        max=max(data) if data else None,
    )


def latencies(submitted: dict[str, float], reached: dict[str, float]) -> list[float]:
    """Seconds from submission to a milestone, for every id that has both (negative clock skew -> 0)."""
    return [max(0.0, reached[key] - submitted[key]) for key in submitted if key in reached]


def throughput(start: float, finishes: Sequence[float]) -> float | None:
    """Completions per second from the first submission to the last completion."""
    if not finishes:
        return None
    elapsed = max(finishes) - start
    return len(finishes) / elapsed if elapsed > 0 else None


def ratio(value: float | None, base: float | None) -> float | None:
    if value is None or base is None or base <= 0:
        return None
    return value / base


def find_knee(steps: Sequence[dict], p95_limit: float, keep_up: float = 0.9) -> dict | None:
    """The first saturation step whose p95 exceeds the limit or whose completion rate falls below
    keep_up x the offered rate (or that left applications unfinished). Steps carry `rate`, `p95`,
    `achieved`, `completed`, `submitted`."""
    for step in steps:
        if step["p95"] is None or step["p95"] > p95_limit:
            return step
        if step["achieved"] is None or step["achieved"] < keep_up * step["rate"]:
            return step
        if step["completed"] < step["submitted"]:
            return step
    return None


def fmt(value: float | int | str | None, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if math.isnan(value) or math.isinf(value):
        return "-"
    return f"{value:.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], digits: int = 3) -> str:
    """A plain monospace table: first column left-aligned, the rest right-aligned."""
    cells = [[fmt(c, digits) if not isinstance(c, str) else c for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells, table has {len(headers)} columns")
        widths = [max(w, _width(c)) for w, c in zip(widths, row, strict=True)]

    def line(row: Sequence[str]) -> str:
        out = []
        for i, (cell, width) in enumerate(zip(row, widths, strict=True)):
            pad = " " * (width - _width(cell))
            out.append(cell + pad if i == 0 else pad + cell)
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(headers)), rule, *(line(r) for r in cells)])


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in text)
