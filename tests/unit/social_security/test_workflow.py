"""receive_licence and the employer's path, on the in-memory store (kit.repository.InMemoryRepository):
what the first write holds, what a duplicate costs, and what is published in which order."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from contracts.codes import make_uscc
from contracts.events import Licence, LicenceIssued
from contracts.form import Employee, LegalRepresentative, SealRequest, TaxNeeds
from services.social_security import domain, workflow
from services.social_security.store import InMemorySocialSecurityStore

from .helpers import resident_id

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
USCC = make_uscc("420111", "00000001")


def licence(district: str = "420111", staff: int = 0, wage: str = "9000.00") -> LicenceIssued:
    return LicenceIssued(
        application_id="app-1",
        licence=Licence(uscc=make_uscc(district, "00000001"), company_name="武汉海陆空商贸有限公司",
                        company_type="有限责任公司", legal_representative="赵六",
                        registered_capital=Decimal("100000.00"), established_on=date(2026, 11, 25), term="长期",
                        domicile="武汉市洪山区珞喻路1号", district_code=district, business_scope="日用百货销售",
                        authority="武汉市洪山区市场监督管理局", issued_at=NOW),
        legal_representative=LegalRepresentative(name="赵六", resident_id=resident_id(seq="900"), position="director"),
        contact_phone="13800000000", seals=SealRequest(), tax=TaxNeeds(), business_scope=["G0008"],
        employees=[Employee(name="孙八", resident_id=resident_id(seq=f"{i:03d}"), monthly_wage=Decimal(wage))
                   for i in range(staff)])


class Sent(list):
    """A dispatch that records (routing key, payload)."""

    def __call__(self, kind, payload):
        self.append((kind, payload))

    def kinds(self):
        return [k for k, _ in self]


@pytest.fixture
def store():
    return InMemorySocialSecurityStore()


def test_a_standard_employer_is_stored_registered_with_its_number_then_its_staff(store, monkeypatch):
    monkeypatch.setattr(store, "reserved_number", lambda key: 7)  # a running worker's block holds it
    sent = Sent()
    workflow.receive_licence(store, sent, licence(staff=2), NOW)
    employer, version = store.load_employer(USCC)
    assert employer.state == "registered" and employer.employer_number == "4201112026000007"
    assert employer.employees_processed and version == 1  # the first write, then one move: staff done
    assert sent.kinds() == ["employer_registered", "employees_enrolled"]
    assert [e["employee_id"] for e in sent[1][1]["employees"]] == [domain.form_employee_id("app-1", i) for i in (0, 1)]
    assert store.employer_repo.pending(USCC) == []  # published, then taken out of the outbox
    assert "employer:" not in "".join(store.sequences.values)  # the employer's number came from the block


def test_without_a_number_in_hand_the_counter_is_drawn_and_a_redelivery_never_moves_it(store):
    sent = Sent()
    workflow.receive_licence(store, sent, licence(staff=1), NOW)
    assert store.sequences.values == {"employer:420111:2026": 1, f"record:{USCC}": 1}
    workflow.receive_licence(store, sent, licence(staff=1), NOW)  # redelivered
    assert store.sequences.values == {"employer:420111:2026": 1, f"record:{USCC}": 1}
    assert sent.kinds() == ["employer_registered", "employees_enrolled"]  # nothing twice
    assert len(store.staff_of(USCC)) == 1


def test_a_duplicate_gives_back_the_number_it_drew_and_carries_on_from_what_is_stored(store, monkeypatch):
    workflow.receive_licence(store, Sent(), licence(), NOW)
    given_back = []
    monkeypatch.setattr(store, "reserved_number", lambda key: 2)
    monkeypatch.setattr(store, "give_back_number", lambda key, last: given_back.append((key, last)))
    sent = Sent()
    workflow.receive_licence(store, sent, licence(), NOW)
    assert given_back == [("employer:420111:2026", 2)] and sent == []
    assert store.employer(USCC).employer_number == "4201112026000001"


def test_an_employer_for_a_clerk_has_its_task_stored_before_it_and_no_number(store):
    order = []
    insert_task, receive = store.insert_task, store.receive_intake
    store.insert_task = lambda task, events: order.append(("task", task.id)) or insert_task(task, events)
    store.receive_intake = lambda e, events: order.append(("employer", e.state)) or receive(e, events)
    sent = Sent()
    workflow.receive_licence(store, sent, licence(district="110105", staff=1), NOW)
    task_id = domain.task_id("app-1", domain.TASK_EMPLOYER)
    assert order == [("task", task_id), ("employer", "pending_review")]
    assert store.employer(make_uscc("110105", "00000001")).task_id == task_id
    assert sent.kinds() == ["task_queued"] and store.sequences.values == {}
