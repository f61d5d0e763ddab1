#!/bin/bash
# lvs_bad_input.sh - bad virtual_server input and hostile runtime events for vipr's keepalived
# on a kernel without IPVS, in a network namespace made here: clear messages, no crash or
# sanitizer report, the good virtual servers served throughout, nothing left behind.
#   1. one configuration mixing a good virtual_server with: a port another program listens on,
#      an address no interface carries, an invalid address, an unknown scheduler, no real
#      servers, a real server nothing listens on. keepalived -t reports the config errors.
#   2. runtime: a real server vanishes (its TCP_CHECK removes it) and comes back; a reload
#      whose file is gone keeps the running configuration; a reload to no virtual servers ends
#      the checker, one back starts it; ten reloads in a row; the checker killed three times
#      in a row; a second daemon with the same pidfile; the daemon SIGKILLed (its checker
#      goes with it).
# Env: VIPR, SRC, BUILD, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line "N passed, M failed".
set -u

. "$SRC/tests/lib/netns.sh"
. "$SRC/tests/lib/ka_daemon.sh"
PB=${PORT_BASE:-$((10000 + ($$ % 90) * 250))}
VP=$((PB + 30)) RP=$((PB + 31))
ka_single_init lvsbad lvsbad socat

# q VIP [PORT]: the first line answered through VIP ("" when refused); the client keeps its
# side open a moment (an immediate FIN races the mode tcp proxy's connect)
q() { inns timeout 5 socat -T 3 -t 3 - "TCP4:$1:${2:-$VP}" < <(sleep 0.2) 2>/dev/null | head -1; }
served() { # VIP: up to 20 s for an answer from a web server
	for _ in $(seq 1 100); do
		[[ "$(q "$1")" == web* ]] && return 0
		sleep 0.2
	done
	return 1
}
checker() { cat "$T/c.pid" 2>/dev/null; }

for i in 1 2; do
	ip netns exec "$NS" socat "TCP4-LISTEN:$RP,bind=127.0.0.$((i + 1)),fork,reuseaddr" \
		SYSTEM:"echo web$i; exec cat" 2>/dev/null &
	PIDS+=($!)
done
# another program on 127.0.0.20:VP (no SO_REUSEPORT)
ip netns exec "$NS" socat "TCP4-LISTEN:$VP,bind=127.0.0.20,fork,reuseaddr" SYSTEM:"echo other" 2>/dev/null &
PIDS+=($!)
OTHER=$!

rs() { # IP [CHECK]
	printf '\treal_server %s %s {\n\t\tweight 1\n' "$1" "$RP"
	[ -n "${2:-}" ] && printf '\t\tTCP_CHECK {\n\t\t\tconnect_timeout 1\n\t\t}\n'
	printf '\t}\n'
}
vs() { # VIP ALGO BODY
	printf 'virtual_server %s %s {\n\tdelay_loop 1\n\tlb_algo %s\n\tlb_kind NAT\n\tprotocol TCP\n%s}\n' \
		"$1" "$VP" "$2" "$3"
}
good() { vs 127.0.0.10 rr "$(rs 127.0.0.2 check; rs 127.0.0.3 check)
"; }
{
	good
	vs 127.0.0.20 rr "$(rs 127.0.0.2)
"
	vs 203.0.113.7 rr "$(rs 127.0.0.2)
"
	printf 'virtual_server 999.1.1.1 %s {\n\tlb_algo rr\n\tprotocol TCP\n%s\n}\n' "$VP" "$(rs 127.0.0.2)"
	vs 127.0.0.21 nosuch "$(rs 127.0.0.2)
"
	vs 127.0.0.22 rr ""
	vs 127.0.0.23 rr "$(rs 127.0.0.99)
"
} >"$T/ka.conf"
cp "$T/ka.conf" "$T/bad.conf"

# 1. configuration
bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" -t -f "$T/ka.conf" >"$T/t.log" 2>&1
rc=$?
[ $rc = 5 ] && grep -q "Invalid virtual server IP address 999.1.1.1" "$T/t.log" &&
	grep -q "Invalid lvs_scheduler 'nosuch'" "$T/t.log" &&
	ok "keepalived -t: exit 5 with the invalid address and scheduler" ||
	ko "keepalived -t: exit $rc: $(cat "$T/t.log")"
ka_start "$T/ka.log" -D
served 127.0.0.10 && ok "the good virtual server is served" ||
	{ ko "good VS not served: $(tail -20 "$T/ka.log")"; finish; }
grep -q "VS \[127.0.0.20\]:tcp:$VP is not served: Address already in use" "$T/ka.log" &&
	ok "port in use: a clear line for that virtual server" ||
	ko "port in use: $(grep -i "127.0.0.20" "$T/ka.log")"
[ "$(q 127.0.0.20)" = other ] && ok "port in use: the other program keeps it" ||
	ko "127.0.0.20 answered [$(q 127.0.0.20)]"
c1=$(checker)
[ -n "$c1" ] && kill -0 "$c1" 2>/dev/null && ok "the checker keeps running" || ko "no checker"
t=$(inns "$VIPR" ipvs 2>&1)
echo "$t" | grep -q "^TCP  203.0.113.7:$VP rr$" &&
	ok "a VIP no interface carries is set up (bound with IP_FREEBIND)" || ko "ipvs: $t"
echo "$t" | grep -q "^TCP  127.0.0.21:$VP wlc$" && ok "unknown scheduler: keepalived's default wlc" ||
	ko "scheduler: $t"
grep -q "Invalid virtual server IP address 999.1.1.1" "$T/ka.log" &&
	ok "invalid address: logged and skipped" || ko "invalid address not logged"
[ -z "$(q 127.0.0.22)" ] && [ -z "$(q 127.0.0.23)" ] &&
	ok "no real server / a dead real server: the connection is refused" ||
	ko "127.0.0.22/23 answered"
served 127.0.0.10 && kill -0 "$KA" 2>/dev/null && ok "still serving after those connections" ||
	ko "daemon or VS gone"

# 2. runtime events. A real server vanishes and comes back.
mark=$(wc -c <"$T/ka.log")
kill -TERM "${PIDS[0]}"
wait "${PIDS[0]}" 2>/dev/null
wait_log "$mark" "Removing service \[127.0.0.2\]:tcp:$RP from VS \[127.0.0.10\]" &&
	ok "vanished real server: removed after its TCP_CHECK fails" || ko "not removed"
s="$(q 127.0.0.10) $(q 127.0.0.10) $(q 127.0.0.10)"
[ "$s" = "web2 web2 web2" ] && ok "its traffic goes to the other one" || ko "after removal: [$s]"
ip netns exec "$NS" socat "TCP4-LISTEN:$RP,bind=127.0.0.2,fork,reuseaddr" SYSTEM:"echo web1; exec cat" 2>/dev/null &
PIDS[0]=$!
wait_log "$mark" "Adding service \[127.0.0.2\]:tcp:$RP to VS \[127.0.0.10\]" &&
	ok "back: added again" || ko "not added back"

# a reload whose file is gone: the running configuration stays
mv "$T/ka.conf" "$T/gone.conf"
mark=$(wc -c <"$T/ka.log")
kill -HUP "$KA"
sleep 1
mv "$T/gone.conf" "$T/ka.conf"
kill -0 "$KA" 2>/dev/null && [ "$(checker)" = "$c1" ] && served 127.0.0.10 &&
	ok "reload of a missing file: still serving the old configuration" ||
	ko "missing-file reload: $(tail -c +$((mark + 1)) "$T/ka.log")"

# a reload to no virtual servers, then back
printf 'global_defs {\n\trouter_id none\n}\n' >"$T/ka.conf"
kill -HUP "$KA"
for _ in $(seq 1 100); do kill -0 "$c1" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$c1" 2>/dev/null && [ -z "$(q 127.0.0.10)" ] && ! inns "$VIPR" ipvs >/dev/null 2>&1 &&
	ok "reload to no virtual servers: the checker ends, nothing served" ||
	ko "no-VS reload: checker $c1, answer [$(q 127.0.0.10)]"
cp "$T/bad.conf" "$T/ka.conf"
kill -HUP "$KA"
served 127.0.0.10 && [ "$(checker)" != "$c1" ] && ok "reload back: a checker serves again" ||
	ko "not served after reload back"

# ten reloads in a row
for _ in $(seq 1 10); do kill -HUP "$KA"; done
n=99
for _ in $(seq 1 150); do
	n=$(pgrep -c -P "$KA")
	[ "$n" = 1 ] && break
	sleep 0.1
done
[ "$n" = 1 ] && served 127.0.0.10 && ok "ten reloads: one checker left, serving" ||
	ko "ten reloads: $n children of the daemon"
# (a checker that found its predecessor still starting waits for it to let go of the socket)
for _ in $(seq 1 100); do
	inns "$VIPR" ipvs 2>&1 | grep -q "^TCP  127.0.0.10:$VP rr$" && break
	sleep 0.1
done
inns "$VIPR" ipvs 2>&1 | grep -q "^TCP  127.0.0.10:$VP rr$" && ok "ten reloads: vipr ipvs answers" ||
	ko "ten reloads: vipr ipvs: $(inns "$VIPR" ipvs 2>&1 | head -3)"

# the checker killed three times in a row: respawned each time, at most once a second
mark=$(wc -c <"$T/ka.log")
for i in 1 2 3; do
	c=$(checker)
	for _ in $(seq 1 50); do kill -0 "$c" 2>/dev/null && break; sleep 0.1; done
	kill -KILL "$c" 2>/dev/null
	for _ in $(seq 1 50); do [ "$(checker)" != "$c" ] && break; sleep 0.1; done
done
n=$(tail -c +$((mark + 1)) "$T/ka.log" | grep -c "died: Respawning")
[ "$n" = 3 ] && served 127.0.0.10 && ok "killed three times: respawned, serving" ||
	ko "respawns: $n, $(tail -5 "$T/ka.log")"

# a second daemon with the same pidfile
start2() {
	ip netns exec "$NS" bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" -f "$T/ka.conf" -n -l \
		-p "$T/ka.pid" -r "$T/vrrp.pid" -c "$T/c2.pid" >"$T/ka2.log" 2>&1
}
timeout 10 bash -c "$(declare -f start2); T=$T NS=$NS VIPR=$VIPR start2"
rc=$?
[ $rc = 0 ] && grep -q "daemon is already running" "$T/ka2.log" &&
	ok "a second daemon on the same pidfile: 'already running', exit 0" ||
	ko "second daemon: exit $rc $(cat "$T/ka2.log")"

# the daemon SIGKILLed: its checker goes too
c=$(checker)
kill -KILL "$KA"
wait "$KA" 2>/dev/null
KA=
for _ in $(seq 1 100); do kill -0 "$c" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$c" 2>/dev/null && ok "daemon killed: its checker exits (parent-death signal)" ||
	ko "checker $c outlived its daemon"
left=$(ip netns pids "$NS" | grep -vxF -f <(printf '%s\n' "${PIDS[@]}" "$OTHER") |
	xargs -r ps -o pid=,args= -p | grep -v socat)
[ -z "$left" ] && ok "nothing of vipr left in the namespace" || ko "left: $left"
no_sanitizer_check "$T"/*.log
finish
