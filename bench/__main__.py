"""`make bench` / `python -m bench`: end-to-end latency and throughput, the bare baseline, scaling and
saturation, printed as tables. Numbers only; it never fails on a target (see docs/benchmarks.md)."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from datetime import UTC, datetime

from bench.results import MILESTONES, Run
from bench.stats import find_knee, fmt, ratio, summarize, table

PARTS = ("e2e", "baseline", "scaling", "saturation", "queues", "documents", "history")
DEFAULT_PARTS = tuple(p for p in PARTS if p != "history")  # history preloads for many minutes: on request
P95_LIMIT = 3.0  # s, submission -> completed: beyond this the system is "broken" for the knee


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--n", type=int, default=None, help="applications per measured load (default 100)")
    parser.add_argument("--rate", type=float, default=None, help="offered applications/s (default 10)")
    parser.add_argument("--quick", action="store_true", help="a small smoke run (n=20, short saturation)")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only these parts (repeatable)")
    parser.add_argument("--scaling-rate", type=float, default=None,
                        help="offered rate for the 1-vs-2-instances comparison (default 25/s)")
    parser.add_argument("--steps", default=None, help="saturation rates, e.g. 5,10,20,30,40")
    parser.add_argument("--step-seconds", type=float, default=None, help="seconds of load per saturation step")
    parser.add_argument("--mongo-uri", default=None,
                        help="database URI for the system under test, e.g. with ?retryWrites=false")
    parser.add_argument("--max-workers", type=int, default=None,
                        help="MAX_WORKERS (and the tracker's TRACKER_MAX_WORKERS) for every service under test "
                             "(config defaults 10, the tracker 64)")
    parser.add_argument("--history-n", type=int, default=100_000,
                        help="completed applications the history part preloads (default 100000)")
    parser.add_argument("--history-e2e-n", type=int, default=30, help="the history part's e2e load (default 30)")
    parser.add_argument("--history-e2e-rate", type=float, default=5.0, help="its rate (default 5/s)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for completions after a load")
    args = parser.parse_args(argv)
    quick = args.quick
    args.n = args.n or (20 if quick else 100)
    args.rate = args.rate or (5.0 if quick else 10.0)
    args.scaling_rate = args.scaling_rate or (10.0 if quick else 25.0)
    args.steps = [float(x) for x in (args.steps or ("5,15" if quick else "5,10,15,20,30,40")).split(",")]
    args.step_seconds = args.step_seconds or (3.0 if quick else 8.0)
    args.parts = set(args.only or DEFAULT_PARTS)
    return args


def latency_table(e2e: Run | None, base: Run | None) -> str:
    rows = []
    for key, label in MILESTONES:
        s = e2e.summary(key) if e2e else None
        b = base.summary(key) if base else None
        rows.append([
            label,
            s.count if s else None, s.p50 if s else None, s.p95 if s else None, s.p99 if s else None,
            b.p50 if b else None, b.p99 if b else None,
            _x(ratio(s.p50 if s else None, b.p50 if b else None)),
            _x(ratio(s.p99 if s else None, b.p99 if b else None)),
        ])
    lag = summarize(e2e.lags) if e2e else None
    blag = summarize(base.lags) if base else None
    rows.append(["(tracker lag: event -> timeline)", lag.count if lag else None, lag.p50 if lag else None,
                 lag.p95 if lag else None, lag.p99 if lag else None, blag.p50 if blag else None,
                 blag.p99 if blag else None, _x(ratio(lag.p50 if lag else None, blag.p50 if blag else None)),
                 _x(ratio(lag.p99 if lag else None, blag.p99 if blag else None))])
    rows.append(["sustained completed/s", None, e2e.throughput if e2e else None, None, None,
                 base.throughput if base else None, None,
                 _x(ratio(e2e.throughput if e2e else None, base.throughput if base else None)), None])
    headers = ["from submission to (s)", "n", "p50", "p95", "p99", "base p50", "base p99", "x p50", "x p99"]
    return table(headers, rows)


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x"


def process_table(runs: list[Run], cpu_runs: list[Run]) -> str:
    """Peak RSS of every process, and CPU milliseconds per application it spent in the main loads."""
    peaks: dict[str, float | None] = {}
    for run in runs:
        for name, mib in run.memory.items():
            if mib is not None:
                peaks[name] = max(mib, peaks.get(name) or 0.0)
    for run in cpu_runs:
        for name in run.cpu:
            if "(shared)" in name:
                peaks.setdefault(name, None)
    headers = ["process", "peak RSS MiB (VmHWM)"]
    for run in cpu_runs:
        headers.append(f"CPU ms/app ({run.label})")
    rows = []
    for name in sorted(peaks):
        key = name.removeprefix("baseline ")
        cpu = [1000 * run.cpu[key] / max(1, run.completed) if key in run.cpu and
               name.startswith("baseline ") == (run.label == "baseline") else None for run in cpu_runs]
        rows.append([name, peaks[name], *cpu])
    ops = [f"{run.db_ops / max(1, run.completed):.0f}" if run.db_ops is not None else None for run in cpu_runs]
    if any(ops):
        rows.append(["database round trips per application", None, *ops])
    return table(headers, rows, digits=1)


def targets(e2e: Run | None, base: Run | None, best_rate: float | None) -> str:
    rows = []
    if e2e:
        lic, done = e2e.summary("licence").p99, e2e.summary("completed").p99
        rows.append([f"p99 submission -> licence @ {e2e.rate:g}/s", "< 1 s", fmt(lic), _ok(lic is not None and lic < 1)])
        rows.append([f"p99 submission -> completed @ {e2e.rate:g}/s", "< 3 s", fmt(done),
                     _ok(done is not None and done < 3)])
        if base:
            r = ratio(e2e.summary("completed").p50, base.summary("completed").p50)
            rows.append(["p50 completed vs bare baseline", "<= 5x", _x(r), _ok(r is not None and r <= 5)])
    if best_rate is not None:
        rows.append(["sustained completed/s (saturation)", ">= 20", fmt(best_rate, 1), _ok(best_rate >= 20)])
    return table(["target", "wanted", "measured", ""], rows)


def _ok(flag: bool) -> str:
    return "met" if flag else "NOT MET"


def saturation_rows(steps: list[dict]) -> str:
    rows = [[f"{s['rate']:g}/s", s["submitted"], s["completed"], s["achieved"], s["p50"], s["p95"], s["p99"],
             s["errors"]] for s in steps]
    return table(["offered", "submitted", "completed", "completed/s", "p50", "p95", "p99", "errors"], rows)


def step_of(run: Run) -> dict:
    s = run.summary("completed")
    return {"rate": run.rate, "submitted": len(run.submitted) + run.errors, "completed": run.completed,
            "achieved": run.throughput, "p50": s.p50, "p95": s.p95, "p99": s.p99, "errors": run.errors}


def _env(args: argparse.Namespace) -> dict[str, str]:
    # the tracker has its own pool (gateway/config.yml TRACKER_MAX_WORKERS): --max-workers sets both
    return {"MAX_WORKERS": str(args.max_workers), "TRACKER_MAX_WORKERS": str(args.max_workers)} if args.max_workers else {}


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    args = parse_args(argv)
    from bench.runs import run_baseline

    out = []
    say = lambda text="": (print(text, flush=True), out.append(text))  # noqa: E731
    say(f"OneStop benchmark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}, "
        f"{os.cpu_count()} CPU cores, Python {platform.python_version()}")
    if args.max_workers:
        say(f"MAX_WORKERS={args.max_workers} for every service under test")
    if args.mongo_uri:
        say(f"database URI for the system under test: {args.mongo_uri}")
    say(f"load: n={args.n} at {args.rate:g} applications/s (open loop); parts: {', '.join(sorted(args.parts))}")
    base = e2e = None
    memory_runs: list[Run] = []
    notes: list[str] = []
    best_rate = None
    knee = None
    started = time.monotonic()

    if args.parts & {"baseline", "e2e"}:
        base = run_baseline(args.n, args.rate, timeout=args.timeout)
        memory_runs.append(base)
        notes += base.notes

    needs_live = args.parts & {"e2e", "scaling", "saturation", "documents"}
    issued = None
    scaling: dict[int, Run] = {}
    steps: list[dict] = []
    if needs_live:
        from bench.e2e import Live

        with Live(scale=1, mongo_uri=args.mongo_uri, env=_env(args)) as live:
            live.offer(3, 3, "warmup", timeout=30)  # first requests pay imports, connections, indexes
            if "e2e" in args.parts:
                e2e = live.offer(args.n, args.rate, "e2e", timeout=args.timeout)
                memory_runs.append(e2e)
                notes += e2e.notes
            if "documents" in args.parts:  # before the saturation steps: a quiet system renders them
                from bench import documents

                loaded = e2e or live.offer(min(args.n, 20), min(args.rate, 5.0), "documents", timeout=args.timeout)
                issued = documents.measure(live, [i for i in loaded.submitted if i in loaded.reached.get("completed", {})])
            if "scaling" in args.parts:
                scaling[1] = live.offer(args.n, args.scaling_rate, "scale1", timeout=args.timeout)
                notes += scaling[1].notes
            if "saturation" in args.parts:
                for rate in args.steps:
                    run = live.offer(max(5, int(rate * args.step_seconds)), rate, f"sat{rate:g}",
                                     timeout=args.timeout)
                    steps.append(step_of(run))
                    notes += run.notes
                    if find_knee(steps[-1:], P95_LIMIT):
                        break  # past the knee: stop loading a shared machine
            memory_runs.append(Run("end", 0, 0, memory=live.memory()))
        if "scaling" in args.parts:
            with Live(scale=2, label="scale2", mongo_uri=args.mongo_uri, env=_env(args)) as live2:
                live2.offer(3, 3, "warmup", timeout=30)
                scaling[2] = live2.offer(args.n, args.scaling_rate, "scale2", timeout=args.timeout)
                notes += scaling[2].notes
                memory_runs.append(Run("scale2", 0, 0, memory={f"x2 {k}": v for k, v in live2.memory().items()}))

    queue_types = None
    if "queues" in args.parts:
        from bench import queues

        queue_types = queues.measure(args, _env(args), P95_LIMIT, step_of)
        for result in queue_types.values():
            notes += result["run"].notes

    if base or e2e:
        say()
        say(f"1. latency from submission, end to end vs the bare baseline (n={args.n}, {args.rate:g}/s)")
        say(latency_table(e2e, base))
    if scaling:
        say()
        say(f"2. scaling: same load (n={args.n} at {args.scaling_rate:g}/s), 1 vs 2 instances of each bureau")
        rows = []
        for k, run in sorted(scaling.items()):
            s = run.summary("completed")
            rows.append([f"{k} instance(s)", run.completed, run.throughput, s.p50, s.p95, s.p99])
        if len(scaling) == 2:
            rows.append(["ratio 2/1", None, ratio(scaling[2].throughput, scaling[1].throughput),
                         ratio(scaling[2].summary("completed").p50, scaling[1].summary("completed").p50), None, None])
        say(table(["bureau instances", "completed", "completed/s", "p50", "p95", "p99"], rows))
    if steps:
        say()
        say(f"3. saturation: {args.step_seconds:g} s of load per step; knee = p95 to completed > {P95_LIMIT:g} s "
            "or completions < 90% of the offered rate")
        say(saturation_rows(steps))
        knee = find_knee(steps, P95_LIMIT)
        kept = [s for s in steps if s is not knee and (knee is None or s["rate"] < knee["rate"])]
        best_rate = max((s["achieved"] or 0 for s in kept), default=None)
        say(f"knee: {knee['rate']:g}/s offered" if knee else f"knee: not reached up to {steps[-1]['rate']:g}/s")
        if best_rate is not None:
            say(f"highest sustained rate below the knee: {best_rate:.1f} completed/s")
    if memory_runs:
        say()
        say("4. per process: peak memory, and CPU per completed application")
        say(process_table(memory_runs, [r for r in (base, e2e) if r is not None]))
    if e2e or best_rate is not None:
        say()
        say("5. targets (reported, never enforced)")
        say(targets(e2e, base, best_rate))
    if queue_types:
        from bench import queues

        say()
        say(f"6. queue types on one broker node: classic vs quorum (ONESTOP_QUEUE_TYPE), n={args.n} at "
            f"{args.rate:g}/s, then the saturation steps up to the knee, one fresh system each")
        say(queues.report(queue_types, args.rate))
    if issued:
        from bench import documents

        say()
        say("9. issued documents: rendered and signed on the first download, then served as stored")
        say(documents.report(issued))
    if "history" in args.parts:
        from bench import history

        say()
        say(f"8. cost against history: at 0 and at {args.history_n} stored completed applications")
        out.append(history.run(args))
    for note in notes:
        say(f"note: {note}")
    if e2e or base or steps:
        from bench import ratios

        say()
        say("7. the ratios against the bare chain of this run (issue 23; last, so they are what a reader sees)")
        say(ratios.report(e2e, base, steps, knee, best_rate))
    say(f"\nbenchmark took {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
