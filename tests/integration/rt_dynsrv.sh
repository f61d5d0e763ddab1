#!/bin/bash
# rt_dynsrv.sh - dynamic servers (`add server`, `del server`, `enable|disable health`) and
# `set server addr` moving the health checks, against Debian's haproxy on the same config.
#
# Every answer is compared byte for byte with haproxy's (the same command sequence on both,
# so the states evolve alike): the registrations and every refusal (existing name, unknown
# backend, static algorithm, unknown or refused keyword, bad values, server not in
# maintenance, server with a connection), `show servers state` (but its seconds column and a probing check's in-flight result) and
# the CSV fields of the new servers. Then the effects, on vipr: a new server takes no
# traffic until `set server ... state ready`, then does; it shows in the CSV, the stats page
# and the Prometheus metrics, and after `del server` in none of them, and takes no traffic;
# a checked dynamic server is probed once `enable health` is given (UP on a live port, DOWN
# on a closed one, as haproxy); 70 add/del rounds reuse the spare slots; a static server
# whose check probes a closed port comes UP once `set server addr` points it at a live one;
# once that checked server is deleted, the new server that takes its slot keeps its own
# state (the old check, failing, must not touch it). vipr's log has no sanitizer report.
# nbthread 2 everywhere. Env: VIPR, SRC, BUILD, PORT_BASE. Exit 0 pass, 77 skip, 1 fail.
set -u
: "${SRC:?SRC must point at the source tree}"
. "$SRC/tests/lib/rt_side.sh"
rt_side_init rt-dynsrv
command -v socat >/dev/null || { echo "socat missing"; exit 77; }
WEB1=$BASE WEB2=$((BASE + 1)) WEB3=$((BASE + 2)) SLOW=$((BASE + 3)) CLOSED=$((BASE + 4))
V=$((BASE + 10)) H=$((BASE + 20))
VS=$T/vipr.sock HS=$T/ref.sock

write_cfg() { # write_cfg FILE PORT0 SOCKET PROMEX
	cat >"$1" <<EOF
global
    nbthread 2
    stats socket $3 level admin

defaults
    mode http
    timeout connect 5s
    timeout client 1m
    timeout server 1m
    default-server weight 7 maxconn 10

frontend fe
    bind 127.0.0.1:$2
    default_backend be

backend be
    server s1 127.0.0.1:$WEB1

backend bh
    balance source
    server h1 127.0.0.1:$WEB1

backend bc
    balance source
    hash-type consistent
    server h1 127.0.0.1:$WEB1

backend empty

listen tl
    mode tcp
    bind 127.0.0.1:$(($2 + 1))
    server t1 127.0.0.1:$SLOW

backend bk
    server k1 127.0.0.1:$CLOSED check inter 200 fall 1 rise 1

listen st
    bind 127.0.0.1:$(($2 + 2))
    stats enable
    stats uri /stats
$4
EOF
}

same() { # same LABEL CMD: one command on both, the answers byte for byte
	local v h
	v=$(cli "$VS" "$2" | od -c) h=$(cli "$HS" "$2" | od -c)
	if [ "$v" = "$h" ]; then ok "$1: '$2' answers like haproxy"; else
		ko "$1: '$2' differs from haproxy"
		echo "  vipr:    $(echo "$v" | head -4 | tr '\n' '|')"
		echo "  haproxy: $(echo "$h" | head -4 | tr '\n' '|')"
	fi
}
csv() { # csv SOCK PX SV COLS: the fields (awk column numbers, comma-separated)
	cli "$1" "show stat" | awk -F, -v p="$2" -v s="$3" -v c="$4" '
		$1 == p && $2 == s { n = split(c, k, ","); o = ""; for (i = 1; i <= n; i++) o = o $k[i] ";"; print o }'
}
# seconds masked; for a server whose checks run (srv_check_state has CHK_ST_ENABLED, 4), the
# check result and the in-progress bit (1) too: they depend on whether a probe is in flight
state() {
	cli "$1" "show servers state $2" | awk '{ $10 = "-"
		if ($14 ~ /^[0-9]+$/ && int($14 / 4) % 2) { $12 = "-"; $14 -= $14 % 2 }
		print }'
}
wait_csv() { # wait_csv SOCK PX SV COL VALUE: up to 20 s
	for _ in $(seq 1 200); do
		[ "$(csv "$1" "$2" "$3" "$4")" = "$5;" ] && return 0
		sleep 0.1
	done
	return 1
}
hits() { # hits N: the bodies of N requests through vipr's frontend, one per line
	for _ in $(seq 1 "$1"); do timeout 5 curl -s "http://127.0.0.1:$V/"; done
}

nginx_origin 1 $WEB1 300
nginx_origin 2 $WEB2 300
nginx_origin 3 $WEB3 300
timeout 300 socat TCP-LISTEN:$SLOW,bind=127.0.0.1,reuseaddr,fork EXEC:"sleep 60" &
PIDS+=($!)
wait_port $WEB1 && wait_port $WEB2 && wait_port $WEB3 && wait_port $SLOW ||
	{ echo "origins did not start"; exit 77; }

write_cfg "$T/vipr.cfg" $V "$VS" "    http-request use-service prometheus-exporter if { path /metrics }"
write_cfg "$T/ref.cfg" $H "$HS" ""
vipr_start
ref_start
wait_port $((V + 2)) || { cat "$T/vipr.log"; ko "vipr did not start"; finish; }
wait_port $((H + 2)) || { echo "the reference haproxy did not start"; exit 77; }

# --- add server: registrations and refusals, in haproxy's words
for c in "add server be/d1 127.0.0.1:$WEB2" "add server be/d1 127.0.0.1:$WEB2" \
	"add server nob/x 127.0.0.1:1" "add server be 127.0.0.1:1" "add server" "add server be/x" \
	"add server be/x 127.0.0.1:1 zzzzzzzzzz" "add server be/x 127.0.0.1:1 cookie c" \
	"add server bh/x 127.0.0.1:1" "add server bc/x1 127.0.0.1:$WEB1" \
	"add server empty/x1 127.0.0.1:$WEB1" "add server fe/x 127.0.0.1:1" \
	"add server be/x 127.0.0.1:1 weight 300" "add server be/x 127.0.0.1:1 check rise 0" \
	"add server be/x 127.0.0.1:1 id 0" "add server be/x 127.0.0.1:1 id 2" \
	"add server be/x 127.0.0.1:1 check inter" "add server be/x 127.0.0.1:1 check inter 0" \
	"add server be/x 127.0.0.1:99999" \
	"add server be/d2 127.0.0.1:$WEB2 disabled" \
	"add server be/c1 127.0.0.1:$WEB3 check inter 200 rise 1 fall 1" \
	"add server be/c2 127.0.0.1:$CLOSED check inter 200 rise 1 fall 1 weight 3 maxconn 5 backup"; do
	same "add" "$c"
done
check "show servers state be: like haproxy's (default-server not applied, MAINT)" "$(state "$VS" be)" "$(state "$HS" be)"
check "show servers state bc: like haproxy's" "$(state "$VS" bc)" "$(state "$HS" bc)"
for s in d1 d2 c1 c2; do # slim, status, act, bck, sid, check_status (haproxy shows weight 1
	# until a new server first leaves maintenance: not copied)
	check "CSV of $s like haproxy's" "$(csv "$VS" be $s 7,18,20,21,28,37)" "$(csv "$HS" be $s 7,18,20,21,28,37)"
done

# --- del server and enable health refusals
for c in "del server be/s1" "del server be/nosuch" "del server nob/x" "del server be" \
	"enable health be/s1" "enable agent be/s1" "enable health nob/x" "enable health be/zz" \
	"enable health" "disable health be/s1"; do
	same "refused" "$c"
done

# --- a new server takes traffic only once ready
check "a new server (maintenance) takes no traffic" "$(hits 6 | sort -u | tr '\n' ' ')" "Web1 "
same "ready" "set server be/d1 state ready"
check "d1 is in the CSV, UP for traffic" "$(csv "$VS" be d1 18)" "no check;"
check "once ready, the new server takes traffic" "$(hits 8 | sort -u | tr '\n' ' ')" "Web1 Web2 "
check "d1's CSV weight like haproxy's once ready" "$(csv "$VS" be d1 19)" "$(csv "$HS" be d1 19)"
check "d1 counted its sessions" "$([ "$(csv "$VS" be d1 8)" != "0;" ] && echo yes)" yes
page=$(timeout 5 curl -s "http://127.0.0.1:$((V + 2))/stats")
echo "$page" | grep -q '>d1<' && ok "the stats page shows d1" || ko "the stats page lacks d1"
timeout 5 curl -s "http://127.0.0.1:$((V + 2))/metrics" | grep -q 'server="d1"' &&
	ok "the Prometheus metrics show d1" || ko "the Prometheus metrics lack d1"

# --- checks of a dynamic server run once enabled
for c in "enable health be/c1" "enable health be/c2" "enable server be/c1" "enable server be/c2"; do
	same "checks" "$c"
done
wait_csv "$VS" be c1 18 UP && ok "vipr: c1's check brings it UP" || ko "vipr: c1 is $(csv "$VS" be c1 18,37)"
wait_csv "$VS" be c2 18 DOWN && ok "vipr: c2's check finds it DOWN" || ko "vipr: c2 is $(csv "$VS" be c2 18,37)"
wait_csv "$HS" be c1 18 UP && wait_csv "$HS" be c2 18 DOWN
check "c1, c2 check status like haproxy's" "$(csv "$VS" be c1 18,37)$(csv "$VS" be c2 18,37)" "$(csv "$HS" be c1 18,37)$(csv "$HS" be c2 18,37)"
same "checks" "disable health be/c2"
check "disable health: c2 like haproxy's (status, check state)" "$(csv "$VS" be c2 18);$(state "$VS" be | awk '$4 == "c2" { print $6, $14 }')" "$(csv "$HS" be c2 18);$(state "$HS" be | awk '$4 == "c2" { print $6, $14 }')"

# --- del server: gone everywhere
same "del" "set server be/d1 state maint"
same "del" "del server be/d1"
same "del" "del server be/d1"
check "the CSV lists the same servers as haproxy's" "$(cli "$VS" "show stat" | cut -d, -f1,2)" "$(cli "$HS" "show stat" | cut -d, -f1,2)"
timeout 5 curl -s "http://127.0.0.1:$((V + 2))/stats" | grep -q '>d1<' && ko "the stats page still shows d1" || ok "d1 left the stats page"
timeout 5 curl -s "http://127.0.0.1:$((V + 2))/metrics" | grep -q 'server="d1"' &&
	ko "the metrics still show d1" || ok "d1 left the Prometheus metrics"
check "a deleted server takes no traffic (c1 does)" "$(hits 6 | sort -u | tr '\n' ' ')" "Web1 Web3 "
same "re-add" "add server be/d1 127.0.0.1:$WEB2 weight 2"
check "re-added d1 like haproxy's (id reused)" "$(state "$VS" be)" "$(state "$HS" be)"

# --- a server with a connection cannot be deleted
for c in "add server tl/x1 127.0.0.1:$SLOW" "set server tl/x1 state ready" "set server tl/t1 state maint"; do
	same "held" "$c"
done
exec 5<>"/dev/tcp/127.0.0.1/$((V + 1))" 6<>"/dev/tcp/127.0.0.1/$((H + 1))" # held open
wait_csv "$VS" tl x1 5 1 && wait_csv "$HS" tl x1 5 1 || ko "the held connections did not reach x1"
same "held" "set server tl/x1 state maint"
same "held" "del server tl/x1"
exec 5>&- 6>&-
wait_csv "$VS" tl x1 5 0 && wait_csv "$HS" tl x1 5 0 || ko "the held connections did not end"
same "held" "del server tl/x1"

# --- slots are reused: 70 rounds (vipr keeps 64 spare slots per backend)
bad=0
for i in $(seq 1 70); do
	[ "$(cli "$VS" "add server be/r$i 127.0.0.1:$WEB2")" = "New server registered." ] || bad=$((bad + 1))
	[ "$(cli "$VS" "del server be/r$i")" = "Server deleted." ] || bad=$((bad + 1))
done
check "70 add/del rounds" "$bad" 0
check "none of them left in the CSV" "$(cli "$VS" "show stat" | grep -c '^be,r')" 0

# --- set server addr: the check follows the server's new address
wait_csv "$VS" bk k1 18 DOWN && ok "k1 is DOWN on its closed port" || ko "k1 is $(csv "$VS" bk k1 18)"
same "addr" "set server bk/k1 addr 127.0.0.1 port $WEB1"
wait_csv "$VS" bk k1 18 UP && ok "k1's check follows the new address: UP" || ko "k1 stayed $(csv "$VS" bk k1 18,37)"
wait_csv "$HS" bk k1 18 UP && ok "haproxy's k1 comes UP too" || ko "haproxy's k1 is $(csv "$HS" bk k1 18)"

# --- a configured, checked server deleted: its check must not touch the slot's next server
same "static del" "set server bk/k1 addr 127.0.0.1 port $CLOSED"
wait_csv "$VS" bk k1 18 DOWN && ok "k1 DOWN again" || ko "k1 is $(csv "$VS" bk k1 18)"
for c in "set server bk/k1 state maint" "del server bk/k1" "add server bk/n1 127.0.0.1:$WEB1" \
	"set server bk/n1 state ready"; do
	same "static del" "$c"
done
sleep 1.5 # several of k1's former check intervals
check "the new server keeps its own state (no check), like haproxy's" "$(csv "$VS" bk n1 18,28)" "$(csv "$HS" bk n1 18,28)"
same "static del" "enable health bk/n1"

kill -0 "$VPID" 2>/dev/null && ok "vipr still running" || ko "vipr died"
kill "$VPID"
wait "$VPID" 2>/dev/null
grep -q "Sanitizer" "$T/vipr.log" && { ko "sanitizer report"; grep -A20 Sanitizer "$T/vipr.log" | head -40; } || ok "no sanitizer report"
[ "$FAIL" -eq 0 ] || { echo "--- vipr's log"; tail -20 "$T/vipr.log"; }
finish
