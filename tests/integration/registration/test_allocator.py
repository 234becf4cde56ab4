"""The embedded USCC allocator over the real counter: racing workers never get one code twice."""

import eventlet
import pytest

from contracts.codes import is_valid_uscc
from services.registration.allocator import EmbeddedAllocator
from services.registration.store import RegistrationStore

pytestmark = pytest.mark.integration


def test_racing_workers_get_distinct_valid_ma_codes(mongo_db):
    allocator = EmbeddedAllocator(RegistrationStore(mongo_db).next_sequence)
    codes: list[str] = []
    pool = eventlet.GreenPool(40)
    for _ in range(200):
        pool.spawn(lambda: codes.append(allocator.allocate("420100")))
    pool.waitall()
    assert len(codes) == 200 and len(set(codes)) == 200
    assert all(is_valid_uscc(c) and c.startswith("91420100MA") for c in codes)
