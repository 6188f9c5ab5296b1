#!/usr/bin/env bash
# The whole suite, as `npm test` and .ci/run run it:
#   test environment -> build -> typecheck -> lint -> format check -> vitest (unit + e2e) -> summary.
# Every step runs even when an earlier one failed; a failed check step counts as
# one failed test. The last line is `tests: N passed, N failed`; the exit code is
# non-zero when anything failed (under CI=true, also when a test was skipped).
# Extra arguments go to vitest, e.g. `npm test -- --project unit`.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

RESULTS_DIR=test-results
CHECKS_FILE="$RESULTS_DIR/checks.tsv"
VITEST_JSON="$RESULTS_DIR/vitest.json"
# Under CI, a bound on the vitest run so that a hung test cannot eat CI's 90 minutes.
# (Not used interactively: timeout moves vitest out of the terminal's process group,
# so Ctrl-C would no longer reach it.)
VITEST_TIMEOUT="${HANGAR_VITEST_TIMEOUT:-45m}"

# Plain text in logs and files; colors on a terminal.
if [[ ! -t 1 && -z "${FORCE_COLOR:-}" ]]; then
  export NO_COLOR=1
fi

mkdir -p "$RESULTS_DIR"
: >"$CHECKS_FILE"
rm -f "$VITEST_JSON"

# run_step NAME COMMAND...: runs one check step and records passed/failed with its duration.
run_step() {
  local name=$1 start rc status
  shift
  printf '\n==> %s: %s\n' "$name" "$*"
  start=$SECONDS
  "$@"
  rc=$?
  if ((rc == 0)); then status=passed; else status=failed; fi
  printf '%s\t%s\t%s\n' "$name" "$status" "$((SECONDS - start))" >>"$CHECKS_FILE"
  if ((rc == 0)); then
    printf '<== %s passed (%ss)\n' "$name" "$((SECONDS - start))"
  else
    printf '<== %s FAILED (exit %s, %ss)\n' "$name" "$rc" "$((SECONDS - start))"
  fi
}

run_step test-env bash scripts/setup-test-env.sh
run_step build npm run build --silent
run_step typecheck npm run typecheck --silent
run_step lint npm run lint --silent
run_step format npm run format:check --silent

printf '\n==> vitest: unit and e2e projects\n'
vitest_cmd=(npx --no-install vitest run --reporter=default --reporter=json --outputFile.json="$VITEST_JSON" "$@")
if [[ "${CI:-}" == "true" ]]; then
  timeout --kill-after=30s "$VITEST_TIMEOUT" "${vitest_cmd[@]}"
else
  "${vitest_cmd[@]}"
fi
vitest_rc=$?
if ((vitest_rc == 124)); then
  echo "vitest did not finish within $VITEST_TIMEOUT (HANGAR_VITEST_TIMEOUT) and was stopped" >&2
fi

node scripts/summarize-tests.mjs --checks "$CHECKS_FILE" --vitest "$VITEST_JSON" --vitest-exit "$vitest_rc"
