"""The account reaches the other bureaus: each records it once (kit.bank_accounts) and shows it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts import clock
from kit import bank_accounts
from services.bank import workflow
from services.bank.store import BankStore
from services.housing_fund import workflow as housing
from services.housing_fund.figures import FiguresBook
from services.housing_fund.store import HousingFundStore
from tests.unit.bank.factories import licence_issued
from tests.unit.housing_fund.factories import licence_issued as housing_licence

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def reserved_payload(event):
    with clock.using(clock.fixed_at(NOW)):
        return workflow.reserve(BankStore.in_memory(), event, NOW)[0]["payload"]


def test_a_redelivered_account_is_recorded_once_and_the_first_record_stands():
    accounts = bank_accounts.InMemoryBankAccounts()
    payload = reserved_payload(licence_issued(issued_at=NOW))
    assert bank_accounts.receive(accounts, payload, NOW) is True
    assert bank_accounts.receive(accounts, payload, datetime(2026, 11, 25, tzinfo=UTC)) is False
    view = bank_accounts.bank_account_view(accounts.get(payload["uscc"]), bank_accounts.THREE_PARTY_AGREEMENT)
    assert view["account_number"] == payload["account_number"] and view["purpose"].startswith("三方协议")
    assert view["received_at"].startswith("2026-11-24")


def test_an_event_of_another_type_is_unprocessable():
    with pytest.raises(ValueError):
        bank_accounts.receive(bank_accounts.InMemoryBankAccounts(), {"type": "licence_issued"}, NOW)


def test_the_housing_fund_unit_shows_the_account_it_will_debit():
    store = HousingFundStore.in_memory()
    event = housing_licence(issued_at=NOW)
    with clock.using(clock.fixed_at(NOW)):
        housing.open_unit(store, FiguresBook(), event, NOW)
    assert housing.get_unit(store, event.licence.uscc)["bank_account"] is None
    payload = reserved_payload(licence_issued(issued_at=NOW)) | {"uscc": event.licence.uscc}
    bank_accounts.receive(store.bank_accounts, payload, NOW)
    shown = housing.get_unit(store, event.licence.uscc)["bank_account"]
    assert shown["account_number"] == payload["account_number"] and shown["purpose"] == bank_accounts.DIRECT_DEBIT
