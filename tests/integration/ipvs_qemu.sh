#!/bin/bash
# ipvs_qemu.sh - the kernel IPVS data plane for real: Debian's cloud kernel booted under qemu
# (TCG; /work/shared/IPVS-TESTING.md says why not KVM) runs vipr as keepalived over
# tests/qemu/ka1.conf, and `ipvsadm -Ln` inside the VM must show what keepalived 2.2.7 leaves
# in the kernel at each step (tests/qemu/run.sh): the services (DR and NAT, wrr, persistence
# with a netmask, UDP, fwmark, a virtual_server_group as one service per member) and weights
# at start; a failed real server removed and an
# inhibit_on_failure one at weight 0; the sorry_server standing in when the fwmark service
# loses its quorum; everything back when the checks pass; a reload (SIGHUP) handled as
# keepalived does: the UDP service it drops deleted, a real server added, the fwmark
# service's scheduler edited, a group member dropped, a failed real server kept out (its
# check state kept) until its
# check passes; an empty table once vipr has stopped. `vipr ipvs` in the VM
# must print exactly what ipvsadm prints.
# The kernel .deb is fetched with `apt-get download` and cached with the base initramfs under
# $BUILD/ipvs-qemu, so reruns only pack vipr and boot (about 5 s a boot).
# Env: VIPR, SRC, BUILD. Exit 0 pass, 77 skip (no qemu/busybox/ipvsadm, package not
# fetchable), 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$(dirname "$VIPR")}
skip() { echo "skip: $*"; exit 77; }
QEMU=$(command -v qemu-system-x86_64) || skip "qemu-system-x86_64 not installed (scripts/setup.sh)"
BUSYBOX=$(command -v busybox) || skip "busybox-static not installed"
ldd "$BUSYBOX" >/dev/null 2>&1 && skip "$BUSYBOX is not static (busybox-static)"
IPVSADM=$(command -v ipvsadm || echo /usr/sbin/ipvsadm)
[ -x "$IPVSADM" ] || skip "ipvsadm not installed"
DEPMOD=$(command -v depmod || echo /usr/sbin/depmod)
MODPROBE=$(command -v modprobe || echo /usr/sbin/modprobe)
[ -x "$DEPMOD" ] && [ -x "$MODPROBE" ] || skip "kmod (depmod, modprobe) not installed"

C=$BUILD/ipvs-qemu # cache: the kernel .deb, its unpacked modules, the base initramfs
mkdir -p "$C"
T=$(mktemp -d /tmp/vipr-ipvsq.XXXXXX)
trap 'rm -rf "$T"' EXIT
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ] && exit 0 || exit 1
}

# --- the kernel: the cloud flavour's current ABI package (its name moves with point releases)
PKG=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
[ -n "$PKG" ] || skip "apt does not know linux-image-cloud-amd64"
DEB=$(ls "$C/${PKG}"_*.deb 2>/dev/null | head -1)
if [ -z "$DEB" ]; then
	(cd "$C" && timeout 120 apt-get download "$PKG" >"$T/apt.log" 2>&1) ||
		skip "cannot fetch $PKG: $(tail -1 "$T/apt.log")"
	DEB=$(ls "$C/${PKG}"_*.deb | head -1)
fi
K=$C/kernel-$(basename "$DEB" .deb)
if [ ! -f "$K/done" ]; then
	rm -rf "$K" && mkdir -p "$K"
	# only the kernel and the module trees IPVS and its dependencies come from
	dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$K" --wildcards './boot/vmlinuz-*' \
		'./lib/modules/*/modules.*' './lib/modules/*/kernel/net/netfilter/*' \
		'./lib/modules/*/kernel/net/ipv4/*' './lib/modules/*/kernel/net/ipv6/*' \
		'./lib/modules/*/kernel/lib/*' './lib/modules/*/kernel/crypto/*' \
		'./lib/modules/*/kernel/arch/*' || { echo "FAIL unpacking $DEB"; exit 1; }
	touch "$K/done"
fi
KV=$(ls "$K/lib/modules" | head -1)
VMLINUZ=$(ls "$K"/boot/vmlinuz-* | head -1)

# --- the base initramfs: busybox, IPVS modules in dependency order, ipvsadm and its libs
copy_with_libs() { # FILE DESTDIR ROOT: the file and what ldd says it loads
	cp -L "$1" "$3/$2/" || return 1
	ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$3$(dirname "$lib")" && cp -Ln "$lib" "$3$lib"
	done
}
BASE=$C/base-$KV.cpio.gz
if [ ! -s "$BASE" ] || [ "$BASE" -ot "$SRC/tests/qemu/init" ]; then
	R=$T/base
	mkdir -p "$R"/{bin,sbin,modules,proc,sys,dev,tmp,run,test,lib64}
	cp "$BUSYBOX" "$R/bin/busybox"
	"$DEPMOD" -b "$K" "$KV" || { echo "FAIL depmod"; exit 1; }
	"$MODPROBE" -d "$K" -S "$KV" --show-depends -a ip_vs ip_vs_rr ip_vs_wrr ip_vs_wlc ip_vs_sh \
		>"$T/deps" || { echo "FAIL modprobe --show-depends: $(cat "$T/deps")"; exit 1; }
	awk '$1 == "insmod" && !seen[$2]++ {print $2}' "$T/deps" | while read -r ko; do
		cp "$ko" "$R/modules/" && basename "$ko"
	done >"$R/modules/order"
	copy_with_libs "$IPVSADM" sbin "$R" || exit 1
	cp "$SRC/tests/qemu/init" "$R/init" && chmod 755 "$R/init"
	(cd "$R" && find . | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null | gzip -1) >"$BASE.tmp" &&
		mv "$BASE.tmp" "$BASE"
fi

# --- the payload: vipr (this build) and the test, added over the base
P=$T/payload
mkdir -p "$P"/{bin,test}
copy_with_libs "$VIPR" bin "$P" || { echo "FAIL copying $VIPR"; exit 1; }
[ "$(basename "$VIPR")" = vipr ] || mv "$P/bin/$(basename "$VIPR")" "$P/bin/vipr"
ln -s vipr "$P/bin/keepalived"
cp "$SRC"/tests/qemu/{run.sh,up.sh,ka1.conf,ka2.conf} "$P/test/"
(cd "$P" && find . | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null | gzip -1) >"$T/payload.cpio.gz"
cat "$BASE" "$T/payload.cpio.gz" >"$T/initrd.img"

# --- boot (TCG only: KVM is broken on these machines, IPVS-TESTING.md)
t0=$SECONDS
timeout 60 "$QEMU" -accel tcg -m 512 -nic none -nographic -serial mon:stdio \
	-serial "file:$T/results.txt" -kernel "$VMLINUZ" -initrd "$T/initrd.img" \
	-append 'console=ttyS0 quiet panic=-1' -no-reboot </dev/null >"$T/console.log" 2>&1
qrc=$?
tr -d '\r' <"$T/results.txt" >"$T/r.txt" 2>/dev/null
echo "# boot and run: $((SECONDS - t0)) s (qemu exit $qrc, kernel $KV)"
if ! grep -q "^RESULT_RC=" "$T/r.txt"; then
	ko "the VM did not finish (qemu exit $qrc)"
	tail -30 "$T/console.log"
	cat "$T/r.txt"
	finish
fi
ok "the VM booted $KV, loaded ip_vs and ran the test"

block() { # the lines of block "== $1" up to the next "== "
	awk -v h="== $1" '$0 == h {on = 1; next} on && /^== / {exit} on' "$T/r.txt"
}
HEAD='IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn'
row() { printf '  -> %-28s %-7s %-6s %-10s %-10s\n' "$1" "$2" "$3" 0 0; }
expect() { # STEP WHAT EXPECTED-TABLE
	local got
	got=$(block "$1")
	if [ "$got" = "$3" ]; then
		ok "$1: ipvsadm -Ln shows $2"
	else
		ko "$1: ipvsadm -Ln shows"
		echo "$got" | sed 's/^/#   /'
		echo "# want"
		echo "$3" | sed 's/^/#   /'
	fi
	[ -n "$got" ] && [ "$(block "vipr $1")" = "$got" ] && ok "$1: vipr ipvs prints the kernel table as ipvsadm does" ||
		{ ko "$1: vipr ipvs prints"; block "vipr $1" | sed 's/^/#   /'; }
}
tcp="TCP  10.0.0.1:80 wrr persistent 60"
udp="UDP  10.0.0.10:53 wrr persistent 300 mask 255.255.255.0"
fwm="FWM  7 sh"
# the virtual_server_group: one service per member address, each with the group's real server
grp() { for a in "$@"; do printf 'TCP  10.0.1.%s:8080 rr\n%s\n' "$a" "$(row 192.168.1.8:8080 Masq 1)"; done; }
grep -q "^== genl before: 3 lines" "$T/r.txt" && ok "an empty IPVS table before vipr starts" ||
	ko "before vipr: $(grep '^== genl before' "$T/r.txt")"
expect start "every virtual_server and real_server, weights, DR/NAT, persistence and mask" \
"$HEAD
$tcp
$(row 10.0.0.2:80 Route 2)
$(row 10.0.0.3:80 Route 1)
$(grp 1 2 3)
$udp
$(row 192.168.1.4:53 Masq 1)
$(row 192.168.1.5:53 Masq 3)
$fwm
$(row 10.0.0.7:80 Route 1)"
expect down "a failed real server removed, an inhibit_on_failure one at weight 0" \
"$HEAD
$tcp
$(row 10.0.0.3:80 Route 1)
$(grp 1 2 3)
$udp
$(row 192.168.1.4:53 Masq 1)
$(row 192.168.1.5:53 Masq 0)
$fwm
$(row 10.0.0.7:80 Route 1)"
expect sorry "the sorry_server in place of the failed fwmark real server" \
"$HEAD
$tcp
$(row 10.0.0.3:80 Route 1)
$(grp 1 2 3)
$udp
$(row 192.168.1.4:53 Masq 1)
$(row 192.168.1.5:53 Masq 0)
$fwm
$(row 10.0.0.99:80 Route 1)"
expect up "every real server back with its weight, the sorry_server gone" \
"$HEAD
$tcp
$(row 10.0.0.2:80 Route 2)
$(row 10.0.0.3:80 Route 1)
$(grp 1 2 3)
$udp
$(row 192.168.1.4:53 Masq 1)
$(row 192.168.1.5:53 Masq 3)
$fwm
$(row 10.0.0.7:80 Route 1)"
expect reload "a reload: UDP service deleted, real server added, scheduler changed, failed one kept out" \
"$HEAD
$tcp
$(row 10.0.0.3:80 Route 1)
$(row 10.0.0.4:80 Route 1)
$(grp 1 2)
FWM  7 rr
$(row 10.0.0.7:80 Route 1)"
expect reloadup "the failed real server back, added by the reloaded checker" \
"$HEAD
$tcp
$(row 10.0.0.2:80 Route 2)
$(row 10.0.0.3:80 Route 1)
$(row 10.0.0.4:80 Route 1)
$(grp 1 2)
FWM  7 rr
$(row 10.0.0.7:80 Route 1)"
grep -q "^== checkers 2$" "$T/r.txt" && ok "reload: one daemon and one checker left" ||
	ko "reload: processes: $(grep '^== checkers' "$T/r.txt")"
grep -q "^== exit 0" "$T/r.txt" && ok "vipr exits 0 on SIGTERM" || ko "vipr: $(grep '^== exit' "$T/r.txt")"
expect stopped "an empty table once vipr has stopped" "$HEAD"
if grep -q "TIMEOUT\|ERROR: AddressSanitizer\|runtime error:\|IPVS (cmd" "$T/r.txt"; then
	ko "timeouts, IPVS errors or sanitizer reports in the VM:"
	grep "TIMEOUT\|AddressSanitizer\|runtime error:\|IPVS (cmd" "$T/r.txt" | head -5
else
	ok "no step timed out, no IPVS command failed, no sanitizer report"
fi
[ "$FAIL" = 0 ] || { echo "# VM log:"; block log | tail -40 | sed 's/^/#   /'; grep /task/ "$T/r.txt"; }
finish
