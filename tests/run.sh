#!/usr/bin/env bash
# Runs unigate's tests and ends with one line "N passed, N failed".
#   tests/run.sh unit BIN...          cmocka unit-test programs
#   tests/run.sh integration          every tests/integration/test_*.py
#   tests/run.sh all BIN...           both
# Unit programs print cmocka's summary; integration scripts print one
# "ok - ..." or "not ok - ..." line per check. Each integration script is
# bounded by a timeout and cleans up what it started.
set -uo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
shift || true
passed=0
failed=0
INTEGRATION_TIMEOUT=${INTEGRATION_TIMEOUT:-600}

run_unit() {
	local bin out p f
	for bin in "$@"; do
		echo "== unit: ${bin##*/}"
		out=$("$bin" 2>&1)
		echo "$out" | grep -E '^\[ *(PASSED|FAILED|  FAILED|==========) *\]|^\[  ERROR   \]|^\[  FAILED  \] [a-z_]' || true
		p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		p=${p:-0}
		f=${f:-0}
		# A program that crashed before its summary counts as one failure.
		if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
			echo "$out" | tail -20
			f=1
		fi
		passed=$((passed + p))
		failed=$((failed + f))
	done
}

run_integration() {
	local t out rc p f
	for t in tests/integration/test_*.py; do
		echo "== integration: ${t##*/}"
		out=$(timeout --kill-after=10 "$INTEGRATION_TIMEOUT" python3 "$t" 2>&1)
		rc=$?
		echo "$out"
		p=$(echo "$out" | grep -c '^ok - ')
		f=$(echo "$out" | grep -c '^not ok - ')
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "not ok - ${t##*/} exited with status $rc"
			f=1
		fi
		passed=$((passed + p))
		failed=$((failed + f))
	done
}

case $mode in
unit) run_unit "$@" ;;
integration) run_integration ;;
all)
	run_unit "$@"
	run_integration
	;;
*)
	echo "usage: $0 unit|integration|all [unit binaries]" >&2
	exit 2
	;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
