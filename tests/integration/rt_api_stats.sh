#!/bin/bash
# rt_api_stats.sh - the stats page's admin actions and scopes, against Debian's haproxy.
#
# One config run by vipr and by the real haproxy: a backend of two nginx servers, a stats
# listen with `stats admin if TRUE`, one whose `stats admin` condition is false for the
# test's client, and one with two `stats scope` lines. Checks: the admin page has the check
# boxes, the action list and a form per backend (none without admin); every POST (actions
# ready/drain/maint/hdown/hrunn/dhlth/ehlth/dagent/eagent/hnolb/shutdown, servers by name,
# backends by name or #iid, on servers with and without health and agent checks,
# unknown servers/backends/actions, no action, no server) answers the same 303 Location
# (;st=DONE|PART|NONE|ERRP|DENY) as haproxy, byte for byte, and moves the server like
# haproxy's (CSV status after each step); ;st= messages on the page equal haproxy's; a POST
# refused by the condition changes nothing; ?scope= and `stats scope` pick the same CSV rows
# as haproxy.
# Env: VIPR, SRC, BUILD, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line "N passed, M failed".
set -u

: "${SRC:?SRC must point at the source tree}"
. "$SRC/tests/lib/harness.sh"
harness_init rt-api-stats nginx curl socat
HAP=/usr/sbin/haproxy
[ -x $HAP ] || harness_skip "no /usr/sbin/haproxy to compare with"
WEB1=$BASE WEB2=$((BASE + 1)) AG=$((BASE + 2))

write_cfg() { # write_cfg FILE PORT0 SOCKET
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
    balance roundrobin
    server s1 127.0.0.1:$WEB1
    server s2 127.0.0.1:$WEB2

backend bk
    server k1 127.0.0.1:$WEB1 check inter 300 agent-check agent-port $AG agent-inter 300
    server k2 127.0.0.1:$WEB2 check inter 2s

listen adm
    bind 127.0.0.1:$(($2 + 1))
    stats enable
    stats uri /st
    stats auth admin:admin
    stats admin if TRUE

listen noadm
    bind 127.0.0.1:$(($2 + 2))
    stats enable
    stats uri /st
    stats admin if { src 10.9.9.9 }

listen scoped
    bind 127.0.0.1:$(($2 + 3))
    stats enable
    stats uri /st
    stats scope be
    stats scope .
EOF
}

nginx_origin 1 $WEB1 300
nginx_origin 2 $WEB2 300
timeout 300 socat TCP-LISTEN:$AG,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo up' & # an agent
PIDS+=($!)
wait_port $WEB1 && wait_port $WEB2 && wait_port $AG || { echo "origins did not start"; echo "0 passed, 0 failed"; exit 77; }

V=$((BASE + 10)) H=$((BASE + 20))
write_cfg "$T/vipr.cfg" $V "$T/v.sock"
write_cfg "$T/ref.cfg" $H "$T/h.sock"
vipr_start
ref_start
wait_port $((V + 3)) || { cat "$T/vipr.log"; ko "vipr did not start"; echo "$PASS passed, $FAIL failed"; exit 1; }
wait_port $((H + 3)) || { ko "haproxy did not start"; echo "$PASS passed, $FAIL failed"; exit 1; }

status() { echo "show stat" | timeout 3 socat - "UNIX-CONNECT:$1" | awk -F, '$1 == "be" && $2 ~ /^s/ { printf "%s=%s ", $2, $18 }'; }
post() { # post PORT BODY [URI] -> the raw 303 head
	local uri=${3:-/st}
	printf 'POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
		"$uri" "${#2}" "$2" | timeout 5 socat -t2 - "TCP:127.0.0.1:$1"
}

# --- the page in admin mode
timeout 5 curl -s -u admin:admin "http://127.0.0.1:$((V + 1))/st" >"$T/v.html"
timeout 5 curl -s -u admin:admin "http://127.0.0.1:$((H + 1))/st" >"$T/h.html"
for w in "<form method=\"post\">" "class='be-checkbox' type=\"checkbox\" name=\"s\" value=\"s1\"" \
	"class='be-checkbox' type=\"checkbox\" name=\"s\" value=\"s2\"" "<option value=\"maint\">Set state to MAINT</option>" \
	"<option value=\"shutdown\">Kill Sessions</option>" "<input type=\"hidden\" name=\"b\" value=\"#3\">" \
	"getElementsByClassName('be-checkbox')" "<li><form method=\"GET\">Scope : <input value=\"\" name=\"scope\""; do
	grep -qF -- "$w" "$T/h.html" || { ko "haproxy's page lacks $w (test out of date)"; continue; }
	grep -qF -- "$w" "$T/v.html" && ok "admin page has $w" || ko "admin page lacks $w"
done
check "as many forms as haproxy" "$(grep -o '<form method="post">' "$T/v.html" | wc -l)" "$(grep -o '<form method="post">' "$T/h.html" | wc -l)"
timeout 5 curl -s "http://127.0.0.1:$((V + 2))/st" >"$T/v2.html"
grep -q 'checkbox' "$T/v2.html" && ko "page without admin rights has check boxes" || ok "no check boxes without admin rights"
for c in DONE NONE PART ERRP DENY EXCD IVAL XXXX; do
	v=$(timeout 5 curl -s -u admin:admin "http://127.0.0.1:$((V + 1))/st;st=$c" | grep -o '<p><div class=.*Remove this message.*')
	h=$(timeout 5 curl -s -u admin:admin "http://127.0.0.1:$((H + 1))/st;st=$c" | grep -o '<p><div class=.*Remove this message.*')
	check ";st=$c message equals haproxy's" "$v" "$h"
done

# --- POST actions: the same 303 and the same server states as haproxy after each
for body in 's=s1&action=maint&b=be' 's=s1&action=ready&b=%233' 's=s1&s=s2&action=drain&b=be' \
	's=s1&s=s2&action=ready&b=be' 's=s2&action=hdown&b=be' 's=s2&action=hrunn&b=be' \
	's=zz&action=drain&b=be' 's=s1&s=zz&action=maint&b=be' 's=s1&action=ready&b=be' \
	's=s1&action=foo&b=be' 's=s1&action=drain&b=nope' 's=s1&action=drain&b=%2399' 's=s1&action=drain' \
	'action=drain&b=be' '' 's=s1&action=dhlth&b=be' 's=s1&action=shutdown&b=be' 's=s1&action=dagent&b=be'; do
	check "POST '$body': 303 like haproxy" "$(post $((V + 1)) "$body" | od -c)" "$(post $((H + 1)) "$body" | od -c)"
	check "POST '$body': server states like haproxy" "$(status "$T/v.sock")" "$(status "$T/h.sock")"
done
# --- health and agent checks: dhlth/ehlth/dagent/eagent/hnolb, applied on vipr's checks
# thread a moment after the answer: states compared once they settle (5 s at most)
kstate() { # name, status, op_state, check state, agent state of bk's servers
	echo "show servers state bk" | timeout 3 socat - "UNIX-CONNECT:$1" | awk 'NR > 2 && NF { printf "%s %s %s %s|", $4, $6, $14, $15 }'
	echo "show stat" | timeout 3 socat - "UNIX-CONNECT:$1" | awk -F, '$1 ~ /^b[ek]$/ && $2 ~ /^[ks]/ { printf "%s=%s ", $2, $18 }'
}
status_of() { echo "show stat" | timeout 3 socat - "UNIX-CONNECT:$T/v.sock" | awk -F, -v s="$1" '$1 == "bk" && $2 == s { print $18 }'; }
settle() { for _ in $(seq 1 50); do [ "$(kstate "$T/v.sock")" = "$(kstate "$T/h.sock")" ] && return; sleep 0.1; done; }
for _ in $(seq 1 100); do [ "$(kstate "$T/v.sock")" = "$(kstate "$T/h.sock")" ] && break; sleep 0.1; done
check "checked servers start like haproxy's" "$(kstate "$T/v.sock")" "$(kstate "$T/h.sock")"
for body in 's=k1&s=k2&action=dhlth&b=bk' 's=k1&action=dagent&b=bk' 's=k1&s=k2&action=ehlth&b=bk' \
	's=k1&action=eagent&b=bk' 's=k2&action=hnolb&b=bk' 's=s1&action=hnolb&b=be' 's=s1&action=dhlth&b=be' \
	's=s1&s=k2&action=eagent&b=bk' 's=s1&action=hrunn&b=be'; do
	check "POST '$body': 303 like haproxy" "$(post $((V + 1)) "$body" | od -c)" "$(post $((H + 1)) "$body" | od -c)"
	[ "$body" = 's=k2&action=hnolb&b=bk' ] && check "hnolb: k2 is NOLB at once" "$(status_of k2)" NOLB
	settle
	check "POST '$body': check states like haproxy" "$(kstate "$T/v.sock")" "$(kstate "$T/h.sock")"
done

check "POST keeps ;up in the redirect like haproxy" "$(post $((V + 1)) 's=s1&action=ready&b=be' '/st;up' | tr -d '\r' | grep -i '^location')" \
	"$(post $((H + 1)) 's=s1&action=ready&b=be' '/st;up' | tr -d '\r' | grep -i '^location')"
code=$(timeout 5 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$V/")
check "traffic after the actions" "$code" 200

# --- refused: condition false
check "POST refused by the condition: 303 like haproxy" "$(post $((V + 2)) 's=s1&action=maint&b=be' | od -c)" \
	"$(post $((H + 2)) 's=s1&action=maint&b=be' | od -c)"
post $((V + 2)) 's=s1&action=maint&b=be' | grep -q 'st=DENY' && ok "refused POST answers DENY" || ko "refused POST not DENY"
check "refused POST changed nothing" "$(status "$T/v.sock")" "s1=no check s2=no check "

# --- scopes
rows() { timeout 5 curl -s -u admin:admin "http://127.0.0.1:$1/st;csv$2" | cut -d, -f1,2 | tail -n +2 | tr '\n' ' '; }
for q in "?scope=be" "?scope=BE" "?scope=adm" "?scope=b" "?scope=x" "?scope=bee" "?scope=" ""; do
	check "CSV rows for '$q' equal haproxy's" "$(rows $((V + 1)) "$q")" "$(rows $((H + 1)) "$q")"
done
check "stats scope lines: CSV rows equal haproxy's" "$(rows $((V + 3)) "")" "$(rows $((H + 3)) "")"
check "stats scope + ?scope=: CSV rows equal haproxy's" "$(rows $((V + 3)) "?scope=sco")" "$(rows $((H + 3)) "?scope=sco")"
vp=$(timeout 5 curl -s "http://127.0.0.1:$((V + 1))/st?scope=be" -u admin:admin | grep -o 'class=px href="#[^"]*"' | tr '\n' ' ')
hp=$(timeout 5 curl -s "http://127.0.0.1:$((H + 1))/st?scope=be" -u admin:admin | grep -o 'class=px href="#[^"]*"' | tr '\n' ' ')
check "page ?scope=be shows the same proxies" "$vp" "$hp"
timeout 5 curl -s "http://127.0.0.1:$((V + 1))/st?scope=be" -u admin:admin | grep -qF '<input value="be" name="scope"' &&
	ok "page keeps the scope in its input" || ko "scope input"
timeout 5 curl -s "http://127.0.0.1:$((V + 1))/st?scope=be" -u admin:admin | grep -qF 'href="/st;up?scope=be"' &&
	ok "page links keep ?scope=" || ko "page links lack ?scope="

kill -0 "$VPID" 2>/dev/null && ok "vipr still running" || ko "vipr died"
[ $FAIL -eq 0 ] || { echo "--- vipr's log"; tail -20 "$T/vipr.log"; }
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
