"""The benchmark's statistics helpers: percentiles, latencies, throughput, knee and table layout."""

import pytest

from bench.stats import find_knee, fmt, latencies, percentile, ratio, summarize, table, throughput


def test_percentile_interpolates_like_numpy():
    data = [1, 2, 3, 4]
    assert percentile(data, 0) == 1
    assert percentile(data, 100) == 4
    assert percentile(data, 50) == 2.5
    assert percentile(data, 95) == pytest.approx(3.85)
    assert percentile(list(range(1, 101)), 99) == pytest.approx(99.01)


def test_percentile_of_nothing_is_none_and_of_one_is_it():
    assert percentile([], 50) is None
    assert percentile([7.5], 99) == 7.5


def test_percentile_ignores_input_order_and_rejects_bad_q():
    assert percentile([3, 1, 2], 50) == 2
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_summarize():
    s = summarize([0.1, 0.2, 0.3])
    assert (s.count, s.p50, s.max) == (3, 0.2, 0.3)
    empty = summarize([])
    assert (empty.count, empty.p50, empty.p99, empty.max) == (0, None, None, None)


def test_latencies_pair_ids_and_skip_missing():
    assert latencies({"a": 1.0, "b": 2.0, "c": 3.0}, {"a": 1.5, "c": 2.9}) == [0.5, 0.0]


def test_throughput_counts_from_first_submission():
    assert throughput(10.0, [11.0, 12.0, 15.0]) == pytest.approx(3 / 5)
    assert throughput(10.0, []) is None
    assert throughput(10.0, [10.0]) is None


def test_ratio():
    assert ratio(3.0, 1.5) == 2.0
    assert ratio(None, 1.0) is None
    assert ratio(1.0, 0) is None


def test_knee_is_first_step_that_breaks_latency_or_falls_behind():
    ok = {"rate": 5, "p95": 0.5, "achieved": 5.0, "completed": 50, "submitted": 50}
    slow = {"rate": 10, "p95": 3.5, "achieved": 10.0, "completed": 100, "submitted": 100}
    behind = {"rate": 10, "p95": 1.0, "achieved": 7.0, "completed": 100, "submitted": 100}
    lost = {"rate": 10, "p95": 1.0, "achieved": 10.0, "completed": 99, "submitted": 100}
    assert find_knee([ok, slow], p95_limit=3.0) is slow
    assert find_knee([ok, behind], p95_limit=3.0) is behind
    assert find_knee([ok, lost], p95_limit=3.0) is lost
    assert find_knee([ok], p95_limit=3.0) is None


def test_fmt():
    assert fmt(None) == "-"
    assert fmt(1.23456) == "1.235"
    assert fmt(12) == "12"
    assert fmt(float("nan")) == "-"


def test_table_aligns_columns_and_counts_cjk_as_double_width():
    out = table(["milestone", "p50"], [["licence", 0.12345], ["执照", None]]).splitlines()
    assert out[0] == "milestone    p50"
    assert out[2] == "licence    0.123"
    assert out[3] == "执照           -"
    assert len({len(out[0]), len(out[1]), len(out[2])}) == 1


def test_table_rejects_ragged_rows():
    with pytest.raises(ValueError):
        table(["a", "b"], [[1]])
