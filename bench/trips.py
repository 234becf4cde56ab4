"""Database round trips per application, per process and per step:
`python -m bench.trips [--n 30] [--rate 5] [--mongo-uri URI]`.

Runs the real system with ONESTOP_QUERY_LOG (kit.querylog: every command each process sends), offers
n applications after a warm-up, and counts the commands sent during the load, grouped by process and
by (collection, command). A count, not a time: the load on the machine does not change it, so it is
the figure to compare before and after a change. Timers (the outbox relays, webhook sweeps) count too:
at a given rate they are part of what an application costs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.stats import table
from kit import querylog


def tally(rows: list[dict], prefix: str) -> tuple[Counter, Counter]:
    """(process -> round trips, (process, collection, command) -> round trips) of one system's databases."""
    by_process: Counter = Counter()
    by_step: Counter = Counter()
    for row in rows:
        if not row.get("round_trip", True) or not row["db"].startswith(prefix):
            continue
        process = row.get("process", "?").split(":")[0]
        by_process[process] += 1
        by_step[(process, f"{row['db'].removeprefix(prefix + '_')}.{row['collection']}", row["command"])] += 1
    return by_process, by_step


def main(argv: list[str] | None = None) -> int:
    from bench.e2e import Live

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--mongo-uri", default=None)
    args = parser.parse_args(argv)
    log = Path(tempfile.mkdtemp(prefix="trips-")) / "queries.jsonl"
    with Live(label="trips", mongo_uri=args.mongo_uri, env={querylog.QUERY_LOG_ENV: str(log)}) as live:
        live.offer(3, 3, "warmup", timeout=30)
        time.sleep(1)
        log.write_text("")  # only the measured load from here
        run = live.offer(args.n, args.rate, "trips", timeout=90)
        prefix = live.iso.db_prefix
    done = max(1, run.completed)
    by_process, by_step = tally(querylog.read(log), prefix)
    total = sum(by_process.values())
    print(f"{run.completed}/{args.n} completed at {args.rate:g}/s; {total} round trips = {total / done:.1f} per application")
    print(table(["process", "round trips / app"], [[p, n / done] for p, n in by_process.most_common()], digits=2))
    print()
    print(table(["process", "collection", "command", "per app"],
                [[p, c, cmd, n / done] for (p, c, cmd), n in by_step.most_common()], digits=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
