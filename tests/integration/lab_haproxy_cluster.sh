#!/bin/bash
# lab_haproxy_cluster.sh - the lab runner on Lab 1 (scripts/lab, haproxy-cluster), as written.
#
# `scripts/lab up haproxy-cluster` (namespaces vipr-lab-t<pid>-1-*, nginx "Web1"/"Web2",
# vipr as `haproxy -f haproxy.cfg -db` with the tutorial's file unchanged), a second `up`
# refused, `status`, `check` (every tutorial step must PASS; a FAIL is accepted only when it
# carries "[feature missing: ...]", which the runner adds only when vipr's own log says the
# feature is missing), `down` twice, and nothing left: no namespaces, no processes, no state,
# no 192.168.88.x address in the host's namespace.
# Env: VIPR, SRC, BUILD. Exit 0 pass, 1 fail, 77 without root/netns. Last line: "N passed, M failed".
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR/../.. source=scripts/lab.d/test-lib.sh
. "$SRC/scripts/lab.d/test-lib.sh"
lab_test_init haproxy-cluster
lab_test_main ""
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
