#!/usr/bin/env bash
# `make test`'s runner: the suite's pytest runs, side by side where they can be.
#
# Why side by side: most of the suite's wall time is waiting (service processes starting, the broker,
# the browser, pdftoppm), not computing, so on a 2-core machine the browser tests and the pinned-day
# runs overlap the main suite instead of following it (CI must stay well inside its budget; the
# timings are in docs/operations.md "Test suite"). Every run is isolated from the others already: its
# own RabbitMQ vhost, database prefix and ports (tests/support/live.py, tests/conftest.py), as when
# several engineers share one broker. Each run's output is kept in var/log/tests/<run>.log and
# printed whole when it ends; the exit status is non-zero if any run failed, and says which.
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
start() {  # start NAME ENV... -- COMMAND...: one run in the background, its output to its log
    local name=$1; shift
    local env=()
    while [[ $1 != -- ]]; do env+=("$1"); shift; done; shift
    env "${env[@]}" "$@" >"$LOGS/$name.log" 2>&1 &
    PIDS[$name]=$!
    echo "started: $name (log $LOGS/$name.log)"
}

failed=()
finish() {  # finish NAME: wait for the run, print its log, remember a failure
    local name=$1 status=0
    wait "${PIDS[$name]}" || status=$?
    echo "===================== $name (exit $status) ====================="
    cat "$LOGS/$name.log"
    [[ $status -eq 0 ]] || failed+=("$name")
}

# Playwright's sync API needs real threads: the browser tests run in their own process, unpatched.
start browser ONESTOP_TEST_EVENTLET=0 -- "$BIN/pytest" tests/browser "$@"
# the date-sensitive tests again with every process's clock pinned at other days (Makefile: PINNED_DAYS)
days=()
for day in $PINNED_DAYS; do
    name="dates-unit-${day%%T*}"
    start "$name" "ONESTOP_CLOCK_START=$day" -- "$BIN/pytest" -m dates -q -p no:cacheprovider tests/unit tests/ops "$@"
    days+=("$name")
done
# the rest in the foreground: its progress is what a watcher wants to see
main_status=0
"$BIN/pytest" --ignore=tests/browser --ignore=tests/faults "$@" || main_status=$?
[[ $main_status -eq 0 ]] || failed+=(main)
for name in "${days[@]}"; do finish "$name"; done
# the integration tests at a pinned day, once the main suite has freed the broker and the database
for day in $PINNED_DAYS_INTEGRATION; do
    name="dates-integration-${day%%T*}"
    echo "== date-sensitive integration tests with the clock at $day"
    ONESTOP_CLOCK_START=$day "$BIN/pytest" -m dates -q -p no:cacheprovider tests/integration "$@" || failed+=("$name")
done
finish browser
# the fault tests last and alone: under the load of the other runs, an instance restarted after kill -9 timed
# out connecting to the broker at start-up and exited (rehearsal of 2026-12-02; an orchestrator restarts it,
# the test harness does not), so they get the machine to themselves
echo "== fault tests"
"$BIN/pytest" tests/faults "$@" || failed+=(faults)

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "FAILED runs: ${failed[*]} (logs in $LOGS/)"
    exit 1
fi
echo "all test runs passed"
