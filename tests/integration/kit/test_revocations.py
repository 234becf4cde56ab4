"""A bureau's revocations collection: one record per company, the first delivery's."""

from datetime import UTC, datetime

import pytest

from contracts.events import LicenceRevoked
from contracts.revocation import Revocation
from kit.revocations import Revocations

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
USCC, OTHER = "91350100M000100Y43", "91440300708461136T"


def revocation(uscc: str = USCC, reason: str = "虚假登记") -> Revocation:
    return Revocation.of(LicenceRevoked(application_id="app-1", uscc=uscc, reason=reason,
                                        occurred_at=datetime(2026, 11, 24, 17, 30, tzinfo=UTC)), NOW)


def test_a_revocation_is_kept_once_keyed_by_uscc_and_read_back(mongo_db):
    revocations = Revocations(mongo_db["revocations"])
    first = revocation()
    assert revocations.record(first) is True
    assert revocations.record(revocation(reason="另一个理由")) is False  # a redelivery: the first stands
    assert mongo_db["revocations"].count_documents({}) == 1
    stored = mongo_db["revocations"].find_one({"_id": USCC})
    assert {k: v for k, v in stored.items() if k != "_id"} == first.model_dump(exclude={"uscc"})
    assert revocations.get(USCC) == first
    assert revocations.get(OTHER) is None
    assert revocations.of([USCC, OTHER, USCC]) == {USCC: first}
    assert revocations.of([]) == {}
