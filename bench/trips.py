"""Database round trips per application, per process and per step:
`python -m bench.trips [--n 30] [--rate 5] [--mongo-uri URI]`.

Runs the real system with ONESTOP_QUERY_LOG (kit.querylog: every command each process sends), offers
n applications after a warm-up, and counts the commands sent during the load, grouped by process and
by (collection, command). A count, not a time: the load on the machine does not change it, so it is
the figure to compare before and after a change. Timers (the outbox relays, webhook sweeps) count too:
at a given rate they are part of what an application costs. The last table adds the time: how long
each kind of command took as its process saw it (kit.querylog's `micros`: the database's work, the
wire and any wait), which points at the commands that cost the database its CPU; compare it only
between runs on an equally loaded machine.
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
    for row in _round_trips(rows, prefix):
        by_process[_process(row)] += 1
        by_step[_step(row, prefix)] += 1
    return by_process, by_step


def timed(rows: list[dict], prefix: str) -> Counter:
    """(process, collection, command) -> milliseconds its commands took, as the processes saw them."""
    millis: Counter = Counter()
    for row in _round_trips(rows, prefix):
        millis[_step(row, prefix)] += row.get("micros", 0) / 1000
    return millis


def _round_trips(rows: list[dict], prefix: str):
    return (row for row in rows if row.get("round_trip", True) and row["db"].startswith(prefix))


def _process(row: dict) -> str:
    return row.get("process", "?").split(":")[0]


def _step(row: dict, prefix: str) -> tuple[str, str, str]:
    return (_process(row), f"{row['db'].removeprefix(prefix + '_')}.{row['collection']}", row["command"])


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
    rows = querylog.read(log)
    by_process, by_step = tally(rows, prefix)
    millis = timed(rows, prefix)
    total = sum(by_process.values())
    print(f"{run.completed}/{args.n} completed at {args.rate:g}/s; {total} round trips = {total / done:.1f} per application")
    print(table(["process", "round trips / app"], [[p, n / done] for p, n in by_process.most_common()], digits=2))
    print()
    print(table(["process", "collection", "command", "per app"],
                [[p, c, cmd, n / done] for (p, c, cmd), n in by_step.most_common()], digits=2))
    print()
    print(f"time in database commands, as the processes saw it: {sum(millis.values()) / done:.1f} ms per application")
    print(table(["process", "collection", "command", "ms / app", "ms / command"],
                [[p, c, cmd, ms / done, ms / by_step[(p, c, cmd)]] for (p, c, cmd), ms in millis.most_common()],
                digits=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
