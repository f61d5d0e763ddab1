#!/bin/bash
# lvs_udp.sh - `protocol UDP` virtual_servers on a kernel without IPVS: vipr's keepalived
# proxies UDP in userspace with IPVS's flow model, in a network namespace made here.
#   1. rr over two real servers (socat UDP echo servers answering "web1" / "web2"): datagrams
#      from new client ports alternate; datagrams from one client port stay on its flow.
#   2. persistence_timeout: every client port of the client address goes to one server.
#   3. a real server whose MISC_CHECK fails is removed: new flows and its old flow go to the
#      other one; it comes back when the check passes.
#   4. `vipr ipvs` in the namespace lists the UDP services; a fwmark virtual_server is logged
#      as impossible without IPVS, never silently accepted.
# Env: VIPR, SRC, BUILD, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line "N passed, M failed".
set -u

. "$SRC/tests/lib/netns.sh"
. "$SRC/tests/lib/ka_daemon.sh"
PB=${PORT_BASE:-$((10000 + ($$ % 90) * 250))}
VP=$((PB + 10)) RP=$((PB + 11)) CP=$((PB + 12))
ka_single_init lvsudp lvsudp socat

for i in 1 2; do
	# the answer only after reading the datagram: socat fails on a program gone already
	ip netns exec "$NS" socat "UDP4-RECVFROM:$RP,bind=127.0.0.$((i + 1)),fork" \
		SYSTEM:"read -r l; echo web$i" 2>/dev/null &
	PIDS+=($!)
done
touch "$T/up2"
printf '#!/bin/sh\ntest -e "%s/up$1"\n' "$T" >"$T/up.sh"
chmod 755 "$T/up.sh"
cat >"$T/ka.conf" <<EOF
global_defs {
	router_id udp_test
}
virtual_server 127.0.0.10 $VP {
	delay_loop 1
	lb_algo rr
	lb_kind NAT
	protocol UDP
	real_server 127.0.0.2 $RP {
		weight 1
		MISC_CHECK {
			misc_path "$T/up.sh 2"
			misc_timeout 3
		}
	}
	real_server 127.0.0.3 $RP {
		weight 1
	}
}
virtual_server 127.0.0.11 $VP {
	lb_algo rr
	lb_kind DR
	protocol UDP
	persistence_timeout 60
	real_server 127.0.0.2 $RP {
		weight 1
	}
	real_server 127.0.0.3 $RP {
		weight 1
	}
}
virtual_server fwmark 5 {
	lb_algo rr
	lb_kind DR
	real_server 127.0.0.2 $RP {
		weight 1
	}
}
EOF
ka_start "$T/ka.log" -D

# q VIP [SOURCEPORT]: one datagram, the answer (empty after 2 s without one)
q() {
	local opt=
	[ -n "${2:-}" ] && opt=",sourceport=$2,reuseaddr"
	echo q | inns timeout 5 socat -T 2 - "UDP4:$1:$VP$opt" 2>/dev/null
}
qs() { # N VIP: N answers from new client ports, space separated
	local out=() i
	for ((i = 0; i < $1; i++)); do out+=("$(q "$2")"); done
	echo "${out[*]}"
}

up=
for _ in $(seq 1 100); do
	r=$(q 127.0.0.10)
	[[ "$r" == web[12] ]] && { up=1; break; }
	sleep 0.2
done
[ -n "$up" ] && ok "the UDP virtual server answers through a real server" ||
	{ ko "no answer from 127.0.0.10:$VP"; cat "$T/ka.log"; finish; }

# 1. rr: alternating over new flows; one flow stays put
s=$(qs 4 127.0.0.10)
read -r a b c d <<<"$s"
[[ "$a" == web[12] ]] && [ "$a" != "$b" ] && [ "$a" = "$c" ] && [ "$b" = "$d" ] &&
	ok "rr: new client ports alternate ($s)" || ko "rr: answers [$s], want alternating web1/web2"
f1=$(q 127.0.0.10 "$CP")
f2=$(q 127.0.0.10 "$CP")
f3=$(q 127.0.0.10 "$CP")
[[ "$f1" == web[12] ]] && [ "$f1" = "$f2" ] && [ "$f2" = "$f3" ] &&
	ok "flow: datagrams from one client port stay on its server ($f1)" ||
	ko "flow: one client port got [$f1 $f2 $f3]"

# 2. persistence
s=$(qs 4 127.0.0.11)
read -r a b c d <<<"$s"
[[ "$a" == web[12] ]] && [ "$a" = "$b" ] && [ "$b" = "$c" ] && [ "$c" = "$d" ] &&
	ok "persistence_timeout: every client port on one server ($s)" ||
	ko "persistence: answers [$s], want one server"

# 3. web1 (127.0.0.2) fails its check: removed, its flows rescheduled
mark=$(wc -c <"$T/ka.log")
rm "$T/up2"
for _ in $(seq 1 100); do
	tail -c +$((mark + 1)) "$T/ka.log" | grep -q "Removing service \[127.0.0.2\]:udp:$RP" && break
	sleep 0.1
done
tail -c +$((mark + 1)) "$T/ka.log" | grep -q "Removing service \[127.0.0.2\]:udp:$RP from VS \[127.0.0.10\]:udp:$VP" &&
	ok "check failed: keepalived's line for the removal" || ko "no removal line: $(tail -5 "$T/ka.log")"
s=$(qs 4 127.0.0.10)
[ "$s" = "web2 web2 web2 web2" ] && ok "down: new flows go to web2 only" || ko "down: answers [$s]"
f=$(q 127.0.0.10 "$CP")
[ "$f" = web2 ] && ok "down: the flow of a removed server is scheduled anew (web2)" ||
	ko "down: the old flow answered [$f]"
live=$(inns "$VIPR" ipvs 2>&1)
echo "$live" | grep -q "^UDP  127.0.0.10:$VP rr$" &&
	echo "$live" | grep -Eq "^  -> 127.0.0.3:$RP +Masq +1 +0 +[1-9]" &&
	! echo "$live" | grep -q "127.0.0.2:$RP.*Masq" &&
	echo "$live" | grep -q "^UDP  127.0.0.11:$VP rr persistent 60$" &&
	ok "vipr ipvs lists the UDP services (flows as InActConn), web1 gone from the first" ||
	ko "vipr ipvs: $live"
mark=$(wc -c <"$T/ka.log")
touch "$T/up2"
for _ in $(seq 1 100); do
	tail -c +$((mark + 1)) "$T/ka.log" | grep -q "Adding service \[127.0.0.2\]" && break
	sleep 0.1
done
s=$(qs 4 127.0.0.10)
echo "$s" | grep -q web1 && echo "$s" | grep -q web2 && ok "up: web1 takes new flows again ($s)" ||
	ko "up: answers [$s]"

# 4. fwmark without IPVS
grep -q "VS FWM 5 is not served: a fwmark virtual server needs the kernel's IPVS" "$T/ka.log" &&
	ok "fwmark: logged as impossible without the kernel's IPVS" ||
	ko "fwmark: no log line: $(grep -i ipvs "$T/ka.log")"
grep -q "VS \[127.0.0.10\]:udp:$VP (rr, lb_kind NAT) is served by vipr's userspace UDP proxy" "$T/ka.log" &&
	ok "the UDP virtual server's startup line" || ko "no UDP startup line: $(grep -i ipvs "$T/ka.log")"

ka_sigterm_check
[ -z "$(inns "$VIPR" ipvs 2>/dev/null)" ] && ok "nothing left serving in the namespace" ||
	ko "vipr ipvs still answers after the stop"
finish
