#!/bin/sh
# Runs inside the IPVS test VM (tests/integration/ipvs_qemu.sh), output on the 2nd serial
# port: vipr as keepalived programs the kernel's IPVS; each "== NAME" block is `ipvsadm -Ln`
# then `vipr ipvs` at one step, which the host compares with what keepalived 2.2.7 would
# leave in the kernel. Every wait is bounded (300 x 0.1 s); the host bounds the whole boot.
export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1
export PATH=/bin:/sbin:/usr/sbin
cd /tmp || exit 1

table() {
	echo "== $1"
	ipvsadm -Ln
	echo "== vipr $1"
	vipr ipvs
	echo "== end"
}
# until `ipvsadm -Ln` matches (want=0) or stops matching (want=1) the ERE $1
wait_table() {
	i=0
	while [ $i -lt 300 ]; do
		ipvsadm -Ln | grep -Eq "$1"
		[ $? = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "TIMEOUT waiting for '$1' ($2)"
	return 1
}

echo "== genl before: $(ipvsadm -Ln | grep -c .) lines"
touch /tmp/up2 /tmp/up5 /tmp/up7
cp /test/ka1.conf /tmp/ka.conf
keepalived -n -l -D -f /tmp/ka.conf >/tmp/ka.log 2>&1 &
KA=$!
wait_table "192.168.1.4:53" 0 && wait_table "10.0.0.3:80" 0 && wait_table "10.0.0.7:80" 0 &&
	wait_table "10.0.0.2:80" 0 && wait_table "192.168.1.5:53" 0 && wait_table "10.0.1.3:8080" 0
started=$?
table start
if [ $started != 0 ]; then # nothing after this can work: say why and stop
	for t in /proc/[0-9]*/task/*; do
		case "$(cat "$t/cmdline" 2>/dev/null)" in keepalived*) echo "$t $(cat "$t/wchan")";; esac
	done
	kill -TERM $KA
	sleep 3
	echo "== log"
	cat /tmp/ka.log
	echo "== end"
	exit 1
fi
# checks fail: .2 is removed, .5 (inhibit_on_failure) kept with weight 0
rm /tmp/up2 /tmp/up5
wait_table "10.0.0.2:80" 1 && wait_table "192.168.1.5:53 +Masq +0 " 0
table down
# the fwmark service's only real server fails: quorum lost, the sorry server stands in
rm /tmp/up7
wait_table "10.0.0.99:80" 0 && wait_table "10.0.0.7:80" 1
table sorry
touch /tmp/up2 /tmp/up5 /tmp/up7
wait_table "10.0.0.2:80 +Route +2 " 0 && wait_table "192.168.1.5:53 +Masq +3 " 0 &&
	wait_table "10.0.0.7:80" 0 && wait_table "10.0.0.99:80" 1
table up
# .2 fails, then the reload (ka2.conf): the UDP virtual_server deleted, 10.0.0.4 added, the
# fwmark service's scheduler changed; .2 stays out (its check state is kept by the new checker)
rm /tmp/up2
wait_table "10.0.0.2:80" 1
cp /test/ka2.conf /tmp/ka.conf
kill -HUP $KA
# (under TCG on a loaded host a MISC_CHECK can time out and put the sorry server in for a
# moment: the table is read once the checks agree again)
wait_table "^UDP " 1 && wait_table "10.0.0.4:80" 0 && wait_table "FWM  7 rr" 0 &&
	wait_table "10.0.1.3:8080" 1 &&
	wait_table "10.0.0.7:80" 0 && wait_table "10.0.0.99:80" 1
sleep 1 # a reset check state would bring .2 back within the delay_loop
table reload
i=0 # the daemon and one checker: the old checker exits once it handed over
while [ $i -lt 50 ]; do
	n=$(ps -o pid,args | grep -c '[k]eepalived -n')
	[ "$n" = 2 ] && break
	sleep 0.1
	i=$((i + 1))
done
echo "== checkers $n"
touch /tmp/up2
wait_table "10.0.0.2:80 +Route +2 " 0
table reloadup
kill -TERM $KA
wait $KA
echo "== exit $?"
table stopped
echo "== log"
cat /tmp/ka.log
echo "== end"
