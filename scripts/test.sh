#!/usr/bin/env bash
# Sets up (idempotent) and runs every test with vitest; extra arguments go to vitest (e.g. a file filter).
# The last line printed is always "N passed, N failed[, N skipped]", even when set-up or vitest itself breaks,
# and the exit status is non-zero whenever anything failed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
NODE=$ROOT/.tools/node_modules/.bin/node

setup_failures=0
"$ROOT/scripts/setup.sh" || setup_failures=1

# Without Node or the installed workspace there is nothing to run; still end with the summary line.
if [[ ! -x $NODE || ! -d $ROOT/node_modules/vitest ]]; then
  echo "test: set-up did not produce Node and the dependencies; no tests ran" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
# A failed build still leaves whatever tsc emitted, so the tests run anyway and the build counts as one failure.
((setup_failures)) && echo "test: set-up failed; running the tests anyway and counting it as a failure" >&2

report_dir=$(mktemp -d)
trap 'rm -rf "$report_dir"' EXIT
export PATH=$ROOT/.tools/node_modules/.bin:$PATH
export QUIVER_TEST_PROGRESS=$report_dir/progress.tsv
# A test that hangs (a native call that never returns) must not hold CI past its limit: the whole run is
# stopped after QUIVER_TEST_LIMIT_S seconds and counted from the progress reporter's log.
timeout --kill-after=20 "${QUIVER_TEST_LIMIT_S:-1500}" \
  "$NODE" "$ROOT/node_modules/vitest/vitest.mjs" run --reporter=default --reporter=json \
  --reporter="$ROOT/scripts/progress-reporter.mjs" --outputFile.json="$report_dir/report.json" "$@"
vitest_status=$?

"$NODE" "$ROOT/scripts/test-summary.mjs" "$report_dir/report.json" "$vitest_status" "$setup_failures" "$QUIVER_TEST_PROGRESS"
