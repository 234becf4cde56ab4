from bench.ratios import cpu_per_app, half_knee_step, ratio_rows, report
from bench.results import Run


def _run(label: str, completed: int, cpu: dict[str, float], db_ops: int | None = None) -> Run:
    run = Run(label, completed, 10)
    for i in range(completed):
        run.submitted[f"a{i}"] = 100.0 + i * 0.1
        run.reached.setdefault("completed", {})[f"a{i}"] = 100.5 + i * 0.1
    run.cpu = cpu
    run.db_ops = db_ops
    return run


def test_cpu_per_app_sums_processes_and_can_leave_the_shared_ones_out():
    run = _run("e2e", 10, {"web": 0.5, "tax-0": 0.5, "database (shared)": 1.0})
    assert cpu_per_app(run) == 0.2
    assert cpu_per_app(run, shared=False) == 0.1
    assert cpu_per_app(Run("x", 0, 1)) is None


def test_half_knee_step_takes_the_highest_step_at_or_below_half():
    steps = [{"rate": r, "p50": 0.1, "p99": 0.2} for r in (5, 10, 15, 20)]
    assert half_knee_step(steps, steps[3])["rate"] == 10
    assert half_knee_step(steps, steps[1])["rate"] == 5
    assert half_knee_step(steps, None)["rate"] == 10  # no knee: half the highest tried
    assert half_knee_step(steps, steps[0]) is None
    assert half_knee_step([], None) is None


def test_ratio_rows_divide_by_the_bare_chain():
    e2e = _run("e2e", 10, {"web": 1.0, "database (shared)": 1.0}, db_ops=200)
    base = _run("baseline", 10, {"bench_tax": 0.1})
    steps = [{"rate": 5, "p50": 1.0, "p99": 2.0}, {"rate": 10, "p50": 5.0, "p99": 9.0}]
    rows = {row[0]: row for row in ratio_rows(e2e, base, steps, steps[1], 4.8)}
    assert rows["CPU per application, all processes (db + broker + ours)"][1:4] == ["200 ms", "10 ms", "20.0x"]
    assert rows["CPU per application, our processes only"][3] == "10.0x"
    assert rows["database round trips per application"][1] == "20.0"
    assert rows["p50 completed @ 5/s / bare p50"][3] == "2.0x"
    assert rows["p99 completed @ 5/s / bare p99"][3] == "4.0x"
    assert "knee 10/s" in report(e2e, base, steps, steps[1], 4.8)


def test_missing_parts_print_dashes():
    assert all(row[3] == "-" for row in ratio_rows(None, None, [], None, None))
    assert report(None, None, [], None, None).startswith("ratio (this run)")
