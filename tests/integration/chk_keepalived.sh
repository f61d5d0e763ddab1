#!/bin/bash
# chk_keepalived.sh - keepalived checkers through vipr's keepalived personality, which serves
# the virtual_server in userspace (the host kernel has no IPVS), in a network namespace made
# here (loopback only) and deleted on exit.
#
#   genhash   vipr's genhash prints the same digest as Debian's genhash and md5sum, over HTTP
#             and over TLS (-S) against nginx.
#   HTTP_GET  url digest match -> "MD5 digest success"; the page changes -> the server is
#             removed after retry, notify_down runs with its arguments; restored -> added
#             back, notify_up runs with its arguments.
#             A 100 MB page is digested streaming: the checker's peak RSS stays far below it.
#   SSL_GET   digest over TLS with enable_sni; a server requiring a client certificate
#             passes with the SSL block's certificate, key and password.
#   status    status_code "200-299 404": a 404 passes, a 500 fails; with inhibit_on_failure
#             the server stays in `vipr ipvs` with weight 0.
#   MISC      misc_dynamic: exit 5 -> weight 3, exit 1 -> removed, exit 0 -> back.
#   TCP_CHECK retry 2, delay_before_retry 1: removed only after the retries, about 2 s later.
# Env: VIPR, SRC. Needs root (netns), nginx, python3. Exit 0 pass, 77 skip, 1 fail.
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
: "${SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
VIPR=$(readlink -f "$VIPR")
. "$SRC/tests/lib/harness.sh"
skip() { harness_skip "$1"; }
[ "$(id -u)" = 0 ] || skip "needs root"
harness_init chk-ka nginx python3 openssl
chmod 755 "$T"
NS=vchk$$
harness_cleanup_extra() {
	ip netns pids $NS 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del $NS 2>/dev/null
}
ip netns add $NS 2>/dev/null || harness_skip "no network namespaces"
ip -n $NS link set lo up
X() { ip netns exec $NS "$@"; }

wait_port() { # in the namespace
	for _ in $(seq 1 200); do
		X bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# wait_line FROM REGEX SECS: a line matching REGEX in the daemon's log after byte FROM.
wait_line() { wait_line_from "$T/ka.log" "$@"; }
expect_line() { # expect_line NAME FROM REGEX SECS
	if wait_line "$2" "$3" "$4" >/dev/null; then ok "$1"; else ko "$1: no line /$3/"; fi
}
logsize() { stat -c %s "$T/ka.log"; }
# weight_of PORT: the weight `vipr ipvs` lists for 127.0.0.1:PORT, "absent" when not listed
weight_of() {
	local w
	w=$(X "$VIPR" ipvs 2>/dev/null | awk -v a="127.0.0.1:$1" '$1 == "->" && $2 == a { print $4 }')
	echo "${w:-absent}"
}
expect_weight() { # expect_weight NAME PORT WANT SECS
	local end=$(($(now_ms) + $4 * 1000)) w
	while [ "$(now_ms)" -lt $end ]; do
		w=$(weight_of "$2")
		[ "$w" = "$3" ] && { ok "$1 (weight $w)"; return 0; }
		sleep 0.1
	done
	ko "$1: weight of :$2 is $w, want $3: $(X "$VIPR" ipvs 2>&1 | tail -n +4)"
}

W=20080 S=20443 SC=20444 O=20081 TC=20082 M=20083 WB=20084 VS=20090
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost >/dev/null 2>&1 || skip "no certificate"
# the client key, encrypted: SSL { password } must open it
openssl rsa -in "$T/key.pem" -aes256 -passout pass:s3cret -out "$T/ckey.pem" >/dev/null 2>&1 ||
	skip "cannot encrypt a key"
mkdir -p "$T/www/tmp"
printf 'checked page\n' >"$T/www/d.html"
dd if=/dev/urandom of="$T/www/big.bin" bs=1M count=100 status=none || skip "no room for 100 MB"
cat >"$T/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $T/nginx.pid; error_log $T/nginx.err;
events { worker_connections 256; }
http {
  access_log off; client_body_temp_path $T/www/tmp; proxy_temp_path $T/www/tmp;
  fastcgi_temp_path $T/www/tmp; uwsgi_temp_path $T/www/tmp; scgi_temp_path $T/www/tmp;
  server { listen 127.0.0.1:$W; root $T/www; }
  server { listen 127.0.0.1:$WB; root $T/www; }
  server { listen 127.0.0.1:$S ssl; root $T/www;
           ssl_certificate $T/cert.pem; ssl_certificate_key $T/key.pem; }
  server { listen 127.0.0.1:$SC ssl; root $T/www;
           ssl_certificate $T/cert.pem; ssl_certificate_key $T/key.pem;
           ssl_verify_client on; ssl_client_certificate $T/cert.pem; }
}
EOF
X timeout 300 nginx -c "$T/nginx.conf" -p "$T/www" -e /dev/null &
PIDS+=($!)
echo up >"$T/o.ctl"
echo up >"$T/t.ctl"
X timeout 300 python3 "$SRC/tests/origin/origin.py" $O "$T/o.ctl" >/dev/null 2>&1 &
PIDS+=($!)
X timeout 300 python3 "$SRC/tests/origin/origin.py" $TC "$T/t.ctl" >/dev/null 2>&1 &
PIDS+=($!)
wait_port $W && wait_port $WB && wait_port $S && wait_port $SC && wait_port $O && wait_port $TC || { ko "origins did not start"; echo "$PASS passed, $FAIL failed"; exit 1; }

mkdir -p "$T/bin"
ln -s "$VIPR" "$T/bin/genhash"
ln -s "$VIPR" "$T/bin/keepalived"

echo "-- genhash"
want=$(md5sum <"$T/www/d.html" | cut -d' ' -f1)
got=$(X "$T/bin/genhash" -s 127.0.0.1 -p $W -u /d.html)
[ "$got" = "$want" ] && ok "vipr genhash = md5sum of the page" || ko "vipr genhash [$got] want [$want]"
got_s=$(X "$T/bin/genhash" -S -I -V localhost -s 127.0.0.1 -p $S -u /d.html)
[ "$got_s" = "$want" ] && ok "vipr genhash -S (TLS, SNI) = md5sum" || ko "vipr genhash -S [$got_s]"
got_c=$(X "$T/bin/genhash" -S -s 127.0.0.1 -p $SC -u /d.html)
[ -n "$got_c" ] && [ "$got_c" != "$want" ] && ok "without a client certificate the page differs ($got_c)" ||
	ko "client-certificate server answered the page without a certificate"
if [ -x /usr/bin/genhash ]; then
	for a in "-s 127.0.0.1 -p $W -u /d.html" "-S -s 127.0.0.1 -p $S -u /d.html" \
		"-s 127.0.0.1 -p $W -u /missing.html" "-s 127.0.0.1 -p $((W + 7)) -u /d.html"; do
		# shellcheck disable=SC2086
		r=$(X /usr/bin/genhash $a 2>&1) v=$(X "$T/bin/genhash" $a 2>&1)
		[ "$r" = "$v" ] && ok "genhash $a: as Debian's ($v)" || ko "genhash $a: vipr [$v] Debian [$r]"
	done
else
	echo "skip Debian genhash comparison: /usr/bin/genhash missing"
fi

bigsum=$(md5sum <"$T/www/big.bin" | cut -d' ' -f1)
got=$(X "$T/bin/genhash" -s 127.0.0.1 -p $WB -u /big.bin)
[ "$got" = "$bigsum" ] && ok "vipr genhash of a 100 MB body = md5sum" || ko "genhash 100 MB: [$got] want [$bigsum]"
echo 5 >"$T/misc.rc"
cat >"$T/misc.sh" <<EOF
#!/bin/sh
exit \$(cat $T/misc.rc)
EOF
chmod 755 "$T/misc.sh"
cat >"$T/keepalived.conf" <<EOF
global_defs {
    router_id chk_test
}
SSL {
    ca $T/cert.pem
    certificate $T/cert.pem
    key $T/ckey.pem
    password s3cret
}
virtual_server 127.0.0.1 $VS {
    delay_loop 1
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    real_server 127.0.0.1 $W {
        weight 5
        notify_up "/bin/sh -c 'echo up \$0 \$1 >>$T/notify.log' arg1 arg2"
        notify_down "/bin/sh -c 'echo down \$0 >>$T/notify.log' arg1"
        HTTP_GET {
            url {
                path /d.html
                digest $want
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server 127.0.0.1 $WB {
        weight 1
        HTTP_GET {
            url {
                path /big.bin
                digest $bigsum
            }
            connect_timeout 10
            delay_loop 4
        }
    }
    real_server 127.0.0.1 $S {
        weight 2
        SSL_GET {
            url {
                path /d.html
                digest $want
            }
            virtualhost localhost
            enable_sni
            connect_timeout 1
            retry 0
        }
    }
    real_server 127.0.0.1 $SC {
        weight 3
        SSL_GET {
            url {
                path /d.html
                digest $want
            }
            connect_timeout 2
        }
    }
    real_server 127.0.0.1 $O {
        weight 4
        inhibit_on_failure
        HTTP_GET {
            url {
                path /
                status_code 200-299 404
            }
            connect_timeout 1
            retry 0
        }
    }
    real_server 127.0.0.1 $TC {
        weight 6
        TCP_CHECK {
            connect_timeout 1
            retry 2
            delay_before_retry 1
        }
    }
    real_server 127.0.0.1 $M {
        weight 7
        MISC_CHECK {
            misc_path "$T/misc.sh"
            misc_dynamic
            misc_timeout 2
        }
    }
}
EOF
: >"$T/ka.log"
X timeout 300 "$T/bin/keepalived" -f "$T/keepalived.conf" -n -l -D -p "$T/k.pid" -r "$T/kv.pid" \
	-c "$T/kc.pid" >>"$T/ka.log" 2>&1 &
KA=$!
PIDS+=($KA)

echo "-- checks pass"
R='^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [0-9]{4}: '
expect_line "HTTP_GET digest match" 0 "${R}MD5 digest success to \[127\.0\.0\.1\]:tcp:$W url\(/d\.html\)$" 10
expect_line "SSL_GET digest match over TLS with SNI" 0 "${R}Remote Web server \[127\.0\.0\.1\]:tcp:$S succeed on service\.$" 10
expect_line "SSL_GET with a client certificate (SSL block, encrypted key)" 0 "${R}Remote Web server \[127\.0\.0\.1\]:tcp:$SC succeed on service\.$" 10
expect_line "HTTP_GET status_code" 0 "${R}Remote Web server \[127\.0\.0\.1\]:tcp:$O succeed on service\.$" 10
expect_line "TCP_CHECK success" 0 "${R}TCP connection to \[127\.0\.0\.1\]:tcp:$TC success\.$" 10
expect_weight "misc_dynamic exit 5 sets weight 3" $M 3 10
expect_weight "SSL_GET server listed" $S 2 5

expect_line "HTTP_GET digest of a 100 MB body" 0 "${R}MD5 digest success to \[127\.0\.0\.1\]:tcp:$WB url\(/big\.bin\)$" 20
# the largest peak RSS of vipr's processes in the namespace (the checkers run in one of them)
rss=0
for p in $(ip netns pids $NS); do
	[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$VIPR" ] || continue
	h=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
	[ -n "$h" ] && [ "$h" -gt "$rss" ] && rss=$h
done
# ASan builds carry shadow memory: the bound is loose, but far below the 100 MB body
[ "$rss" -gt 0 ] && [ "$rss" -lt 98304 ] && ok "peak RSS ${rss} kB < 96 MB after digesting 100 MB" ||
	ko "peak RSS of vipr: ${rss} kB"

echo "-- HTTP_GET: the page changes"
from=$(logsize)
printf 'changed page\n' >"$T/www/d.html"
expect_line "digest mismatch: server removed" "$from" "${R}Removing service \[127\.0\.0\.1\]:tcp:$W from VS \[127\.0\.0\.1\]:tcp:$VS$" 10
expect_line "HTTP_CHECK failed after 1 retries" "$from" "${R}HTTP_CHECK on service \[127\.0\.0\.1\]:tcp:$W failed after 1 retries\.$" 2
expect_weight "removed server absent from vipr ipvs" $W absent 5
deadline=$(($(now_ms) + 5000))
until grep -q "^down" "$T/notify.log" 2>/dev/null || [ "$(now_ms)" -gt $deadline ]; do sleep 0.1; done
[ "$(grep '^down' "$T/notify.log" 2>/dev/null)" = "down arg1" ] && ok "notify_down ran with its arguments" ||
	ko "notify_down: $(cat "$T/notify.log" 2>/dev/null)"
from=$(logsize)
printf 'checked page\n' >"$T/www/d.html"
dd if=/dev/urandom of="$T/www/big.bin" bs=1M count=100 status=none || skip "no room for 100 MB"
expect_line "digest matches again: server added" "$from" "${R}Adding service \[127\.0\.0\.1\]:tcp:$W to VS \[127\.0\.0\.1\]:tcp:$VS$" 10
deadline=$(($(now_ms) + 5000))
until grep -q "^up" "$T/notify.log" 2>/dev/null || [ "$(now_ms)" -gt $deadline ]; do sleep 0.1; done
[ "$(grep '^up' "$T/notify.log" 2>/dev/null)" = "up arg1 arg2" ] && ok "notify_up ran with its arguments" ||
	ko "notify_up: $(cat "$T/notify.log" 2>/dev/null)"

echo "-- status_code ranges and inhibit_on_failure"
from=$(logsize)
echo 404 >"$T/o.ctl"
sleep 2.5 # two probes at delay_loop 1
if tail -c +$((from + 1)) "$T/ka.log" | grep -q ":tcp:$O"; then
	ko "404 (in status_code 200-299 404) changed the server: $(tail -c +$((from + 1)) "$T/ka.log" | grep ":tcp:$O")"
else ok "404 is within status_code 200-299 404"; fi
echo 500 >"$T/o.ctl"
expect_line "500: server disabled (inhibit_on_failure)" "$from" "${R}Disabling service \[127\.0\.0\.1\]:tcp:$O from VS \[127\.0\.0\.1\]:tcp:$VS$" 10
expect_weight "inhibited server kept with weight 0" $O 0 5
echo up >"$T/o.ctl"
expect_line "200: server enabled again" "$from" "${R}Enabling service \[127\.0\.0\.1\]:tcp:$O to VS \[127\.0\.0\.1\]:tcp:$VS$" 10
expect_weight "weight restored" $O 4 5

echo "-- MISC_CHECK exit codes"
from=$(logsize)
echo 1 >"$T/misc.rc"
expect_line "exit 1: misc check failed" "$from" "${R}Misc check for \[\[127\.0\.0\.1\]:tcp:$M\] by \[$T/misc\.sh\] failed\.$" 10
expect_weight "exit 1: removed" $M absent 5
echo 0 >"$T/misc.rc"
expect_line "exit 0: misc check succeeded" "$from" "${R}Misc check for \[\[127\.0\.0\.1\]:tcp:$M\] by \[$T/misc\.sh\] succeeded\.$" 10
expect_weight "exit 0: back" $M 7 5

echo "-- TCP_CHECK retry / delay_before_retry"
from=$(logsize)
t0=$(now_ms)
echo refuse >"$T/t.ctl"
if wait_line "$from" "${R}Removing service \[127\.0\.0\.1\]:tcp:$TC from VS" 15 >/dev/null; then
	dt=$(($(now_ms) - t0))
	# first failure within delay_loop (1 s), then 2 retries 1 s apart: 2..3 s, plus slack
	if [ $dt -ge 1900 ] && [ $dt -le 6000 ]; then ok "removed after the retries (${dt}ms)"; else ko "removed after ${dt}ms, want 2000..6000"; fi
else ko "TCP_CHECK: server not removed"; fi
expect_line "TCP_CHECK failed after 2 retries" "$from" "${R}TCP_CHECK on service \[127\.0\.0\.1\]:tcp:$TC failed after 2 retries\.$" 2

kill $KA 2>/dev/null
wait $KA 2>/dev/null
if [ $FAIL -gt 0 ]; then
	echo "-- daemon log:"
	tail -40 "$T/ka.log"
fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
