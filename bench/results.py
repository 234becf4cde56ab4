"""What one measured run produced, and how it turns into table rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.stats import Summary, latencies, summarize, throughput

MILESTONES = (
    ("accepted", "submit answered"),
    ("licence", "licence issued"),
    ("seals", "electronic seals filed"),
    ("tax", "tax registered + invoices approved"),
    ("social_security", "employer registered + employees enrolled"),
    ("completed", "completed"),
)


@dataclass
class Run:
    label: str
    n: int
    rate: float
    submitted: dict[str, float] = field(default_factory=dict)  # id -> wall-clock submit time
    reached: dict[str, dict[str, float]] = field(default_factory=dict)  # milestone -> id -> time
    memory: dict[str, float | None] = field(default_factory=dict)  # process -> peak RSS MiB
    cpu: dict[str, float] = field(default_factory=dict)  # process -> CPU seconds used during the load
    errors: int = 0
    lags: list[float] = field(default_factory=list)  # bureau event occurred -> recorded in the timeline
    db_ops: int | None = None  # this system's database round trips during the load (kit.querylog)
    notes: list[str] = field(default_factory=list)

    def summary(self, milestone: str) -> Summary:
        return summarize(latencies(self.submitted, self.reached.get(milestone, {})))

    @property
    def completed(self) -> int:
        return sum(1 for key in self.submitted if key in self.reached.get("completed", {}))

    @property
    def throughput(self) -> float | None:
        if not self.submitted:
            return None
        finishes = [self.reached["completed"][k] for k in self.submitted if k in self.reached.get("completed", {})]
        return throughput(min(self.submitted.values()), finishes)


def milestones_from_events(events: list[tuple[str, float]], completed_at: float | None) -> dict[str, float]:
    """Milestone times of one application from (event type, occurred_at) pairs; a milestone made of
    two events is reached by the later of them."""
    first: dict[str, float] = {}
    for kind, at in events:
        first[kind] = min(at, first.get(kind, at))
    out: dict[str, float] = {}
    if "licence_issued" in first:
        out["licence"] = first["licence_issued"]
    if "seals_filed" in first:
        out["seals"] = first["seals_filed"]
    if "tax_registered" in first and "invoices_approved" in first:
        out["tax"] = max(first["tax_registered"], first["invoices_approved"])
    if "employer_registered" in first and "employees_enrolled" in first:
        out["social_security"] = max(first["employer_registered"], first["employees_enrolled"])
    if completed_at is not None:
        out["completed"] = completed_at
    return out


def add_milestones(run: Run, application_id: str, events: list[tuple[str, float]],
                   completed_at: float | None) -> None:
    for name, at in milestones_from_events(events, completed_at).items():
        run.reached.setdefault(name, {})[application_id] = at
