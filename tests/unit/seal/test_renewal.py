"""A name change voids the seals bearing the old name and makes new ones; a deregistration voids them
all. Lookups say which is which, with the date (the workflow over the in-memory store)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contracts import clock
from contracts.events import CompanyChanged, CompanyDeregistered
from contracts.form import SealKind
from services.seal import workflow
from services.seal.store import SealStore
from tests.unit.seal.factories import USCC, licence_issued

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Wuhan
LATER = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
NEW_NAME = "武汉楚天云启商贸有限公司"


class Certificates:
    """What the workflow asks of the electronic-seal CA (esign.ElectronicSeals), recorded."""

    def __init__(self):
        self.revoked: list[tuple[list[str] | str, str]] = []  # (seal codes or the company's USCC, reason)

    def revoke(self, codes, at, reason):
        self.revoked.append((codes, reason))

    def revoke_company(self, uscc, at, reason):
        self.revoked.append((uscc, reason))


@pytest.fixture
def store():
    return SealStore.in_memory()


def _opened(store, physical: bool):
    event = licence_issued(kinds=[SealKind.company, SealKind.finance], physical=physical, issued_at=NOW)
    workflow.open_seal_set(store, event)
    return event


def _renamed(issued, version: int = 2) -> CompanyChanged:
    licence = issued.licence.model_copy(update={"company_name": NEW_NAME, "issued_at": LATER})
    return CompanyChanged(application_id=issued.application_id, uscc=USCC, change_id="rename-1", version=version,
                          changed=["name"], licence=licence, previous_district_code="420111", answerers=["seal"])


def test_a_name_change_voids_every_seal_and_makes_new_ones_once(store):
    issued = _opened(store, physical=True)
    old = [s["code"] for s in workflow.list_seals(store, USCC)]
    certificates = Certificates()
    with clock.using(clock.fixed_at(LATER)):
        entries = workflow.renew_for_name_change(store, certificates, _renamed(issued))
        again = workflow.renew_for_name_change(store, certificates, _renamed(issued))  # redelivered
    assert again == [] and store.sequences.values == {"seal_code:420111": 8}  # 4 old + 4 new, no more
    assert [e["type"] for e in entries] == ["task_queued"]  # the new physical seals go to the engraver
    seals = {s["code"]: s for s in workflow.list_seals(store, USCC)}
    new = [c for c in seals if c not in old]
    assert len(new) == 4
    for code in old:
        found = workflow.lookup_seal(store, code)
        assert found["genuine"] is False and found["seal"]["status_label"] == "已作废"
        assert found["seal"]["voided_on"] == "2026-11-30" and found["seal"]["company_name"] == issued.licence.company_name
        assert "名称变更" in found["seal"]["void_reason"]
    electronic = [c for c in new if seals[c]["medium"] == "electronic"]
    assert all(workflow.lookup_seal(store, c)["genuine"] for c in electronic)
    assert all(seals[c]["company_name"] == NEW_NAME for c in new)
    assert {seals[c]["status"] for c in new if c not in electronic} == {"ordered"}
    # the old electronic seals' certificates revoked (the new ones are made on first use: test_esign)
    [(codes, reason)] = {str(r): r for r in certificates.revoked}.values()
    assert sorted(codes) == sorted(c for c in old if seals[c]["medium"] == "electronic")
    seal_set = store.by_uscc(USCC)
    assert [t.kind for t in seal_set.tasks if t.state == "open"] == ["engraving"]  # the old order's step closed


def test_a_change_without_a_new_name_leaves_the_seals_alone(store):
    issued = _opened(store, physical=False)
    moved = _renamed(issued).model_copy(update={"changed": ["domicile"]})
    assert workflow.renew_for_name_change(store, Certificates(), moved) == []
    assert all(s["status"] == "filed" for s in workflow.list_seals(store, USCC))


def test_a_deregistration_voids_every_seal_with_its_date(store):
    issued = _opened(store, physical=False)
    certificates = Certificates()
    event = CompanyDeregistered(application_id=issued.application_id, uscc=USCC, closure_id="close-1",
                                deregistered_on=date(2026, 12, 1), occurred_at=LATER)
    workflow.void_on_deregistration(store, certificates, event)
    workflow.void_on_deregistration(store, certificates, event)  # redelivered: nothing more
    for seal in workflow.list_seals(store, USCC):
        found = workflow.lookup_seal(store, seal["code"])
        assert found["genuine"] is False and found["seal"]["voided_on"] == "2026-11-30"
        assert found["seal"]["void_reason"] == "企业已注销，印章作废"
    assert certificates.revoked[0] == (USCC, "企业已注销")
