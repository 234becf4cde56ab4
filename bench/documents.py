"""What issued documents cost (issue 17): every document of some completed applications downloaded twice,
once while it is rendered and signed (the first download: kit.documents issues it) and once as stored.

Nothing is rendered or signed on the automatic path itself: a bureau renders and PAdES-signs a document
the first time someone asks for it and keeps it, so "submission -> completed" (table 1) carries no PDF
work. What it does carry is each electronic seal's key pair and certificate (~3 ms a seal,
services/seal/esign.py). This part shows the rest: time and CPU per document, first and repeated.
"""

from __future__ import annotations

import re
import time

import httpx

from bench.procs import cpu_seconds
from bench.stats import percentile, table

SAMPLE = 10  # applications whose documents are fetched


def kind_of(name: str) -> str:
    """tax.invoice.2642... -> tax.invoice.*: one row per kind of document."""
    return re.sub(r"^(tax\.invoice|seal\.image)\..+$", r"\1.*", name)


def measure(live, application_ids: list[str], sample: int = SAMPLE) -> dict:
    headers = {"Authorization": f"Bearer {live.token}"}
    times: dict[str, dict[str, list[float]]] = {}
    cpu = {"first": 0.0, "again": 0.0}
    counts = {"first": 0, "again": 0}
    watched = live.processes()
    with httpx.Client(base_url=live.url, headers=headers, timeout=60) as client:
        for app_id in application_ids[:sample]:
            view = client.get(f"/api/v1/applications/{app_id}").json()
            for doc in view.get("documents", []):
                url = f"/api/v1/applications/{app_id}/documents/{doc['name']}"
                for attempt in ("first", "again"):
                    before = _cpu(watched)
                    started = time.perf_counter()
                    reply = client.get(url)
                    elapsed = time.perf_counter() - started
                    cpu[attempt] += _cpu(watched) - before
                    if reply.status_code != 200:
                        continue
                    counts[attempt] += 1
                    times.setdefault(kind_of(doc["name"]), {"first": [], "again": []})[attempt].append(elapsed)
    return {"times": times, "cpu_ms": {k: 1000 * cpu[k] / counts[k] if counts[k] else None for k in cpu},
            "documents": counts["first"], "applications": min(sample, len(application_ids))}


def _cpu(pids: dict[str, int]) -> float:
    return sum(cpu_seconds(pid) or 0.0 for pid in pids.values())


def report(result: dict) -> str:
    rows = []
    for kind, t in sorted(result["times"].items()):
        rows.append([kind, len(t["first"]), percentile(t["first"], 50), percentile(t["first"], 95),
                     percentile(t["again"], 50), percentile(t["again"], 95)])
    out = table(["document", "n", "first p50 s", "first p95 s", "stored p50 s", "stored p95 s"], rows)
    cpu = result["cpu_ms"]
    out += (f"\nour processes' CPU per document: first download (render + sign + store) "
            f"{_ms(cpu['first'])}, stored {_ms(cpu['again'])} ({result['documents']} documents of "
            f"{result['applications']} applications; none of it is on the path to 'completed')")
    return out


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"
