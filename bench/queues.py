"""Classic against quorum queues on one broker node, side by side in one run (`--only queues`).

Each queue type gets its own fresh system (vhost, databases, processes) with ONESTOP_QUEUE_TYPE set,
the same measured load (p50/p99 from submission to completed) and the same saturation steps up to the
knee, offered to one system at a time, in turn. What decides the one-machine
default (docs/benchmarks.md): p99 completed and the completed/s sustained below the knee.
"""

from __future__ import annotations

from contextlib import ExitStack

from bench.results import Run
from bench.stats import find_knee, table

QUEUE_TYPES = ("classic", "quorum")


def measure(args, env: dict[str, str], p95_limit: float, step_of) -> dict[str, dict]:
    """Both systems run at once (idle one costs little) and get their loads in turn, classic then
    quorum for each load, so a neighbour's burst on a shared machine hits both alike."""
    from bench.e2e import Live

    with ExitStack() as stack:
        lives = {qt: stack.enter_context(Live(label=f"q{qt}", mongo_uri=args.mongo_uri,
                                              env={**env, "ONESTOP_QUEUE_TYPE": qt}))
                 for qt in QUEUE_TYPES}
        for live in lives.values():
            live.offer(3, 3, "warmup", timeout=30)
        results = {qt: {"run": lives[qt].offer(args.n, args.rate, qt, timeout=args.timeout), "steps": []}
                   for qt in QUEUE_TYPES}
        for rate in args.steps:
            going = [qt for qt in QUEUE_TYPES if not find_knee(results[qt]["steps"], p95_limit)]
            if not going:
                break
            for qt in going:
                results[qt]["steps"].append(step_of(lives[qt].offer(
                    max(5, int(rate * args.step_seconds)), rate, f"{qt}-sat{rate:g}", timeout=args.timeout)))
    for result in results.values():
        result["knee"] = find_knee(result["steps"], p95_limit)
    return results


def best_below_knee(steps: list[dict], knee: dict | None) -> float | None:
    kept = [s for s in steps if s is not knee and (knee is None or s["rate"] < knee["rate"])]
    return max((s["achieved"] or 0 for s in kept), default=None)


def broker_cpu_ms(run: Run) -> float | None:
    seconds = run.cpu.get("rabbitmq (shared)")
    return None if seconds is None else 1000 * seconds / max(1, run.completed)


def report(results: dict[str, dict], rate: float) -> str:
    rows = []
    cells = {}
    for queue_type in QUEUE_TYPES:
        r = results[queue_type]
        s = r["run"].summary("completed")
        knee = r["knee"]
        cells[queue_type] = [r["run"].completed, s.p50, s.p99, r["run"].throughput, broker_cpu_ms(r["run"]),
                             best_below_knee(r["steps"], knee), f"{knee['rate']:g}/s" if knee else "not reached"]
    labels = [f"completed (load at {rate:g}/s)", "p50 to completed (s)", "p99 to completed (s)", "completed/s",
              "broker CPU ms per application", "completed/s below the knee", "knee (offered)"]
    for i, label in enumerate(labels):
        classic, quorum = cells["classic"][i], cells["quorum"][i]
        x = (f"{quorum / classic:.2f}x" if isinstance(classic, float | int) and isinstance(quorum, float | int)
             and classic else "-")
        rows.append([label, classic, quorum, x])
    return table(["one broker node", "classic", "quorum", "quorum/classic"], rows)
