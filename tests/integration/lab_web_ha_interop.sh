#!/bin/bash
# lab_web_ha_interop.sh - Lab 3 (scripts/lab, web-ha) with --fixed --interop: vipr as
# keepalived on Web1 and Debian's keepalived 2.2.7 on Web2, the same VRID and files. Every
# step of the tutorial must PASS (the VIP on Web1, failover to Web2 when nginx stops, back on
# Web1 when it starts), neither side logs a receive error, and `down` leaves nothing behind.
# Env: VIPR, SRC, BUILD. Exit 0 pass, 1 fail, 77 without root/netns/keepalived.
# Last line: "N passed, M failed".
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -x /usr/sbin/keepalived ] || { echo "Debian's keepalived missing"; echo "0 passed, 0 failed"; exit 77; }
# shellcheck source-path=SCRIPTDIR/../.. source=scripts/lab.d/test-lib.sh
. "$SRC/scripts/lab.d/test-lib.sh"
lab_test_init web-ha
lab_test_main --fixed --interop
grep -q "^PASS interop:" "$T/check.out" && ok "the interop step ran" || ko "no interop step in check's output"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
