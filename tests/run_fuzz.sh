#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS, seeded from tests/fuzz/corpus/<name>
# when present (new inputs go to a scratch directory, never into the tree).
# Ends with "fuzz: N passed, N failed".
set -u
seconds=$1; shift
passed=0; failed=0
for bin in "$@"; do
	name=$(basename "$bin"); name=${name#fuzz_}
	work=$(mktemp -d /tmp/vigil-fuzz-XXXXXX)
	seeds=()
	[ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
	echo "=== $bin (${seconds}s)"
	if "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/" \
		"$work" "${seeds[@]+"${seeds[@]}"}" >"$work/log" 2>&1; then
		passed=$((passed + 1))
		grep -E "stat::number_of_executed_units|Done" "$work/log" | tail -2
	else
		failed=$((failed + 1))
		tail -40 "$work/log"
		ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null | sed 's/^/artifact: /'
		echo "reproduce: $bin <artifact>"
		continue # keep the artifacts
	fi
	rm -rf "$work"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
