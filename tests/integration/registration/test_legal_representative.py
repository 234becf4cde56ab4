"""registration.legal_representative_of (issue 20): who confirms for a corporate shareholder registered
here is the company's legal representative on its registered record."""

from __future__ import annotations

import pytest

from contracts.rpc import Invalid
from tests.factories import make_form
from tests.integration.registration.test_review import call

pytestmark = pytest.mark.integration


def test_a_registered_company_names_its_legal_representative_and_others_are_unknown(registration):
    form = make_form()
    with registration.waiting_for("licence_issued", "app-rep"):
        registration.submit("app-rep", form)
    uscc = registration.events("licence_issued", "app-rep")[0]["licence"]["uscc"]
    found = call(registration.service, "legal_representative_of", uscc, "founder-1")
    assert found == {"registered": True, "name": form["legal_representative"]["name"],
                     "resident_id": form["legal_representative"]["resident_id"]}
    assert call(registration.service, "legal_representative_of", "914403001922038216", "founder-1") == {
        "registered": False}
    with pytest.raises(Invalid):
        call(registration.service, "legal_representative_of", "short", "founder-1")
