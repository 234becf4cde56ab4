"""Tax at closing on the real RabbitMQ and database: the declarations tax expects since registration
(one per quarter for a small-scale taxpayer), the closing's clearance listing every missing one as a
blocker, and a recheck clear once they are filed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from contracts import clock
from contracts.events import ClearanceRequested
from contracts.rpc import Conflict, Invalid
from tests.unit.tax.factories import licence_issued

pytestmark = pytest.mark.integration

REGISTERED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Wuhan, in 2026-Q1
CLOSING = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # in 2026-Q4: Q1, Q2 and Q3 have ended


def _check(bureau, mongo_db, issued, attempt: int) -> list[dict]:
    request = ClearanceRequested(application_id=issued.application_id, uscc=issued.licence.uscc, closure_id="close-1",
                                 attempt=attempt, notice_ends_on=(CLOSING + timedelta(days=20)).date(),
                                 answerers=["tax"])
    with entrypoint_waiter(bureau.tax, "on_clearance_requested", timeout=15):
        event_dispatcher(bureau.config)("registration", "clearance_requested", request.model_dump(mode="json"))
    return mongo_db["change_answers"].find_one({"_id": f"closure:close-1:{attempt}"})["blockers"]


def test_a_closing_lists_every_missing_declaration_and_clears_once_they_are_filed(bureau, mongo_db):
    issued = licence_issued(org_body="00000091")
    uscc = issued.licence.uscc
    with clock.using(clock.fixed_at(REGISTERED)):
        bureau.publish_licence(issued, wait_for="tax_registered")
    assert mongo_db["registrations"].find_one({"_id": uscc})["taxpayer_type"] == "small_scale"

    with clock.using(clock.fixed_at(CLOSING)), bureau.rpc() as tax:
        listed = tax.list_declarations(uscc)
        assert [(d["period"], d["filed"]) for d in listed] == [("2026-Q1", False), ("2026-Q2", False),
                                                               ("2026-Q3", False)]
        blockers = _check(bureau, mongo_db, issued, 1)
        assert [b["item"] for b in blockers] == [f"2026年第{q}季度的纳税申报尚未办理（《税收征收管理法》第二十五条）"
                                                 for q in (1, 2, 3)]
        assert all("零申报" in b["todo"] for b in blockers)

        with pytest.raises(Invalid) as monthly:  # a small-scale taxpayer declares by quarter
            tax.file_declaration(uscc, {"period": "2026-05", "tax_due": "0"})
        assert monthly.value.field_errors[0].field == "period"
        with pytest.raises(Invalid):  # before the registration
            tax.file_declaration(uscc, {"period": "2025-Q4", "tax_due": "0"})
        with pytest.raises(Invalid):
            tax.file_declaration(uscc, {"period": "2026-Q2", "tax_due": "-1"})
        for quarter, due in (("2026-Q1", "0.00"), ("2026-Q2", "1250.00")):
            assert tax.file_declaration(uscc, {"period": quarter, "tax_due": due})["filed"] is True
        assert tax.file_declaration(uscc, {"period": "2026-Q2", "tax_due": "1250.00"})["tax_due"] == "1250.00"  # retry
        with pytest.raises(Conflict, match="更正申报"):
            tax.file_declaration(uscc, {"period": "2026-Q2", "tax_due": "99.00"})
        assert [b["item"].split("的")[0] for b in _check(bureau, mongo_db, issued, 2)] == ["2026年第3季度"]
        tax.file_declaration(uscc, {"period": "2026-Q3", "tax_due": "0"})
        assert _check(bureau, mongo_db, issued, 3) == []
        assert all(d["filed"] for d in tax.list_declarations(uscc))
