#!/bin/bash
# lab_web_ha.sh - the lab runner on Lab 3 (scripts/lab, web-ha), with --fixed.
#
# An `up` that fails half-way (vipr exits at once) cleans up after itself. Then
# `scripts/lab up web-ha --fixed` (namespaces vipr-lab-t<pid>-3-*, nginx "Web1"/"Web2", vipr as
# `keepalived` on Web1 and Web2 with the lint's fixes applied to copies: no vrrp_strict), a
# second `up` refused, `status`, `check` (every tutorial step must PASS; a FAIL is accepted
# only when it carries "[feature missing: ...]", which the runner adds only when vipr's own
# log says the feature is missing), `down` twice, and nothing left: no namespaces, no
# processes, no state, no 192.168.88.x address in the host's namespace.
# Env: VIPR, SRC, BUILD. Exit 0 pass, 1 fail, 77 without root/netns. Last line: "N passed, M failed".
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR/../.. source=scripts/lab.d/test-lib.sh
. "$SRC/scripts/lab.d/test-lib.sh"
lab_test_init web-ha
lab_test_half_up
lab_test_main --fixed
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
