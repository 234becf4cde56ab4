"""Database round trips of registration's review (issue 23): each command the registrar sends for one
application, counted on the real database, and what a duplicate delivery may and may not do."""

from __future__ import annotations

import pytest

from contracts import clock
from contracts.events import ApplicationCorrected, ApplicationSubmitted
from services.registration.workflow import Registrar
from tests.factories import make_form
from tests.support.numbers import next_number

pytestmark = pytest.mark.integration


def submit(registrar: Registrar, app_id: str, form: dict | None = None) -> ApplicationSubmitted:
    event = ApplicationSubmitted(application_id=app_id, founder_id="f", form=form or make_form())
    registrar.on_submitted(event)
    return event


def test_a_standard_application_costs_four_round_trips(counted):
    """The automatic path: the name register's candidates, the reservation, the case with its licence
    and outbox, the outbox pulled once published. The USCC counter hands out blocks, so the warm-up
    application takes it; no read of the case first (a duplicate is the insert's refusal)."""
    registrar, trips, published, _ = counted
    submit(registrar, "app-warm")
    trips.seen.clear()
    submit(registrar, "app-one")
    assert trips.by_collection() == {("names", "find"): 1, ("names", "update"): 1, ("cases", "insert"): 1,
                                ("cases", "update"): 1}
    assert published.count("licence_issued") == 2


def test_a_duplicate_of_an_approved_application_keeps_its_licence_and_registered_name(counted):
    registrar, _, published, db = counted
    event = submit(registrar, "app-dup")
    registrar.store.mark_pending()  # the 1 s timer: the name is registered now
    case = db["cases"].find_one({"_id": "app-dup"})
    registrar.on_submitted(event)
    assert db["cases"].find_one({"_id": "app-dup"})["licence"] == case["licence"]
    assert db["names"].find_one({"application_id": "app-dup"})["status"] == "registered"
    assert published.count("licence_issued") == 1


def test_a_duplicate_before_the_name_is_marked_draws_no_uscc_and_reads_the_case_once(counted):
    """The name still "reserved" for the approved case (the 1 s marking not yet run): the duplicate finds
    its own reservation, reads the case and stops before allocating (a USCC is never drawn for it)."""
    registrar, trips, published, db = counted
    event = submit(registrar, "app-early")
    trips.seen.clear()
    registrar.on_submitted(event)
    assert trips.by_collection() == {("names", "find"): 1, ("names", "update"): 1, ("cases", "find"): 1}
    assert next_number(db, "uscc_org_body") == 2
    assert published.count("licence_issued") == 1


def test_a_duplicate_of_a_rejected_application_leaves_its_name_free(counted):
    registrar, _, published, db = counted
    form = make_form(business_scope=["L0003"])  # a licensed item: a clerk's case
    event = submit(registrar, "app-rej", form)
    db["cases"].update_one({"_id": "app-rej"}, {"$set": {"state": "rejected"}})
    registrar.store.release_name("app-rej")  # what the clerk's rejection does
    registrar.on_submitted(event)
    assert db["names"].find_one({"application_id": "app-rej"})["status"] == "released"
    assert db["cases"].find_one({"_id": "app-rej"})["state"] == "rejected"
    assert published.count("task_queued") == 1


def test_a_late_duplicate_of_the_first_form_keeps_the_corrected_name_held(counted):
    """The founder corrected the name at a clerk's request; the first form's submission, delivered again
    afterwards, must not put the old name back in the corrected case's one reservation."""
    registrar, _, _, db = counted
    first = submit(registrar, "app-fix", make_form(business_scope=["L0003"]))
    db["cases"].update_one({"_id": "app-fix"}, {"$set": {"state": "correction_requested", "correction": {
        "reasons": ["请更换字号"], "fields": ["name.trade_name"], "clerk": "clerk-a", "at": clock.now()}}})
    corrected = make_form(business_scope=["L0003"])
    registrar.on_corrected(ApplicationCorrected(application_id="app-fix", revision=1, form=corrected))
    registrar.on_submitted(first)
    held = db["names"].find_one({"application_id": "app-fix"})
    assert (held["trade_name"], held["status"]) == (corrected["name"]["trade_name"], "reserved")
    assert db["cases"].find_one({"_id": "app-fix"})["revision"] == 1
