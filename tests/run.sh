#!/usr/bin/env bash
# Runs unigate's tests and ends with one line "N passed, N failed".
#   tests/run.sh unit BIN...          cmocka unit-test programs
#   tests/run.sh integration          every tests/integration/test_*.py
#   tests/run.sh fuzz BIN...          libFuzzer programs, FUZZ_SECONDS each
#                                     (default 10) over tests/fuzz/corpus/NAME
#   tests/run.sh all BIN...           unit programs, fuzzers (bounded) and
#                                     integration scripts
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

# A fuzzer runs from a copy of its seed corpus, so that what it finds stays
# in build/ until someone adds a crash to the committed corpus.
run_fuzz() {
	local bin name work out
	for bin in "$@"; do
		name=${bin##*/fuzz_}
		work=build/fuzz/work-$name
		rm -rf "$work" && mkdir -p "$work"
		[ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
		echo "== fuzz: $name (${FUZZ_SECONDS:-10} s)"
		if out=$("$bin" -max_total_time="${FUZZ_SECONDS:-10}" -timeout=5 -rss_limit_mb=2048 \
			-artifact_prefix=build/fuzz/crash-$name- "$work" 2>&1); then
			echo "ok - fuzz $name: $(echo "$out" | grep -o 'Done [0-9]* runs.*' | tail -1)"
			passed=$((passed + 1))
		else
			echo "$out" | tail -30
			echo "not ok - fuzz $name (input saved as build/fuzz/crash-$name-*)"
			failed=$((failed + 1))
		fi
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

units() { for b in "$@"; do case $b in */fuzz_*) ;; *) echo "$b" ;; esac; done; }
fuzzers() { for b in "$@"; do case $b in */fuzz_*) echo "$b" ;; esac; done; }

case $mode in
unit) run_unit $(units "$@") ;;
fuzz) run_fuzz $(fuzzers "$@") ;;
integration) run_integration ;;
all)
	run_unit $(units "$@")
	run_fuzz $(fuzzers "$@")
	run_integration
	;;
*)
	echo "usage: $0 unit|fuzz|integration|all [binaries]" >&2
	exit 2
	;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
