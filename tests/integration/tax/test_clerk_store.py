"""The clerk queue's write conditions on the real database: the scenario of tests/unit/tax/test_clerk.py
(claims, a claim lapsing exactly now, releases, decisions) answers the same on MongoDB as on the in-memory
store, so the unit test's comparison with seal holds for what runs."""

import pytest

from services.tax.store import TaxStore
from tests.unit.tax.test_clerk import play, tax_queue

pytestmark = pytest.mark.integration


def test_the_scenario_answers_the_same_on_the_database_as_in_memory(mongo_db):
    store = TaxStore(mongo_db)
    store.ensure_indexes()
    assert play(tax_queue(store)) == play(tax_queue())
