"""The one deadline rule (contracts/timelimits.py) as the founder's API and pages read it: the summary's
办结时限 is the latest step deadline, steps not started yet are planned from the step before, and a
correction restarts the clock from the resubmission."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from contracts import timelimits
from contracts.events import ApplicationCorrected, ApplicationSubmitted, CorrectionRequested, ReviewStarted
from contracts.form import ApplicationForm
from gateway.timeline import derive, timeline_entry
from gateway.views import application_view
from tests.factories import make_form

APP = "app-1"
T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Wuhan


def entry(source, event):
    return timeline_entry(source, event.model_dump(mode="json"))


def view(form, timeline):
    derived = derive(form, timeline, T0)
    doc = {"_id": APP, "status": derived["status"], "submitted_at": T0, "accepted_at": derived["accepted_at"],
           "steps": derived["steps"], "timeline": timeline, "form": form}
    return application_view(doc, "http://x", today=date(2026, 11, 24))


def submitted(form):
    return entry("gateway", ApplicationSubmitted(application_id=APP, founder_id="f", occurred_at=T0,
                                                 form=ApplicationForm.model_validate(form)))


def clerk_review(at: datetime, day: date):
    timing = timelimits.step_deadline("registration", day).fields()
    return entry("registration", ReviewStarted(application_id=APP, occurred_at=at, path="clerk", **timing))


def test_before_review_every_step_is_planned_and_the_summary_is_the_latest_of_them():
    form = make_form()
    app = view(form, [submitted(form)])
    steps = {s["bureau"]: s for s in app["steps"]}
    # registration: 1 working day from Tuesday 11-24; tax and bank: 2 working days after that
    assert steps["registration"]["deadline"] == "2026-11-25" and steps["registration"]["deadline_planned"]
    assert steps["tax"]["deadline"] == "2026-11-27"
    wanted = [s["deadline"] for s in app["steps"] if s["state"] != "not_requested"]
    assert app["deadline"] == max(wanted)
    assert app["deadline_from"] == "2026-11-24"
    assert "补正期间暂停计时" in app["deadline_rule"]


def test_a_correction_restarts_the_clock_from_the_resubmission():
    form = make_form()
    asked = entry("registration", CorrectionRequested(application_id=APP, occurred_at=T0 + timedelta(hours=1),
                                                      task_id="t", reasons=["住所不清楚"], fields=["domicile.detail"]))
    resubmitted_at = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # the next Monday, 10:00 in Wuhan
    corrected = entry("gateway", ApplicationCorrected(application_id=APP, occurred_at=resubmitted_at, revision=1,
                                                      form=ApplicationForm.model_validate(form)))
    timeline = [submitted(form), clerk_review(T0 + timedelta(minutes=1), date(2026, 11, 24)), asked, corrected,
                clerk_review(resubmitted_at + timedelta(minutes=1), date(2026, 11, 30))]
    app = view(form, timeline)
    steps = {s["bureau"]: s for s in app["steps"]}
    assert app["deadline_from"] == "2026-11-30"
    assert steps["registration"]["deadline"] == "2026-12-01" and not steps["registration"]["deadline_planned"]
    assert steps["tax"]["deadline"] == "2026-12-03" and steps["tax"]["deadline_planned"]
    assert app["deadline"] == max(s["deadline"] for s in app["steps"] if s["deadline"])


def test_a_step_that_started_keeps_its_own_bureau_deadline():
    times = timelimits.plan({"registration": {"state": "done", "deadline": "2026-11-24"},
                             "tax": {"state": "in_progress", "deadline": "2026-11-26"},
                             "bank": {"state": "not_requested"}}, date(2026, 11, 24))
    assert times["tax"].due == date(2026, 11, 26) and not times["tax"].planned
    assert "bank" not in times
    assert timelimits.overall(times).due == date(2026, 11, 26)
