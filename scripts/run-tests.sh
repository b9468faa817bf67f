#!/usr/bin/env bash
# The test suite as `make test` runs it, in two streams side by side:
#   - the toolkit's tests (tests/e2e, tests/toolkit: projects rendered, installed from
#     built wheels and run, mostly waiting on subprocesses), whose output is shown whole
#     when they end;
#   - every other test with the Rust core, then the runtime's tests again with
#     GOBSTOPPER_NO_RUST=1 (RUNTIME_TESTS, from the Makefile).
# The streams share no database table, Redis key, folder or port. Every pass runs to its
# end, and any pass failing (pytest's "no tests collected" included) fails the script.
set -uo pipefail
cd "$(dirname "$0")/.."

uv=${UV:-uv}
read -r -a runtime_tests <<<"${RUNTIME_TESTS:?RUNTIME_TESTS names the runtime test paths}"
toolkit_log=$(mktemp -t gobstopper-toolkit-tests.XXXXXX)
toolkit=
# Stopped or done, leave nothing running behind.
trap '[ -n "$toolkit" ] && kill "$toolkit" 2>/dev/null; rm -f "$toolkit_log"' EXIT
trap 'exit 130' INT TERM

started=$SECONDS
"$uv" run --frozen pytest tests/e2e tests/toolkit >"$toolkit_log" 2>&1 &
toolkit=$!

status=0
"$uv" run --frozen pytest --ignore=tests/e2e --ignore=tests/toolkit || status=$?
GOBSTOPPER_NO_RUST=1 "$uv" run --frozen pytest "${runtime_tests[@]}" || status=$?

toolkit_status=0
wait "$toolkit" || toolkit_status=$?
toolkit=
echo
echo "=== the toolkit's tests (tests/e2e, tests/toolkit), run beside the others ==="
cat "$toolkit_log"
if [ "$toolkit_status" != 0 ]; then
  echo "the toolkit's tests failed (pytest exit $toolkit_status)"
  status=$toolkit_status
fi
echo "all test passes took $((SECONDS - started)) s"
exit "$status"
