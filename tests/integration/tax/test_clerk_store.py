"""The clerk queue's write conditions on the real database: the scenario of tests/unit/tax/test_clerk.py
(claims, a claim lapsing exactly now, releases, decisions) answers the same on MongoDB as on the in-memory
store, so the unit test's comparison with seal holds for what runs; and a task stored in the old shape
(state "claimed") answers on MongoDB as the new shape does in memory."""

import pytest

from services.tax.store import TaxStore
from tests.unit.tax.test_clerk import old_and_new_shape, play, tax_queue

pytestmark = pytest.mark.integration


def test_the_scenario_answers_the_same_on_the_database_as_in_memory(mongo_db):
    store = TaxStore(mongo_db)
    store.ensure_indexes()
    assert play(tax_queue(store)) == play(tax_queue())


def test_the_old_claimed_shape_reads_on_the_database_as_the_new_shape_in_memory(mongo_db):
    store = TaxStore(mongo_db)
    store.ensure_indexes()
    answers = old_and_new_shape(TaxStore.in_memory(), store)
    assert answers[0] == answers[1] and answers[0][-2:] == ["rejected", 0]
