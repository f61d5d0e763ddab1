#!/bin/bash
# rt_stats.sh - Lab 1's `listen status` page and the stats socket, against the real HAProxy.
#
# Two nginx origins ("Web1", "Web2") on loopback, a Lab 1-like config (defaults in mode http,
# `listen webservers` over both, `listen status` with stats uri/refresh/auth and no mode of
# its own, a `stats socket ... level admin`). Checks: 401 byte-equal to HAProxy's without or
# with wrong credentials, 200 with admin:admin, every server row and column group in the
# HTML, `;csv` header byte-equal to the 2.6.12 reference and to the real haproxy's,
# `show info` field names and `show servers state` header equal to the real haproxy's,
# `disable server` shows MAINT in `show stat` and stops traffic to it, `enable server`
# brings it back, and socket error texts equal to the real haproxy's. `show stat typed`,
# `show info typed` (positions, names, tags, types) and their JSON forms (all but values)
# equal to haproxy's; `show version|env|backend` and `clear counters [all]` (levels, totals).
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init rt-stats nginx curl socat
REF=/work/shared/reference/haproxy-2.6
[ -r "$REF/stats-csv-header-2.6.12.txt" ] || REF=$SRC/docs/reference/haproxy-2.6
HAP=/usr/sbin/haproxy
[ -x $HAP ] || HAP=
WEB1=$BASE WEB2=$((BASE + 1))

write_cfg() { # write_cfg FILE PORT0 SOCKET
	cat >"$1" <<EOF
global
    maxconn 3000
    stats socket $3 mode 600 level admin
    stats socket $3.op
    stats timeout 30s

defaults
    mode                    http
    option                  redispatch
    retries                 3
    timeout connect         10s
    timeout client          1m
    timeout server          1m
    maxconn                 3000

listen webservers
    bind 127.0.0.1:$2
    balance roundrobin
    server web1 127.0.0.1:$WEB1
    server web2 127.0.0.1:$WEB2

listen status
    bind 127.0.0.1:$(($2 + 1))
    stats uri /status
    stats refresh 60s
    stats auth admin:admin
EOF
}

cli() { echo "$2" | timeout 3 socat - "UNIX-CONNECT:$1"; }
raw() { printf "$2" | timeout 3 socat - "TCP:127.0.0.1:$1"; }

nginx_origin 1 $WEB1
nginx_origin 2 $WEB2
wait_port $WEB1 && wait_port $WEB2 || { echo "origins did not start"; echo "0 passed, 0 failed"; exit 77; }

V=$((BASE + 2)) H=$((BASE + 5))
write_cfg "$T/vipr.cfg" $V "$T/vipr.sock"
mkdir -p "$T/bin"
ln -s "$VIPR" "$T/bin/haproxy"
timeout 120 "$T/bin/haproxy" -f "$T/vipr.cfg" -db >"$T/vipr.log" 2>&1 &
VPID=$!
PIDS+=($VPID)
if [ -n "$HAP" ]; then
	write_cfg "$T/ref.cfg" $H "$T/ref.sock"
	timeout 120 $HAP -f "$T/ref.cfg" -db >"$T/ref.log" 2>&1 &
	PIDS+=($!)
	wait_port $((H + 1)) || HAP=
fi
wait_port $((V + 1)) || { cat "$T/vipr.log"; ko "vipr did not start"; echo "$PASS passed, $FAIL failed"; exit 1; }

# --- the page: authentication
REQ='GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
BAD='GET /status HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWRtaW46d3Jvbmc=\r\nConnection: close\r\n\r\n'
raw $((V + 1)) "$REQ" >"$T/v401"
check "401 without credentials" "$(head -1 "$T/v401" | tr -d '\r')" "HTTP/1.1 401 Unauthorized"
grep -q '^www-authenticate: Basic realm="HAProxy Statistics"' "$T/v401" && ok "401 realm" || ko "401 realm"
raw $((V + 1)) "$BAD" >"$T/v401b"
check "401 with a wrong password" "$(head -1 "$T/v401b" | tr -d '\r')" "HTTP/1.1 401 Unauthorized"
if [ -n "$HAP" ]; then
	raw $((H + 1)) "$REQ" >"$T/h401"
	raw $((H + 1)) "$BAD" >"$T/h401b"
	cmp -s "$T/v401" "$T/h401" && ok "401 byte-equal to haproxy" || ko "401 differs from haproxy"
	cmp -s "$T/v401b" "$T/h401b" && ok "401 (wrong password) byte-equal to haproxy" || ko "401 (wrong password) differs"
fi

# --- the page: content
code=$(timeout 5 curl -s -o "$T/page.html" -D "$T/page.hdr" -w '%{http_code}' -u admin:admin "http://127.0.0.1:$((V + 1))/status")
check "200 with admin:admin" "$code" 200
grep -qi '^refresh: 60' "$T/page.hdr" && ok "Refresh header from stats refresh" || ko "no refresh: 60 header"
for w in '>webservers<' '>status<' 'webservers/Frontend' 'webservers/web1' 'webservers/web2' 'webservers/Backend' \
	'status/Frontend' 'status/Backend' '>Queue<' '>Session rate<' '>Sessions<' '>Bytes<' '>Denied<' \
	'>Errors<' '>Warnings<' '>Server<' '>LbTot<' '>Last<' '>Status<' '>LastChk<' '>Wght<' '>Act<' \
	'>Bck<' '>Chk<' '>Dwn<' '>Dwntme<' '>Thrtle<' 'class="active_' ';csv;norefresh' ';norefresh' ';up'; do
	grep -qF -- "$w" "$T/page.html" && ok "page has $w" || ko "page lacks $w"
done
timeout 5 curl -s -D "$T/nr.hdr" -o /dev/null -u admin:admin "http://127.0.0.1:$((V + 1))/status;norefresh"
grep -qi '^refresh' "$T/nr.hdr" && ko ";norefresh still sends refresh" || ok ";norefresh drops the refresh header"

# --- CSV
for i in 1 2 3 4; do timeout 5 curl -s -o /dev/null "http://127.0.0.1:$V/"; done
timeout 5 curl -s -u admin:admin "http://127.0.0.1:$((V + 1))/status;csv" >"$T/v.csv"
check ";csv header equals the 2.6.12 reference" "$(head -1 "$T/v.csv")" "$(head -1 "$REF/stats-csv-header-2.6.12.txt")"
check ";csv rows have 128 fields" "$(awk -F, 'NR > 1 && NF != 129 { bad++ } END { print bad + 0 }' "$T/v.csv")" 0
check ";csv row names" "$(cut -d, -f1,2 "$T/v.csv" | tail -n +2 | tr '\n' ' ')" \
	"webservers,FRONTEND webservers,web1 webservers,web2 webservers,BACKEND status,FRONTEND status,BACKEND "
check "traffic counted (backend stot)" "$(awk -F, '$1 == "webservers" && $2 == "BACKEND" { print $8 }' "$T/v.csv")" 4
if [ -n "$HAP" ]; then
	timeout 5 curl -s -u admin:admin "http://127.0.0.1:$((H + 1))/status;csv" >"$T/h.csv"
	check ";csv header equals haproxy's" "$(head -1 "$T/v.csv")" "$(head -1 "$T/h.csv")"
	# which fields are empty, per row, must match HAProxy's (values may differ)
	shape() { sed -n "$2p" "$1" | awk -F, '{ s = ""; for (i = 3; i <= NF; i++) s = s ($i == "" ? "." : "x"); print s }'; }
	for n in 2 3 5 6 7; do
		check ";csv row $n shape equals haproxy's" "$(shape "$T/v.csv" $n)" "$(shape "$T/h.csv" $n)"
	done
fi
timeout 5 curl -s -u admin:admin "http://127.0.0.1:$((V + 1))/status;json" | head -c 2 >"$T/v.json"
check ";json is a JSON array" "$(cat "$T/v.json")" "[["

# --- the stats socket
VS=$T/vipr.sock HS=$T/ref.sock
cli "$VS" "show info" >"$T/v.info"
check "show info starts with Name" "$(head -1 "$T/v.info")" "Name: HAProxy"
cli "$VS" "show servers state" >"$T/v.state"
check "show servers state header" "$(sed -n 2p "$T/v.state")" "$(sed -n 2p "$REF/cli-show-servers-state-sample.txt" | grep '^#' || sed -n 3p "$REF/cli-show-servers-state-sample.txt")"
check "show servers state rows" "$(awk 'NR > 2 && NF == 25' "$T/v.state" | wc -l)" 2
cli "$VS" "show stat" | head -1 >"$T/v.stathdr"
check "show stat header" "$(cat "$T/v.stathdr")" "$(head -1 "$REF/stats-csv-header-2.6.12.txt")"
if [ -n "$HAP" ]; then
	cli "$HS" "show info" >"$T/h.info"
	check "show info field names equal haproxy's" "$(cut -d: -f1 "$T/v.info" | tr '\n' ,)" "$(cut -d: -f1 "$T/h.info" | tr '\n' ,)"
	cli "$HS" "show servers state" >"$T/h.state"
	check "show servers state header equals haproxy's" "$(sed -n 1,2p "$T/v.state")" "$(sed -n 1,2p "$T/h.state")"
	for c in "show servers state nope" "disable server nope" "disable server webservers/nope" \
		"get weight webservers/nope" "set server webservers/web1" "set server webservers/web1 state foo" \
		"set server webservers/web1 weight 300" "set server webservers/web1 weight 2x" \
		"user; disable server webservers/web1" "operator; set server webservers/web1 weight 3" \
		"get weight webservers/web2" "show cli level" "prompt"; do
		check "socket: '$c' answers like haproxy" "$(cli "$VS" "$c" | od -c)" "$(cli "$HS" "$c" | od -c)"
	done
	check "socket without level: same default level as haproxy" "$(cli "$VS.op" "show cli level")" "$(cli "$HS.op" "show cli level")"
	check "operator level refused like haproxy" "$(cli "$VS.op" "disable server webservers/web1")" "$(cli "$HS.op" "disable server webservers/web1")"
	# the suggestions depend on the commands each has; the framing must match
	for c in "foo" "showw stat" "show foo"; do
		cli "$VS" "$c" >"$T/v.unk"; cli "$HS" "$c" >"$T/h.unk"
		check "socket: '$c' first line equals haproxy's" "$(head -1 "$T/v.unk")" "$(head -1 "$T/h.unk")"
		check "socket: '$c' last lines equal haproxy's" "$(tail -4 "$T/v.unk")" "$(tail -4 "$T/h.unk")"
	done
fi
check "socket: unknown command" "$(cli "$VS" "foo" | head -1)" "Unknown command, but maybe one of the following ones is a better match:"
check "socket: prompt mode" "$(printf 'prompt\nshow cli level\nquit\n' | timeout 3 socat - "UNIX-CONNECT:$VS" | od -c | head -1)" \
	"$(printf '\n> admin\n\n> ' | od -c | head -1)"

# --- typed and JSON formats, show version/env/backend, clear counters
jv() { sed -E 's/("type":"[a-z0-9]+","value":)("([^"\\]|\\.)*"|-?[0-9.]+)/\1V/g'; }
check "show stat typed: one line per filled CSV field" "$(cli "$VS" "show stat typed" | grep -c '^[FBS]\.')" \
	"$(cli "$VS" "show stat" | tail -n +2 | awk -F, '{ for (i = 1; i < NF; i++) if ($i != "" && $i != "-") n++ } END { print n }')"
check "show info typed first line" "$(cli "$VS" "show info typed" | head -1)" "0.Name.1:POS:str:HAProxy"
check "show version" "$(cli "$VS" "show version" | head -1 | cut -c1-7)" "2.6.12-"
check "show backend" "$(cli "$VS" "show backend" | tr '\n' ' ')" "# name webservers status  "
if [ -n "$HAP" ]; then
	for c in "show stat typed" "show info typed"; do
		check "$c: positions, names, tags and types equal haproxy's" \
			"$(cli "$VS" "$c" | cut -d: -f1-3 | md5sum)" "$(cli "$HS" "$c" | cut -d: -f1-3 | md5sum)"
	done
	for c in "show stat json" "show info json"; do
		check "$c equals haproxy's but for values" "$(cli "$VS" "$c" | jv | md5sum)" "$(cli "$HS" "$c" | jv | md5sum)"
	done
	for c in "show env HOME" "show env NO_SUCH_VAR_X" "show backend" "clear counters" "user; clear counters" \
		"operator; clear counters all" "operator; clear counters"; do
		check "socket: '$c' answers like haproxy" "$(cli "$VS" "$c" | od -c)" "$(cli "$HS" "$c" | od -c)"
	done
fi
check "clear counters keeps totals" "$(cli "$VS" "show stat" | awk -F, '$1 == "webservers" && $2 == "BACKEND" { print ($8 > 0) }')" 1
check "clear counters all answers nothing" "$(cli "$VS" "clear counters all" | od -c | head -1)" "$(printf '\n' | od -c | head -1)"
check "clear counters all zeroes totals" "$(cli "$VS" "show stat" | awk -F, '$1 == "webservers" && $2 == "BACKEND" { print $8 }')" 0

# --- maintenance from the socket
check "get weight" "$(cli "$VS" "get weight webservers/web1" | head -1)" "1 (initial 1)"
check "disable server answers nothing" "$(cli "$VS" "disable server webservers/web1" | od -c | head -1)" "$(printf '\n' | od -c | head -1)"
check "show stat shows MAINT" "$(cli "$VS" "show stat" | awk -F, '$2 == "web1" { print $18 }')" MAINT
bodies=$(for i in 1 2 3 4; do timeout 5 curl -s "http://127.0.0.1:$V/"; done | sort | uniq -c | awk '{ print $2 ":" $1 }' | tr '\n' ' ')
check "no traffic to a server in maintenance" "$bodies" "Web2:4 "
timeout 5 curl -s -u admin:admin "http://127.0.0.1:$((V + 1))/status" | grep -q 'class="maintain"' &&
	ok "page shows the MAINT colour" || ko "page lacks class maintain"
cli "$VS" "set server webservers/web2 state drain" >/dev/null
check "drain shows DRAIN" "$(cli "$VS" "show stat" | awk -F, '$2 == "web2" { print $18 }')" DRAIN
cli "$VS" "set server webservers/web2 state ready" >/dev/null
cli "$VS" "enable server webservers/web1" >/dev/null
bodies=$(for i in 1 2 3 4; do timeout 5 curl -s "http://127.0.0.1:$V/"; done | sort | uniq -c | awk '{ print $2 ":" $1 }' | tr '\n' ' ')
check "enable server: traffic again to both" "$bodies" "Web1:2 Web2:2 "
cli "$VS" "set server webservers/web1 weight 3" >/dev/null
check "set server weight" "$(cli "$VS" "get weight webservers/web1" | head -1)" "3 (initial 1)"
check "user level refused" "$(cli "$VS" "user; disable server webservers/web1" | sed -n 2p)" "Permission denied"

# --- clean stop: exit 0, the socket file removed, no sanitizer report
# signal vipr itself (timeout's child), so that timeout reports vipr's own exit code
VCHILD=$(pgrep -P $VPID | head -1)
kill -TERM "${VCHILD:-$VPID}"
wait $VPID
check "exit code after SIGTERM" $? 0
[ -e "$VS" ] && ko "stats socket file left behind" || ok "stats socket file removed"
grep -q "Sanitizer" "$T/vipr.log" && { ko "sanitizer report"; grep -A20 Sanitizer "$T/vipr.log" | head -40; } || ok "no sanitizer report"

echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ] || exit 1
exit 0
