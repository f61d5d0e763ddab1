#!/bin/bash
# rt_balance.sh - the hashing `balance` algorithms with real nginx origins and curl.
#
# Three nginx origins answer with their name. For uri (plain, whole, depth), url_param,
# hdr(), source and `hash-type consistent` the test sends each key twice and checks that a
# key always lands on one server, that many keys use every server, and that a request
# without its key falls back to roundrobin. When Debian's /usr/sbin/haproxy is installed,
# the same requests go through it first: its properties are reported (not counted), and for
# map-based hashing, whose map and sdbm hash HAProxy documents, vipr must send every key to
# the same server as HAProxy does.
# Env: VIPR (binary). Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
command -v nginx >/dev/null && command -v curl >/dev/null || { echo "nginx/curl missing"; exit 77; }

T=$(mktemp -d /tmp/vipr-rt-balance.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

BASE=${PORT_BASE:-$((10000 + ($$ % 90) * 250))} # a block of 250 ports below the ephemeral range; ctest gives each test its own
PASS=0 FAIL=0 MODE=count
ok() { if [ $MODE = count ]; then PASS=$((PASS + 1)); fi; echo "ok   $*"; }
ko() { if [ $MODE = count ]; then FAIL=$((FAIL + 1)); fi; echo "FAIL $*"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got [$2] want [$3]"; fi; }

start_nginx() { # start_nginx N PORT
	local d=$T/web$1
	mkdir -p "$d/tmp"
	cat >"$d/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $d/nginx.pid; error_log $d/error.log;
events { worker_connections 256; }
http {
  access_log off; client_body_temp_path $d/tmp; proxy_temp_path $d/tmp;
  fastcgi_temp_path $d/tmp; uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  server { listen 127.0.0.1:$2; location / { return 200 "s$1\n"; } }
}
EOF
	timeout 300 nginx -c "$d/nginx.conf" -p "$d" -e /dev/null &
	PIDS+=($!)
}

wait_port() {
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

for i in 1 2 3; do start_nginx $i $((BASE + i)); done

write_cfg() { # write_cfg FILE PORT0
	local p=$2 n=0
	{
		printf 'defaults\n  mode http\n  timeout connect 5s\n  timeout client 10s\n  timeout server 10s\n\n'
		for algo in "uri" "uri whole" "uri depth 1" "url_param user" "hdr(X-User)" \
			"hdr(Host) use_domain_only" "source" "uri|consistent" "url_param user|consistent"; do
			printf 'listen b%d\n  bind 127.0.0.1:%d\n  balance %s\n' $n $((p + n)) "${algo%|*}"
			[ "${algo#*|}" = consistent ] && printf '  hash-type consistent\n'
			printf '  server s1 127.0.0.1:%d\n  server s2 127.0.0.1:%d weight 2\n' $((BASE + 1)) $((BASE + 2))
			printf '  server s3 127.0.0.1:%d\n\n' $((BASE + 3))
			n=$((n + 1))
		done
	} >"$1"
}

# keys LISTEN: 60 keys, each requested twice on one keep-alive connection; prints one
# "key server server" line per key
keys() {
	local port=$1 kind=$2 urls=() hdr=()
	for k in $(seq 1 60); do
		case $kind in
		uri) urls+=("http://127.0.0.1:$port/d$k/f$((k * 7)).html?q=$k" "http://127.0.0.1:$port/d$k/f$((k * 7)).html?r=$k") ;;
		whole) urls+=("http://127.0.0.1:$port/p/$k?v=$((k * 13))" "http://127.0.0.1:$port/p/$k?v=$((k * 13))") ;;
		depth) urls+=("http://127.0.0.1:$port/dir$k/a" "http://127.0.0.1:$port/dir$k/b/c") ;;
		param) urls+=("http://127.0.0.1:$port/a?x=1&user=u$k" "http://127.0.0.1:$port/b?user=u$k") ;;
		esac
	done
	case $kind in
	hdr | dom | src)
		for k in $(seq 1 60); do
			local a b
			case $kind in
			hdr) a=(-H "X-User: user$k") b=(-H "X-User: user$k") ;;
			dom) a=(-H "Host: www.site$k.com") b=(-H "Host: img.site$k.org:81") ;;
			src) a=(--interface 127.0.0.$((k + 1))) b=(--interface 127.0.0.$((k + 1))) ;;
			esac
			echo "$k $(curl -s -m 3 "${a[@]}" "http://127.0.0.1:$port/x") $(curl -s -m 3 "${b[@]}" "http://127.0.0.1:$port/y")"
		done
		return
		;;
	esac
	curl -s -m 20 "${urls[@]}" | paste -d' ' - - | nl -w1 -s' '
}

run_checks() { # run_checks NAME PORT0 OUTDIR
	local name=$1 p=$2 out=$3 n=0
	mkdir -p "$out"
	for kind in uri whole depth param hdr dom src uri param; do
		keys $((p + n)) $kind >"$out/$n"
		local lines stable used
		lines=$(wc -l <"$out/$n")
		stable=$(awk '$2 == $3' "$out/$n" | wc -l)
		used=$(awk '{print $2}' "$out/$n" | sort -u | wc -l)
		check "$name: b$n $kind: 60 keys answered" "$lines" 60
		check "$name: b$n $kind: a key sticks to one server" "$stable" 60
		check "$name: b$n $kind: the keys use all 3 servers" "$used" 3
		n=$((n + 1))
	done
	# without its key: roundrobin over weights 1, 2, 1 (4 requests: each server)
	local rr
	rr=$(curl -s -m 5 $(for _ in 1 2 3 4; do echo "http://127.0.0.1:$((p + 3))/nokey"; done) | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
	check "$name: url_param without the parameter: roundrobin" "$rr" "s1:1 s2:2 s3:1 "
	rr=$(for _ in 1 2 3 4; do curl -s -m 3 "http://127.0.0.1:$((p + 4))/nohdr"; done | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
	check "$name: hdr() without the header: roundrobin" "$rr" "s1:1 s2:2 s3:1 "
}

HAP=/usr/sbin/haproxy
if [ -x "$HAP" ]; then
	MODE=reference
	echo "--- reference: $HAP"
	write_cfg "$T/hap.cfg" $((BASE + 100))
	timeout 120 "$HAP" -f "$T/hap.cfg" -db >"$T/hap.log" 2>&1 &
	HP=$!
	PIDS+=($HP)
	if wait_port $((BASE + 100)); then
		run_checks haproxy $((BASE + 100)) "$T/hap"
	else
		echo "haproxy did not start"; cat "$T/hap.log"
	fi
	kill "$HP" 2>/dev/null
	MODE=count
fi

echo "--- vipr"
mkdir -p "$T/bin"
ln -sf "$VIPR" "$T/bin/haproxy"
write_cfg "$T/vipr.cfg" $((BASE + 200))
timeout 120 "$T/bin/haproxy" -f "$T/vipr.cfg" -db >"$T/vipr.log" 2>&1 &
VP=$!
PIDS+=($VP)
if ! wait_port $((BASE + 200)); then
	cat "$T/vipr.log"
	ko "vipr did not start listening"
else
	run_checks vipr $((BASE + 200)) "$T/vipr"
	if [ -d "$T/hap" ]; then
		# map-based (b0..b6): the same server for every key as HAProxy
		for n in 0 1 2 3 4 5 6; do
			check "map-based b$n: every key on HAProxy's server" \
				"$(diff <(awk '{print $1, $2}' "$T/hap/$n") <(awk '{print $1, $2}' "$T/vipr/$n") | grep -c '^>')" 0
		done
	fi
fi

if [ $FAIL -ne 0 ]; then echo "--- vipr log"; tail -n 20 "$T/vipr.log"; fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
