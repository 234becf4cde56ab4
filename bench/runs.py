"""The measured runs: the bare baseline chain, and (bench.e2e) the real system."""

from __future__ import annotations

import json
import time

from bench import baseline
from bench.load import paced
from bench.procs import Isolation, NamekoGroup, cpu_seconds, peak_rss_mib, wait_for_consumers
from bench.results import Run, add_milestones
from kit.launcher import ROOT

FORM = json.loads((ROOT / "examples" / "application.json").read_text(encoding="utf-8"))
BASELINE_COMPLETE = 5  # the five bureau outputs the collector must see


def wait_until(done, timeout: float, every: float = 0.5) -> bool:
    """Poll `done()` sparingly (default twice a second) until it is true or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return True
        time.sleep(every)
    return done()


def run_baseline(n: int, rate: float, timeout: float = 60, warmup: int = 5) -> Run:
    from nameko.standalone.events import event_dispatcher
    from nameko.standalone.rpc import ClusterRpcProxy

    run = Run("baseline", n, rate)
    with Isolation("base") as iso:
        group = NamekoGroup("bench.baseline", iso.amqp_uri, label=iso.vhost).start(baseline.CLASSES)
        try:
            wait_for_consumers(iso.vhost, list(baseline.CLASSES), baseline.EVENT_QUEUES, group.procs)
            config = {"AMQP_URI": iso.amqp_uri, "serializer": "json"}
            dispatch = event_dispatcher(config)
            with ClusterRpcProxy(config) as cluster:
                collector = cluster.bench_gateway
                for i in range(warmup):  # connections, queues and code paths warm before measuring
                    dispatch(baseline.SUBMIT_SOURCE, "application_submitted",
                             {"application_id": f"warm{i}", "form": FORM})
                wait_until(lambda: collector.count() >= warmup, 20)
                collector.reset()
                cpu_before = {p.label: cpu_seconds(p.pid) for p in group.procs}
                for i in paced(n, rate):
                    app_id = f"b{i:06d}"
                    run.submitted[app_id] = time.time()
                    dispatch(baseline.SUBMIT_SOURCE, "application_submitted",
                             {"application_id": app_id, "form": FORM})
                    run.reached.setdefault("accepted", {})[app_id] = time.time()
                if not wait_until(lambda: collector.count() >= n, timeout):
                    run.notes.append(f"baseline: only {collector.count()}/{n} completed in {timeout}s")
                run.cpu = {p.label: cpu_seconds(p.pid) - cpu_before[p.label] for p in group.procs}
                seen = collector.results()
            run.memory = {f"baseline {p.label}": peak_rss_mib(p.pid) for p in group.procs}
        finally:
            group.stop()
    for app_id, rows in seen.items():
        if app_id not in run.submitted:
            continue
        outputs = {kind for kind, _, _ in rows if kind != "licence_issued"}
        done_at = max(received for _, _, received in rows) if len(outputs) >= BASELINE_COMPLETE else None
        add_milestones(run, app_id, [(kind, occurred) for kind, occurred, _ in rows], done_at)
        run.lags.extend(max(0.0, received - occurred) for _, occurred, received in rows)
    return run
