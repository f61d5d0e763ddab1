#!/usr/bin/env bash
# lint_cross.sh - `vipr lint` across files: VRRP peers of one VRID, haproxy binding a VIP,
# per-node checks of the tutorial's mistakes (LABS.md), the tutorial's own lab files, JSON.
#
# Env: VIPR=<path to vipr>, SRC=<source tree>. Every check has a positive case (the finding is
# there, with a hint) and a negative one (it is not). Exit 0 pass, 1 fail; last line
# "N passed, M failed".
set -u
VIPR=${VIPR:?VIPR must point to the vipr binary}
VIPR=$(readlink -f "$VIPR")
SRC=${SRC:?SRC must point to the source tree}
LABS=$SRC/samples/labs
T=$(mktemp -d /tmp/vipr-lint.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }

# lint FILE... : runs vipr lint into $T/out (stdout) and $T/err, exit code in $rc.
rc=0
lint() {
	"$VIPR" lint "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if grep -qE 'Sanitizer|runtime error:' "$T/err"; then
		ko "sanitizer report for lint $*"
		cat "$T/err"
	fi
}
# has NAME REGEX : the output has a line matching REGEX (extended).
has() {
	if grep -qE -- "$2" "$T/out"; then ok "$1"; else
		ko "$1: no line matches /$2/"
		sed 's/^/    | /' "$T/out"
	fi
}
hasnt() {
	if ! grep -qE -- "$2" "$T/out"; then ok "$1"; else
		ko "$1: unexpected /$2/"
		grep -E -- "$2" "$T/out" | sed 's/^/    | /'
	fi
}
# hint_after NAME REGEX HINTREGEX : the finding matching REGEX is followed by a matching hint.
hint_after() {
	if awk -v re="$2" -v h="$3" '
		$0 ~ re { want = 1; next }
		want && /^  hint: / { if ($0 ~ h) found = 1; want = 0 }
		want && /^[^ ]/ { want = 0 }
		END { exit !found }' "$T/out"; then ok "$1"; else
		ko "$1: no hint /$3/ after /$2/"
		sed 's/^/    | /' "$T/out"
	fi
}
exit_is() {
	if [ "$rc" = "$2" ]; then ok "$1"; else ko "$1: exit $rc, expected $2"; fi
}

# vi NAME VRID PRIO STATE VIPS [EXTRA LINES...] : a vrrp_instance block on eth0.
vi() {
	local name=$1 vrid=$2 prio=$3 state=$4 vips=$5
	shift 5
	echo "vrrp_instance $name {"
	echo "    state $state"
	echo "    interface ${IFACE:-eth0}"
	echo "    virtual_router_id $vrid"
	echo "    priority $prio"
	local l
	for l in "$@"; do echo "    $l"; done
	echo "    virtual_ipaddress {"
	local v
	for v in $vips; do echo "        $v"; done
	echo "    }"
	echo "}"
}
# node DIR [GLOBAL LINES...] : starts DIR/keepalived.conf with global_defs; body on stdin.
node() {
	local d=$1
	shift
	mkdir -p "$d"
	{
		echo "global_defs {"
		echo "    router_id $d"
		local l
		for l in "$@"; do echo "    $l"; done
		echo "}"
		cat
	} >"$d/keepalived.conf"
}
auth() { printf 'authentication {\n        auth_type %s\n        auth_pass %s\n    }' "$1" "$2"; }

# ---------------------------------------------------------------- peers of one VRID
echo "# peers"
vi VI_1 10 100 MASTER 10.0.0.1 | node a
vi VI_1 10 50 BACKUP 10.0.0.2 | node b
lint a/keepalived.conf b/keepalived.conf
has "vip mismatch: reported on b's instance line, names a" \
	'^b/keepalived.conf:[0-9]+:[0-9]+: error: VRID 10: VI_1 here announces 10.0.0.2, but VI_1 in a/keepalived.conf:[0-9]+ announces 10.0.0.1'
hint_after "vip mismatch: hint" 'announces 10.0.0.2' 'virtual_ipaddress blocks identical'
exit_is "vip mismatch: exit 1" 1
vi VI_1 10 50 BACKUP "10.0.0.1" | node b
lint a/keepalived.conf b/keepalived.conf
hasnt "same vips: no mismatch" 'announces'
exit_is "clean pair: exit 0" 0
hasnt "clean pair: no finding at all" 'error|warning'
lint a/keepalived.conf
hasnt "one node alone: no peer findings" 'VRID'
vi VI_7 10 50 BACKUP 10.0.0.2 | IFACE=eth1 node b
lint a/keepalived.conf b/keepalived.conf
has "vip mismatch across interface names (VRID is interface-independent)" 'b/keepalived.conf:.*VRID 10: VI_7 here announces'
vi VI_1 11 50 BACKUP 10.0.0.2 | node b
lint a/keepalived.conf b/keepalived.conf
hasnt "different VRIDs: unrelated" 'VRID'
vi VI_1 10 50 BACKUP 'fe80::1' | node b
lint a/keepalived.conf b/keepalived.conf
hasnt "IPv4 and IPv6 routers of one VRID: unrelated" 'announces'

vi VI_1 10 100 MASTER 10.0.0.1 "$(auth PASS secret)" | node a
vi VI_1 10 50 BACKUP 10.0.0.1 "$(auth PASS otherpw)" | node b
lint a/keepalived.conf b/keepalived.conf
has "auth_pass mismatch" '^b/keepalived.conf:[0-9]+:[0-9]+: error: VRID 10: auth_pass differs from that of VI_1 in a/keepalived.conf:[0-9]+'
hint_after "auth_pass mismatch: hint" 'auth_pass differs' 'same authentication block'
hasnt "auth_pass mismatch: passwords are not printed" 'secret|otherpw'
vi VI_1 10 50 BACKUP 10.0.0.1 | node b
lint a/keepalived.conf b/keepalived.conf
has "auth type mismatch" 'b/keepalived.conf:.*error: VRID 10: authentication none here, but PASS for VI_1 in a/keepalived.conf'
vi VI_1 10 50 BACKUP 10.0.0.1 "$(auth PASS secret)" | node b
lint a/keepalived.conf b/keepalived.conf
hasnt "same auth: nothing" 'auth'
vi VI_1 10 100 MASTER 10.0.0.1 "$(auth PASS abcdefgh1)" | node a
vi VI_1 10 50 BACKUP 10.0.0.1 "$(auth PASS abcdefgh2)" | node b
lint a/keepalived.conf b/keepalived.conf
hasnt "auth_pass equal in its first 8 characters: same" 'auth_pass differs'

vi VI_1 10 100 MASTER 10.0.0.1 | node a
vi VI_1 10 50 BACKUP 10.0.0.1 "advert_int 2" | node b
lint a/keepalived.conf b/keepalived.conf
has "advert_int mismatch" 'b/keepalived.conf:.*error: VRID 10: advert_int 2s here, but 1s for VI_1 in a/keepalived.conf'
hint_after "advert_int mismatch: hint" 'advert_int 2s' 'same advert_int'
vi VI_1 10 50 BACKUP 10.0.0.1 "advert_int 1" | node b
lint a/keepalived.conf b/keepalived.conf
hasnt "same advert_int (explicit 1 = default): nothing" 'advert_int'

vi VI_1 10 50 BACKUP 10.0.0.1 | node b "vrrp_version 3"
lint a/keepalived.conf b/keepalived.conf
has "version mismatch" 'b/keepalived.conf:.*error: VRID 10: VI_1 here speaks VRRPv3, but VI_1 in a/keepalived.conf:[0-9]+ speaks VRRPv2'
vi VI_1 10 100 MASTER 10.0.0.1 | node a "vrrp_version 3"
lint a/keepalived.conf b/keepalived.conf
hasnt "same version: nothing" 'VRRPv'

vi VI_1 10 100 MASTER 10.0.0.1 | node a
vi VI_1 10 100 BACKUP 10.0.0.1 | node b
lint a/keepalived.conf b/keepalived.conf
has "priority tie" 'b/keepalived.conf:.*warning: VRID 10: priority 100 here is the same as that of VI_1 in a/keepalived.conf'
hint_after "priority tie: hint" 'priority 100 here' 'highest priority'
exit_is "warnings only: exit 0" 0
"$VIPR" lint --strict a/keepalived.conf b/keepalived.conf >/dev/null 2>&1
rc=$?
exit_is "warnings only with --strict: exit 2" 2
vi VI_1 10 90 BACKUP 10.0.0.1 | node b
lint a/keepalived.conf b/keepalived.conf
hasnt "distinct priorities: nothing" 'priority'

vi VI_1 10 90 MASTER 10.0.0.1 | node b
lint a/keepalived.conf b/keepalived.conf
has "two initial MASTERs" 'b/keepalived.conf:.*warning: VRID 10: VI_1 here and VI_1 in a/keepalived.conf:[0-9]+ both start as MASTER'
hint_after "two initial MASTERs: hint" 'both start as MASTER' 'state BACKUP'
vi VI_1 10 90 BACKUP 10.0.0.1 | node b
lint a/keepalived.conf b/keepalived.conf
hasnt "one MASTER: nothing" 'both start'
vi VI_1 10 80 MASTER 10.0.0.1 | node c
lint a/keepalived.conf b/keepalived.conf c/keepalived.conf
has "three nodes: the third's MASTER names the first" 'c/keepalived.conf:.*VI_1 in a/keepalived.conf:4 both start as MASTER'
hasnt "three nodes: b is fine" 'b/keepalived.conf:[0-9]+:[0-9]+: (error|warning)'

# ---------------------------------------------------------------- one node
echo "# one node"
{ vi VI_1 10 100 MASTER 10.0.0.1; vi VI_2 10 100 MASTER 10.0.0.2; } | node a
lint a/keepalived.conf
has "VRID clash on one interface" 'a/keepalived.conf:1[0-9]:[0-9]+: error: VI_1 and VI_2 \(a/keepalived.conf:[0-9]+\) both use VRID 10 with IPv4 on interface eth0'
hint_after "VRID clash: hint" 'both use VRID' 'own virtual_router_id'
{ vi VI_1 10 100 MASTER 10.0.0.1; IFACE=eth1 vi VI_2 10 100 MASTER 10.0.0.2; } | node a
lint a/keepalived.conf
hasnt "same VRID on two interfaces: fine" 'both use VRID'
{ vi VI_1 10 100 MASTER 10.0.0.1; vi VI_2 11 100 MASTER 10.0.0.2; } | node a
lint a/keepalived.conf
hasnt "two VRIDs on one interface: fine" 'both use VRID'

vs() {
	printf 'virtual_server %s 80 {\n    delay_loop 5\n    lb_algo rr\n    lb_kind DR\n' "$1"
	printf '    protocol TCP\n    real_server 10.0.1.10 80 {\n        weight 1\n'
	printf '        TCP_CHECK {\n            connect_timeout 2\n            %s 3\n' "${2:-retry}"
	printf '        }\n    }\n}\n'
}
{ vi VI_1 10 100 MASTER 10.0.0.1; vs 10.0.0.9; } | node a
lint a/keepalived.conf
has "virtual_server address no instance carries" 'a/keepalived.conf:[0-9]+:[0-9]+: warning: virtual_server 10.0.0.9 80: no vrrp_instance of this node carries 10.0.0.9'
hint_after "virtual_server address: hint" 'virtual_server 10.0.0.9 80' 'add 10.0.0.9 to the virtual_ipaddress'
{ vi VI_1 10 100 MASTER 10.0.0.1; vs 10.0.0.1; } | node a
lint a/keepalived.conf
hasnt "virtual_server on the VIP: fine" 'virtual_server'
exit_is "virtual_server on the VIP with retry: exit 0" 0
{ vi VI_1 10 100 MASTER 10.0.0.1; vs 10.0.0.1 nb_get_retry; } | node a
lint a/keepalived.conf
has "nb_get_retry: reported" "error: Unknown keyword 'nb_get_retry'"
hint_after "nb_get_retry: hint says renamed" "Unknown keyword 'nb_get_retry'" "did you mean 'retry'.*renamed"
hasnt "nb_get_retry: reported once per line" "(Unknown keyword 'nb_get_retry'.*){2}"

vi VI_1 10 100 BACKUP "10.0.0.1 10.0.0.2" | node a vrrp_strict
lint a/keepalived.conf
has "vrrp_strict drops traffic to the VIPs (decided wording)" \
	'^a/keepalived.conf:[0-9]+:[0-9]+: error: vrrp_strict: this node drops all traffic to 10.0.0.1, 10.0.0.2 while MASTER \(accept is refused with VRRPv2\), so clients cannot reach services on the VIP; remove vrrp_strict, or use vrrp_version 3 with accept$'
hint_after "vrrp_strict drop: hint" 'vrrp_strict: this node drops' 'delete `vrrp_strict`'
exit_is "vrrp_strict drop: exit 1" 1
vi VI_1 10 100 BACKUP 10.0.0.1 accept | node a vrrp_strict
lint a/keepalived.conf
has "vrrp_strict + accept with VRRPv2: still dropped" 'error: vrrp_strict: this node drops all traffic to 10.0.0.1'
vi VI_1 10 100 BACKUP 10.0.0.1 accept | node a vrrp_strict "vrrp_version 3"
lint a/keepalived.conf
hasnt "vrrp_strict + VRRPv3 + accept: no drop" 'drops all traffic'
vi VI_1 10 100 BACKUP 10.0.0.1 | node a vrrp_strict "vrrp_version 3"
lint a/keepalived.conf
has "vrrp_strict + VRRPv3 without accept: dropped" 'drops all traffic to 10.0.0.1 while MASTER \(accept is not set\)'
vi VI_1 10 100 BACKUP 10.0.0.1 strict_mode | node a
lint a/keepalived.conf
has "instance strict_mode: dropped too" 'drops all traffic to 10.0.0.1'
hint_after "instance strict_mode: hint names strict_mode" 'drops all traffic' 'strict_mode'
vi VI_1 10 100 BACKUP 10.0.0.1 | node a
lint a/keepalived.conf
hasnt "no vrrp_strict: no drop" 'drops all traffic'

vi VI_1 10 100 BACKUP 10.0.0.1 "$(auth PASS test)" | node a vrrp_strict
lint a/keepalived.conf
has "vrrp_strict + auth_type PASS: reported at the instance" 'a/keepalived.conf:[0-9]+:[0-9]+: error: \(VI_1\) Strict mode does not support authentication'
hint_after "vrrp_strict + auth: hint" 'Strict mode does not support authentication' 'delete the authentication block'
vi VI_1 10 100 BACKUP 10.0.0.1 "$(auth PASS test)" | node a
lint a/keepalived.conf
hasnt "auth without vrrp_strict: fine" 'authentication'

vi VI_1 10 100 MASTER 10.0.0.1 | node a vrrp_strict
lint a/keepalived.conf
has "vrrp_strict + MASTER below 255: reported at the instance" 'a/keepalived.conf:[0-9]+:[0-9]+: error: \(VI_1\) State MASTER must match being address owner'
hint_after "vrrp_strict + MASTER: hint" 'State MASTER must match' 'state BACKUP'
vi VI_1 10 255 MASTER 10.0.0.1 | node a vrrp_strict
lint a/keepalived.conf
hasnt "vrrp_strict + MASTER at 255: fine" 'State MASTER'

vi VI_1 10 100 BACKUP 10.0.0.1 | node a vrrp_iptables
lint a/keepalived.conf
has "vrrp_iptables: reported" 'a/keepalived.conf:[0-9]+:[0-9]+: error: iptables not supported'
hint_after "vrrp_iptables: hint" 'iptables not supported' 'replace `vrrp_iptables` with `nftables`'
vi VI_1 10 100 BACKUP 10.0.0.1 | node a nftables
lint a/keepalived.conf
hasnt "nftables: fine" 'iptables'

script() { printf 'vrrp_script chk {\n    script "/bin/true"\n    interval 2\n}\n'; }
{ script; vi VI_1 10 100 BACKUP 10.0.0.1 "track_script {
        chk
    }"; } | node a
lint a/keepalived.conf
has "script without script security" "a/keepalived.conf:[0-9]+:[0-9]+: warning: vrrp_script chk runs '/bin/true' as root \(no script_user\), and enable_script_security is not set"
hint_after "script security: hint" 'vrrp_script chk runs' 'enable_script_security'
{ script; vi VI_1 10 100 BACKUP 10.0.0.1; } | node a "script_user nobody" enable_script_security
lint a/keepalived.conf
hasnt "script_user + enable_script_security: fine" 'vrrp_script chk'
{ printf 'vrrp_script port {\n    script "</dev/tcp/127.0.0.1/80"\n}\n'; vi VI_1 10 100 BACKUP 10.0.0.1; } | node a
lint a/keepalived.conf
hasnt "a </dev/tcp redirection is not a script" 'vrrp_script port'
vi VI_1 10 100 BACKUP 10.0.0.1 "notify_master /bin/true" | node a
lint a/keepalived.conf
has "notify script without script security" "warning: notify script of VI_1 runs '/bin/true' as root"

# ---------------------------------------------------------------- haproxy and keepalived
echo "# haproxy"
hap() {
	mkdir -p "$(dirname "$1")"
	printf 'defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n' >"$1"
	printf 'listen web\n    bind %s\n    server s1 10.0.1.10:80\n' "$2" >>"$1"
	[ $# -gt 2 ] && printf '%s\n' "$3" >>"$1"
	return 0
}
vi VI_1 10 100 MASTER 10.0.0.1 | node a
hap a/haproxy.cfg 10.0.0.1:80
lint a/haproxy.cfg a/keepalived.conf
has "bind on a VIP: names the keepalived file and ip_nonlocal_bind" \
	'a/haproxy.cfg:7:[0-9]+: (warning|note): bind 10.0.0.1:80: 10.0.0.1 is a VIP that keepalived moves \(VI_1 in a/keepalived.conf:[0-9]+\).*net.ipv4.ip_nonlocal_bind=1 \(this host has net.ipv4.ip_nonlocal_bind=[01]\)'
hint_after "bind on a VIP: hint" 'is a VIP that keepalived moves' 'ip_nonlocal_bind=1 on every node.*0.0.0.0:80'
vi VI_1 10 50 BACKUP 10.0.0.1 | node b
lint a/haproxy.cfg b/keepalived.conf
has "bind on a VIP of another node's keepalived" 'a/haproxy.cfg:7:.*VI_1 in b/keepalived.conf'
hap a/haproxy.cfg 0.0.0.0:80
lint a/haproxy.cfg a/keepalived.conf
hasnt "wildcard bind: fine" 'is a VIP'
hap a/haproxy.cfg '*:80'
lint a/haproxy.cfg a/keepalived.conf
hasnt "* bind: fine" 'is a VIP'
hap a/haproxy.cfg 10.0.0.5:80
lint a/haproxy.cfg a/keepalived.conf
hasnt "bind on another address: fine" 'is a VIP'
hap a/haproxy.cfg "10.0.0.1:80 transparent"
lint a/haproxy.cfg a/keepalived.conf
hasnt "transparent bind: fine" 'is a VIP'
if command -v unshare >/dev/null && unshare -n true 2>/dev/null; then
	hap a/haproxy.cfg 10.0.0.1:80
	out=$(unshare -n sh -c "sysctl -qw net.ipv4.ip_nonlocal_bind=0 && '$VIPR' lint a/haproxy.cfg a/keepalived.conf")
	echo "$out" >"$T/out"
	has "ip_nonlocal_bind=0 (own netns): warning" 'warning: bind 10.0.0.1:80.*this host has net.ipv4.ip_nonlocal_bind=0'
	out=$(unshare -n sh -c "sysctl -qw net.ipv4.ip_nonlocal_bind=1 && '$VIPR' lint a/haproxy.cfg a/keepalived.conf")
	echo "$out" >"$T/out"
	has "ip_nonlocal_bind=1 (own netns): a note only" 'note: bind 10.0.0.1:80.*this host has net.ipv4.ip_nonlocal_bind=1'
else
	echo "skip ip_nonlocal_bind in a namespace: unshare -n not available"
fi

hap a/haproxy.cfg 0.0.0.0:80 'global
    ssl-default-bind-ciphers PROFILE=SYSTEM'
lint a/haproxy.cfg
has "PROFILE=SYSTEM" "a/haproxy.cfg:10:30: warning: 'PROFILE=SYSTEM' is RHEL's system-wide crypto policy"
hint_after "PROFILE=SYSTEM: hint" "'PROFILE=SYSTEM' is RHEL" 'explicit cipher list'
hap a/haproxy.cfg 0.0.0.0:80 'global
    ssl-default-bind-ciphers ECDHE+AESGCM'
lint a/haproxy.cfg
hasnt "explicit cipher list: fine" 'crypto policy'

# ---------------------------------------------------------------- the tutorial's labs
echo "# labs"
cd "$LABS" || exit 1
lint haproxy-cluster/haproxy.cfg
exit_is "lab 1: no error (exit 0)" 0
has "lab 1: PROFILE=SYSTEM" "^haproxy-cluster/haproxy.cfg:39:30: warning: 'PROFILE=SYSTEM'"
hasnt "lab 1: no error" ': error:'

lint lvs-ha/lvs1/keepalived.conf lvs-ha/lvs2/keepalived.conf
exit_is "lab 2: exit 1" 1
for n in 1 2; do
	f=lvs-ha/lvs$n/keepalived.conf
	has "lab 2 lvs$n: vrrp_strict drop" "^$f:6:1: error: vrrp_strict: this node drops all traffic to 192.168.88.86 while MASTER \\(accept is refused with VRRPv2\\), so clients cannot reach services on the VIP; remove vrrp_strict, or use vrrp_version 3 with accept\$"
	has "lab 2 lvs$n: strict + auth" "^$f:6:1: error: \\(VI_1\\) Strict mode does not support authentication"
	has "lab 2 lvs$n: nb_get_retry line 30" "^$f:30:[0-9]+: error: Unknown keyword 'nb_get_retry'"
	has "lab 2 lvs$n: nb_get_retry line 38" "^$f:38:[0-9]+: error: Unknown keyword 'nb_get_retry'"
	has "lab 2 lvs$n: vrrp_iptables" "^$f:3:[0-9]+: error: iptables not supported"
done
has "lab 2 lvs1: strict + MASTER" '^lvs-ha/lvs1/keepalived.conf:6:1: error: \(VI_1\) State MASTER must match'
hasnt "lab 2 lvs2: BACKUP is fine" '^lvs-ha/lvs2/keepalived.conf:.*State MASTER'
hasnt "lab 2: the peers agree" 'VRID 51'
hasnt "lab 2: the virtual_server is on the VIP" 'no vrrp_instance of this node carries'
if awk '/: (error|warning): / { f = 1; next } f && /^  hint: / { f = 0 } /^[^ ]/ && f { exit 1 } END { exit f }' "$T/out"; then
	ok "lab 2: every finding has a hint"
else
	ko "lab 2: a finding without a hint"
fi

lint web-ha/web1/keepalived.conf web-ha/web2/keepalived.conf
exit_is "lab 3: exit 1" 1
for n in 1 2; do
	f=web-ha/web$n/keepalived.conf
	has "lab 3 web$n: vrrp_strict drop" "^$f:[0-9]+:1: error: vrrp_strict: this node drops all traffic to 192.168.88.90 while MASTER \\(accept is refused with VRRPv2\\), so clients cannot reach services on the VIP; remove vrrp_strict, or use vrrp_version 3 with accept\$"
	has "lab 3 web$n: strict + auth" "^$f:[0-9]+:1: error: \\(VI_1\\) Strict mode does not support authentication"
	has "lab 3 web$n: vrrp_iptables" "^$f:3:[0-9]+: error: iptables not supported"
done
has "lab 3 web1: strict + MASTER" '^web-ha/web1/keepalived.conf:10:1: error: \(VI_1\) State MASTER must match'
has "lab 3 web1: chk_nginx runs as root" "^web-ha/web1/keepalived.conf:6:1: warning: vrrp_script chk_nginx runs '/etc/keepalived/check_nginx.sh' as root"
hasnt "lab 3: the peers agree" 'VRID 51'

lint lvs-ha/lvs1/keepalived.conf web-ha/web1/keepalived.conf
has "labs 2 and 3 on one LAN: VRID 51 carries different VIPs" '^web-ha/web1/keepalived.conf:10:1: error: VRID 51: VI_1 here announces 192.168.88.90, but VI_1 in lvs-ha/lvs1/keepalived.conf:6 announces 192.168.88.86'

# ---------------------------------------------------------------- JSON
echo "# json"
"$VIPR" lint --format json web-ha/web1/keepalived.conf web-ha/web2/keepalived.conf >"$T/json"
rc=$?
exit_is "json: exit 1" 1
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = d["findings"]
assert d["errors"] == sum(x["severity"] == "error" for x in f), "error count"
assert d["warnings"] == sum(x["severity"] == "warning" for x in f), "warning count"
drop = [x for x in f if x["message"].startswith("vrrp_strict: this node drops")]
assert len(drop) == 2, drop
assert {x["file"] for x in drop} == {"web-ha/web1/keepalived.conf", "web-ha/web2/keepalived.conf"}
for x in f:
    assert x["file"] and x["line"] > 0, x
    assert x["hint"], x
' "$T/json"; then ok "json: parses; counts, files, lines and hints"; else ko "json"; cat "$T/json"; fi
cd "$T" || exit 1
vi VI_1 10 100 MASTER 10.0.0.1 | node a
vi VI_1 10 50 BACKUP 10.0.0.2 | node b
"$VIPR" lint --format=json a/keepalived.conf b/keepalived.conf >"$T/json"
if python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))["findings"]
x = [x for x in f if "announces" in x["message"]]
assert len(x) == 1 and x[0]["file"] == "b/keepalived.conf" and x[0]["line"] == 4, x
assert "a/keepalived.conf:4" in x[0]["message"] and x[0]["severity"] == "error", x
' "$T/json"; then ok "json: cross-node finding points at b:4 and names a:4"; else ko "json cross"; cat "$T/json"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
