"""kit.querylog writes one line per filter of each command, when its reply arrives, with how long it took;
bench.trips counts the round trips and sums the time from those lines."""

import pytest
from pymongo import MongoClient, UpdateOne
from pymongo.errors import OperationFailure

from bench.trips import tally, timed
from kit import querylog
from tests.conftest import MONGO_URI

pytestmark = pytest.mark.integration


def test_each_command_is_one_round_trip_with_its_time_and_unlogged_commands_leave_nothing(tmp_path, mongo_db_name):
    log = tmp_path / "queries.jsonl"
    client = MongoClient(MONGO_URI, event_listeners=[querylog.QueryLog(log)])
    try:
        cases = client[mongo_db_name]["cases"]
        cases.insert_many([{"_id": i, "state": "open"} for i in range(5)])
        assert len(list(cases.find({"state": "open"}, batch_size=2))) == 5  # getMores: not logged
        cases.bulk_write([UpdateOne({"_id": 1}, {"$set": {"state": "done"}}),
                          UpdateOne({"_id": 2}, {"$set": {"state": "done"}})])
        with pytest.raises(OperationFailure):
            client[mongo_db_name].command({"find": "cases", "filter": {"$bogus": 1}})
        client.admin.command("ping")  # not a query: not logged
    finally:
        client.close()
    rows = querylog.read(log)
    assert [(r["command"], r["round_trip"]) for r in rows] == [
        ("insert", True), ("find", True), ("update", True), ("update", False), ("find", True)]
    assert all(isinstance(r["micros"], int) and r["micros"] >= 0 for r in rows)
    assert rows[-1].get("failed") is True and "failed" not in rows[0]
    assert rows[2]["micros"] == rows[3]["micros"]  # one command, one time, on each of its lines

    by_process, by_step = tally(rows, mongo_db_name)
    assert sum(by_process.values()) == 4  # the update's second filter rode on the same round trip
    millis = timed(rows, mongo_db_name)
    assert millis.keys() == by_step.keys()
    assert sum(millis.values()) == pytest.approx(sum(r["micros"] for r in rows if r["round_trip"]) / 1000)
