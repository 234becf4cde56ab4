"""/api/v1/stats?format=csv&table=after_start: the changes' and closings' numbers registration answers,
as one CSV table (one row per kind and per bureau, empty cells where a column does not apply); the
start-up CSV is unchanged; registration unable to answer is a 503 said in Chinese, not a 500."""

from __future__ import annotations

import csv
import io

from contracts.rpc import Unavailable
from gateway import after_start_stats

ANSWER = {
    "changes": {"name": {"label": "名称", "requested": 2, "registered": 1, "refused": 1,
                         "median_days_to_registration": 3, "median_days_to_completion": None}},
    "change_bureaus": {"seal": {"label": "公安（印章）", "answered": 1, "median_working_days": 0}},
    "closings": {"simplified": {"label": "简易注销", "requested": 1, "registered": 1, "refused": 0,
                                "median_days_to_registration": 21.5, "median_days_to_completion": 21.5}},
    "closing_bureaus": {"tax": {"label": "税务", "answered": 1, "median_working_days": 2}},
    "definitions": {}, "generated_at": "2026-12-02T08:00:00+00:00",
}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_after_start_csv_has_a_row_per_kind_and_per_bureau(client, bureaus):
    bureaus.on("registration", "after_start_stats", ANSWER)
    r = client.get("/api/v1/stats", params={"format": "csv", "table": "after_start"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="onestop-stats-after-start.csv"' in r.headers["content-disposition"]
    rows = _rows(r.text)
    assert [(row["section"], row["key"]) for row in rows] == [
        ("change", "name"), ("closing", "simplified"), ("change_bureau", "seal"), ("closing_bureau", "tax")]
    name, simplified, seal, _ = rows
    assert name["label"] == "名称" and name["requested"] == "2" and name["refused"] == "1"
    assert name["median_days_to_registration"] == "3" and name["median_days_to_completion"] == ""
    assert name["answered"] == "" and simplified["median_days_to_completion"] == "21.5"
    assert seal["answered"] == "1" and seal["median_working_days"] == "0" and seal["requested"] == ""
    # the start-up table is still the default CSV, and the JSON still carries the same numbers
    default = client.get("/api/v1/stats", params={"format": "csv"})
    assert default.text.startswith("period,scope,") and "onestop-stats-month.csv" in default.headers["content-disposition"]
    assert client.get("/api/v1/stats").json()["after_start"]["changes"] == ANSWER["changes"]


def test_registration_unable_to_answer_is_a_503_in_chinese(client, bureaus):
    bureaus.on("registration", "after_start_stats", Unavailable("registration down"))
    r = client.get("/api/v1/stats", params={"format": "csv", "table": "after_start"})
    assert r.status_code == 503 and "登记机关暂时无法提供" in r.json()["message"]


def test_an_unknown_table_is_a_field_error(client):
    r = client.get("/api/v1/stats", params={"format": "csv", "table": "people"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("table")


def test_no_answer_yet_is_unavailable_not_an_empty_table():
    try:
        after_start_stats.to_csv(None)
    except Unavailable as error:
        assert "请稍后再试" in str(error)
    else:
        raise AssertionError("an empty CSV would read as no changes at all")
