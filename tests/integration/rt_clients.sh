#!/bin/bash
# rt_clients.sh - the monitoring tools operators point at HAProxy, unchanged, against vipr.
#
# Lab 1-like config (two nginx origins behind `listen webservers`, a `listen status` page
# with `stats auth admin:admin`, an admin stats socket). Debian's real clients:
# - hatop (in tmux, on the stats socket): the screen lists the proxies and servers; the
#   cursor moved onto web1 and F10 ("disable server") puts web1 in MAINT in `show stat`,
#   F9 brings it back;
# - prometheus-haproxy-exporter scraping the page's ;csv (with credentials) and the stats
#   socket: haproxy_up 1, haproxy_server_up 1 for web1 and 0 for web2 once web2 is disabled;
# - headless chromium loading the page with the credentials: every server row and column
#   group in the DOM, a screenshot saved as $BUILD/rt_clients-stats.png (skipped when
#   chromium cannot start here).
# Each tool that is missing skips its part; all missing: exit 77.
# Env: VIPR, SRC, BUILD, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$(dirname "$VIPR")}
. "$SRC/tests/lib/harness.sh"
HATOP=$(command -v hatop) TMUX_BIN=$(command -v tmux)
[ -n "$TMUX_BIN" ] || HATOP=
EXPORTER=$(command -v prometheus-haproxy-exporter)
CHROMIUM=$(command -v chromium)
[ -n "$HATOP$EXPORTER$CHROMIUM" ] || harness_skip "no hatop, exporter or chromium"
harness_init rt-clients nginx curl socat
TSESS=vipr-hatop-$$
harness_cleanup_extra() { [ -n "$HATOP" ] && tmux kill-session -t "$TSESS" 2>/dev/null; }

WEB1=$BASE WEB2=$((BASE + 1)) V=$((BASE + 10)) EXP1=$((BASE + 20)) EXP2=$((BASE + 21))
SKIP=0

nginx_origin 1 $WEB1 300
nginx_origin 2 $WEB2 300
wait_port $WEB1 && wait_port $WEB2 || { echo "origins did not start"; echo "0 passed, 0 failed"; exit 77; }

SOCK=$T/vipr.sock
cat >"$T/vipr.cfg" <<EOF
global
    maxconn 3000
    stats socket $SOCK mode 600 level admin
    stats timeout 30s

defaults
    mode                    http
    timeout connect         10s
    timeout client          1m
    timeout server          1m

listen webservers
    bind 127.0.0.1:$V
    balance roundrobin
    server web1 127.0.0.1:$WEB1
    server web2 127.0.0.1:$WEB2

listen status
    bind 127.0.0.1:$((V + 1))
    stats uri /status
    stats refresh 60s
    stats auth admin:admin
EOF
mkdir -p "$T/bin"
ln -s "$VIPR" "$T/bin/haproxy"
timeout 300 "$T/bin/haproxy" -f "$T/vipr.cfg" -db >"$T/vipr.log" 2>&1 &
VPID=$!
PIDS+=($VPID)
wait_port $((V + 1)) || { cat "$T/vipr.log"; ko "vipr did not start"; echo "$PASS passed, $FAIL failed"; exit 1; }
for i in 1 2 3 4; do timeout 5 curl -s -o /dev/null "http://127.0.0.1:$V/"; done

cli() { echo "$1" | timeout 5 socat - "UNIX-CONNECT:$SOCK"; }
srv_status() { cli "show stat" | awk -F, -v s="$1" '$1 == "webservers" && $2 == s { print $18 }'; }
wait_status() { # wait_status SRV STATUS
	for _ in $(seq 1 100); do [ "$(srv_status "$1")" = "$2" ] && return 0; sleep 0.1; done
	return 1
}

# --- hatop
if [ -n "$HATOP" ]; then
	tmux new-session -d -s "$TSESS" -x 220 -y 50 "timeout 240 $HATOP -s $SOCK -i 1"
	screen() { tmux capture-pane -p -t "$TSESS" 2>/dev/null; }
	# the row under hatop's cursor (reverse video), first word
	cursor() { tmux capture-pane -e -p -t "$TSESS" | grep -a $'\e\\[7m' | head -1 | sed 's/\x1b\[[0-9;]*m//g' | awk '{ print $1 }'; }
	for _ in $(seq 1 100); do screen | grep -q '^web1 ' && break; sleep 0.1; done
	screen >"$T/hatop.txt"
	for w in '>>> webservers' '>>> status' 'FRONTEND' 'BACKEND' 'web1' 'web2' 'HAProxy Version: 2.6'; do
		grep -qF -- "$w" "$T/hatop.txt" && ok "hatop shows $w" || ko "hatop lacks $w"
	done
	grep -q "^web1 .*no check\|^web1 .* - " "$T/hatop.txt" && ok "hatop shows web1's status" || ko "hatop web1 status: $(grep '^web1' "$T/hatop.txt")"
	# the cursor starts at the top; walk down to web1 (one line per key, blank lines too)
	for _ in $(seq 1 15); do [ "$(cursor)" = web1 ] && break; tmux send-keys -t "$TSESS" Down; sleep 0.3; done
	check "hatop cursor on web1" "$(cursor)" web1
	tmux send-keys -t "$TSESS" F10
	wait_status web1 MAINT && ok "hatop F10: web1 in MAINT in show stat" || ko "hatop F10: web1 is $(srv_status web1)"
	for _ in $(seq 1 50); do screen | grep -q '^web1 .*MAINT' && break; sleep 0.1; done
	screen | grep -q '^web1 .*MAINT' && ok "hatop shows web1 MAINT" || ko "hatop screen after F10: $(screen | grep '^web1')"
	tmux send-keys -t "$TSESS" F9
	wait_status web1 "no check" && ok "hatop F9: web1 back in show stat" || ko "hatop F9: web1 is $(srv_status web1)"
	tmux kill-session -t "$TSESS" 2>/dev/null
else
	echo "skip hatop (hatop or tmux missing)"
fi

# --- prometheus-haproxy-exporter
if [ -n "$EXPORTER" ]; then
	cli "disable server webservers/web2" >/dev/null
	timeout 120 "$EXPORTER" --haproxy.scrape-uri="http://admin:admin@127.0.0.1:$((V + 1))/status;csv" \
		--web.listen-address=127.0.0.1:$EXP1 >"$T/exp1.log" 2>&1 &
	PIDS+=($!)
	timeout 120 "$EXPORTER" --haproxy.scrape-uri="unix:$SOCK" --web.listen-address=127.0.0.1:$EXP2 >"$T/exp2.log" 2>&1 &
	PIDS+=($!)
	wait_port $EXP1 && wait_port $EXP2 || ko "exporters did not start"
	for e in $EXP1 $EXP2; do
		how=$([ $e = $EXP1 ] && echo ";csv" || echo "socket")
		timeout 10 curl -s "http://127.0.0.1:$e/metrics" >"$T/m$e"
		check "exporter ($how): haproxy_up" "$(awk '$1 == "haproxy_up" { print $2 }' "$T/m$e")" 1
		check "exporter ($how): web1 up" "$(grep '^haproxy_server_up{backend="webservers",server="web1"}' "$T/m$e" | awk '{ print $2 }')" 1
		check "exporter ($how): web2 down (disabled)" "$(grep '^haproxy_server_up{backend="webservers",server="web2"}' "$T/m$e" | awk '{ print $2 }')" 0
		check "exporter ($how): backend up" "$(grep '^haproxy_backend_up{backend="webservers"}' "$T/m$e" | awk '{ print $2 }')" 1
		check "exporter ($how): 4 sessions on the backend" "$(grep '^haproxy_backend_sessions_total{backend="webservers"}' "$T/m$e" | awk '{ print $2 }')" 4
	done
	cli "enable server webservers/web2" >/dev/null
	timeout 10 curl -s "http://127.0.0.1:$EXP1/metrics" >"$T/m2"
	check "exporter: web2 up again after enable" "$(grep '^haproxy_server_up{backend="webservers",server="web2"}' "$T/m2" | awk '{ print $2 }')" 1
else
	echo "skip prometheus-haproxy-exporter (missing)"
fi

# --- chromium
if [ -n "$CHROMIUM" ]; then
	chr() { timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--no-first-run --user-data-dir="$T/chromium" "$@" 2>>"$T/chromium.log"; }
	if chr --dump-dom "http://admin:admin@127.0.0.1:$((V + 1))/status" >"$T/dom.html" && [ -s "$T/dom.html" ]; then
		for w in 'webservers/Frontend' 'webservers/web1' 'webservers/web2' 'webservers/Backend' \
			'status/Frontend' 'status/Backend' '>Queue<' '>Session rate<' '>Sessions<' '>Bytes<' \
			'>Denied<' '>Errors<' '>Warnings<' '>Server<' '>Status<' '>LastChk<' '>Wght<' '>Dwntme<'; do
			grep -qF -- "$w" "$T/dom.html" && ok "chromium DOM has $w" || ko "chromium DOM lacks $w"
		done
		check "chromium: one row per server" "$(grep -o 'name="webservers/web[12]"' "$T/dom.html" | sort -u | wc -l)" 2
		rm -f "$BUILD/rt_clients-stats.png"
		chr --window-size=1600,1000 --hide-scrollbars --screenshot="$BUILD/rt_clients-stats.png" \
			"http://admin:admin@127.0.0.1:$((V + 1))/status" >/dev/null
		[ -s "$BUILD/rt_clients-stats.png" ] && ok "screenshot saved: $BUILD/rt_clients-stats.png" || ko "no screenshot"
	else
		echo "skip chromium (cannot start here: $(tail -1 "$T/chromium.log"))"
		SKIP=1
	fi
else
	echo "skip chromium (missing)"
fi

kill -0 "$VPID" 2>/dev/null && ok "vipr still running" || ko "vipr died"
[ $FAIL -eq 0 ] || { echo "--- vipr's log"; tail -20 "$T/vipr.log"; }
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ] || exit 1
[ $SKIP -eq 0 ] || exit 77
exit 0
