#!/bin/bash
# test-failures.sh BUILD_DIR - after a failed ctest run, print the last lines of each failed
# test's output again, at the end, where a CI log's tail shows them.
log=${1:?build dir}/Testing/Temporary/LastTest.log
failed=${1}/Testing/Temporary/LastTestsFailed.log
[ -r "$log" ] && [ -r "$failed" ] || exit 0
while IFS=: read -r _ name; do
	echo "==== $name: last lines of its output"
	awk -v t="Testing: $name" '
		index($0, t) && $0 ~ t "$" { on = 1; next }
		on && /^Output:$/ { out = 1; getline; next }
		on && out && /^<end of output>$/ { exit }
		on && out { print }
	' "$log" | tail -n 30
done <"$failed"
