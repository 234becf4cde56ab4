#!/usr/bin/env bash
# `make test`'s runner: every pytest run of the suite, TEST_JOBS (default 4) at a time, each its own process.
#
# Why side by side: the suite's wall time is waiting (service processes starting, timers, the broker, the
# browser, pdftoppm), not computing: one `make test` used 0.4 of a core on average when its runs mostly
# followed one another (2026-12-02: 579 CPU-seconds in 1432 s). So the main suite is split into three
# shards by directory, the fault modules run as three runs, and the runs are started longest first, a
# new one whenever one ends. Why not all at once: nine runs together (2026-12-02 06:41, load 50 with the
# neighbours' suites) overloaded the shared database server (connections closed: AutoReconnect) and the
# browser and fault tests' timeouts. Every run is isolated from the others: its own RabbitMQ vhosts,
# database prefixes and ports (tests/support/live.py, tests/conftest.py), the fault tests that stop a
# broker their own private RabbitMQ nodes (tests/support/rabbit.py, cluster.py). Each run's output goes to
# var/log/tests/<run>.log and is printed whole at the end with its wall time; the exit status is
# non-zero if any run failed, and says which.
#
#   scripts/run-tests.sh [pytest args...]    (PINNED_DAYS / PINNED_DAYS_INTEGRATION from make; TEST_JOBS)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
LOGS=var/log/tests
PINNED_DAYS=${PINNED_DAYS:-}
PINNED_DAYS_INTEGRATION=${PINNED_DAYS_INTEGRATION:-}
TEST_JOBS=${TEST_JOBS:-4}
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log

declare -A PIDS=() STATUS=()
ORDER=()
reap() {  # wait for whichever run ends next and keep its exit status
    local pid status=0
    wait -n -p pid || status=$?
    [[ -n ${pid:-} ]] && STATUS[$pid]=$status
}
start() {  # start NAME ENV... -- COMMAND...: one run in the background once a slot is free, its output
    local name=$1; shift  # (and wall time) to its log
    while (( $(jobs -rp | wc -l) >= TEST_JOBS )); do reap; done
    local env=()
    while [[ $1 != -- ]]; do env+=("$1"); shift; done; shift
    (
        began=$SECONDS
        env "${env[@]}" "$@"
        status=$?
        echo "== $name: $((SECONDS - began)) s, exit $status"
        exit $status
    ) >"$LOGS/$name.log" 2>&1 &
    PIDS[$name]=$!
    ORDER+=("$name")
    echo "started: $name (log $LOGS/$name.log)"
}

# the pinned-day runs of one kind, one day after another (each day's run is short; the days share nothing)
days() {  # days PATHS... : -m dates runs at each day of $DAYS
    local status=0
    for day in $DAYS; do
        echo "== date-sensitive tests with the clock at $day"
        ONESTOP_CLOCK_START=$day "$BIN/pytest" -m dates -q -p no:cacheprovider "$@" || status=1
    done
    return $status
}
export -f days
export BIN

# the longest runs first (their wall times alone, 2026-12-02: browser ~300 s, main-rest ~245, main-e2e ~235,
# faults-crash ~215, main-security ~190, faults-cluster ~185, dates-integration ~170, dates-unit ~125,
# faults-rest ~100 + the closing crash ~135). The browser run is its own process, unpatched: Playwright's sync API needs real
# threads (tests/conftest.py). The main suite's last shard takes every directory not named before it, so a
# new test directory is never left out.
start browser ONESTOP_TEST_EVENTLET=0 -- "$BIN/pytest" tests/browser "$@"
start main-rest -- "$BIN/pytest" tests --ignore=tests/browser --ignore=tests/faults --ignore=tests/e2e \
    --ignore=tests/security --ignore=tests/ops --ignore=tests/static "$@"
start main-e2e -- "$BIN/pytest" tests/e2e "$@"
start faults-crash -- "$BIN/pytest" tests/faults/test_crash_and_replay.py "$@"
start main-security -- "$BIN/pytest" tests/security tests/ops tests/static "$@"
start faults-cluster -- "$BIN/pytest" tests/faults/test_cluster_node_loss.py "$@"
# the date-sensitive tests again with every process's clock pinned at other days (Makefile: PINNED_DAYS)
start dates-integration "DAYS=$PINNED_DAYS_INTEGRATION" -- bash -c 'days tests/integration "$@"' days "$@"
start dates-unit "DAYS=$PINNED_DAYS" -- bash -c 'days tests/unit tests/ops "$@"' days "$@"
# the other fault modules (the broker outage, a closing's kill -9, any new one) in one run
start faults-rest -- "$BIN/pytest" tests/faults --ignore=tests/faults/test_crash_and_replay.py \
    --ignore=tests/faults/test_cluster_node_loss.py "$@"

failed=()
for name in "${ORDER[@]}"; do
    pid=${PIDS[$name]}
    if [[ -z ${STATUS[$pid]:-} ]]; then
        status=0
        wait "$pid" || status=$?
        STATUS[$pid]=$status
    fi
    status=${STATUS[$pid]}
    echo "===================== $name (exit $status) ====================="
    cat "$LOGS/$name.log"
    [[ $status -eq 0 ]] || failed+=("$name")
done

for name in "${ORDER[@]}"; do tail -n 1 "$LOGS/$name.log"; done  # the wall time of each run, together
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "FAILED runs: ${failed[*]} (logs in $LOGS/)"
    exit 1
fi
echo "all test runs passed"
