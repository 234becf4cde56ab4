"""Licence revocation rules without a broker: the record kept, the refusal's wording, the view."""

from datetime import UTC, datetime

from contracts.rpc import Conflict
from services.tax import domain
from tests.unit.tax.factories import licence_issued, licence_revoked

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def test_revocation_record_is_keyed_by_uscc_and_dated_by_the_event():
    event = licence_revoked(licence_issued())
    record = domain.revocation_record(event, NOW)
    assert record == {"_id": event.uscc, "application_id": event.application_id, "reason": "提交虚假材料取得公司登记",
                      "revoked_at": event.occurred_at, "event_id": event.event_id, "received_at": NOW}


def test_refusal_names_the_shanghai_day_the_reason_and_what_is_barred():
    # 17:30 UTC on the 24th is 01:30 on the 25th in Shanghai: the founder's calendar says the 25th
    record = domain.revocation_record(licence_revoked(licence_issued()), NOW)
    error = domain.revoked_conflict(record, "不能再开具发票")
    assert isinstance(error, Conflict)
    assert str(error) == "营业执照已于2026-11-25被吊销（提交虚假材料取得公司登记），不能再开具发票"


def test_view_shows_the_revocation_or_null():
    record = domain.revocation_record(licence_revoked(licence_issued(), reason="虚假登记"), NOW)
    assert domain.revocation_view(record) == {"revoked_at": "2026-11-24T17:30:00+00:00", "reason": "虚假登记"}
    assert domain.revocation_view(None) is None


def test_registration_view_carries_the_revocation():
    reg = domain.new_registration(licence_issued(), NOW)
    assert domain.registration_view(reg, None)["licence_revoked"] is None
    record = domain.revocation_record(licence_revoked(licence_issued(), reason="虚假登记"), NOW)
    assert domain.registration_view(reg, record)["licence_revoked"] == {
        "revoked_at": "2026-11-24T17:30:00+00:00", "reason": "虚假登记"}
