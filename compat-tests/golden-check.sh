#!/usr/bin/env bash
# vipr's own golden files (model dump and lint output) for every config of
# compat-tests/haproxy and samples/; `make golden` rewrites them. Env: VIPR, SRC.
set -u
SRC=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}
exec "$SRC/scripts/golden.sh" --check
