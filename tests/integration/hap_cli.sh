#!/usr/bin/env bash
# The `haproxy` personality's command line against Debian's haproxy 2.6: exit codes of -c,
# -q, -dW, -cc, several -f, -f DIR (its *.cfg in lexical order), missing files, -v/-vv.
# Env: VIPR, SRC. Exit 0 pass, 1 fail, 77 without /usr/sbin/haproxy.
set -u
REAL=/usr/sbin/haproxy
[ -x $REAL ] || { echo "SKIP: no $REAL"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$VIPR" "$tmp/haproxy"
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# Same exit code as the real haproxy for the same arguments (run in $tmp/w).
same_rc() {
	local name=$1; shift
	(cd "$tmp/w" && $REAL "$@" >/dev/null 2>&1); local want=$?
	(cd "$tmp/w" && "$tmp/haproxy" "$@" >/dev/null 2>&1); local got=$?
	[ "$want" = "$got" ] && ok "$name (exit $got)" || ko "$name" "haproxy exit $want, vipr $got"
}

mkdir -p "$tmp/w/conf.d" "$tmp/w/empty"
cat >"$tmp/w/base.cfg" <<'CFG'
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
CFG
printf 'frontend fe\n    bind 127.0.0.1:18999\n    default_backend be\n' >"$tmp/w/conf.d/10-fe.cfg"
printf 'backend be\n    server s1 127.0.0.1:18998\n' >"$tmp/w/conf.d/20-be.cfg"
printf 'this is not read\n' >"$tmp/w/conf.d/30-ignored.txt"
printf 'listen web\n    bind 127.0.0.1:18997\n    server s1 127.0.0.1:18998\n' >"$tmp/w/nodefaults.cfg"
printf 'global\n    maxconn 10\n' >"$tmp/w/nolistener.cfg"
printf 'global\n    bogus_keyword\n' >"$tmp/w/bad.cfg"

same_rc "two -f files" -c -f base.cfg -f conf.d/10-fe.cfg -f conf.d/20-be.cfg
same_rc "-f DIR reads *.cfg only" -c -f base.cfg -f conf.d
same_rc "backend declared after its use" -c -f conf.d/20-be.cfg -f conf.d/10-fe.cfg
same_rc "-q valid" -c -q -f base.cfg -f conf.d
same_rc "-q invalid" -c -q -f bad.cfg
same_rc "warnings only" -c -f nodefaults.cfg
same_rc "-dW makes warnings fatal" -c -dW -f nodefaults.cfg
same_rc "no listener exits 2" -c -f nolistener.cfg
same_rc "missing file" -c -f nosuch.cfg
same_rc "empty directory" -c -f empty
same_rc "-cc true" -cc 'defined(HOME) || 1'
same_rc "-cc false" -cc '0'
same_rc "-cc error" -cc 'foo('
same_rc "-- FILE..." -c -- base.cfg conf.d/10-fe.cfg conf.d/20-be.cfg

# -q prints nothing at all, like HAProxy.
out=$(cd "$tmp/w" && "$tmp/haproxy" -c -q -f bad.cfg 2>&1)
[ -z "$out" ] && ok "-q is silent" || ko "-q is silent" "$out"
# Valid: the exact stdout line.
out=$(cd "$tmp/w" && "$tmp/haproxy" -c -f base.cfg -f conf.d 2>/dev/null)
[ "$out" = "Configuration file is valid" ] && ok "valid message" || ko "valid message" "$out"
# Version lines that tools parse.
v=$("$tmp/haproxy" -v | head -1)
[[ $v =~ ^HAProxy\ version\ 2\.6\.[0-9]+-vipr ]] && ok "-v first line" || ko "-v first line" "$v"
vv=$("$tmp/haproxy" -vv)
for k in "TARGET  = linux-glibc" "Feature list :" "Available services : prometheus-exporter"; do
	grep -qF "$k" <<<"$vv" && ok "-vv has '$k'" || ko "-vv has '$k'" "missing"
done
# Lexical order of a directory: 20-be.cfg defines be, 10-fe uses it; reversed names fail.
mkdir -p "$tmp/w/rev"
cp "$tmp/w/conf.d/20-be.cfg" "$tmp/w/rev/a-be.cfg"
cp "$tmp/w/conf.d/10-fe.cfg" "$tmp/w/rev/b-fe.cfg"
same_rc "directory order" -c -f base.cfg -f rev
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
