#!/bin/bash
# lab_lvs_ha.sh - the lab runner on Lab 2 (scripts/lab, lvs-ha), with --fixed.
#
# `scripts/lab up lvs-ha --fixed` (namespaces vipr-lab-t<pid>-2-*, nginx "Web1"/"Web2" with
# the VIP on lo and the arp sysctls, vipr as `keepalived` on LVS1 and LVS2 with the lint's fixes
# applied to copies: no vrrp_strict, nb_get_retry renamed retry), a second `up` refused,
# `status`, `check` (the tutorial's steps: persistence, the table on LVS1, wrr 1:2 without
# persistence, failover to LVS2 with curls still answered, a real server removed by its
# TCP_CHECK and added back, failback; every step must PASS), `down` twice, and nothing left:
# no namespaces, no processes, no state, no 192.168.88.x address in the host's namespace.
# Env: VIPR, SRC, BUILD. Exit 0 pass, 1 fail, 77 without root/netns. Last line: "N passed, M failed".
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR/../.. source=scripts/lab.d/test-lib.sh
. "$SRC/scripts/lab.d/test-lib.sh"
lab_test_init lvs-ha
lab_test_main --fixed
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
