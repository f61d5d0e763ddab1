#!/usr/bin/env bash
# docs/keywords.md is generated from the keyword tables (`make docs`); it must be current.
set -u
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
if "$VIPR" keywords | cmp -s - "$SRC/docs/keywords.md"; then
	echo "1 passed, 0 failed"
else
	"$VIPR" keywords | diff -u "$SRC/docs/keywords.md" - | head -20
	echo "docs/keywords.md is out of date: run make docs"
	echo "0 passed, 1 failed"
	exit 1
fi
