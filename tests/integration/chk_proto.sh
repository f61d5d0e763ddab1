#!/bin/bash
# chk_proto.sh - HAProxy's protocol probes and agent-check against fake servers: each backend
# has one server whose fake speaks redis, mysql, smtp, pgsql, ldap, TLS or the agent
# protocol; with `option log-health-checks` the first result line of every server is
# compared with what the test expects (status and info). When /usr/sbin/haproxy exists the
# same config runs there first and its lines are printed as the reference (not counted).
# Also checks that an unimplemented keyword (agent-check without agent-port) makes vipr refuse
# to start.
# Env: VIPR. Exit 0 pass, 1 fail, 77 skip. Last line: "N passed, M failed".
set -u
: "${SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$SRC/tests/lib/harness.sh"
harness_init chk-proto python3
mkdir -p "$T/bin" && ln -s "$(readlink -f "$VIPR")" "$T/bin/haproxy" && VIPR=$T/bin/haproxy
B=$BASE

cat >"$T/fake.py" <<'PY'
import socket, sys, threading, struct
base = int(sys.argv[1])
def mysql_hs():
    p = b"\x0a" + b"8.0.99-fake\x00" + b"\x01\x00\x00\x00" + b"abcdefgh\x00" + b"\xff\xf7" + b"\x21" + b"\x02\x00" + b"\xff\x81" + b"\x15" + b"\x00"*10 + b"ijklmnopqrst\x00" + b"mysql_native_password\x00"
    return struct.pack("<I", len(p))[:3] + b"\x00" + p
def serve(port, fn):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=fn, args=(c,), daemon=True).start()
def rd(c):
    c.settimeout(2)
    try: return c.recv(4096)
    except Exception: return b""
def redis(c): rd(c); c.sendall(b"+PONG\r\n"); c.close()
def redisbad(c): rd(c); c.sendall(b"-ERR loading\r\n"); c.close()
def mysql(c): c.sendall(mysql_hs()); rd(c); c.close()
def mysqluser(c):
    c.sendall(mysql_hs()); d = rd(c)
    if b"hauser\x00" in d: c.sendall(b"\x07\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00")
    else:
        e = b"\xff\x15\x04#28000Access denied"
        c.sendall(bytes([len(e), 0, 0, 2]) + e)
    rd(c); c.close()
def smtp(c):
    c.sendall(b"220 fake ESMTP\r\n"); rd(c); c.sendall(b"250 fake hello\r\n"); rd(c); c.sendall(b"221 bye\r\n"); c.close()
def smtpbad(c): c.sendall(b"554 go away\r\n"); rd(c); c.close()
def pgsql(c):
    d = rd(c)
    if b"user\x00pguser\x00" in d: c.sendall(b"R\x00\x00\x00\x08\x00\x00\x00\x00")
    else: c.sendall(b"E\x00\x00\x00\x20SFATAL\x00Mbad user\x00\x00")
    c.close()
def ldap(c): rd(c); c.sendall(bytes.fromhex("300c02010161070a010004000400")); c.close()
def ldapbad(c): rd(c); c.sendall(bytes.fromhex("300c02010161070a013104000400")); c.close()
def tls(c): rd(c); c.sendall(bytes.fromhex("15030000020228")); c.close()
def nottls(c): rd(c); c.sendall(b"HTTP/1.0 400 Bad\r\n\r\n"); c.close()
def agentdown(c): c.sendall(b"down # disk full\n"); c.close()
def agentup(c): c.sendall(b"up 50%\n"); c.close()
def web(c): rd(c); c.sendall(b"HTTP/1.0 200 OK\r\n\r\nok"); c.close()
fns = [redis, redisbad, mysql, mysqluser, smtp, smtpbad, pgsql, ldap, ldapbad, tls, nottls, agentdown, agentup, web]
for i, f in enumerate(fns):
    threading.Thread(target=serve, args=(base + i, f), daemon=True).start()
threading.Event().wait()
PY
python3 "$T/fake.py" $B >/dev/null 2>&1 &
PIDS+=($!)
# Wait until every fake server listens (a loaded machine can be slow to start python).
for _ in $(seq 100); do
	up=0
	for i in $(seq 0 13); do
		(exec 3<>"/dev/tcp/127.0.0.1/$((B + i))") 2>/dev/null && up=$((up + 1))
	done
	[ "$up" = 14 ] && break
	sleep 0.1
done

be() { # be NAME OPTION PORT [server extra]
	printf 'backend %s\n    option log-health-checks\n    %s\n    server s1 127.0.0.1:%d check inter 400 %s\n' "$1" "$2" "$3" "${4:-}"
}
{
	printf 'global\n    log stderr format raw local0\ndefaults\n    mode tcp\n    log global\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\nfrontend f\n    bind 127.0.0.1:%d\n    default_backend redis\n' $((B + 20))
	be redis "option redis-check" $B
	be redisbad "option redis-check" $((B + 1))
	be mysql "option mysql-check" $((B + 2))
	be mysqluser "option mysql-check user hauser" $((B + 3))
	be mysqlnouser "option mysql-check user nobody" $((B + 3))
	be smtp "option smtpchk HELO vipr.test" $((B + 4))
	be smtpbad "option smtpchk" $((B + 5))
	be pgsql "option pgsql-check user pguser" $((B + 6))
	be pgsqlbad "option pgsql-check user other" $((B + 6))
	be ldap "option ldap-check" $((B + 7))
	be ldapbad "option ldap-check" $((B + 8))
	be tls "option ssl-hello-chk" $((B + 9))
	be nottls "option ssl-hello-chk" $((B + 10))
	be agentdown "mode tcp" $((B + 13)) "agent-check agent-port $((B + 11)) agent-inter 300"
	be agentup "mode tcp" $((B + 13)) "weight 100 agent-check agent-port $((B + 12)) agent-inter 300"
} >"$T/p.cfg"

# expectations: backend -> regex on its first "check for server X/s1" line
declare -A EXP=(
	[redis]='Health check for server redis/s1 succeeded, reason: Layer7 check passed, code: 0, info: "Redis server is ok"'
	[redisbad]='failed, reason: Layer7 wrong status, code: 0, info: "-ERR loading"'
	[mysql]='Health check for server mysql/s1 succeeded, reason: Layer7 check passed, code: 0, info: "8.0.99-fake"'
	[mysqluser]='Health check for server mysqluser/s1 succeeded, reason: Layer7 check passed'
	[mysqlnouser]='failed, reason: Layer7 wrong status, code: 1045, info: "#28000Access denied"'
	[smtp]='succeeded, reason: Layer7 check passed, code: 221, info: "bye"'
	[smtpbad]='failed, reason: Layer7 wrong status, code: 554, info: "go away"'
	[pgsql]='succeeded, reason: Layer7 check passed, code: 0, info: "PostgreSQL server is ok"'
	[pgsqlbad]='failed, reason: Layer7 invalid response, info: "FATAL"'
	[ldap]='succeeded, reason: Layer7 check passed, code: 0, info: "Success"'
	[ldapbad]='failed, reason: Layer7 wrong status, code: 49, info: "See RFC'
	[tls]='succeeded, reason: Layer6 check passed'
	[nottls]='failed, reason: Layer6 invalid response'
	[agentdown]='Agent check for server agentdown/s1 failed, reason: Layer7 wrong status, code: 0, info: "via agent : down \(disk full\)", check duration: [0-9]+ms, status: 0/1 DOWN'
)
run() { # run BIN LOG
	timeout 4 "$1" -db -f "$T/p.cfg" >"$2" 2>&1
}
if [ -x /usr/sbin/haproxy ]; then
	run /usr/sbin/haproxy "$T/ref.log"; sleep 0.5
	echo "--- reference /usr/sbin/haproxy (first line per backend):"
	for b in "${!EXP[@]}"; do grep -m1 -E "(check for|Server) (backup )?server $b/|Server $b/" "$T/ref.log"; done | sort
	echo "---"
fi
run "$VIPR" "$T/v.log"
for b in "${!EXP[@]}"; do
	if grep -E -- "${EXP[$b]}" "$T/v.log" | grep -q "$b/s1"; then ok "$b"; else
		ko "$b: want /${EXP[$b]}/, got: $(grep -m1 "$b/s1" "$T/v.log")"
	fi
done
grep -q "Server agentup/s1 is DOWN" "$T/v.log" && ko "agentup went down" || ok "agentup stays up"

# a parsed keyword without a probe must stop the start
printf 'defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\nlisten l\n    bind 127.0.0.1:%d\n    server s1 127.0.0.1:%d check agent-check\n' $((B + 21)) $((B + 13)) >"$T/ssl.cfg"
timeout 3 "$VIPR" -db -f "$T/ssl.cfg" >"$T/ssl.log" 2>&1
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "\[ALERT\].*'agent-check (without 'agent-port')' is not implemented" "$T/ssl.log"; then ok "agent-check without agent-port refused (rc $rc)"; else ko "agent-check without agent-port: rc $rc: $(head -3 "$T/ssl.log")"; fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
