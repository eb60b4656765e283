#!/usr/bin/env bash
# Runs unigate's tests, prints one tally line per kind that ran, and ends
# with one line "N passed, N failed"; exits non-zero if anything failed.
#   tests/run.sh unit BIN...          cmocka unit-test programs
#   tests/run.sh integration          every tests/integration/test_*.py
#   tests/run.sh fuzz BIN...          libFuzzer programs, FUZZ_SECONDS each
#                                     (default 10) over tests/fuzz/corpus/NAME
#   tests/run.sh all BIN...           unit programs, fuzzers (bounded) and
#                                     integration scripts
# Unit programs print cmocka's summary; integration scripts print one
# "ok - ..." or "not ok - ..." line per check. A program that exits non-zero
# has failed whatever it printed before (a sanitizer reports after cmocka's
# summary), and its whole output is shown. Each integration script is
# bounded by a timeout: SIGTERM first, so that tools/lab.py removes its QEMU
# processes and namespaces, then SIGKILL.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

mode=${1:-all}
shift || true
INTEGRATION_TIMEOUT=${INTEGRATION_TIMEOUT:-600}
FUZZ_SECONDS=${FUZZ_SECONDS:-10}

# Per kind: tests passed and failed, or unset if the kind did not run.
declare -A npass nfail

count() {
	npass[$1]=$((${npass[$1]:-0} + $2))
	nfail[$1]=$((${nfail[$1]:-0} + $3))
}

run_unit() {
	local bin out rc p f
	npass[unit]=${npass[unit]:-0} nfail[unit]=${nfail[unit]:-0}
	for bin in "$@"; do
		echo "== unit: ${bin##*/}"
		out=$("$bin" 2>&1)
		rc=$?
		p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		p=${p:-0}
		f=${f:-0}
		if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ] && [ "$p" -gt 0 ]; then
			echo "$out" | grep -E '^\[ *(PASSED|==========) *\]' || true
		else
			# The whole output: a sanitizer's report is the diagnosis.
			echo "$out"
			if [ "$f" -eq 0 ]; then
				echo "not ok - ${bin##*/} exited with status $rc after $p passed"
				f=1
			fi
		fi
		count unit "$p" "$f"
	done
}

# A fuzzer runs from a copy of its seed corpus, so that what it finds stays
# in build/ until someone adds a crash to the committed corpus. A failing
# fuzzer's output is shown whole except libFuzzer's progress lines.
run_fuzz() {
	local bin name work out
	npass[fuzz]=${npass[fuzz]:-0} nfail[fuzz]=${nfail[fuzz]:-0}
	for bin in "$@"; do
		name=${bin##*/fuzz_}
		work=build/fuzz/work-$name
		rm -rf "$work" && mkdir -p "$work"
		[ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
		echo "== fuzz: $name ($FUZZ_SECONDS s)"
		if out=$("$bin" -max_total_time="$FUZZ_SECONDS" -timeout=5 -rss_limit_mb=2048 \
			-artifact_prefix="build/fuzz/crash-$name-" "$work" 2>&1); then
			echo "ok - fuzz $name: $(echo "$out" | grep -o 'Done [0-9]* runs.*' | tail -1)"
			count fuzz 1 0
		else
			echo "$out" | grep -Ev '^#[0-9]+[[:space:]]+(INITED|NEW|REDUCE|pulse|RELOAD)' || true
			echo "not ok - fuzz $name (input saved as build/fuzz/crash-$name-*)"
			count fuzz 0 1
		fi
	done
}

# A script fails if it prints a "not ok" line, exits non-zero, prints no
# check line at all, or is stopped by its timeout (124 after SIGTERM, 137
# after SIGKILL). timeout runs in a process group of its own, which a ctrl-C
# at the terminal does not reach: stop_script passes the signal on.
script=
log=
stop_script() {
	if [ -n "$script" ]; then
		kill -TERM "$script" 2>/dev/null
		wait "$script"
		cat "$log"
	fi
	echo "tests/run.sh: interrupted" >&2
	exit "$1"
}

run_integration() {
	local t out rc p f
	npass[integration]=${npass[integration]:-0} nfail[integration]=${nfail[integration]:-0}
	log=$(mktemp) || return
	trap 'rm -f "$log"' EXIT
	trap 'stop_script 130' INT
	trap 'stop_script 143' TERM
	for t in tests/integration/test_*.py; do
		echo "== integration: ${t##*/}"
		timeout --signal=TERM --kill-after=20 "$INTEGRATION_TIMEOUT" python3 "$t" >"$log" 2>&1 &
		script=$!
		wait "$script"
		rc=$?
		script=
		out=$(cat "$log")
		echo "$out"
		p=$(echo "$out" | grep -c '^ok - ')
		f=$(echo "$out" | grep -c '^not ok - ')
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			echo "not ok - ${t##*/} stopped by its ${INTEGRATION_TIMEOUT} s timeout (status $rc)"
			f=$((f + 1))
		elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "not ok - ${t##*/} exited with status $rc"
			f=1
		elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
			echo "not ok - ${t##*/} printed no check line"
			f=1
		fi
		count integration "$p" "$f"
	done
}

units() { for b in "$@"; do case $b in */fuzz_*) ;; *) echo "$b" ;; esac; done; }
fuzzers() { for b in "$@"; do case $b in */fuzz_*) echo "$b" ;; esac; done; }

# Binary paths have no spaces (build/host/test_*, build/fuzz/fuzz_*).
# shellcheck disable=SC2046
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

passed=0
failed=0
for kind in unit fuzz integration; do
	if [ -n "${npass[$kind]+set}" ]; then
		printf '%-12s %d passed, %d failed\n' "$kind:" "${npass[$kind]}" "${nfail[$kind]}"
		passed=$((passed + npass[$kind]))
		failed=$((failed + nfail[$kind]))
	else
		printf '%-12s not run\n' "$kind:"
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
