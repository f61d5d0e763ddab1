#!/bin/bash
# vrrp_garp_fifo.sh - gratuitous ARP timing (garp_master_repeat, garp_master_delay 0,
# garp_master_refresh/_repeat, garp_lower_prio_repeat) seen on the wire, and notify_fifo /
# vrrp_notify_fifo / notify_fifo_script compared line for line with Debian's keepalived.
#
# Namespaces (always deleted): a bridge, node a (the instance, 192.168.88.87) and node b
# (192.168.88.88, sends one forged lower-priority advert). The same configuration runs under
# keepalived (when installed) and vipr; each run: the lines read from both FIFOs, GARPs for
# the VIP counted by tcpdump on the bridge: 2 at the transition, then 3 every second
# (refresh), 4 more after a lower-priority advert.
# Env: VIPR, SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
command -v tcpdump >/dev/null || { echo "tcpdump missing"; exit 77; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
S=vg$$
ip netns add "${S}br" 2>/dev/null || { echo "no network namespaces"; exit 77; }
KA=/usr/sbin/keepalived
T=$(mktemp -d /tmp/vipr-vrrp-fifo.XXXXXX)
PASS=0 FAIL=0 P= TD= RD=

cleanup() {
	for p in $P $TD $RD; do kill "$p" 2>/dev/null; done
	for ns in a b br; do ip netns del "${S}$ns" 2>/dev/null; done
	if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS" && cp "$T"/*.log "$T"/*.txt "$KEEP_LOGS"/ 2>/dev/null; fi
	rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }

ip netns add "${S}a" && ip netns add "${S}b" || exit 1
ip -n "${S}br" link add br0 type bridge && ip -n "${S}br" link set br0 up
for n in a b; do
	ip link add "v$n" netns "${S}br" type veth peer name eth0 netns "${S}$n"
	ip -n "${S}br" link set "v$n" master br0 up
	ip -n "${S}$n" link set lo up
	ip -n "${S}$n" link set eth0 up
done
ip -n "${S}a" addr add 192.168.88.87/24 dev eth0
ip -n "${S}b" addr add 192.168.88.88/24 dev eth0

cat >"$T/reader.sh" <<EOF
#!/bin/sh
exec cat "\$1" >>"$T/fifo.txt"
EOF
chmod 755 "$T/reader.sh"

cat >"$T/k.conf" <<EOF
global_defs {
    notify_fifo $T/fifo
    notify_fifo_script $T/reader.sh
    vrrp_notify_fifo $T/vfifo
}
vrrp_sync_group G1 {
    group {
        VI_1
    }
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 53
    priority 100
    advert_int 1
    garp_master_delay 0
    garp_master_repeat 2
    garp_master_refresh 1
    garp_master_refresh_repeat 3
    garp_lower_prio_repeat 4
    virtual_ipaddress {
        192.168.88.95/24
    }
}
EOF

# One VRRPv2 advert from b: VRID 53, priority 50, the same VIP, TTL 255 to 224.0.0.18.
forge() {
	ip netns exec "${S}b" timeout 10 python3 - <<'EOF'
import socket, struct
def cksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
msg = bytes([0x21, 53, 50, 1, 0, 1, 0, 0]) + socket.inet_aton("192.168.88.95") + bytes(8)
msg = msg[:6] + struct.pack("!H", cksum(msg)) + msg[8:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("192.168.88.88"))
s.sendto(msg, ("224.0.0.18", 0))
EOF
}

logged() { # logged TEXT SECS: TEXT in the log after MARK
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		tail -c +$((MARK + 1)) "$L" | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

garps() { grep -c "Request who-has 192.168.88.95 .*tell 192.168.88.95," "$T/$1.arp.txt"; }

run() { # run LABEL IMPL
	local R=$1
	L=$T/$R.log MARK=0
	rm -f "$T/fifo" "$T/vfifo" "$T/fifo.txt"
	mkfifo "$T/vfifo"
	timeout 60 cat "$T/vfifo" >"$T/$R.vfifo.txt" &
	RD=$!
	ip netns exec "${S}br" timeout 60 tcpdump -i br0 -nn -l -tt arp >"$T/$R.arp.txt" 2>/dev/null &
	TD=$!
	sleep 0.5
	local args=(-f "$T/k.conf" -n -l -D -P -p "$T/$R.pid" -r "$T/${R}_vrrp.pid" -c "$T/${R}_c.pid")
	if [ "$2" = vipr ]; then
		ip netns exec "${S}a" timeout 60 bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" "${args[@]}" >"$L" 2>&1 &
	else
		ip netns exec "${S}a" timeout 60 "$KA" "${args[@]}" >"$L" 2>&1 &
	fi
	P=$!
	if logged "(VI_1) Entering MASTER STATE" 10; then ok "$R: MASTER"; else ko "$R: never MASTER"; fi
	local t0 t1 n
	t0=$(date +%s%N)
	sleep 3.5
	n=$(garps "$R")
	t1=$(date +%s%N)
	# 2 at the transition, then 3 a second: at least 3 refreshes, at most one a second
	local most=$((2 + 3 * ((t1 - t0) / 1000000000 + 1)))
	[ "$n" -ge 11 ] && [ "$n" -le $most ] && [ $(((n - 2) % 3)) = 0 ] &&
		ok "$R: $n GARPs in 3.5 s (2, then 3 a second)" || ko "$R: $n GARPs in 3.5 s, want 2 + 3k, 11..$most"
	MARK=$(stat -c %s "$L")
	local before
	before=$(garps "$R")
	forge
	logged "Received advert from 192.168.88.88 with lower priority 50, ours 100, forcing new election" 5 &&
		ok "$R: lower priority advert answered" || ko "$R: no 'forcing new election' line"
	sleep 0.3
	n=$(($(garps "$R") - before))
	# 4 for the lower priority, maybe 3 more from a refresh that fell in the window
	[ "$n" = 4 ] || [ "$n" = 7 ] && ok "$R: $n GARPs after the lower-priority advert" ||
		ko "$R: $n GARPs after the lower-priority advert, want 4 (or 7 with a refresh)"
	kill -TERM "$(pgrep -P "$P" | head -1)" 2>/dev/null
	wait "$P" 2>/dev/null
	P=
	sleep 0.5
	kill "$TD" "$RD" 2>/dev/null
	wait "$TD" "$RD" 2>/dev/null
	TD= RD=
	cp "$T/fifo.txt" "$T/$R.fifo.txt" 2>/dev/null || : >"$T/$R.fifo.txt"
	[ ! -e "$T/fifo" ] && ok "$R: the FIFO it created is removed" || ko "$R: $T/fifo left behind"
	[ -p "$T/vfifo" ] && ok "$R: the FIFO it found is kept" || ko "$R: $T/vfifo removed"
}

# what keepalived 2.2.7 writes (its own FIFO script is stopped before the STOP lines)
WANT='GROUP "G1" BACKUP 0
INSTANCE "VI_1" BACKUP 100
INSTANCE "VI_1" MASTER 100
GROUP "G1" MASTER 0
INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100
INSTANCE "VI_1" STOP 100
GROUP "G1" STOP 0'

if [ -x "$KA" ]; then
	run keepalived ka
	[ "$(cat "$T/keepalived.vfifo.txt")" = "$WANT" ] && ok "keepalived's vrrp_notify_fifo lines are the expected ones" ||
		ko "keepalived wrote: $(tr '\n' '|' <"$T/keepalived.vfifo.txt")"
fi
run vipr vipr
for f in fifo vfifo; do
	[ "$(cat "$T/vipr.$f.txt")" = "$WANT" ] && ok "vipr's $f lines are keepalived's" ||
		ko "vipr wrote to $f: $(tr '\n' '|' <"$T/vipr.$f.txt")"
done
if [ -x "$KA" ]; then
	[ "$(cat "$T/keepalived.vfifo.txt")" = "$(cat "$T/vipr.vfifo.txt")" ] &&
		ok "vrrp_notify_fifo: vipr and keepalived wrote the same" ||
		ko "vrrp_notify_fifo differs: ka $(tr '\n' '|' <"$T/keepalived.vfifo.txt") vipr $(tr '\n' '|' <"$T/vipr.vfifo.txt")"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
