#!/bin/bash
# rt_errors.sh - `show errors`: the last invalid request of each frontend and the last
# invalid response of each backend, against Debian's haproxy on the same config.
#
# Bad requests (a space in the target, a control byte in it, an empty or colon-less header
# name, a bad or conflicting Content-Length, a bad method) are sent to both, one at a time,
# and after each the answer of `show errors` is compared with haproxy's once the date, the
# client's port and haproxy's H1 multiplexer lines (internal flags vipr does not have) are
# masked: event numbers, proxy and peer lines, buffer, length and error position, and the
# escaped dump must be the same. Then a server sends a response with a bad header name (the
# backend's snapshot), and the filters `show errors <px>`, `#<id>`, `request|response`, an
# unknown proxy, and the empty list at startup are compared too.
# Env: VIPR, SRC, BUILD, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line "N passed, M failed".
set -u
: "${SRC:?SRC must point at the source tree}"
. "$SRC/tests/lib/rt_side.sh"
rt_side_init rt-errors
command -v socat >/dev/null || { echo "socat missing"; exit 77; }
BAD=$((BASE + 1)) V=$((BASE + 10)) H=$((BASE + 20))

# a server whose response has a header name with a space
printf 'HTTP/1.1 200 OK\r\nX Y: z\r\nContent-Length: 0\r\n\r\n' >"$T/bad.txt"
timeout 300 socat TCP-LISTEN:$BAD,bind=127.0.0.1,reuseaddr,fork SYSTEM:"cat $T/bad.txt; sleep 1" &
PIDS+=($!)
wait_port $BAD || { echo "the bad origin did not start"; exit 77; }

write_cfg() { # write_cfg FILE PORT SOCKET
	cat >"$1" <<EOF
global
    stats socket $3 level admin

defaults
    mode http
    timeout connect 5s
    timeout client 1m
    timeout server 1m

frontend fe
    bind 127.0.0.1:$2
    default_backend be

backend be
    server s1 127.0.0.1:$BAD

listen other
    bind 127.0.0.1:$(($2 + 1))
    server o1 127.0.0.1:$BAD
EOF
}
write_cfg "$T/vipr.cfg" $V "$T/v.sock"
write_cfg "$T/ref.cfg" $H "$T/h.sock"
vipr_start
ref_start
wait_port $((V + 1)) || { cat "$T/vipr.log"; ko "vipr did not start"; finish; }
wait_port $((H + 1)) || { echo "the reference haproxy did not start"; exit 77; }

masked() { # masked SOCK CMD: the answer without dates, client ports and H1 lines
	cli "$1" "$2" | sed -E 's#\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}(:[0-9]{2}){3}\.[0-9]{3}\]#[DATE]#g;
		s#src 127\.0\.0\.1:[0-9]+#src 127.0.0.1:PORT#' | grep -v '^  H1 '
}
same() { # same LABEL CMD
	local v h
	v=$(masked "$T/v.sock" "$2") h=$(masked "$T/h.sock" "$2")
	if [ "$v" = "$h" ]; then ok "$1: '$2' like haproxy's"; else
		ko "$1: '$2' differs from haproxy's"
		diff <(echo "$v") <(echo "$h") | head -20
	fi
}
send() { # send PORT BYTES (printf format): the status line of the answer
	printf "$2" | timeout 5 socat -t2 - "TCP:127.0.0.1:$1" | head -1 | tr -d '\r'
}

same "startup" "show errors"
for r in 'GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n' 'GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n' \
	'GET / HTTP/1.1\r\n: x\r\n\r\n' 'GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n' \
	'GET / HTTP/1.1\r\nHost: x\r\nA\r\n\r\n' 'FOO@ / HTTP/1.1\r\n\r\n' \
	'GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n' \
	'POST /a/very/long/path/that/goes/on/and/on/and/on/past/the/eighty/columns/of/a/dump/line?with=a&query=string HTTP/1.1\r\nX-Tab:\ta\\b\r\nBad Header: 1\r\n\r\n'; do
	check "400 for '$r'" "$(send $V "$r")" "$(send $H "$r" >/dev/null; echo "HTTP/1.1 400 Bad request")"
	same "request" "show errors"
done
check "502 for a bad response" "$(send $V 'GET /r HTTP/1.1\r\nHost: x\r\n\r\n')" "HTTP/1.1 502 Bad Gateway"
send $H 'GET /r HTTP/1.1\r\nHost: x\r\n\r\n' >/dev/null
send $((V + 1)) 'GET /l HTTP/1.1\r\n: x\r\n\r\n' >/dev/null
send $((H + 1)) 'GET /l HTTP/1.1\r\n: x\r\n\r\n' >/dev/null
for c in "show errors" "show errors fe" "show errors be" "show errors #2" "show errors be request" \
	"show errors be response" "show errors fe response" "show errors other" "show errors nope" \
	"show errors -1 request"; do
	same "filters" "$c"
done

kill -0 "$VPID" 2>/dev/null && ok "vipr still running" || ko "vipr died"
kill "$VPID"
wait "$VPID" 2>/dev/null
grep -q "Sanitizer" "$T/vipr.log" && { ko "sanitizer report"; grep -A20 Sanitizer "$T/vipr.log" | head -40; } || ok "no sanitizer report"
finish
