"""Licence revocation in the tax bureau's views, without a broker (the record and the refusal's wording
are shared: tests/unit/contracts/test_revocation.py)."""

from datetime import UTC, datetime

from contracts.revocation import Revocation
from services.tax import domain, views
from services.tax.offices import offices
from tests.unit.tax.factories import licence_issued, licence_revoked

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def test_registration_view_carries_the_revocation():
    reg = domain.new_registration(licence_issued(), NOW, offices())
    assert views.registration_view(reg, None)["licence_revoked"] is None
    record = Revocation.of(licence_revoked(licence_issued(), reason="虚假登记"), NOW)
    assert views.registration_view(reg, record)["licence_revoked"] == {
        "revoked_at": "2026-11-24T17:30:00+00:00", "reason": "虚假登记"}
