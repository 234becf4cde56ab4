"""Milestones from timeline events: two-event milestones are reached by the later event."""

import pytest

from bench.results import Run, add_milestones, milestones_from_events


def test_milestones_take_the_later_of_two_events_and_the_first_of_duplicates():
    events = [("licence_issued", 1.0), ("seals_filed", 2.0), ("tax_registered", 1.5),
              ("invoices_approved", 1.8), ("employer_registered", 2.5), ("employees_enrolled", 2.2),
              ("seals_filed", 9.0)]
    assert milestones_from_events(events, 3.0) == {
        "licence": 1.0, "seals": 2.0, "tax": 1.8, "social_security": 2.5, "completed": 3.0,
    }


def test_half_a_milestone_is_not_reached():
    assert milestones_from_events([("tax_registered", 1.0)], None) == {}


def test_run_summary_and_throughput():
    run = Run("t", n=2, rate=1.0, submitted={"a": 10.0, "b": 11.0})
    add_milestones(run, "a", [("licence_issued", 10.5)], 12.0)
    add_milestones(run, "b", [("licence_issued", 11.2)], 14.0)
    assert run.completed == 2
    assert run.summary("licence").p50 == pytest.approx(0.35)
    assert run.throughput == 2 / 4
