#!/bin/bash
# lvs_reload.sh - keepalived's SIGHUP reload and checker supervision for virtual_servers on a
# kernel without IPVS (the userspace path), in a network namespace made here.
#   1. reload: a virtual_server added is served, one removed is no longer, a changed one
#      (scheduler, a new real server) is updated; a real server whose check failed stays out
#      (its state is kept, not reset), the persistence affinity of a client is kept, and a
#      connection opened before the reload goes on working; the old checker says nothing of
#      its real servers and exits once that connection ends.
#   2. the real server's check passes again: the new checker adds it.
#   3. the checker killed (SIGKILL): keepalived's "Healthcheck child process(PID) died:
#      Respawning", a new checker serves; with --dont-respawn the daemon stops instead.
# Env: VIPR, SRC, BUILD, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line "N passed, M failed".
set -u

. "$SRC/tests/lib/netns.sh"
. "$SRC/tests/lib/ka_daemon.sh"
PB=${PORT_BASE:-$((10000 + ($$ % 90) * 250))}
VP=$((PB + 20)) RP=$((PB + 21))
ka_single_init lvsreload lvsrl socat

# q VIP: the real server's greeting through the virtual server ("" when refused). The client
# sends its FIN at once, often while the proxy's connect to the real server is pending: as
# through IPVS, the real server still answers (HAProxy's mode tcp would abort such a session
# with "CC"; a virtual server must not).
q() { inns timeout 5 socat -T 3 -t 3 - "TCP4:$1:$VP" </dev/null 2>/dev/null | head -1; }
qs() { # N VIP
	local out=() i
	for ((i = 0; i < $1; i++)); do out+=("$(q "$2")"); done
	echo "${out[*]}"
}
live() { inns "$VIPR" ipvs 2>&1; }

for i in 1 2 3; do # web$i on 127.0.0.$((i+1)): a greeting, then an echo of what it is sent
	ip netns exec "$NS" socat "TCP4-LISTEN:$RP,bind=127.0.0.$((i + 1)),fork,reuseaddr" \
		SYSTEM:"echo web$i; exec cat" 2>/dev/null &
	PIDS+=($!)
done
touch "$T/up2"
printf '#!/bin/sh\ntest -e "%s/up$1"\n' "$T" >"$T/up.sh"
chmod 755 "$T/up.sh"

vs() { # VIP ALGO EXTRA REALSERVERS...
	local vip=$1 algo=$2 extra=$3 ip
	shift 3
	printf 'virtual_server %s %s {\n\tdelay_loop 1\n\tlb_algo %s\n\tlb_kind NAT\n\tprotocol TCP\n%s\n' \
		"$vip" "$VP" "$algo" "$extra"
	for ip in "$@"; do
		printf '\treal_server %s %s {\n\t\tweight 1\n' "$ip" "$RP"
		[ "$ip" = 127.0.0.2 ] &&
			printf '\t\tMISC_CHECK {\n\t\t\tmisc_path "%s/up.sh 2"\n\t\t\tmisc_timeout 3\n\t\t}\n' "$T"
		printf '\t}\n'
	done
	printf '}\n'
}
{
	printf 'global_defs {\n\trouter_id reload_test\n}\n'
	vs 127.0.0.10 rr "" 127.0.0.2 127.0.0.3
	vs 127.0.0.11 rr "" 127.0.0.2 127.0.0.3
	vs 127.0.0.13 rr "	persistence_timeout 60" 127.0.0.3 127.0.0.4
} >"$T/ka.conf"
ka_start "$T/ka.log" -D

up=
for _ in $(seq 1 100); do
	[[ "$(q 127.0.0.10)" == web[12] ]] && { up=1; break; }
	sleep 0.2
done
[ -n "$up" ] && ok "the virtual server answers through a real server" ||
	{ ko "no answer from 127.0.0.10:$VP"; cat "$T/ka.log"; finish; }
c1=$(cat "$T/c.pid" 2>/dev/null)
[ -n "$c1" ] && [ "$c1" != "$KA" ] && kill -0 "$c1" 2>/dev/null &&
	ok "--checkers_pid names the checker process ($c1)" || ko "checkers pidfile: [$c1]"

# a connection to keep across the reload
coproc LONG { inns socat -T 60 - "TCP4:127.0.0.10:$VP" 2>/dev/null; }
read -r -t 5 greet <&"${LONG[0]}"
[[ "$greet" == web[12] ]] && ok "a long connection is open ($greet)" || ko "long connection: [$greet]"
p1=$(q 127.0.0.13)

# web1 fails its check before the reload
mark=$(wc -c <"$T/ka.log")
rm "$T/up2"
wait_log "$mark" "Removing service \[127.0.0.2\]:tcp:$RP from VS \[127.0.0.10\]" &&
	ok "web1's check failed: removed" || ko "web1 not removed: $(tail -5 "$T/ka.log")"

# 1. reload: .11 removed, .12 added, .10 gets wrr and web3
{
	printf 'global_defs {\n\trouter_id reload_test\n}\n'
	vs 127.0.0.10 wrr "" 127.0.0.2 127.0.0.3 127.0.0.4
	vs 127.0.0.12 rr "" 127.0.0.4
	vs 127.0.0.13 rr "	persistence_timeout 60" 127.0.0.3 127.0.0.4
} >"$T/ka.conf"
mark=$(wc -c <"$T/ka.log")
kill -HUP "$KA"
wait_log "$mark" "Reload complete" || ko "no 'Reload complete'"
c2=
for _ in $(seq 1 100); do
	c2=$(cat "$T/c.pid" 2>/dev/null)
	[ -n "$c2" ] && [ "$c2" != "$c1" ] && [[ "$(q 127.0.0.12)" == web3 ]] && break
	sleep 0.2
done
[ -n "$c2" ] && [ "$c2" != "$c1" ] && ok "a new checker serves the new configuration ($c2)" ||
	ko "no new checker: [$c2]"
[ "$(q 127.0.0.12)" = web3 ] && ok "added virtual server served" || ko "added VS: [$(q 127.0.0.12)]"
[ -z "$(q 127.0.0.11)" ] && ok "removed virtual server no longer served" ||
	ko "removed VS still answers"
t=$(live)
echo "$t" | grep -q "^TCP  127.0.0.10:$VP wrr$" && ok "changed scheduler (wrr)" || ko "scheduler: $t"
echo "$t" | grep -Eq "^  -> 127.0.0.4:$RP +Masq +1 " && echo "$t" | grep -Eq "^  -> 127.0.0.3:$RP " &&
	ok "new real server added to the changed virtual server" || ko "real servers: $t"
! echo "$t" | sed -n "/127.0.0.10:$VP/,/^TCP/p" | grep -q "127.0.0.2:$RP" &&
	ok "the failed real server stays out: its check state was kept" || ko "web1 is back: $t"
s=$(qs 3 127.0.0.10)
! echo "$s" | grep -q web1 && ok "no traffic to the failed real server ($s)" || ko "traffic to web1: $s"
p2=$(q 127.0.0.13)
[[ "$p1" == web[23] ]] && [ "$p1" = "$p2" ] &&
	ok "the client's persistence affinity survives the reload ($p1)" || ko "persistence: $p1 then $p2"
echo ping >&"${LONG[1]}"
read -r -t 5 echoed <&"${LONG[0]}"
[ "$echoed" = ping ] && ok "the connection opened before the reload still works" ||
	ko "long connection after reload: [$echoed]"
kill -0 "$c1" 2>/dev/null && ok "the old checker waits for that connection" ||
	ko "the old checker left before its connection ended"
after=$(tail -c +$((mark + 1)) "$T/ka.log")
echo "$after" | grep -q "handed the virtual servers over" && ok "hand-over logged" ||
	ko "no hand-over line"
! echo "$after" | grep -Eq "Shutting down service|Adding service \[127.0.0.2\]" &&
	ok "no removal/re-adding lines for unchanged real servers" ||
	ko "reload lines: $(echo "$after" | grep -E "Shutting|Adding service \[127.0.0.2\]")"
eval "exec ${LONG[1]}>&-"
for _ in $(seq 1 100); do kill -0 "$c1" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$c1" 2>/dev/null && ok "the old checker exits once its connection ended" ||
	ko "old checker $c1 still running"
! grep -q "died: Respawning" "$T/ka.log" && ok "a retired checker is not respawned" ||
	ko "respawn after a reload: $(grep Respawning "$T/ka.log")"

# 2. web1's check passes again: the new checker adds it
mark=$(wc -c <"$T/ka.log")
touch "$T/up2"
wait_log "$mark" "Adding service \[127.0.0.2\]:tcp:$RP to VS \[127.0.0.10\]" &&
	ok "web1 back: added by the new checker" || ko "web1 not re-added: $(tail -5 "$T/ka.log")"

# 3. supervision
mark=$(wc -c <"$T/ka.log")
kill -KILL "$c2"
wait_log "$mark" "Healthcheck child process\($c2\) died: Respawning" &&
	ok "killed checker: keepalived's respawn line" || ko "no respawn line: $(tail -5 "$T/ka.log")"
c3=
for _ in $(seq 1 100); do
	c3=$(cat "$T/c.pid" 2>/dev/null)
	[ -n "$c3" ] && [ "$c3" != "$c2" ] && [[ "$(q 127.0.0.12)" == web3 ]] && break
	sleep 0.2
done
[ -n "$c3" ] && [ "$c3" != "$c2" ] && [ "$(q 127.0.0.12)" = web3 ] &&
	ok "the respawned checker ($c3) serves" || ko "after respawn: [$c3] [$(q 127.0.0.12)]"

ka_sigterm_check
! kill -0 "$c3" 2>/dev/null && ok "its checker is gone" || ko "checker $c3 left running"

# --dont-respawn: the daemon stops with its checker
ka_start "$T/ka2.log" -D -R
c4=
for _ in $(seq 1 100); do
	c4=$(cat "$T/c.pid" 2>/dev/null)
	[ -n "$c4" ] && [ "$c4" != "$c3" ] && kill -0 "$c4" 2>/dev/null && break
	c4=
	sleep 0.1
done
[ -n "$c4" ] && kill -KILL "$c4"
for _ in $(seq 1 100); do kill -0 "$KA" 2>/dev/null || break; sleep 0.1; done
if ! kill -0 "$KA" 2>/dev/null; then
	wait "$KA"
	KA=
	grep -q "Healthcheck child process($c4) died: Exiting" "$T/ka2.log" &&
		ok "--dont-respawn: the daemon stops with its checker" || ko "dont-respawn log: $(tail -3 "$T/ka2.log")"
else
	ko "--dont-respawn: the daemon still runs"
fi
no_sanitizer_check "$T"/*.log
finish
