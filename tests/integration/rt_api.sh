#!/bin/bash
# rt_api.sh - the runtime API commands that change a running process, with socat, against
# Debian's haproxy on the same config.
#
# Two nginx origins, a frontend over a roundrobin backend, a `balance source` backend, and
# stats sockets at admin, operator (default) and user level, for vipr and for the real
# haproxy. Every answer of `set maxconn frontend|server|global`, `disable|enable|shutdown
# frontend`, `set server addr|health|agent|state|weight`, `shutdown session(s)`, `clear
# counters all`, `set timeout cli`, `help <cmd>` and the unknown-command answers (nbthread 2,
# so that listeners and sessions of another thread are reached too) is compared byte for byte with
# haproxy's (where both have the feature), and each effect is checked: `show info` Maxconn
# and CSV slim follow `set maxconn`, a disabled frontend refuses connections and takes them
# again when enabled (CSV PAUSED/OPEN/STOP like haproxy), a server moved by `set server
# addr` gets the traffic, `health down` takes a server out, `health stopping` (NOLB) too, `shutdown sessions server` and
# `shutdown session <id>` (from `show sess`) cut a held connection, commands above a
# socket's level get "Permission denied" and change nothing, a 1 MB line is dropped
# unanswered with no state change; del server refuses
# a server not in maintenance, add server a `balance source` backend (rt_dynsrv.sh has more).
# Env: VIPR, SRC, BUILD, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line "N passed, M failed".
set -u

: "${SRC:?SRC must point at the source tree}"
. "$SRC/tests/lib/harness.sh"
harness_init rt-api nginx curl socat
HAP=/usr/sbin/haproxy
[ -x $HAP ] || HAP=
WEB1=$BASE WEB2=$((BASE + 1)) SLOW=$((BASE + 2))

refused() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_cfg() { # write_cfg FILE PORT0 SOCKET
	cat >"$1" <<EOF
global
    maxconn 2000
    nbthread 2
    stats socket $3 level admin
    stats socket $3.op
    stats socket $3.user level user
    stats timeout 30s

defaults
    mode http
    timeout connect 5s
    timeout client 1m
    timeout server 1m

frontend fe
    bind 127.0.0.1:$2
    default_backend be

backend be
    balance roundrobin
    server s1 127.0.0.1:$WEB1
    server s2 127.0.0.1:$WEB2

listen tcpl
    mode tcp
    bind 127.0.0.1:$(($2 + 1))
    balance source
    server t1 127.0.0.1:$SLOW
EOF
}


nginx_origin 1 $WEB1 300
nginx_origin 2 $WEB2 300
# a TCP origin that holds connections open: what shutdown session(s) must cut
timeout 300 socat TCP-LISTEN:$SLOW,bind=127.0.0.1,reuseaddr,fork EXEC:"sleep 60" &
PIDS+=($!)
wait_port $WEB1 && wait_port $WEB2 && wait_port $SLOW ||
	{ echo "origins did not start"; echo "0 passed, 0 failed"; exit 77; }

V=$((BASE + 10)) H=$((BASE + 20))
VS=$T/vipr.sock HS=$T/ref.sock
write_cfg "$T/vipr.cfg" $V "$VS"
vipr_start
if [ -n "$HAP" ]; then
	write_cfg "$T/ref.cfg" $H "$HS"
	ref_start
	wait_port $((H + 1)) || HAP=
fi
wait_port $((V + 1)) || { cat "$T/vipr.log"; ko "vipr did not start"; echo "$PASS passed, $FAIL failed"; exit 1; }

# same(): the answer of one command line, byte for byte, from both (socket suffix in $3)
same() { # same LABEL CMD [SUFFIX]
	[ -n "$HAP" ] || return 0
	local v h
	v=$(cli "$VS${3:-}" "$2" | od -c) h=$(cli "$HS${3:-}" "$2" | od -c)
	if [ "$v" = "$h" ]; then ok "$1: '$2' answers like haproxy"; else
		ko "$1: '$2' differs from haproxy"; echo "  vipr:    $(cli "$VS${3:-}" "$2" | head -3 | tr '\n' '|')"
		echo "  haproxy: $(cli "$HS${3:-}" "$2" | head -3 | tr '\n' '|')"; fi
}
csv_field() { # csv_field SOCK PX SV COL
	cli "$1" "show stat" | awk -F, -v p="$2" -v s="$3" -v c="$4" '$1 == p && $2 == s { print $c }'
}
info() { cli "$1" "show info" | awk -F': ' -v k="$2" '$1 == k { print $2 }'; }

# --- set maxconn
for c in "set maxconn" "set maxconn foo" "set maxconn frontend" "set maxconn frontend nope" \
	"set maxconn frontend be" "set maxconn frontend fe" "set maxconn frontend fe -1" \
	"set maxconn frontend fe 100" "set maxconn server" "set maxconn server be/s1" \
	"set maxconn server be/s1 x" "set maxconn server be/s1 5x" "set maxconn server be/nope 3" \
	"set maxconn server be/s1 10" "set maxconn global" "set maxconn global 99999" \
	"set maxconn global 1500"; do
	same "maxconn" "$c"
done
check "set maxconn global: show info Maxconn" "$(info "$VS" Maxconn)" 1500
check "set maxconn global: Hard_maxconn unchanged" "$(info "$VS" Hard_maxconn)" 2000
check "set maxconn frontend: CSV slim" "$(csv_field "$VS" fe FRONTEND 7)" 100
check "set maxconn server: CSV slim" "$(csv_field "$VS" be s1 7)" 10
cli "$VS" "set maxconn global 0" >/dev/null
check "set maxconn global 0: back to the hard limit" "$(info "$VS" Maxconn)" 2000
# a frontend limit of 1: one held connection fills it (once wait_port's probe has ended:
# with nbthread 2, a listener that paused on the limit resumes only when a session of its
# own thread ends)
for _ in $(seq 1 100); do [ "$(csv_field "$VS" tcpl FRONTEND 5)" = 0 ] && break; sleep 0.1; done
cli "$VS" "set maxconn frontend tcpl 1" >/dev/null
exec 5<>"/dev/tcp/127.0.0.1/$((V + 1))"
for _ in $(seq 1 100); do [ "$(csv_field "$VS" tcpl FRONTEND 5)" = 1 ] && break; sleep 0.1; done
check "set maxconn frontend 1: CSV scur 1, slim 1" "$(csv_field "$VS" tcpl FRONTEND 5),$(csv_field "$VS" tcpl FRONTEND 7)" "1,1"
code=$(timeout 3 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$V/")
check "other frontends still served" "$code" 200
exec 5>&-
cli "$VS" "set maxconn frontend tcpl 0" >/dev/null

# --- frontends
for c in "disable frontend" "disable frontend nope" "disable frontend be" "disable frontend fe" \
	"disable frontend fe" "enable frontend fe" "enable frontend fe"; do
	same "frontend" "$c"
done
cli "$VS" "disable frontend fe" >/dev/null
refused $V && ok "disabled frontend refuses connections" || ko "disabled frontend still accepts"
check "disabled frontend: CSV status PAUSED" "$(csv_field "$VS" fe FRONTEND 18)" PAUSED
cli "$VS" "enable frontend fe" >/dev/null
code=$(timeout 3 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$V/")
check "enabled frontend serves again" "$code" 200
check "enabled frontend: CSV status OPEN" "$(csv_field "$VS" fe FRONTEND 18)" OPEN
[ -n "$HAP" ] && cli "$HS" "disable frontend fe" >/dev/null && cli "$HS" "enable frontend fe" >/dev/null

# --- sessions
for c in "shutdown session" "shutdown session foo" "shutdown session 0x1234" "shutdown sessions" \
	"shutdown sessions server" "shutdown sessions server be/zz" "show sess 0x1"; do
	same "sessions" "$c"
done
# the connection held above may still be closing (its server, socat, ends it 0.5 s after
# the client's FIN; longer on a loaded machine): wait until t1 has no session, so that the
# one counted next is this one
for _ in $(seq 1 150); do [ "$(csv_field "$VS" tcpl t1 5)" = 0 ] && break; sleep 0.1; done
exec 7<>"/dev/tcp/127.0.0.1/$((V + 1))"
for _ in $(seq 1 100); do [ "$(csv_field "$VS" tcpl t1 5)" = 1 ] && break; sleep 0.1; done
check "held connection on t1" "$(csv_field "$VS" tcpl t1 5)" 1
cli "$VS" "show sess" >"$T/sess"
grep -q "fe=tcpl be=tcpl srv=t1" "$T/sess" && ok "show sess lists the session" || ko "show sess: $(cat "$T/sess")"
cli "$VS" "show sess $(awk -F: '/srv=t1/ { print $1; exit }' "$T/sess")" | grep -q "srv=t1" &&
	ok "show sess <id> shows it" || ko "show sess <id>"
check "shutdown sessions server: empty answer" "$(cli "$VS" "shutdown sessions server tcpl/t1" | od -c | head -1)" "0000000  \\n"
timeout 12 bash -c "cat <&7 >/dev/null" && ok "shutdown sessions server closed the connection" ||
	ko "connection still open after shutdown sessions server"
exec 7>&-
check "no session left on t1" "$(csv_field "$VS" tcpl t1 5)" 0
exec 7<>"/dev/tcp/127.0.0.1/$((V + 1))"
for _ in $(seq 1 100); do cli "$VS" "show sess" | grep -q "srv=t1" && break; sleep 0.1; done
id=$(cli "$VS" "show sess" | awk -F: '/srv=t1/ { print $1; exit }')
check "shutdown session <id>: empty answer" "$(cli "$VS" "shutdown session $id" | od -c | head -1)" "0000000  \\n"
timeout 12 bash -c "cat <&7 >/dev/null" && ok "shutdown session <id> closed the connection" ||
	ko "connection still open after shutdown session"
exec 7>&-
check "shutdown session: gone from show sess" "$(cli "$VS" "show sess $id")" "Session not found."

same "frontend" "shutdown frontend tcpl"
same "frontend" "shutdown frontend tcpl"
same "frontend" "enable frontend tcpl"
same "frontend" "disable frontend tcpl"
refused $((V + 1)) && ok "shut frontend refuses connections" || ko "shut frontend still accepts"
check "shut frontend: CSV status STOP" "$(csv_field "$VS" tcpl FRONTEND 18)" STOP
grep -q "Proxy tcpl stopped (cumulated conns: FE: " "$T/vipr.log" && ok "shutdown frontend warns like haproxy" ||
	ko "no 'Proxy tcpl stopped' warning"

# --- set server
for c in "set server" "set server be" "set server be/zz state ready" "set server zz/s1 state ready" \
	"set server be/s1" "set server be/s1 foo" "set server be/s1 state" "set server be/s1 state foo" \
	"set server be/s1 addr" "set server be/s1 addr 1.2.3" "set server be/s1 addr localhost" \
	"set server be/s1 addr 127.0.0.1" "set server be/s1 addr 127.0.0.1 port" \
	"set server be/s1 addr 127.0.0.1 port x" "set server be/s1 addr 127.0.0.1 port $WEB1" \
	"set server be/s1 addr 127.0.0.2" "set server be/s1 addr 127.0.0.1 port $WEB2" \
	"set server be/s1 addr ::1" "set server be/s1 addr 127.0.0.1 port $WEB1" \
	"set server be/s1 health" "set server be/s1 health foo" "set server be/s1 agent up" \
	"set server be/s1 agent foo" "set server be/s1 weight" "set server be/s1 weight 300"; do
	same "set server" "$c"
done
cli "$VS" "set server be/s1 addr 127.0.0.1 port $WEB2" >/dev/null
body=$(for i in 1 2 3 4; do timeout 3 curl -s "http://127.0.0.1:$V/"; done | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
check "set server addr: s1's traffic goes to the new port" "$body" "Web2=4 "
check "set server addr: CSV addr" "$(csv_field "$VS" be s1 74)" "127.0.0.1:$WEB2"
check "set server addr: show servers state srv_port" "$(cli "$VS" "show servers state be" | awk '$4 == "s1" { print $19 }')" "$WEB2"
cli "$VS" "set server be/s1 addr 127.0.0.1 port $WEB1" >/dev/null
same "set server" "set server be/s2 health down"
check "health down: CSV DOWN" "$(csv_field "$VS" be s2 18)" DOWN
body=$(for i in 1 2 3 4; do timeout 3 curl -s "http://127.0.0.1:$V/"; done | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
check "health down: no traffic to s2" "$body" "Web1=4 "
same "set server" "set server be/s2 health up"
check "health up: CSV 'no check' again" "$(csv_field "$VS" be s2 18)" "no check"
same "set server" "set server be/s2 health stopping"
check "health stopping: CSV NOLB like haproxy" "$(csv_field "$VS" be s2 18)" "$([ -n "$HAP" ] && csv_field "$HS" be s2 18 || echo NOLB)"
body=$(for i in 1 2 3 4; do timeout 3 curl -s "http://127.0.0.1:$V/"; done | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
check "health stopping: no new traffic to s2" "$body" "Web1=4 "
same "set server" "set server be/s2 health up"
check "health up after stopping: CSV 'no check'" "$(csv_field "$VS" be s2 18)" "no check"
same "set server" "set server be/s2 state maint"
check "state maint: CSV MAINT" "$(csv_field "$VS" be s2 18)" MAINT
same "set server" "set server be/s2 state drain"
check "state drain: CSV DRAIN" "$(csv_field "$VS" be s2 18)" DRAIN
same "set server" "set server be/s2 state ready"
check "state ready: CSV 'no check'" "$(csv_field "$VS" be s2 18)" "no check"

# --- levels: refused commands change nothing
for c in "set maxconn global 100" "set maxconn frontend fe 1" "disable frontend fe" \
	"shutdown session 0x1" "shutdown sessions server be/s1" "clear counters all" \
	"set server be/s1 addr 1.1.1.1" "set server be/s1 health down" "add server be/n1 127.0.0.1:1" \
	"del server be/s1" "clear counters" "show sess 0x1"; do
	same "operator" "$c" .op
done
for c in "clear counters" "show sess" "show errors" "set maxconn global 5" "shutdown frontend fe" \
	"set timeout cli 5" "set timeout cli x" "set timeout" "set timeout cli" "set timeout foo 3"; do
	same "user" "$c" .user
done
check "refused commands changed nothing (Maxconn)" "$(info "$VS" Maxconn)" 2000
check "refused commands changed nothing (fe OPEN, s1 up)" "$(csv_field "$VS" fe FRONTEND 18),$(csv_field "$VS" be s1 18)" "OPEN,no check"
timeout 3 curl -s -o /dev/null "http://127.0.0.1:$V/"
stot=$(csv_field "$VS" fe FRONTEND 8)
same "admin" "clear counters all"
check "clear counters all: frontend stot 0" "$(csv_field "$VS" fe FRONTEND 8)" 0
[ "$stot" -gt 0 ] && ok "counters were non-zero before" || ko "stot was $stot before clear"

# --- help, unknown commands, 1 MB lines
for c in "help set maxconn" "help shutdown" "set maxconn foo" "shutdown sessions"; do
	same "usage" "$c"
done
if [ -n "$HAP" ]; then
	for s in "" .op .user; do
		check "help lists the same commands at every level ($s)" "$(cli "$VS$s" help | grep -c :)" "$(cli "$VS" help | grep -c :)"
	done
fi
head -c 1048576 /dev/zero | tr '\0' x | sed 's/^/set maxconn global 7 /' >"$T/big"
echo >>"$T/big"
check "1 MB line: no answer" "$(timeout 5 socat -t3 - "UNIX-CONNECT:$VS" <"$T/big" 2>/dev/null | wc -c)" 0
[ -n "$HAP" ] && check "1 MB line: haproxy does not answer either" "$(timeout 5 socat -t3 - "UNIX-CONNECT:$HS" <"$T/big" 2>/dev/null | wc -c)" 0
check "1 MB line: nothing changed" "$(info "$VS" Maxconn)" 2000
check "still serving after the 1 MB line" "$(cli "$VS" "show cli level")" admin

# --- not in vipr: said plainly
# (add/del server in depth: rt_dynsrv.sh)
same "dynamic servers" "del server be/s1"
same "dynamic servers" "add server tcpl/n1 127.0.0.1:$WEB1"
cli "$VS" "show errors" | grep -q "^Total events captured on \[" && ok "show errors answers (rt_errors.sh has more)" || ko "show errors"

kill -0 "$VPID" 2>/dev/null && ok "vipr still running" || ko "vipr died"
[ $FAIL -eq 0 ] || { echo "--- vipr's log"; tail -20 "$T/vipr.log"; }
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
