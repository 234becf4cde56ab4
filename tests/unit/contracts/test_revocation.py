"""A revoked licence as every bureau keeps it: the record, the refusal's wording, the view."""

from datetime import UTC, datetime

from contracts.events import LicenceRevoked
from contracts.revocation import Revocation, revocation_view
from contracts.rpc import Conflict

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
REVOKED_AT = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)  # 01:30 on the 25th in Shanghai
USCC = "91350100M000100Y43"


def revoked(reason: str = "提交虚假材料取得公司登记") -> LicenceRevoked:
    return LicenceRevoked(application_id="app-1", uscc=USCC, reason=reason, occurred_at=REVOKED_AT)


def test_the_record_is_the_company_and_dated_by_the_event():
    event = revoked()
    kept = Revocation.of(event, NOW)
    assert kept.model_dump() == {"uscc": USCC, "application_id": "app-1", "reason": "提交虚假材料取得公司登记",
                                 "revoked_at": REVOKED_AT, "event_id": event.event_id, "received_at": NOW}


def test_the_refusal_names_the_shanghai_day_the_reason_and_what_is_barred():
    # 17:30 UTC on the 24th is 01:30 on the 25th in Shanghai: the founder's calendar says the 25th
    error = Revocation.of(revoked(), NOW).refusal("不能再开具发票")
    assert isinstance(error, Conflict)
    assert str(error) == "营业执照已于2026-11-25被吊销（提交虚假材料取得公司登记），不能再开具发票"


def test_the_view_shows_the_revocation_or_null():
    assert revocation_view(Revocation.of(revoked("虚假登记"), NOW)) == {
        "revoked_at": "2026-11-24T17:30:00+00:00", "reason": "虚假登记"}
    assert revocation_view(None) is None
