"""Profile the running system under load with py-spy: `python -m bench.profile [--n 100 --rate 10]`.

Starts the system in a fresh vhost and databases, offers the load from a background thread and
samples every OneStop process (and, with --shared, the shared database, read-only and non-blocking)
for the length of the load. Prints, per process, the functions with the most samples on CPU: self
time (the frame on top) and inclusive time of this repository's own functions. Raw stacks are kept
in var/log/bench/profile-<process>.txt (py-spy's collapsed "raw" format) for flame graphs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
import warnings
from collections import Counter
from pathlib import Path

from bench.procs import LOG_DIR

PY_SPY = Path(sys.executable).parent / "py-spy"  # the `bench` extra: `make bench` / `make profile` install it
ROOT = f"{Path(__file__).resolve().parents[1]}/"  # this checkout, whichever folder it is in


def record(pid: int, seconds: float, out: Path, rate: int = 50) -> subprocess.Popen:
    return subprocess.Popen(
        [str(PY_SPY), "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", str(rate),
         "--format", "raw", "--nonblocking", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


OWN = ("(services/", "(gateway/", "(kit/", "(contracts/", "(bench/")


def summarize_raw(path: Path, top: int = 12) -> tuple[int, list, list]:
    """(samples, top self frames, top inclusive frames of our own code) from py-spy's raw output."""
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or _waiting(stack.rpartition(";")[2]):
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        self_time[_short(frames[-1])] += n
        for frame in {_short(f) for f in frames if any(mark in f for mark in OWN)}:
            inclusive[frame] += n
    return total, self_time.most_common(top), inclusive.most_common(top)


# frames on top of a thread that waits in the kernel (a socket read, a poll, a condition): py-spy with
# --nonblocking cannot tell these threads are idle and counts them on CPU. Measured on the shared
# database, its connection threads blocked in recv were 68% of the samples before this filter.
WAITING = ("Hub.do_poll (eventlet/hubs/", "_stream_awaitable_hello.<locals>._readable (secantus/",
           "_recv_exactly (secantus/wire.py", "NetworkingInterface.recv_into (pymongo/",
           "EpollSelector.select (selectors.py", "Condition.wait (threading.py", "PeriodicExecutor._run (pymongo/",
           "TCPTransport._read (amqp/transport.py")


def _waiting(frame: str) -> bool:
    return any(mark in frame for mark in WAITING)


def _short(frame: str) -> str:
    # "function (path/to/file.py:123)" -> "function (file.py:123)" keeping the package for ours
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in (ROOT, "site-packages/", "lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})"


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--shared", action="store_true", help="also sample the shared database (read-only)")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--mongo-uri", default=None, help="database URI for the system under test")
    args = parser.parse_args(argv)
    if not PY_SPY.exists():
        print(f"{PY_SPY} is missing: `make profile` (or `make bench`) installs the bench extra with py-spy",
              file=sys.stderr)
        return 2
    from bench.e2e import Live

    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with Live(scale=1, label="prof", mongo_uri=args.mongo_uri) as live:
        live.offer(3, 3, "warmup", timeout=30)
        targets = live.processes()
        if args.shared:
            targets.update({k: v for k, v in live.shared_processes().items() if "database" in k})
        seconds = args.n / args.rate + 3
        recorders = {name: (record(pid, seconds, LOG_DIR / f"profile-{name.split()[0]}.txt"),
                            LOG_DIR / f"profile-{name.split()[0]}.txt") for name, pid in targets.items()}
        time.sleep(0.5)
        result = {}
        loader = threading.Thread(target=lambda: result.update(run=live.offer(args.n, args.rate, "profiled")))
        loader.start()
        for proc, _ in recorders.values():
            proc.wait(timeout=seconds + 60)
        loader.join()
    run = result["run"]
    s = run.summary("completed")
    print(f"profiled load: n={args.n} at {args.rate:g}/s, completed {run.completed}, "
          f"p50 {s.p50 and round(s.p50, 3)} s, p99 {s.p99 and round(s.p99, 3)} s; py-spy at 50 Hz, on-CPU only")
    for name, (proc, path) in sorted(recorders.items()):
        if not path.exists():
            print(f"\n{name}: no samples ({proc.stderr.read().decode(errors='replace')[:200]})")
            continue
        total, top_self, top_own = summarize_raw(path, args.top)
        print(f"\n== {name}: {total} samples on CPU ({total / 50:.1f} CPU-s), {path}")
        print("  self:")
        for frame, n in top_self:
            print(f"    {100 * n / max(1, total):5.1f}%  {frame}")
        print("  inclusive, our code:")
        for frame, n in top_own:
            print(f"    {100 * n / max(1, total):5.1f}%  {frame}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
