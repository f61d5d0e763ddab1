#!/bin/bash
# rt_rules.sh - http-request rules, ACLs and use_backend, vipr side by side with HAProxy.
#
# Two nginx origins ("web1", "web2") on loopback echo what they receive (path, X-Foo, X-Src,
# Host). The same haproxy.cfg runs under Debian's /usr/sbin/haproxy and under vipr (as
# `haproxy -db -f cfg`, a symlink to $VIPR) on different ports; every request goes to both
# and the answers are compared byte for byte (status line, headers, body; the origin's Date
# header aside), and also against an expectation so that two identical wrong answers fail.
# Covered: return (string, file), deny, deny_status, redirect, auth 401 and authorized
# (insecure-password and a crypt(3) hash), set-header seen by the origin, set-path,
# use_backend by path_beg / hdr(host) / src, negation, ||, -i, -f, http-response set-header.
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
HAP=/usr/sbin/haproxy
command -v nginx >/dev/null && command -v curl >/dev/null || { echo "nginx/curl missing"; exit 77; }
[ -x "$HAP" ] || { echo "no reference $HAP"; exit 77; }

T=$(mktemp -d /tmp/vipr-rt-rules.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

BASE=${PORT_BASE:-$((10000 + ($$ % 90) * 250))} # a block of 250 ports below the ephemeral range; ctest gives each test its own
WEB1=$BASE WEB2=$((BASE + 1)) PH=$((BASE + 2)) PV=$((BASE + 3))
PASS=0 FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }

start_nginx() { # start_nginx NAME PORT
	local d=$T/$1
	mkdir -p "$d/tmp"
	cat >"$d/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $d/nginx.pid; error_log $d/error.log;
events { worker_connections 128; }
http {
  access_log off; client_body_temp_path $d/tmp; proxy_temp_path $d/tmp;
  fastcgi_temp_path $d/tmp; uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  server_tokens off;
  server {
    listen 127.0.0.1:$2;
    location / { default_type text/plain;
      return 200 "$1 uri=\$request_uri foo=\$http_x_foo src=\$http_x_src host=\$http_host\n"; }
  }
}
EOF
	timeout 120 nginx -c "$d/nginx.conf" -p "$d" -e /dev/null &
	PIDS+=($!)
}

wait_port() {
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

printf 'hello from a file\n' >"$T/body.txt"
printf '# paths\n/listed\n\n/also-listed\n' >"$T/paths.lst"
printf '192.0.2.0/24\n10.9.9.9\n127.0.0.3\n' >"$T/blocked.lst"
HASH=$(openssl passwd -6 -salt vipRsalt secret2 2>/dev/null)
[ -n "$HASH" ] || { echo "openssl passwd missing"; exit 77; }

cat >"$T/cfg.in" <<EOF
global
    maxconn 100
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
userlist ul
    user bob insecure-password secret
    user alice password $HASH
frontend fe
    bind 127.0.0.1:@PORT@
    acl api path_beg /api
    acl admin path_beg /admin
    acl evil hdr_sub(user-agent) -i EvilBot
    acl listed path -f $T/paths.lst
    acl blocked src -f $T/blocked.lst
    acl host2 hdr(host) -i web2.example
    acl v6 src ::1
    http-request deny if evil
    http-request deny if listed || blocked
    http-request return status 200 content-type text/plain string "hello" hdr X-A b if { path /ret }
    http-request return content-type text/plain file $T/body.txt if { path /retf }
    http-request redirect location /new code 301 if { path /old }
    http-request redirect prefix /v2 if { path_beg /v1 }
    http-request redirect scheme https if { path /sec }
    http-request auth realm Admin if admin !{ http_auth(ul) }
    http-request deny deny_status 429 if { path /x } || { path /y }
    http-request deny if { method DELETE } !{ hdr(x-allow) -m found }
    http-request set-header X-Foo "bar-%[src]"
    http-request set-header X-Src %[req.hdr(host)]
    http-request set-path /rewritten if { path /rw }
    http-request return status 404 content-type text/plain string "v6" if v6 { path /v6 }
    use_backend b2 if api || host2
    use_backend b2 if { src 127.0.0.2 }
    use_backend b2 if { path_beg /neg } !{ hdr(x-keep) -m found }
    default_backend b1
backend b1
    server s1 127.0.0.1:$WEB1
backend b2
    http-response set-header X-Backend b2
    http-response del-header Content-Type
    server s1 127.0.0.1:$WEB2
EOF
sed "s/@PORT@/$PH/" "$T/cfg.in" >"$T/hap.cfg"
sed "s/@PORT@/$PV/" "$T/cfg.in" >"$T/vipr.cfg"
# IPv6 listeners when loopback has ::1
if (exec 3<>/dev/tcp/::1/1) 2>&1 | grep -q "refused"; then
	sed -i "s/^\(    bind 127.0.0.1:$PH\)$/\1\n    bind [::1]:$PH/" "$T/hap.cfg"
	sed -i "s/^\(    bind 127.0.0.1:$PV\)$/\1\n    bind [::1]:$PV/" "$T/vipr.cfg"
	HAVE6=1
else
	HAVE6=0
fi
ln -s "$VIPR" "$T/haproxy"

start_nginx web1 "$WEB1"
start_nginx web2 "$WEB2"
timeout 120 "$HAP" -db -f "$T/hap.cfg" >"$T/hap.log" 2>&1 &
PIDS+=($!)
timeout 120 "$T/haproxy" -db -f "$T/vipr.cfg" >"$T/vipr.log" 2>&1 &
PIDS+=($!)
for p in "$WEB1" "$WEB2" "$PH" "$PV"; do
	wait_port "$p" || { echo "port $p did not open"; cat "$T/vipr.log" "$T/hap.log"; echo "0 passed, 1 failed"; exit 1; }
done

# req PORT CURL-ARGS...: the answer as curl sees it, Date header dropped
req() {
	local port=$1
	shift
	local host=127.0.0.1 args=() a
	[ "${V6:-0}" = 1 ] && host='[::1]'
	for a in "$@"; do args+=("${a//@P@/$port}"); done
	timeout 5 curl -s -i --max-time 4 "http://$host:$port$URLPATH" "${args[@]}" 2>&1 |
		tr -d '\r' | grep -iv '^date:' | sed "s/:$port/:PORT/g"
}

# t NAME EXPECT-SUBSTRING PATH CURL-ARGS...: same answer from both, containing EXPECT
t() {
	local name=$1 want=$2
	URLPATH=$3
	shift 3
	local a b
	a=$(req "$PH" "$@")
	b=$(req "$PV" "$@")
	if [ "$a" != "$b" ]; then
		ko "$name: haproxy and vipr differ"
		diff <(echo "$a") <(echo "$b") | head -20 | sed 's/^/     /'
	elif [[ "$a" != *"$want"* ]]; then
		ko "$name: [$want] not in the answer"
		echo "$a" | head -12 | sed 's/^/     /'
	else
		ok "$name"
	fi
}

t "return string" $'HTTP/1.1 200 OK\nx-a: b\ncontent-length: 5\ncontent-type: text/plain\n\nhello' /ret
t "return file" $'content-length: 18\ncontent-type: text/plain\n\nhello from a file' /retf
t "return on HEAD has no body" $'content-length: 5' /ret -I
t "deny (403 page)" $'HTTP/1.1 403 Forbidden' /x0 -A EvilBot/1.0
t "deny -i hdr_sub" $'HTTP/1.1 403 Forbidden' /x0 -A "my evilbot"
t "deny_status 429 with ||" $'HTTP/1.1 429 Too Many Requests' /y
t "deny by -f path file" $'HTTP/1.1 403 Forbidden' /also-listed
t "deny by -f src file" $'HTTP/1.1 403 Forbidden' /z --interface 127.0.0.3
t "deny DELETE without x-allow" $'HTTP/1.1 403 Forbidden' /z -X DELETE
t "DELETE with x-allow passes (!)" $'web1 uri=/z' /z -X DELETE -H "X-Allow: 1"
t "redirect location 301" $'HTTP/1.1 301 Moved Permanently\ncontent-length: 0\nlocation: /new' /old
t "redirect prefix 302" $'location: /v2/v1/a?b=c\ncache-control: no-cache' '/v1/a?b=c'
t "redirect scheme" $'location: https://127.0.0.1:PORT/sec' /sec
t "auth 401" $'HTTP/1.1 401 Unauthorized' /admin/x
t "auth realm" $'www-authenticate: Basic realm="Admin"' /admin/x
t "auth wrong password" $'HTTP/1.1 401 Unauthorized' /admin/x -u bob:nope
t "auth insecure-password" $'web1 uri=/admin/x' /admin/x -u bob:secret
t "auth crypt(3) password" $'web1 uri=/admin/x' /admin/x -u alice:secret2
t "set-header seen by the origin" $'foo=bar-127.0.0.1 src=127.0.0.1:' /hdr
t "set-header from req.hdr(host)" $'src=web2.example host=web2.example' /hdr -H "Host: web2.example"
t "set-path" $'web1 uri=/rewritten ' /rw
t "use_backend path_beg" $'web2 uri=/api/v' /api/v
t "use_backend hdr(host) -i" $'web2 uri=/h' /h -H "Host: WEB2.example"
t "default_backend" $'web1 uri=/h' /h -H "Host: web1.example"
t "use_backend src" $'web2 uri=/s' /s --interface 127.0.0.2
t "use_backend negation" $'web2 uri=/neg' /neg
t "negation blocks route" $'web1 uri=/neg' /neg -H "X-Keep: 1"
t "http-response set-header/del-header" $'x-backend: b2' /api/r
t "keep-alive across rule answers" $'hello' /ret --next "http://127.0.0.1:@P@/old"
if [ "$HAVE6" = 1 ]; then
	V6=1 t "src ::1 over IPv6" $'HTTP/1.1 404 Not Found' /v6
	V6=1 t "IPv6 client to default_backend" $'web1 uri=/h' /h
fi

# startup refusals: what vipr does not implement is named, never silently ignored
cat >"$T/bad.cfg" <<EOF
defaults
    mode http
    timeout connect 1s
    timeout client 1s
    timeout server 1s
frontend fe
    bind 127.0.0.1:$((BASE + 5))
    acl x req.cook(foo) -m str bar
    http-request deny if x
    default_backend b1
backend b1
    server s1 127.0.0.1:$WEB1
EOF
out=$(timeout 5 "$T/haproxy" -db -f "$T/bad.cfg" 2>&1)
rc=$?
if [ $rc = 1 ] && [[ "$out" == *"[ALERT]"*"req.cook"* ]]; then
	ok "unsupported fetch refused at startup"
else
	ko "unsupported fetch: rc=$rc out=[$out]"
fi
sed -i 's/^    acl x .*/    acl x path -m bin 41/' "$T/bad.cfg"
out=$(timeout 5 "$T/haproxy" -db -f "$T/bad.cfg" 2>&1)
rc=$?
if [ $rc = 1 ] && [[ "$out" == *"[ALERT]"*"-m bin"* ]]; then
	ok "unsupported match method refused at startup"
else
	ko "unsupported match method: rc=$rc out=[$out]"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
