#!/usr/bin/env bash
# Runs test binaries, prints each one's output, and ends with one summary line
# "N passed, N failed, N skipped" counted over the individual test cases that
# the cmocka runners report.  Exit status is non-zero when anything failed.
set -u
suite=$1; shift
passed=0; failed=0; skipped=0; broken=()
for bin in "$@"; do
	echo "=== $bin"
	out=$("$bin" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END{print s+0}')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END{print s+0}')
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END{print s+0}')
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1)); broken+=("$bin (exit $rc)")
	fi
done
for b in "${broken[@]+"${broken[@]}"}"; do echo "runner failed: $b"; done
echo "$suite: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
