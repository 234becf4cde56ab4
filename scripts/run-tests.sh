#!/usr/bin/env bash
# `make test`'s runner: every pytest run of the suite, all at once, each in its own process.
#
# Why all at once: the suite's wall time is waiting (service processes starting, timers, the broker, the
# browser, pdftoppm), not computing: one `make test` used 0.4 of a core on average when its runs followed
# one another (2026-12-02: 579 CPU-seconds in 1432 s). So the main suite is split into three shards by
# directory, and they, the browser run, the three fault modules and the pinned-day runs all start
# together (docs/operations.md "Test suite" has the timings). Every run is isolated from the others: its
# own RabbitMQ vhosts, database prefixes and ports (tests/support/live.py, tests/conftest.py), the fault
# tests that stop a broker their own private RabbitMQ nodes (tests/support/rabbit.py, cluster.py), as when
# several engineers share one broker. Each run's output goes to var/log/tests/<run>.log and is printed
# whole when it ends, with its wall time; the exit status is non-zero if any run failed, and says which.
#
#   scripts/run-tests.sh [pytest args...]          (PINNED_DAYS / PINNED_DAYS_INTEGRATION from make)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
LOGS=var/log/tests
PINNED_DAYS=${PINNED_DAYS:-}
PINNED_DAYS_INTEGRATION=${PINNED_DAYS_INTEGRATION:-}
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log

declare -A PIDS=()
ORDER=()
start() {  # start NAME ENV... -- COMMAND...: one run in the background, its output (and wall time) to its log
    local name=$1; shift
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

# the longest runs first: the fault tests, then the browser (Playwright's sync API needs real threads: its
# own process, unpatched; tests/conftest.py). The fault modules run side by side as well: each has a
# system of its own, and the two that stop a broker stop only their private nodes.
for module in crash_and_replay cluster_node_loss broker_outage; do
    start "faults-${module%%_*}" -- "$BIN/pytest" "tests/faults/test_$module.py" "$@"
done
start browser ONESTOP_TEST_EVENTLET=0 -- "$BIN/pytest" tests/browser "$@"
# the main suite in three shards of about equal wall time (the last takes every directory not named
# before it, so a new test directory is never left out)
start main-e2e -- "$BIN/pytest" tests/e2e "$@"
start main-security -- "$BIN/pytest" tests/security tests/ops tests/static "$@"
start main-rest -- "$BIN/pytest" tests --ignore=tests/browser --ignore=tests/faults --ignore=tests/e2e \
    --ignore=tests/security --ignore=tests/ops --ignore=tests/static "$@"
# the date-sensitive tests again with every process's clock pinned at other days (Makefile: PINNED_DAYS)
start dates-unit "DAYS=$PINNED_DAYS" -- bash -c 'days tests/unit tests/ops "$@"' days "$@"
start dates-integration "DAYS=$PINNED_DAYS_INTEGRATION" -- bash -c 'days tests/integration "$@"' days "$@"

failed=()
for name in "${ORDER[@]}"; do
    status=0
    wait "${PIDS[$name]}" || status=$?
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
