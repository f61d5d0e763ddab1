#!/bin/bash
# lvs_group.sh - a virtual_server_group on a kernel without IPVS (the userspace path), in a
# network namespace made here: the virtual server naming the group is served on each of its
# address members (an IP, and an IP range), round robin over the real servers of the one
# pool; `vipr ipvs` lists one service per member, as ipvsadm does; a failed real server
# leaves every member's service; keepalived -t agrees with Debian's keepalived.
# Env: VIPR, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
command -v socat >/dev/null || { echo "socat not installed"; exit 77; }
PB=${PORT_BASE:-$((10000 + ($$ % 90) * 250))}
VP=$((PB + 30)) VP2=$((PB + 31)) RP=$((PB + 32))
NS=lvsg$$
ip netns add "$NS" 2>/dev/null || { echo "no network namespaces"; exit 77; }
T=$(mktemp -d /tmp/vipr-lvsgroup.XXXXXX)
PASS=0 FAIL=0 KA=
PIDS=()
cleanup() {
	[ -n "$KA" ] && kill -TERM "$KA" 2>/dev/null && wait "$KA" 2>/dev/null
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
inns() { ip netns exec "$NS" "$@"; }
# q VIP PORT: the real server's greeting through the virtual server ("" when refused). The
# client's FIN goes at once; -t 3: socat then waits up to 3 s for the answer (0.5 s by default,
# too short on a loaded machine).
q() { inns timeout 5 socat -T 3 -t 3 - "TCP4:$1:$2" </dev/null 2>/dev/null | head -1; }

inns ip link set lo up
for i in 1 2; do # web$i on 127.0.0.$((i+1)): a greeting
	inns socat "TCP4-LISTEN:$RP,bind=127.0.0.$((i + 1)),fork,reuseaddr" SYSTEM:"echo web$i" \
		2>/dev/null &
	PIDS+=($!)
done
touch "$T/up2"
printf '#!/bin/sh\ntest -e "%s/up$1"\n' "$T" >"$T/up.sh"
chmod 755 "$T/up.sh"
cat >"$T/ka.conf" <<EOF2
global_defs {
	router_id group_test
	enable_script_security
	script_user root
}
virtual_server_group G {
	127.0.0.10 $VP
	127.0.0.20-21 $VP2
	fwmark 7
}
virtual_server group G {
	delay_loop 1
	lb_algo rr
	lb_kind NAT
	protocol TCP
	real_server 127.0.0.2 $RP {
		MISC_CHECK {
			misc_path "$T/up.sh 2"
			misc_timeout 3
		}
	}
	real_server 127.0.0.3 $RP {
		TCP_CHECK {
			connect_timeout 2
		}
	}
}
EOF2

# keepalived -t: the same verdict and lines as Debian's
if [ -x /usr/sbin/keepalived ]; then
	/usr/sbin/keepalived -t -f "$T/ka.conf" >"$T/real.t" 2>&1
	r1=$?
	bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" -t -f "$T/ka.conf" >"$T/vipr.t" 2>&1
	r2=$?
	[ "$r1" = "$r2" ] && diff -q "$T/real.t" "$T/vipr.t" >/dev/null &&
		ok "keepalived -t: same exit ($r2) and output as Debian's keepalived" ||
		ko "keepalived -t: $r2 [$(cat "$T/vipr.t")] vs $r1 [$(cat "$T/real.t")]"
fi

ip netns exec "$NS" bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" -f "$T/ka.conf" -n -l -D \
	-p "$T/k.pid" -r "$T/v.pid" -c "$T/c.pid" >"$T/ka.log" 2>&1 &
KA=$!
up=
for _ in $(seq 1 100); do
	[ "$(q 127.0.0.10 "$VP")" != "" ] && [ "$(q 127.0.0.21 "$VP2")" != "" ] && up=1 && break
	sleep 0.2
done
[ -n "$up" ] && ok "the group's members answer (127.0.0.10:$VP, 127.0.0.21:$VP2)" ||
	ko "members not served: $(tail -5 "$T/ka.log")"
# wait until both real servers are in (their checks passed), then round robin over them
for _ in $(seq 1 100); do
	inns "$VIPR" ipvs 2>/dev/null | grep -q "127.0.0.3:$RP" &&
		inns "$VIPR" ipvs 2>/dev/null | grep -q "127.0.0.2:$RP" && break
	sleep 0.2
done
seen=" $(q 127.0.0.10 "$VP") $(q 127.0.0.20 "$VP2") $(q 127.0.0.21 "$VP2") $(q 127.0.0.10 "$VP") "
[[ "$seen" == *" web1 "* && "$seen" == *" web2 "* ]] &&
	ok "one pool behind every member: both real servers answer ($seen)" ||
	ko "members do not share the real servers: [$seen]"
t=$(inns "$VIPR" ipvs 2>&1)
n=$(echo "$t" | grep -c "^TCP  ")
[ "$n" = 3 ] && echo "$t" | grep -q "^TCP  127.0.0.10:$VP rr$" &&
	echo "$t" | grep -q "^TCP  127.0.0.20:$VP2 rr$" && echo "$t" | grep -q "^TCP  127.0.0.21:$VP2 rr$" &&
	ok "vipr ipvs: one service per member" || ko "vipr ipvs: $t"
[ "$(echo "$t" | grep -c "127.0.0.2:$RP ")" = 3 ] && ok "vipr ipvs: each member lists the real servers" ||
	ko "vipr ipvs real servers: $t"
grep -q "VS \[G\]:0" "$T/ka.log" && ok "logs name the virtual server [G]:0, as keepalived" ||
	ko "no [G]:0 in the log: $(head -20 "$T/ka.log")"

rm -f "$T/up2"
gone=
for _ in $(seq 1 100); do
	! inns "$VIPR" ipvs 2>/dev/null | grep -q "127.0.0.2:$RP" && gone=1 && break
	sleep 0.2
done
[ -n "$gone" ] && ok "a failed real server leaves every member's service" ||
	ko "web1 still listed: $(inns "$VIPR" ipvs 2>&1)"
seen="$(q 127.0.0.10 "$VP") $(q 127.0.0.20 "$VP2") $(q 127.0.0.21 "$VP2")"
[ "$seen" = "web2 web2 web2" ] && ok "traffic goes to the remaining real server ($seen)" ||
	ko "after web1 failed: [$seen]"

kill -TERM "$KA"
wait "$KA"
rc=$?
KA=
[ "$rc" = 0 ] && ok "stopped on SIGTERM (exit 0)" || ko "exit $rc on SIGTERM"
! grep -q "ERROR: AddressSanitizer\|runtime error:" "$T/ka.log" && ok "no sanitizer report" ||
	ko "sanitizer: $(grep -m3 "Sanitizer\|runtime error" "$T/ka.log")"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
