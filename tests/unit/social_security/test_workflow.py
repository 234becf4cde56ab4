"""receive_licence's first write, without a database: what it holds, and what a duplicate costs."""

from datetime import UTC, date, datetime
from decimal import Decimal
from unittest.mock import MagicMock

from contracts.codes import make_uscc
from contracts.events import Licence, LicenceIssued
from contracts.form import Employee, LegalRepresentative, SealRequest, TaxNeeds
from kit.outbox import outbox_entry
from services.social_security import domain, workflow

from .helpers import resident_id

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def licence(district: str = "420111", staff: int = 0) -> LicenceIssued:
    return LicenceIssued(
        application_id="app-1",
        licence=Licence(uscc=make_uscc(district, "00000001"), company_name="武汉海陆空商贸有限公司",
                        company_type="有限责任公司", legal_representative="赵六",
                        registered_capital=Decimal("100000.00"), established_on=date(2026, 11, 25), term="长期",
                        domicile="武汉市洪山区珞喻路1号", district_code=district, business_scope="日用百货销售",
                        authority="武汉市洪山区市场监督管理局", issued_at=NOW),
        legal_representative=LegalRepresentative(name="赵六", resident_id=resident_id(seq="900"), position="director"),
        contact_phone="13800000000", seals=SealRequest(), tax=TaxNeeds(), business_scope=["G0008"],
        employees=[Employee(name="孙八", resident_id=resident_id(seq=f"{i:03d}"), monthly_wage=Decimal("9000.00"))
                   for i in range(staff)])


def store(reserved: int | None = 7, stored: bool = True) -> MagicMock:
    fake = MagicMock()
    fake.reserved_number.return_value = reserved
    fake.receive_intake.return_value = stored
    fake.allocate.return_value = range(1, 2)
    fake.employer.return_value = None
    return fake


def test_a_standard_employer_is_stored_registered_with_its_number_and_event():
    fake = store()
    fake.insert_enrolments.return_value = True
    workflow.receive_licence(fake, MagicMock(), licence(staff=1), NOW)
    [intake] = [c.args[0] for c in fake.receive_intake.call_args_list]
    assert intake["state"] == "registered" and intake["employer_number"] == "4201112026000007"
    assert [e["type"] for e in intake["outbox"]] == ["employer_registered"]
    fake.allocate.assert_called_once()  # the staff's record counter only: the employer's came from the block
    assert "employer:" not in fake.allocate.call_args.args[0]
    fake.move_employer.assert_called_once()  # one move after the first write: the staff processed


def test_a_duplicate_gives_back_the_number_it_drew_and_carries_on_from_what_is_stored():
    fake = store(stored=False)
    workflow.receive_licence(fake, MagicMock(), licence(), NOW)
    fake.give_back_number.assert_called_once_with("employer:420111:2026", 7)
    fake.move_employer.assert_not_called()
    fake.employer.assert_called()


def test_with_no_number_in_hand_a_stored_employer_is_looked_for_before_the_counter_moves():
    fake = store(reserved=None)
    fake.employer.return_value = {"_id": "U", "state": "registered", "employees_processed": True}
    workflow.receive_licence(fake, MagicMock(), licence(), NOW)
    fake.allocate.assert_not_called()
    fake.receive_intake.assert_not_called()


def test_an_employer_for_a_clerk_has_its_task_stored_before_it():
    fake = store()
    order = []
    fake.insert_task.side_effect = lambda task, events: order.append(("task", task.id)) or [outbox_entry(events[0])]
    fake.receive_intake.side_effect = lambda doc: order.append(("employer", doc["state"])) or True
    workflow.receive_licence(fake, MagicMock(), licence(district="110105"), NOW)
    assert order == [("task", domain.task_id("app-1", domain.TASK_EMPLOYER)), ("employer", "pending_review")]
    fake.reserved_number.assert_not_called()  # no number for an employer a clerk decides on
