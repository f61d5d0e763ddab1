#!/bin/bash
# vrrp_dumps.sh - the keepalived personality's systemd and signal interfaces, on one vipr node
# in a network namespace (a veth pair inside it; created and always deleted).
#
# sd_notify: with NOTIFY_SOCKET naming a python3 unix datagram listener (a path, then an
# abstract '@' name) vipr sends READY=1 after startup, RELOADING=1 then READY=1 on SIGHUP and
# STOPPING=1 on SIGTERM. Dumps: SIGUSR1, SIGUSR2 and signal 36 write keepalived.data,
# keepalived.stats and keepalived.json under $TMPDIR, mode 0600, in keepalived 2.2.7's
# layouts; signal 63 writes the stats and clears them. With Debian's keepalived installed,
# the same sections and field names are checked against its own files.
# Env: VIPR (binary). Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
command -v python3 >/dev/null || { echo "no python3"; exit 77; }
S=vd$$
ip netns add "${S}a" 2>/dev/null || { echo "no network namespaces"; exit 77; }
KA=/usr/sbin/keepalived
T=$(mktemp -d /tmp/vipr-vrrp-dumps.XXXXXX)
PASS=0 FAIL=0 P="" LP=""

cleanup() {
	[ -n "$P" ] && kill -KILL "$P" 2>/dev/null
	[ -n "$LP" ] && kill "$LP" 2>/dev/null
	wait 2>/dev/null
	ip netns del "${S}a" 2>/dev/null
	[ -n "${KEEP_DUMPS:-}" ] && cp -r "$T/vipr" "$KEEP_DUMPS"; rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }

ip -n "${S}a" link add eth0 type veth peer name eth1
for i in lo eth0 eth1; do ip -n "${S}a" link set "$i" up; done
ip -n "${S}a" addr add 192.168.88.87/24 dev eth0

cat >"$T/a.conf" <<EOF
global_defs {
    router_id a
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass test
    }
    virtual_ipaddress {
        192.168.88.90/24 dev eth0 label eth0:1
    }
}
EOF

# listen ADDR OUT: a unix datagram listener writing each message on a line of OUT
# (in the node's namespace: abstract unix names are per network namespace)
listen() {
	ip netns exec "${S}a" python3 - "$1" "$2" <<'PY' &
import socket, sys
addr, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(out + ".up", "w").close()
with open(out, "a") as f:
    while True:
        f.write(s.recv(4096).decode() + "\n")
        f.flush()
PY
	LP=$!
	for _ in $(seq 50); do [ -e "$2.up" ] && return 0; sleep 0.1; done
	return 1
}

start() { # start IMPL: TMPDIR=$T/tmp, log $T/a.log
	mkdir -p "$T/tmp"
	local args=(-f "$T/a.conf" -n -l -D -P -p "$T/a.pid" -r "$T/a_vrrp.pid" -c "$T/a_c.pid")
	if [ "$1" = vipr ]; then
		TMPDIR=$T/tmp ip netns exec "${S}a" bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" \
			"${args[@]}" >>"$T/a.log" 2>&1 &
	else
		TMPDIR=$T/tmp ip netns exec "${S}a" "$KA" "${args[@]}" >>"$T/a.log" 2>&1 &
	fi
	P=$!
}

stop() { kill -TERM "$P" 2>/dev/null; wait "$P" 2>/dev/null; RC=$?; P=""; }

wait_for() { # wait_for FILE PATTERN SECS
	local i
	for i in $(seq $((${3} * 10))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- sd_notify
for addr in "$T/notify.sock" "@vipr-notify-$$"; do
	rm -f "$T/notify.txt" "$T/notify.txt.up"
	listen "$addr" "$T/notify.txt" || { ko "listener on $addr did not start"; continue; }
	NOTIFY_SOCKET=$addr start vipr
	wait_for "$T/notify.txt" READY=1 5 && ok "notify $addr: READY=1 after startup" ||
		ko "notify $addr: no READY=1"
	kill -HUP "$P"
	if wait_for "$T/notify.txt" RELOADING=1 5 && sleep 0.5 &&
		[ "$(tail -n 1 "$T/notify.txt")" = READY=1 ]; then
		ok "notify $addr: RELOADING=1 then READY=1 on SIGHUP"
	else
		ko "notify $addr: after SIGHUP: $(xargs <"$T/notify.txt")"
	fi
	stop
	[ "$RC" = 0 ] && ok "notify $addr: exit 0 on SIGTERM" || ko "notify $addr: exit $RC"
	wait_for "$T/notify.txt" STOPPING=1 2 && ok "notify $addr: STOPPING=1 on SIGTERM" ||
		ko "notify $addr: no STOPPING=1 ($(xargs <"$T/notify.txt"))"
	kill "$LP" 2>/dev/null
	wait "$LP" 2>/dev/null
	LP=""
done

# ---------------------------------------------------------------- dump files
# dump IMPL DIR: starts IMPL, waits for MASTER, sends the three signals, copies the files
dump() {
	rm -rf "$T/tmp"
	: >"$T/a.log"
	start "$1"
	wait_for "$T/a.log" "Entering MASTER STATE" 8 || ko "$1 did not become master"
	sleep 1.5
	kill -USR1 "$P"
	sleep 0.3
	kill -USR2 "$P"
	sleep 0.3
	kill -36 "$P"
	sleep 0.5
	mkdir -p "$2"
	cp -p "$T"/tmp/keepalived.* "$2"/ 2>/dev/null
}

dump vipr "$T/vipr"
for f in data stats json; do
	m=$(stat -c %a "$T/tmp/keepalived.$f" 2>/dev/null)
	[ "$m" = 600 ] && ok "keepalived.$f written, mode 0600" || ko "keepalived.$f: mode '$m'"
done
D=$T/vipr/keepalived.data
for want in "^------< Global definitions >------$" "^ Router ID = a$" \
	"^------< VRRP Topology >------$" "^ VRRP Instance = VI_1$" "^   VRRP Version = 2$" \
	"^   State = MASTER$" "^   Virtual Router ID = 51$" "^   Priority = 100$" \
	"^   Effective priority = 100$" "^   Advert interval = 1 sec$" \
	"^   Authentication type = SIMPLE_PASSWORD$" "^   Virtual IP (1):$" \
	"^     192.168.88.90/24 dev eth0 scope global label eth0:1 set$" \
	"^   Master down timer = 3609375 usecs$"; do
	grep -q "$want" "$D" && ok "data: $want" || ko "data: missing $want"
done
S2=$T/vipr/keepalived.stats
sent=$(sed -n '3,4p' "$S2" | awk '/Sent:/ {print $2}')
if head -1 "$S2" | grep -q "^VRRP Instance: VI_1$" && sed -n 2p "$S2" | grep -q "^  Advertisements:$" &&
	[ "${sent:-0}" -ge 1 ] && grep -q "^  Became master: 1$" "$S2" &&
	grep -q "^    Advertisement Interval: 0$" "$S2" && grep -q "^  Priority Zero:$" "$S2"; then
	ok "stats: layout, $sent adverts sent, became master 1"
else
	ko "stats: $(head -8 "$S2" | tr '\n' '|')"
fi
if python3 - "$T/vipr/keepalived.json" <<'PY'; then
import json, sys
j = json.load(open(sys.argv[1]))
d, s = j[0]["data"], j[0]["stats"]
assert d["iname"] == "VI_1" and d["state"] == 2 and d["vrid"] == 51, d
assert d["base_priority"] == 100 and d["vipset"] is True and d["auth_type"] == 1, d
assert d["vips"] == ["192.168.88.90/24 dev eth0 scope global label eth0:1 set"], d["vips"]
assert s["advert_sent"] >= 1 and s["become_master"] == 1, s
PY
	ok "json: parses, instance VI_1 MASTER, VIP set, counters"
else
	ko "json: $(head -c 300 "$T/vipr/keepalived.json")"
fi
kill -63 "$P"
sleep 0.3
grep -q "^    Sent: 0$" "$T/tmp/keepalived.stats" && ok "signal 63: stats written, then cleared" ||
	ko "signal 63: $(head -4 "$T/tmp/keepalived.stats" | tr '\n' '|')"
kill -USR2 "$P"
sleep 0.3
grep -q "^  Became master: 0$" "$T/tmp/keepalived.stats" && ok "signal 63: counters zeroed" ||
	ko "signal 63: counters not zeroed"
stop
[ "$RC" = 0 ] && ok "exit 0 after the dumps" || ko "exit $RC after the dumps: $(grep -m3 -E 'ERROR|Sanitizer' "$T/a.log")"

# The same fields against Debian's keepalived: every vipr line names a field keepalived has,
# at the same indentation (values aside), and the JSON keys are a subset of its keys.
if [ -x "$KA" ]; then
	dump ka "$T/ka"
	stop
	for f in data stats; do
		miss=$(sed 's/ = .*//; s/: .*//; s/[0-9]\+/N/g' "$T/vipr/keepalived.$f" | sort -u |
			while IFS= read -r l; do
				sed 's/ = .*//; s/: .*//; s/[0-9]\+/N/g' "$T/ka/keepalived.$f" | grep -qxF -- "$l" ||
					echo "[$l]"
			done)
		[ -z "$miss" ] && ok "$f: every vipr field is in keepalived's file" ||
			ko "$f: not in keepalived's: $miss"
	done
	if python3 - "$T/vipr/keepalived.json" "$T/ka/keepalived.json" <<'PY'; then
import json, sys
v, k = (json.load(open(p))[0] for p in sys.argv[1:3])
for part in ("data", "stats"):
    extra = set(v[part]) - set(k[part])
    assert not extra, (part, extra)
PY
		ok "json: every vipr key is in keepalived's"
	else
		ko "json: keys differ from keepalived's"
	fi
else
	echo "skip comparison: $KA not installed"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
