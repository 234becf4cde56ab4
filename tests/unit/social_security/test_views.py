"""views.py: every reply goes through its contract (contracts/rpc/social_security.py), so the wire keeps
the shape the gateway validates and a field the contract does not name is refused in the bureau."""

import pytest
from pydantic import ValidationError

from contracts.rpc import replies
from services.social_security import views, workflow
from services.social_security.store import InMemorySocialSecurityStore

from .factories import NOW, USCC, Sent, licence


@pytest.fixture
def registered():
    store = InMemorySocialSecurityStore()
    workflow.receive_licence(store, Sent(), licence(staff=1), NOW)
    return store


def test_an_enrolment_reads_as_before_with_the_id_masked(registered):
    [enrolment] = registered.staff_of(USCC)
    view = views.staff_view(enrolment)
    assert view == {
        "employee_id": enrolment.employee_id, "name": enrolment.name, "resident_id": view["resident_id"],
        "record_number": enrolment.record_number, "start_date": enrolment.start_date.isoformat(), "end_date": None,
        "state": "active", "monthly_wage": enrolment.monthly_wage, "contribution_base": enrolment.contribution_base,
        "contribution_provisional": enrolment.contribution_provisional,
        "employment_number": enrolment.employment_number,
        "employment_registered_on": enrolment.employment_registered_on.isoformat(),
    }
    assert "*" in view["resident_id"] and view["resident_id"] != enrolment.resident_id
    assert replies.adapter("social_security", "list_staff").validate_python([view])  # what the gateway reads


def test_the_person_carries_the_unmasked_id_and_nothing_else(registered):
    [enrolment] = registered.staff_of(USCC)
    assert views.person_view(enrolment) == {"employee_id": enrolment.employee_id, "name": enrolment.name,
                                            "resident_id": enrolment.resident_id}


def test_a_month_s_contributions_keep_their_money_as_strings(registered):
    view = workflow.contributions(registered, USCC, "2026-12")
    assert view["uscc"] == USCC and view["month"] == "2026-12" and view["totals"]["headcount"] == 1
    [line] = view["employees"]
    assert isinstance(line["total"], str) and line["total"] == view["totals"]["total"]


def test_a_field_the_contract_does_not_name_is_refused_in_the_bureau(registered):
    employer = registered.employer(USCC)
    owed = {"employees": [], "totals": {"employer": "0", "personal": "0", "total": "0", "headcount": 0},
            "policy": {}, "work_injury": None, "provisional": False}
    assert views.contributions_view(employer, "2026-12", owed)["totals"]["total"] == "0"
    with pytest.raises(ValidationError):
        views.contributions_view(employer, "2026-12", owed | {"debug": "internal"})
